//! The outreach plan on paper, to share with the county commissioner, the county government,
//! chiefs and the MDAs: where and when, what is offered and by whom, who and what goes, who has
//! been told, what each MDA has agreed, and the money. A4, English with Kiswahili beside or
//! beneath, DejaVu Sans embedded (as every document here).
//!
//! Built from the plan and the catalogue alone (service and MDA names); returns bytes.

use super::pdf::{Colour, Layout, Sheet, Weight, text_width};
use super::words::{self, Words};
use super::{format_date, format_time, group_thousands};
use crate::catalogue::Catalogue;
use crate::error::Result;
use crate::lang::Text;
use crate::planning::budget::{self, BudgetWarning};
use crate::planning::{self, ChecklistItem};
use fieldkit_protocol::{
    EquipmentKind, EquipmentLine, EquipmentSource, NoticeStatus, OutreachPlan, OutreachStatus, StakeholderKind,
};
use time::OffsetDateTime;

const fn w(en: &'static str, sw: &'static str) -> Words {
    Words { en, sw }
}

const TITLE: Words = w("Outreach plan", "Mpango wa huduma mashinani");
const STATUS: Words = w("Status", "Hali");
const REVISION: Words = w("Revision", "Toleo");
const CENTRE: Words = w("Huduma Centre", "Kituo cha Huduma");
const WHERE: Words = w("Where", "Mahali");
const COUNTY: Words = w("County", "Kaunti");
const SUB_COUNTY: Words = w("Sub-county", "Kaunti ndogo");
const WARD: Words = w("Ward", "Wadi");
const GPS: Words = w("GPS point", "Alama ya GPS");
const WHEN: Words = w("When", "Lini");
const SERVICES_AND_MDAS: Words = w("Services and MDAs", "Huduma na taasisi");
const SERVICES: Words = w("Services offered", "Huduma zitakazotolewa");
const MDAS: Words = w("MDAs attending", "Taasisi zitakazohudhuria");
const PEOPLE: Words = w("Officers and laptops", "Maafisa na kompyuta");
const OFFICERS: Words = w("Officers assigned", "Maafisa waliopangiwa");
const LAPTOPS: Words = w("Laptops assigned", "Kompyuta zilizopangiwa");
const EQUIPMENT: Words = w("Equipment", "Vifaa");
const KIND: Words = w("Item", "Kifaa");
const QUANTITY: Words = w("Quantity", "Idadi");
const SOURCE: Words = w("Source", "Chanzo");
const ASSET_TAG: Words = w("Asset tag", "Nambari ya mali");
const STAKEHOLDERS: Words = w("Stakeholders", "Wadau");
const WHO: Words = w("Who", "Nani");
const NAME: Words = w("Name", "Jina");
const NOTICE: Words = w("Notice", "Taarifa");
const CHECKLISTS: Words = w("Checklist agreed with each MDA", "Orodha ya ukaguzi iliyokubaliwa na kila taasisi");
const AGREED: Words = w("Agreed", "Imekubaliwa");
const NOT_AGREED: Words = w("Not yet agreed", "Bado haijakubaliwa");
const ALL_AGREED: Words = w("All seven items agreed", "Vipengele vyote saba vimekubaliwa");
const BUDGET: Words = w("Budget", "Bajeti");
const IMPREST: Words = w("Imprest", "Masurufu");
const SPENT: Words = w("Spent", "Matumizi");
const TOTAL_SPENT: Words = w("Total spent", "Jumla ya matumizi");
const BALANCE: Words = w("Balance", "Salio");
const NO_RECEIPT: Words = w("Expenses without a receipt", "Matumizi yasiyo na risiti");
const NO_BUDGET: Words = w("No budget recorded yet.", "Bado hakuna bajeti iliyorekodiwa.");
const EXPENSES: Words = w("Expenses", "Matumizi");
const CATEGORY: Words = w("Category", "Aina");
const DESCRIPTION: Words = w("Description", "Maelezo");
const AMOUNT: Words = w("KSh", "KSh");
const RECEIPT: Words = w("Receipt", "Risiti");
const PREPARED: Words = w("Prepared", "Imeandaliwa");
const TRAINING_NOTICE: Words =
    w("Training only: this is not a real outreach plan.", "Mafunzo tu: huu si mpango halisi wa huduma mashinani.");

