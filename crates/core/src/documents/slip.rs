//! The acknowledgement slip: the citizen's proof of application, in English and Kiswahili, on A5
//! paper or an 80 mm receipt roll, with the reference as text and as a QR code.

use super::pdf::{Colour, Layout, Sheet, Weight};
use super::words::{self, Words};
use super::{eat, format_date, format_time, group_thousands, qr};
use crate::application::Application;
use crate::catalogue::{Catalogue, DOCUMENTS_KEY, Field, FieldType, Service};
use crate::citizen::{Citizen, Sex};
use crate::error::{CoreError, Reason, Result};
use crate::lang::Text;
use crate::reference::Reference;
pub use fieldkit_domain::format::Paper;
use fieldkit_protocol::OutreachPlan;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// How a slip is printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlipOptions {
    #[serde(default)]
    pub paper: Paper,
    /// A trainer's demo profile: every page carries a TRAINING watermark and says it is not a
    /// real application.
    #[serde(default)]
    pub training: bool,
    /// The venue to print, when no outreach plan on this laptop covers the day or it should be
    /// named otherwise.
    #[serde(default)]
    pub venue: Option<String>,
}

/// One line of the slip: a label and its value, each in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlipLine {
    pub label: Text,
    pub value: Text,
}

/// Everything a slip says, in both languages, before it is laid out on paper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slip {
    pub reference: Reference,
    pub citizen_name: String,
    pub service: Text,
    pub agency: Text,
    /// When the application was saved, in Kenyan time.
    #[serde(with = "time::serde::rfc3339")]
    pub saved_at: OffsetDateTime,
    pub place: Text,
    pub officer: String,
    pub fee_ksh: u32,
    /// The documents the officer ticked as seen or received.
    pub documents: Vec<Text>,
    /// The answers the catalogue says to print (`[services.slip] fields`).
    pub details: Vec<SlipLine>,
    pub turnaround_days: u32,
    pub ready_by: Date,
    pub collection: Text,
    pub note: Option<Text>,
    pub catalogue_version: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub printed_at: OffsetDateTime,
}

impl Slip {
    /// The slip for a saved application. `plans` are the outreach plans on this laptop: the one
    /// running on the day of the application names the place, unless `venue` is given.
    pub fn new(
        application: &Application,
        citizen: &Citizen,
        catalogue: &Catalogue,
        plans: &[OutreachPlan],
        venue: Option<&str>,
        printed_at: OffsetDateTime,
    ) -> Result<Slip> {
        let service = catalogue
            .service(&application.service_id)
            .ok_or_else(|| CoreError::invalid("service_id", Reason::ServiceUnknown))?;
        let agency = catalogue.mda(&service.mda).map(|m| m.name.clone()).unwrap_or_else(|| same(&service.mda));
        let saved_at = eat(application.created_at);
        let day = saved_at.date();
        let place = match venue.map(str::trim).filter(|v| !v.is_empty()) {
            Some(venue) => same(venue),
            None => venue_of(plans, day, &service.id).unwrap_or_else(|| words::PLACE_UNKNOWN.text()),
        };
        let ready_by = day.checked_add(time::Duration::days(i64::from(service.turnaround_days))).unwrap_or(day);
        Ok(Slip {
            reference: application.reference.clone(),
            citizen_name: format!("{} {}", citizen.details.given_names, citizen.details.surname),
            service: service.name.clone(),
            agency,
            saved_at,
            place,
            officer: application.created_by.clone(),
            fee_ksh: service.fee_ksh,
            documents: documents(service, application),
            details: details(service, application),
            turnaround_days: service.turnaround_days,
            ready_by,
            collection: service.collection.clone(),
            note: service.slip.note.clone(),
            catalogue_version: application.catalogue_version,
            printed_at: eat(printed_at),
        })
    }

