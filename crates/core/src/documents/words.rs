//! The fixed words printed on slips and reports, in English and Kiswahili. Service names, document
//! labels and collection notes come from the catalogue, already in both languages.

use crate::lang::Text;

/// A fixed text in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Words {
    pub en: &'static str,
    pub sw: &'static str,
}

const fn w(en: &'static str, sw: &'static str) -> Words {
    Words { en, sw }
}

impl Words {
    /// `English / Kiswahili`, as printed beside each other.
    pub fn both(self) -> String {
        format!("{} / {}", self.en, self.sw)
    }

    pub fn text(self) -> Text {
        Text::new(self.en, self.sw)
    }
}

pub(crate) const ORGANISATION: Words = w("Huduma Kenya · Huduma Mashinani", "Huduma Kenya · Huduma Mashinani");
pub(crate) const SLIP_TITLE: Words = w("Acknowledgement of application", "Risiti ya kupokea ombi");
pub(crate) const TRAINING_MARK: &str = "TRAINING · MAFUNZO";
pub(crate) const TRAINING_NOTICE: Words =
    w("Training only: this is not a real application.", "Mafunzo tu: hili si ombi halisi.");
pub(crate) const REFERENCE: Words = w("Reference number", "Nambari ya kumbukumbu");
pub(crate) const NAME: Words = w("Name", "Jina");
pub(crate) const SERVICE: Words = w("Service", "Huduma");
pub(crate) const AGENCY: Words = w("Agency", "Taasisi");
pub(crate) const DATE: Words = w("Date", "Tarehe");
pub(crate) const PLACE: Words = w("Place", "Mahali");
pub(crate) const PLACE_UNKNOWN: Words = w("Huduma Mashinani outreach", "Huduma Mashinani");
pub(crate) const OFFICER: Words = w("Officer", "Afisa");
pub(crate) const FEE: Words = w("Fee", "Ada");
pub(crate) const FREE: Words = w("Free", "Bure");
pub(crate) const DOCUMENTS_RECEIVED: Words = w("Documents received", "Nyaraka zilizopokelewa");
pub(crate) const NONE: Words = w("None", "Hakuna");
pub(crate) const YES: Words = w("Yes", "Ndiyo");
pub(crate) const NO: Words = w("No", "Hapana");
pub(crate) const READY_IN: Words = w("Ready in", "Tayari baada ya");
pub(crate) const COLLECT: Words = w("Where to collect", "Mahali pa kuchukua");
pub(crate) const STATUS: Words = w("Ask for status", "Kufuatilia ombi");
pub(crate) const PRINTED: Words = w("Printed", "Imechapishwa");

/// `30 days, by 2026-12-28` in each language.
pub(crate) fn ready_by(days: u32, by: &str) -> Text {
    Text::new(format!("{days} days, by {by}"), format!("siku {days}, kufikia {by}"))
}

/// How a citizen asks after an application. The Huduma Contact Centre's number is 1919.
pub(crate) const STATUS_HELP: Words = w(
    "Quote the reference number at any Huduma Centre, or call the Huduma Contact Centre on 1919.",
    "Taja nambari ya kumbukumbu katika Kituo chochote cha Huduma, au piga simu 1919 (Kituo cha Mawasiliano cha Huduma).",
);

pub(crate) const FEMALE: Words = w("Female", "Mwanamke");
pub(crate) const MALE: Words = w("Male", "Mwanamume");
pub(crate) const INTERSEX: Words = w("Intersex", "Huntha");

// --- the day report --------------------------------------------------------------------------

pub(crate) const REPORT_TITLE: Words = w("Outreach day report", "Ripoti ya siku ya huduma mashinani");
pub(crate) const LAPTOP: Words = w("Laptop", "Kompyuta");
pub(crate) const PREPARED_BY: Words = w("Prepared by", "Imeandaliwa na");
pub(crate) const SUMMARY: Words = w("Summary", "Muhtasari");
pub(crate) const CITIZENS_SERVED: Words = w("Citizens served", "Wananchi waliohudumiwa");
pub(crate) const APPLICATIONS: Words = w("Applications", "Maombi");
pub(crate) const DRAFTS: Words = w("Drafts not yet submitted", "Rasimu ambazo bado hazijawasilishwa");
pub(crate) const UNSYNCED_DAY: Words =
    w("Not yet sent to the server (this day)", "Bado hayajatumwa kwa seva (siku hii)");
pub(crate) const UNSYNCED_ALL: Words =
    w("Not yet sent to the server (whole laptop)", "Bado hayajatumwa kwa seva (kompyuta nzima)");
pub(crate) const SATISFACTION: Words = w("Satisfaction ratings", "Tathmini za kuridhika");
pub(crate) const RATINGS: Words = w("ratings", "tathmini");
pub(crate) const AVERAGE: Words = w("average", "wastani");
pub(crate) const SATISFIED: Words = w("satisfied (4 or 5 of 5)", "wameridhika (4 au 5 kati ya 5)");
pub(crate) const COMPLAINTS: Words = w("Complaints", "Malalamiko");
pub(crate) const NOT_COLLECTED: Words = w("not collected", "hazijakusanywa");
pub(crate) const PER_SERVICE: Words = w("Applications per service", "Maombi kwa kila huduma");
pub(crate) const PER_AGENCY: Words = w("Applications per agency", "Maombi kwa kila taasisi");
pub(crate) const BY_SEX: Words = w("Applications by sex", "Maombi kwa jinsia");
pub(crate) const BY_AGE: Words = w("Applications by age band", "Maombi kwa kundi la umri");
pub(crate) const RATING_SPREAD: Words = w("Ratings given", "Tathmini zilizotolewa");
pub(crate) const NO_APPLICATIONS: Words = w(
    "No applications were saved on this laptop on this day.",
    "Hakuna ombi lililohifadhiwa kwenye kompyuta hii siku hii.",
);
pub(crate) const TOTAL: Words = w("Total", "Jumla");
pub(crate) const CHILDREN: Words = w("Children (under 18)", "Watoto (chini ya miaka 18)");
pub(crate) const AGE_18_35: Words = w("18 to 35", "Miaka 18 hadi 35");
pub(crate) const AGE_36_59: Words = w("36 to 59", "Miaka 36 hadi 59");
pub(crate) const AGE_60_PLUS: Words = w("60 and over", "Miaka 60 na zaidi");