fn status_words(status: OutreachStatus) -> Words {
    match status {
        OutreachStatus::Draft => w("Draft", "Rasimu"),
        OutreachStatus::Confirmed => w("Confirmed", "Imethibitishwa"),
        OutreachStatus::Running => w("Running", "Inaendelea"),
        OutreachStatus::Closed => w("Closed", "Imefungwa"),
    }
}

fn kind_words(kind: EquipmentKind) -> Words {
    match kind {
        EquipmentKind::Tent => w("Tent", "Hema"),
        EquipmentKind::Chairs => w("Chairs", "Viti"),
        EquipmentKind::PublicAddress => w("Public-address system", "Vipaza sauti"),
        EquipmentKind::Generator => w("Generator", "Jenereta"),
        EquipmentKind::Batteries => w("Batteries", "Betri"),
        EquipmentKind::Printer => w("Printer", "Mashine ya kuchapisha"),
        EquipmentKind::Laptop => w("Laptop", "Kompyuta"),
        EquipmentKind::Other => w("Other", "Kingine"),
    }
}

fn source_text(line: &EquipmentLine) -> Text {
    let agency = line.agency.as_deref().map(str::trim).filter(|a| !a.is_empty()).unwrap_or("?");
    match line.source {
        EquipmentSource::Needed => Text::new("Needed, not yet sourced", "Inahitajika, bado haijapatikana"),
        EquipmentSource::Centre => Text::new("Huduma Centre's own", "Ya Kituo cha Huduma"),
        EquipmentSource::Agency => Text::new(format!("Lent by {agency}"), format!("Imeazimwa na {agency}")),
        EquipmentSource::Hired => Text::new("Hired", "Imekodiwa"),
    }
}

fn stakeholder_words(kind: StakeholderKind) -> Words {
    match kind {
        StakeholderKind::CountyCommissioner => w("County commissioner", "Kamishna wa kaunti"),
        StakeholderKind::CountyGovernment => w("County government", "Serikali ya kaunti"),
        StakeholderKind::Chief => w("Chief", "Chifu"),
        StakeholderKind::VillageElders => w("Village elders", "Wazee wa kijiji"),
        StakeholderKind::Other => w("Other", "Mwingine"),
    }
}

fn notice_words(status: NoticeStatus) -> Words {
    match status {
        NoticeStatus::NotNotified => w("Not yet notified", "Bado hajaarifiwa"),
        NoticeStatus::Notified => w("Notified", "Amearifiwa"),
        NoticeStatus::Confirmed => w("Confirmed", "Amethibitisha"),
    }
}

/// `-2,345`.
fn signed_thousands(n: i64) -> String {
    let grouped = group_thousands(n.unsigned_abs());
    if n < 0 { format!("-{grouped}") } else { grouped }
}