    /// The slip as a PDF on `options.paper`.
    pub fn to_pdf(&self, options: &SlipOptions) -> Result<Vec<u8>> {
        let (sheet, margin) = match options.paper {
            Paper::A5 => (Sheet::Fixed { width: 148.0, height: 210.0 }, 8.0),
            Paper::Receipt80 => (Sheet::Roll { width: 80.0 }, 4.0),
        };
        let wide = options.paper == Paper::A5;
        let mut l = Layout::new(sheet, margin);
        if options.training {
            l.watermark(words::TRAINING_MARK);
        }
        let scale = if wide { 1.0 } else { 0.9 };

        l.centred(words::ORGANISATION.en, 8.0 * scale, Weight::Bold, Colour::GREY);
        l.centred(words::SLIP_TITLE.en, 12.5 * scale, Weight::Bold, Colour::BLACK);
        l.centred(words::SLIP_TITLE.sw, 10.0 * scale, Weight::Regular, Colour::GREY);
        if options.training {
            l.gap(1.0);
            l.centred(words::TRAINING_NOTICE.en, 8.5 * scale, Weight::Bold, Colour::BLACK);
            l.centred(words::TRAINING_NOTICE.sw, 8.5 * scale, Weight::Bold, Colour::BLACK);
        }
        l.rule();
        self.reference_block(&mut l, wide)?;
        l.rule();

        let mut lines = vec![
            line(words::NAME, same(&self.citizen_name)),
            line(words::SERVICE, self.service.clone()),
            line(words::AGENCY, self.agency.clone()),
            line(words::DATE, same(&format_time(self.saved_at))),
            line(words::PLACE, self.place.clone()),
            line(words::OFFICER, same(&self.officer)),
        ];
        // Saying a free service is free is part of the slip: nobody should pay for it.
        let fee = if self.fee_ksh == 0 {
            words::FREE.text()
        } else {
            same(&format!("KSh {}", group_thousands(u64::from(self.fee_ksh))))
        };
        lines.push(line(words::FEE, fee));
        lines.extend(self.details.iter().cloned());
        for SlipLine { label, value } in &lines {
            row(&mut l, wide, label, std::slice::from_ref(value));
        }
        let documents = if self.documents.is_empty() { vec![words::NONE.text()] } else { self.documents.clone() };
        row_sized(&mut l, wide, &words::DOCUMENTS_RECEIVED.text(), &documents, 0.9);
        l.rule();
        let ready = words::ready_by(self.turnaround_days, &format_date(self.ready_by));
        row(&mut l, wide, &words::READY_IN.text(), &[ready]);
        row(&mut l, wide, &words::COLLECT.text(), std::slice::from_ref(&self.collection));
        row(&mut l, wide, &words::STATUS.text(), &[words::STATUS_HELP.text()]);
        if let Some(note) = &self.note {
            l.gap(1.0);
            let (x, width) = (l.left(), l.content_width());
            l.paragraph(x, width, &note.en, 8.5 * scale, Weight::Bold, Colour::BLACK);
            l.paragraph(x, width, &note.sw, 8.5 * scale, Weight::Bold, Colour::GREY);
        }
        l.gap(0.5);
        l.rule();
        let footer = format!(
            "{}: {} · {} · catalogue {}",
            words::PRINTED.both(),
            format_time(self.printed_at),
            self.reference.as_str(),
            self.catalogue_version
        );
        let (x, width) = (l.left(), l.content_width());
        l.paragraph(x, width, &footer, 6.5, Weight::Regular, Colour::GREY);
        l.finish(&format!("{} {}", words::SLIP_TITLE.en, self.reference.as_str()), self.printed_at)
    }

    /// The reference in large type with its QR code: beside it on A5, below it on a receipt.
    fn reference_block(&self, l: &mut Layout, wide: bool) -> Result<()> {
        let reference = self.reference.as_str();
        if wide {
            let qr_size = 25.0;
            let top = l.y;
            let x = l.left();
            let text_width = l.content_width() - qr_size - 2.0;
            l.gap(2.0);
            l.paragraph(x, text_width, words::REFERENCE.en, 8.0, Weight::Bold, Colour::GREY);
            l.paragraph(x, text_width, words::REFERENCE.sw, 7.5, Weight::Regular, Colour::GREY);
            l.gap(1.0);
            l.paragraph(x, text_width, reference, 20.0, Weight::Bold, Colour::BLACK);
            let qr_x = l.left() + l.content_width() - qr_size;
            qr::draw(l, reference, qr_x, top, qr_size)?;
            l.y = l.y.max(top + qr_size) + 1.0;
        } else {
            l.centred(&words::REFERENCE.both(), 7.5, Weight::Bold, Colour::GREY);
            l.centred(reference, 16.0, Weight::Bold, Colour::BLACK);
            let qr_size = 34.0;
            let top = l.y;
            let x = (l.page_width() - qr_size) / 2.0;
            qr::draw(l, reference, x, top, qr_size)?;
            l.y = top + qr_size;
        }
        Ok(())
    }
}