/// The plan as an A4 PDF for stakeholders; `training` puts the TRAINING watermark on every page
/// (a trainer's demo profile).
pub fn plan_pdf(
    plan: &OutreachPlan,
    catalogue: &Catalogue,
    prepared_at: OffsetDateTime,
    training: bool,
) -> Result<Vec<u8>> {
    let mut l = Layout::new(Sheet::Fixed { width: 210.0, height: 297.0 }, 15.0);
    if training {
        l.watermark(words::TRAINING_MARK);
    }
    let (x, width) = (l.left(), l.content_width());
    l.paragraph(x, width, words::ORGANISATION.en, 9.0, Weight::Bold, Colour::GREY);
    l.paragraph(x, width, TITLE.en, 17.0, Weight::Bold, Colour::BLACK);
    l.paragraph(x, width, TITLE.sw, 12.0, Weight::Regular, Colour::GREY);
    if training {
        l.paragraph(x, width, &TRAINING_NOTICE.both(), 9.0, Weight::Bold, Colour::BLACK);
    }
    l.gap(1.5);
    l.paragraph(x, width, &plan.name, 14.0, Weight::Bold, Colour::BLACK);
    l.gap(1.5);
    let status = status_words(plan.status);
    let status_line = Text::new(
        format!("{} · {} {}", status.en, REVISION.en, plan.revision),
        format!("{} · {} {}", status.sw, REVISION.sw, plan.revision),
    );
    row(&mut l, STATUS, &status_line);
    row(&mut l, CENTRE, &same(&plan.centre));
    when(&mut l, plan);
    l.rule();

    heading(&mut l, WHERE);
    let county = match crate::counties::by_code(plan.county_code.trim()) {
        Some(c) => Text::new(format!("{} County ({})", c.name, c.code), format!("Kaunti ya {} ({})", c.name, c.code)),
        None => same(&plan.county_code),
    };
    row(&mut l, COUNTY, &county);
    for (label, value) in [(SUB_COUNTY, &plan.sub_county), (WARD, &plan.ward)] {
        if !value.trim().is_empty() {
            row(&mut l, label, &same(value));
        }
    }
    row(&mut l, words::PLACE, &same(&plan.place));
    if let Some(gps) = plan.gps {
        row(&mut l, GPS, &same(&format!("{:.5}, {:.5}", gps.lat, gps.lon)));
    }
    l.rule();

    services_and_mdas(&mut l, plan, catalogue);
    heading(&mut l, PEOPLE);
    row(&mut l, OFFICERS, &list_or_none(&plan.officers));
    row(&mut l, LAPTOPS, &list_or_none(&plan.laptops));
    l.rule();

    equipment(&mut l, plan);
    stakeholders(&mut l, plan);
    checklists(&mut l, plan, catalogue);
    budget_section(&mut l, plan);

    l.gap(3.0);
    let prepared = format!("{} / {}: {}", PREPARED.en, PREPARED.sw, format_time(prepared_at));
    l.paragraph(x, width, &prepared, 8.0, Weight::Regular, Colour::GREY);
    l.finish(&format!("{}: {}", TITLE.en, plan.name), prepared_at)
}

fn same(text: &str) -> Text {
    Text::new(text, text)
}

fn list_or_none(items: &[String]) -> Text {
    if items.is_empty() { words::NONE.text() } else { same(&items.join(", ")) }
}

/// `2026-11-21 to 2026-11-23 (3 days)`, or the dates as written when they are not dates.
fn when(l: &mut Layout, plan: &OutreachPlan) {
    let text = match planning::plan_days(plan) {
        Some((first, last)) => {
            let days = (last - first).whole_days().saturating_add(1);
            let (first, last) = (format_date(first), format_date(last));
            let plural = if days == 1 { "day" } else { "days" };
            Text::new(format!("{first} to {last} ({days} {plural})"), format!("{first} hadi {last} (siku {days})"))
        }
        None => same(&format!("{} – {}", plan.starts_on, plan.ends_on)),
    };
    row(l, WHEN, &text);
}

fn services_and_mdas(l: &mut Layout, plan: &OutreachPlan, catalogue: &Catalogue) {
    heading(l, SERVICES_AND_MDAS);
    let services: Vec<Text> = plan
        .services
        .iter()
        .map(|id| {
            let name = planning::service_name(catalogue, id);
            match catalogue.service(id) {
                Some(s) => {
                    let mda = s.mda.to_uppercase();
                    Text::new(format!("{} ({mda})", name.en), format!("{} ({mda})", name.sw))
                }
                None => name,
            }
        })
        .collect();
    bullet_list(l, SERVICES, &services);
    let mdas: Vec<Text> = plan
        .mdas
        .iter()
        .map(|id| match catalogue.mda(id) {
            Some(m) => {
                let code = id.to_uppercase();
                Text::new(format!("{} ({code})", m.name.en), format!("{} ({code})", m.name.sw))
            }
            None => same(id),
        })
        .collect();
    bullet_list(l, MDAS, &mdas);
    l.rule();
}

fn equipment(l: &mut Layout, plan: &OutreachPlan) {
    heading(l, EQUIPMENT);
    if plan.equipment.is_empty() {
        none(l);
        return;
    }
    let columns = [
        Column { title: KIND, width: 50.0, right: false },
        Column { title: QUANTITY, width: 22.0, right: true },
        Column { title: SOURCE, width: 68.0, right: false },
        Column { title: ASSET_TAG, width: 40.0, right: false },
    ];
    let rows: Vec<Vec<Text>> = plan
        .equipment
        .iter()
        .map(|line| {
            vec![
                kind_words(line.kind).text(),
                same(&line.quantity.to_string()),
                source_text(line),
                same(line.asset_tag.as_deref().map(str::trim).filter(|t| !t.is_empty()).unwrap_or("–")),
            ]
        })
        .collect();
    table(l, &columns, &rows);
}