fn line(label: Words, value: Text) -> SlipLine {
    SlipLine { label: label.text(), value }
}

/// The same text in both languages (names, numbers, places).
fn same(text: &str) -> Text {
    Text::new(text, text)
}

/// Prints a label and its values: label in a column on the left on A5, above the values on a
/// receipt. A value whose two languages differ is printed in both, English first.
fn row(l: &mut Layout, wide: bool, label: &Text, values: &[Text]) {
    row_sized(l, wide, label, values, 1.0);
}

/// As `row`, the values' type scaled by `scale` (long lists).
fn row_sized(l: &mut Layout, wide: bool, label: &Text, values: &[Text], scale: f32) {
    l.ensure(10.0);
    let (x, width) = (l.left(), l.content_width());
    if wide {
        let label_width = 35.0;
        let top = l.y;
        l.pair(x, label_width - 2.0, (&label.en, &label.sw), 7.5, Weight::Bold);
        let label_bottom = l.y;
        l.y = top;
        print_values(l, x + label_width, width - label_width, values, 7.8 * scale);
        l.y = l.y.max(label_bottom);
    } else {
        let both = if label.en == label.sw { label.en.clone() } else { format!("{} / {}", label.en, label.sw) };
        l.paragraph(x, width, &both, 7.0, Weight::Bold, Colour::GREY);
        print_values(l, x, width, values, 8.0 * scale);
    }
    l.gap(0.7);
}

fn print_values(l: &mut Layout, x: f32, width: f32, values: &[Text], size: f32) {
    for value in values {
        l.pair(x, width, (&value.en, &value.sw), size, Weight::Regular);
    }
}

/// `Kangema, Murang'a County` from the outreach that covered `day` (a draft plan is not an
/// outreach; a closed one still names where a reprinted slip's application was made), preferring
/// one that offers the service.
fn venue_of(plans: &[OutreachPlan], day: Date, service_id: &str) -> Option<Text> {
    let plan =
        plans.iter().filter(|p| super::covers(p, day)).max_by_key(|p| p.services.iter().any(|s| s == service_id))?;
    Some(match crate::counties::by_code(&plan.county_code) {
        Some(county) => Text::new(
            format!("{}, {} County", plan.place, county.name),
            format!("{}, Kaunti ya {}", plan.place, county.name),
        ),
        None => same(&plan.place),
    })
}

/// The labels of the documents the officer ticked, in the catalogue's order.
fn documents(service: &Service, application: &Application) -> Vec<Text> {
    let ticked: Vec<&str> = application
        .form
        .get(DOCUMENTS_KEY)
        .and_then(|v| v.as_array())
        .map(|ids| ids.iter().filter_map(|id| id.as_str()).collect())
        .unwrap_or_default();
    service.documents.iter().filter(|d| ticked.contains(&d.id.as_str())).map(|d| d.label.clone()).collect()
}

/// The answers the catalogue prints on the slip, each under its field's label.
fn details(service: &Service, application: &Application) -> Vec<SlipLine> {
    service
        .slip
        .fields
        .iter()
        .filter_map(|id| {
            let field = service.field(id)?;
            let value = answer_text(field, application.form.get(id)?)?;
            Some(SlipLine { label: field.label.clone(), value })
        })
        .collect()
}

/// An answer as the citizen reads it: a choice's label, a county's name, yes or no.
fn answer_text(field: &Field, value: &serde_json::Value) -> Option<Text> {
    use serde_json::Value;
    let text = match value {
        Value::Null | Value::Array(_) | Value::Object(_) => return None,
        Value::Bool(yes) => return Some(if *yes { words::YES } else { words::NO }.text()),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => s.clone(),
    };
    Some(match field.kind {
        FieldType::Choice => {
            field.choices.iter().find(|c| c.value == text).map(|c| c.label.clone()).unwrap_or_else(|| same(&text))
        }
        FieldType::Sex => match Sex::parse(&text) {
            Ok(Sex::Female) => words::FEMALE.text(),
            Ok(Sex::Male) => words::MALE.text(),
            Ok(Sex::Intersex) => words::INTERSEX.text(),
            Err(_) => same(&text),
        },
        FieldType::County => match crate::counties::by_code(&text) {
            Some(county) => Text::new(format!("{} County", county.name), format!("Kaunti ya {}", county.name)),
            None => same(&text),
        },
        _ => same(&text),
    })
}