fn stakeholders(l: &mut Layout, plan: &OutreachPlan) {
    heading(l, STAKEHOLDERS);
    if plan.stakeholders.is_empty() {
        none(l);
        return;
    }
    let columns = [
        Column { title: WHO, width: 55.0, right: false },
        Column { title: NAME, width: 75.0, right: false },
        Column { title: NOTICE, width: 50.0, right: false },
    ];
    let rows: Vec<Vec<Text>> = plan
        .stakeholders
        .iter()
        .map(|s| vec![stakeholder_words(s.kind).text(), same(&s.name), notice_words(s.status).text()])
        .collect();
    table(l, &columns, &rows);
}

/// Per service offered: what its MDA has agreed, and what not yet.
fn checklists(l: &mut Layout, plan: &OutreachPlan, catalogue: &Catalogue) {
    heading(l, CHECKLISTS);
    if plan.services.is_empty() {
        none(l);
        return;
    }
    let (x, width) = (l.left(), l.content_width());
    let mut seen = std::collections::BTreeSet::new();
    for id in plan.services.iter().filter(|id| seen.insert(id.as_str())) {
        l.ensure(16.0);
        let name = planning::service_name(catalogue, id);
        l.pair(x, width, (&name.en, &name.sw), 9.0, Weight::Bold);
        let missing = planning::checklist_missing(plan, id);
        let agreed: Vec<ChecklistItem> = ChecklistItem::ALL.into_iter().filter(|i| !missing.contains(i)).collect();
        let names = |items: &[ChecklistItem]| {
            let texts: Vec<Text> = items.iter().map(|i| i.name()).collect();
            Text::new(
                texts.iter().map(|t| t.en.as_str()).collect::<Vec<_>>().join(", "),
                texts.iter().map(|t| t.sw.as_str()).collect::<Vec<_>>().join(", "),
            )
        };
        let indent = x + 4.0;
        if missing.is_empty() {
            l.pair(indent, width - 4.0, (ALL_AGREED.en, ALL_AGREED.sw), 8.5, Weight::Regular);
        } else {
            for (label, items) in [(AGREED, &agreed), (NOT_AGREED, &missing)] {
                if items.is_empty() {
                    continue;
                }
                let text = names(items);
                let count = format!("{} / 7", items.len());
                l.paragraph(
                    indent,
                    width - 4.0,
                    &format!("{} ({count}): {}", label.en, text.en),
                    8.5,
                    Weight::Regular,
                    Colour::BLACK,
                );
                l.paragraph(
                    indent,
                    width - 4.0,
                    &format!("{}: {}", label.sw, text.sw),
                    8.0,
                    Weight::Regular,
                    Colour::GREY,
                );
            }
        }
        l.gap(1.0);
    }
    l.rule();
}

fn budget_section(l: &mut Layout, plan: &OutreachPlan) {
    heading(l, BUDGET);
    let Some(b) = &plan.budget else {
        let (x, width) = (l.left(), l.content_width());
        l.pair(x, width, (NO_BUDGET.en, NO_BUDGET.sw), 9.0, Weight::Regular);
        return;
    };
    let summary = budget::summarise(b);
    let ksh = |n: u64| same(&format!("KSh {}", group_thousands(n)));
    row(l, IMPREST, &ksh(summary.imprest));
    for (category, amount) in &summary.by_category {
        let name = budget::category_name(*category);
        let label = Text::new(format!("{}: {}", SPENT.en, name.en), format!("{}: {}", SPENT.sw, name.sw));
        row_text(l, &label, &ksh(*amount));
    }
    row(l, TOTAL_SPENT, &ksh(summary.spent));
    row(l, BALANCE, &same(&format!("KSh {}", signed_thousands(summary.balance))));
    row(l, NO_RECEIPT, &same(&summary.expenses_without_receipt.to_string()));
    if let Some(warning) = summary.warning() {
        let (x, width) = (l.left(), l.content_width());
        let text = Text::new(warning.message(crate::lang::Lang::En), warning.message(crate::lang::Lang::Sw));
        let colour = match warning {
            BudgetWarning::WouldGoNegative { .. } => Colour::BAR_ALT,
            BudgetWarning::Low { .. } => Colour::BLACK,
        };
        l.paragraph(x, width, &text.en, 9.0, Weight::Bold, colour);
        l.paragraph(x, width, &text.sw, 8.5, Weight::Regular, Colour::GREY);
        l.gap(1.0);
    }
    if b.expenses.is_empty() {
        return;
    }
    heading(l, EXPENSES);
    let columns = [
        Column { title: words::DATE, width: 24.0, right: false },
        Column { title: CATEGORY, width: 36.0, right: false },
        Column { title: DESCRIPTION, width: 70.0, right: false },
        Column { title: AMOUNT, width: 24.0, right: true },
        Column { title: RECEIPT, width: 26.0, right: false },
    ];
    let rows: Vec<Vec<Text>> = b
        .expenses
        .iter()
        .map(|e| {
            vec![
                same(&e.spent_on),
                budget::category_name(e.category),
                same(&e.description),
                same(&group_thousands(e.amount_ksh)),
                same(e.receipt.as_deref().map(str::trim).filter(|r| !r.is_empty()).unwrap_or("–")),
            ]
        })
        .collect();
    table(l, &columns, &rows);
}

// --- layout helpers --------------------------------------------------------------------------

fn heading(l: &mut Layout, title: Words) {
    l.ensure(14.0);
    l.gap(2.0);
    let (x, width) = (l.left(), l.content_width());
    l.paragraph(x, width, title.en, 11.0, Weight::Bold, Colour::BLACK);
    l.paragraph(x, width, title.sw, 9.0, Weight::Regular, Colour::GREY);
    l.gap(1.0);
}

fn none(l: &mut Layout) {
    let (x, width) = (l.left(), l.content_width());
    l.pair(x, width, (words::NONE.en, words::NONE.sw), 9.0, Weight::Regular);
    l.rule();
}

/// A label in both languages on the left, a value (in both languages when they differ) on the
/// right.
fn row(l: &mut Layout, label: Words, value: &Text) {
    row_text(l, &label.text(), value);
}

fn row_text(l: &mut Layout, label: &Text, value: &Text) {
    l.ensure(8.0);
    let (x, width) = (l.left(), l.content_width());
    let label_width = 62.0;
    let top = l.y;
    l.paragraph(x, label_width - 2.0, &label.en, 9.0, Weight::Bold, Colour::BLACK);
    l.paragraph(x, label_width - 2.0, &label.sw, 8.0, Weight::Regular, Colour::GREY);
    let bottom = l.y;
    l.y = top;
    l.paragraph(x + label_width, width - label_width, &value.en, 9.0, Weight::Regular, Colour::BLACK);
    if value.sw != value.en {
        l.paragraph(x + label_width, width - label_width, &value.sw, 8.0, Weight::Regular, Colour::GREY);
    }
    l.y = l.y.max(bottom) + 1.0;
}

/// A heading-less list: its label, then one entry a line (English, Kiswahili beneath when it
/// differs).
fn bullet_list(l: &mut Layout, label: Words, items: &[Text]) {
    let (x, width) = (l.left(), l.content_width());
    l.ensure(10.0);
    l.pair(x, width, (label.en, label.sw), 9.0, Weight::Bold);
    if items.is_empty() {
        l.pair(x + 4.0, width - 4.0, (words::NONE.en, words::NONE.sw), 9.0, Weight::Regular);
    }
    for item in items {
        l.ensure(8.0);
        l.paragraph(x + 4.0, width - 4.0, &format!("• {}", item.en), 9.0, Weight::Regular, Colour::BLACK);
        if item.sw != item.en {
            l.paragraph(x + 7.0, width - 7.0, &item.sw, 8.0, Weight::Regular, Colour::GREY);
        }
    }
    l.gap(1.5);
}

struct Column {
    title: Words,
    width: f32,
    right: bool,
}

/// A table: a two-line header (English, Kiswahili), then a row per entry, each cell cut to its
/// column, with the Kiswahili beneath in grey where any cell of the row has one of its own.
fn table(l: &mut Layout, columns: &[Column], rows: &[Vec<Text>]) {
    let x = l.left();
    let size = 8.0;
    let line = Layout::line_height(size);
    let lefts: Vec<f32> = columns
        .iter()
        .scan(x, |left, c| {
            let here = *left;
            *left += c.width;
            Some(here)
        })
        .collect();
    let place = |l: &mut Layout, column: &Column, left: f32, text: &str, size: f32, weight: Weight, colour: Colour| {
        let text = fit(text, column.width - if column.right { 4.0 } else { 2.0 }, size, weight);
        let at = if column.right { left + column.width - 4.0 - text_width(&text, size, weight) } else { left };
        l.text_at(at, &text, size, weight, colour);
    };
    l.ensure(3.0 * line);
    for (column, left) in columns.iter().zip(&lefts) {
        place(l, column, *left, column.title.en, size, Weight::Bold, Colour::BLACK);
        if column.title.sw != column.title.en {
            l.y += line;
            place(l, column, *left, column.title.sw, size, Weight::Regular, Colour::GREY);
            l.y -= line;
        }
    }
    l.y += 2.0 * line;
    l.rule();
    for cells in rows {
        let bilingual = cells.iter().any(|c| c.sw != c.en);
        l.ensure(if bilingual { 2.0 } else { 1.0 } * line + 1.0);
        for ((column, left), cell) in columns.iter().zip(&lefts).zip(cells) {
            place(l, column, *left, &cell.en, size, Weight::Regular, Colour::BLACK);
        }
        l.y += line;
        if bilingual {
            for ((column, left), cell) in columns.iter().zip(&lefts).zip(cells) {
                if cell.sw != cell.en {
                    place(l, column, *left, &cell.sw, size * 0.9, Weight::Regular, Colour::GREY);
                }
            }
            l.y += Layout::line_height(size * 0.9);
        }
        l.gap(0.8);
    }
    l.rule();
}

/// `text`, cut with an ellipsis to fit `width` mm.
fn fit(text: &str, width: f32, size: f32, weight: Weight) -> String {
    if text_width(text, size, weight) <= width {
        return text.to_string();
    }
    let mut out = text.to_string();
    while !out.is_empty() && text_width(&format!("{out}…"), size, weight) > width {
        out.pop();
    }
    format!("{}…", out.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_amounts_group_thousands() {
        assert_eq!(signed_thousands(-2_345), "-2,345");
        assert_eq!(signed_thousands(50_000), "50,000");
        assert_eq!(signed_thousands(0), "0");
        assert_eq!(signed_thousands(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn every_word_has_kiswahili_of_its_own() {
        let mut all = vec![
            TITLE,
            STATUS,
            REVISION,
            CENTRE,
            WHERE,
            COUNTY,
            SUB_COUNTY,
            WARD,
            GPS,
            WHEN,
            SERVICES_AND_MDAS,
            SERVICES,
            MDAS,
            PEOPLE,
            OFFICERS,
            LAPTOPS,
            EQUIPMENT,
            KIND,
            QUANTITY,
            SOURCE,
            ASSET_TAG,
            STAKEHOLDERS,
            WHO,
            NAME,
            NOTICE,
            CHECKLISTS,
            AGREED,
            NOT_AGREED,
            ALL_AGREED,
            BUDGET,
            IMPREST,
            SPENT,
            TOTAL_SPENT,
            BALANCE,
            NO_RECEIPT,
            NO_BUDGET,
            EXPENSES,
            CATEGORY,
            DESCRIPTION,
            RECEIPT,
            PREPARED,
            TRAINING_NOTICE,
        ];
        all.extend(
            [OutreachStatus::Draft, OutreachStatus::Confirmed, OutreachStatus::Running, OutreachStatus::Closed]
                .map(status_words),
        );
        all.extend(
            [
                EquipmentKind::Tent,
                EquipmentKind::Chairs,
                EquipmentKind::PublicAddress,
                EquipmentKind::Generator,
                EquipmentKind::Batteries,
                EquipmentKind::Printer,
                EquipmentKind::Laptop,
                EquipmentKind::Other,
            ]
            .map(kind_words),
        );
        for words in all {
            assert!(!words.en.is_empty() && !words.sw.is_empty() && words.en != words.sw, "{words:?}");
        }
    }
}
