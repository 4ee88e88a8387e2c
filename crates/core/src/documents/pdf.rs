//! A small page layout over printpdf: text placed top-down in millimetres with the bundled
//! DejaVu Sans (regular and bold, embedded and subset), word wrapping by the font's own advance
//! widths, filled rectangles (bars, QR modules), rules, page breaks, and a watermark on every page.
//!
//! Everything is positioned from the top of the page and turned into PDF coordinates (origin at
//! the bottom left) only at the end, because a receipt roll's page is as long as its content.
//! Each document embeds a subset of the fonts holding only the characters it uses (some 20 KB
//! instead of 1.4 MB).

use crate::error::{CoreError, Result};
use printpdf::{
    Color, FontId, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect,
    Rgb, TextItem, TextMatrix,
};
use std::collections::BTreeSet;
use std::sync::OnceLock;
use time::OffsetDateTime;

const REGULAR_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

const REGULAR_NAME: &str = "DejaVuSans";
const BOLD_NAME: &str = "DejaVuSans-Bold";

/// Parses a TrueType font, named as readers will show it (its PostScript name).
fn parse_font(bytes: &[u8], name: &str) -> Result<ParsedFont> {
    let mut font = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
        .ok_or_else(|| CoreError::DocumentFailed(format!("cannot read the font {name}")))?;
    font.font_name = Some(name.to_string());
    Ok(font)
}

/// `full` cut down to the glyphs of `chars` (and .notdef), with a Unicode cmap of its own.
fn subset(bytes: &[u8], full: &ParsedFont, chars: &BTreeSet<char>, name: &str) -> Result<ParsedFont> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{CmapTarget, SubsetProfile};
    let failed = |e: &dyn std::fmt::Display| CoreError::DocumentFailed(format!("subsetting {name}: {e}"));
    let used: BTreeSet<u16> =
        chars.iter().filter_map(|&c| full.lookup_glyph_index(u32::from(c))).filter(|&g| g != 0).collect();
    // .notdef first, as the subsetter requires; no duplicates.
    let glyphs: Vec<u16> = std::iter::once(0).chain(used).collect();
    let file = ReadScope::new(bytes).read::<FontData<'_>>().map_err(|e| failed(&e))?;
    let provider = file.table_provider(0).map_err(|e| failed(&e))?;
    let program = allsorts::subset::subset(&provider, &glyphs, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| failed(&e))?;
    // A subset font's name carries a six-letter tag of its own (ISO 32000-1, 9.6.4).
    use sha2::Digest;
    let digest = sha2::Sha256::digest(glyphs.iter().flat_map(|g| g.to_be_bytes()).collect::<Vec<u8>>());
    let tag: String = digest.iter().take(6).map(|b| char::from(b'A' + b % 26)).collect();
    parse_font(&program, &format!("{tag}+{name}"))
}

struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
}

/// The bundled fonts, parsed once per process.
fn fonts() -> Result<&'static Fonts> {
    static FONTS: OnceLock<std::result::Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let parse =
                |bytes: &[u8], name: &str| parse_font(bytes, name).map_err(|_| format!("the bundled font {name}"));
            Ok(Fonts { regular: parse(REGULAR_TTF, REGULAR_NAME)?, bold: parse(BOLD_TTF, BOLD_NAME)? })
        })
        .as_ref()
        .map_err(|detail| CoreError::DocumentFailed(format!("cannot read {detail}")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// A colour as red, green, blue in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Colour(pub f32, pub f32, pub f32);

impl Colour {
    pub const BLACK: Colour = Colour(0.0, 0.0, 0.0);
    pub const WHITE: Colour = Colour(1.0, 1.0, 1.0);
    pub const GREY: Colour = Colour(0.35, 0.35, 0.35);
    pub const RULE: Colour = Colour(0.6, 0.6, 0.6);
    pub const WATERMARK: Colour = Colour(0.82, 0.82, 0.82);
    /// Bars: a dark green that stays distinct when printed in grey.
    pub const BAR: Colour = Colour(0.0, 0.42, 0.24);
    pub const BAR_ALT: Colour = Colour(0.55, 0.12, 0.1);

    fn pdf(self) -> Color {
        Color::Rgb(Rgb::new(self.0, self.1, self.2, None))
    }
}

/// Width of `text` in millimetres at `size` points.
pub(crate) fn text_width(text: &str, size: f32, weight: Weight) -> f32 {
    let Ok(fonts) = fonts() else { return 0.0 };
    let font = match weight {
        Weight::Regular => &fonts.regular,
        Weight::Bold => &fonts.bold,
    };
    let units: u32 = text
        .chars()
        .map(|c| {
            let glyph = font.lookup_glyph_index(u32::from(c)).unwrap_or(0);
            u32::from(font.get_glyph_width(glyph).unwrap_or(0))
        })
        .sum();
    units as f32 / f32::from(font.units_per_em.max(1)) * size / PT_PER_MM
}

/// Splits `text` into lines no wider than `width` mm; a word longer than a line is cut.
pub(crate) fn wrap(text: &str, width: f32, size: f32, weight: Weight) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if text_width(&candidate, size, weight) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A single word wider than the line (a long reference or e-mail): cut it.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if text_width(&piece, size, weight) > width && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

#[derive(Debug, Clone)]
enum Item {
    Text { x: f32, baseline: f32, size: f32, weight: Weight, colour: Colour, text: String },
    Rect { x: f32, top: f32, width: f32, height: f32, colour: Colour },
}

/// Paper: a fixed sheet, or a roll whose page is as long as its content.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Sheet {
    Fixed { width: f32, height: f32 },
    Roll { width: f32 },
}

/// Pages being laid out, top-down, in millimetres.
pub(crate) struct Layout {
    sheet: Sheet,
    pub margin: f32,
    pages: Vec<Vec<Item>>,
    /// Distance of the cursor from the top of the current page.
    pub y: f32,
    watermark: Option<String>,
}

impl Layout {
    pub fn new(sheet: Sheet, margin: f32) -> Layout {
        Layout { sheet, margin, pages: vec![Vec::new()], y: margin, watermark: None }
    }

    /// Writes `text` diagonally across every page, beneath the content.
    pub fn watermark(&mut self, text: &str) {
        self.watermark = Some(text.to_string());
    }

    pub fn page_width(&self) -> f32 {
        match self.sheet {
            Sheet::Fixed { width, .. } | Sheet::Roll { width } => width,
        }
    }

    /// Width between the margins.
    pub fn content_width(&self) -> f32 {
        self.page_width() - 2.0 * self.margin
    }

    pub fn left(&self) -> f32 {
        self.margin
    }

    /// Starts a new page unless `height` mm still fits on this one (a roll always fits).
    pub fn ensure(&mut self, height: f32) {
        if let Sheet::Fixed { height: page, .. } = self.sheet
            && self.y + height > page - self.margin
            && self.y > self.margin
        {
            self.pages.push(Vec::new());
            self.y = self.margin;
        }
    }

    pub fn gap(&mut self, mm: f32) {
        self.y += mm;
    }

    fn push(&mut self, item: Item) {
        if let Some(page) = self.pages.last_mut() {
            page.push(item);
        }
    }

    /// Line height for text of `size` points, in mm.
    pub fn line_height(size: f32) -> f32 {
        size * 1.3 / PT_PER_MM
    }

    /// Places one line of text with its top at the cursor, at `x`, without moving the cursor.
    pub fn text_at(&mut self, x: f32, text: &str, size: f32, weight: Weight, colour: Colour) {
        let baseline = self.y + size * 0.95 / PT_PER_MM;
        self.push(Item::Text { x, baseline, size, weight, colour, text: text.to_string() });
    }

    /// Wrapped text at `x`, `width` wide; moves the cursor below it.
    pub fn paragraph(&mut self, x: f32, width: f32, text: &str, size: f32, weight: Weight, colour: Colour) {
        for line in wrap(text, width, size, weight) {
            self.ensure(Layout::line_height(size));
            self.text_at(x, &line, size, weight, colour);
            self.y += Layout::line_height(size);
        }
    }

    /// A text in English and Kiswahili at `x`: on one line, the Kiswahili in grey after a slash,
    /// when both fit in `width`; else each wrapped on lines of its own. Moves the cursor below.
    /// The English is in `weight`, the Kiswahili in regular grey.
    pub fn pair(&mut self, x: f32, width: f32, (en, sw): (&str, &str), size: f32, weight: Weight) {
        if en == sw {
            self.paragraph(x, width, en, size, weight, Colour::BLACK);
            return;
        }
        let lead = text_width(&format!("{en} "), size, weight);
        if lead + text_width(&format!("/ {sw}"), size, Weight::Regular) <= width {
            self.ensure(Layout::line_height(size));
            self.text_at(x, en, size, weight, Colour::BLACK);
            self.text_at(x + lead, &format!("/ {sw}"), size, Weight::Regular, Colour::GREY);
            self.y += Layout::line_height(size);
            return;
        }
        self.paragraph(x, width, en, size, weight, Colour::BLACK);
        self.paragraph(x, width, sw, size, Weight::Regular, Colour::GREY);
    }

    /// One line centred between the margins; moves the cursor below it.
    pub fn centred(&mut self, text: &str, size: f32, weight: Weight, colour: Colour) {
        for line in wrap(text, self.content_width(), size, weight) {
            self.ensure(Layout::line_height(size));
            let x = (self.page_width() - text_width(&line, size, weight)) / 2.0;
            self.text_at(x, &line, size, weight, colour);
            self.y += Layout::line_height(size);
        }
    }

    /// A filled rectangle whose top is `top` mm below the page's top.
    pub fn rect(&mut self, x: f32, top: f32, width: f32, height: f32, colour: Colour) {
        if width > 0.0 && height > 0.0 {
            self.push(Item::Rect { x, top, width, height, colour });
        }
    }

    /// A thin horizontal rule across the content width; moves the cursor past it.
    pub fn rule(&mut self) {
        self.ensure(2.0);
        let (x, y, width) = (self.left(), self.y + 0.8, self.content_width());
        self.rect(x, y, width, 0.25, Colour::RULE);
        self.y += 2.0;
    }

    /// The PDF, with `title` and `created` in its metadata.
    pub fn finish(self, title: &str, created: OffsetDateTime) -> Result<Vec<u8>> {
        let fonts = fonts()?;
        let (mut regular_chars, mut bold_chars) = (BTreeSet::new(), BTreeSet::new());
        for item in self.pages.iter().flatten() {
            if let Item::Text { weight, text, .. } = item {
                let chars = if *weight == Weight::Bold { &mut bold_chars } else { &mut regular_chars };
                chars.extend(text.chars());
            }
        }
        if let Some(mark) = &self.watermark {
            bold_chars.extend(mark.chars());
        }
        let regular_font = subset(REGULAR_TTF, &fonts.regular, &regular_chars, REGULAR_NAME)?;
        let bold_font = subset(BOLD_TTF, &fonts.bold, &bold_chars, BOLD_NAME)?;
        let mut doc = PdfDocument::new(title);
        let created = pdf_time(created);
        doc.metadata.info.creation_date = created;
        doc.metadata.info.modification_date = created;
        doc.metadata.info.metadata_date = created;
        doc.metadata.info.creator = "Huduma Mashinani Field Kit".into();
        doc.metadata.info.producer = "fieldkit-core (printpdf)".into();
        let regular = doc.add_font(&regular_font);
        let bold = doc.add_font(&bold_font);
        let width = self.page_width();
        let height = match self.sheet {
            Sheet::Fixed { height, .. } => height,
            Sheet::Roll { .. } => self.y + self.margin,
        };
        let pages = self
            .pages
            .iter()
            .map(|items| {
                let mut ops = Vec::new();
                if let Some(text) = &self.watermark {
                    watermark_ops(&mut ops, text, width, height, &bold);
                }
                for item in items {
                    item_ops(&mut ops, item, height, &regular, &bold);
                }
                PdfPage::new(Mm(width), Mm(height), ops)
            })
            .collect();
        // Already subset above; printpdf's own subsetting needs its HTML layout feature.
        let options = PdfSaveOptions { subset_fonts: false, ..PdfSaveOptions::default() };
        let bytes = doc.with_pages(pages).save(&options, &mut Vec::new());
        if !bytes.starts_with(b"%PDF-") {
            return Err(CoreError::DocumentFailed("the PDF writer produced no document".into()));
        }
        Ok(bytes)
    }
}

/// printpdf's own date type, for the document's metadata.
fn pdf_time(at: OffsetDateTime) -> printpdf::date::DateTime {
    use printpdf::date::{Date, DateTime, Offset, Time};
    let offset = at.offset();
    DateTime {
        date: Date { year: at.year(), month: at.month() as u8, day: at.day() },
        time: Time { hour: at.hour(), minute: at.minute(), second: at.second(), millisecond: at.millisecond() },
        offset: Offset {
            hours: offset.whole_hours(),
            minutes: offset.minutes_past_hour(),
            seconds: 0,
            milliseconds: 0,
        },
    }
}

fn point(x_mm: f32, y_mm_from_bottom: f32) -> Point {
    Point { x: Pt(x_mm * PT_PER_MM), y: Pt(y_mm_from_bottom * PT_PER_MM) }
}

fn item_ops(ops: &mut Vec<Op>, item: &Item, page_height: f32, regular: &FontId, bold: &FontId) {
    match item {
        Item::Text { x, baseline, size, weight, colour, text } => {
            let font = if *weight == Weight::Bold { bold } else { regular };
            ops.extend([
                Op::StartTextSection,
                Op::SetFillColor { col: colour.pdf() },
                Op::SetFont { font: PdfFontHandle::External(font.clone()), size: Pt(*size) },
                Op::SetTextCursor { pos: point(*x, page_height - baseline) },
                Op::ShowText { items: vec![TextItem::Text(text.clone())] },
                Op::EndTextSection,
            ]);
        }
        Item::Rect { x, top, width, height, colour } => {
            let lower_left = point(*x, page_height - top - height);
            ops.extend([
                Op::SetFillColor { col: colour.pdf() },
                Op::DrawRectangle {
                    rectangle: Rect {
                        mode: Some(PaintMode::Fill),
                        ..Rect::from_xywh(lower_left.x, lower_left.y, Pt(width * PT_PER_MM), Pt(height * PT_PER_MM))
                    },
                },
            ]);
        }
    }
}

/// `text` in large light letters along the page's falling diagonal (top left to bottom right,
/// clear of a QR code in the top right corner), centred on the page.
fn watermark_ops(ops: &mut Vec<Op>, text: &str, width: f32, height: f32, bold: &FontId) {
    let angle = -height.atan2(width);
    let diagonal = (width * width + height * height).sqrt();
    // As large as fits along 70 % of the diagonal, and never taller than a fifth of the width.
    let size = (0.7 * diagonal / text_width(text, 1.0, Weight::Bold).max(0.01)).min(width * 0.2 * PT_PER_MM);
    let (w, h) = (text_width(text, size, Weight::Bold), size * 0.7 / PT_PER_MM);
    let (cx, cy) = (width / 2.0, height / 2.0);
    // The start of the baseline, so the text's centre sits on the page's centre.
    let x = cx - (w / 2.0) * angle.cos() + (h / 2.0) * angle.sin();
    let y = cy - (w / 2.0) * angle.sin() - (h / 2.0) * angle.cos();
    ops.extend([
        Op::StartTextSection,
        Op::SetFillColor { col: Colour::WATERMARK.pdf() },
        Op::SetFont { font: PdfFontHandle::External(bold.clone()), size: Pt(size) },
        Op::SetTextMatrix {
            matrix: TextMatrix::TranslateRotate(Pt(x * PT_PER_MM), Pt(y * PT_PER_MM), angle.to_degrees()),
        },
        Op::ShowText { items: vec![TextItem::Text(text.to_string())] },
        Op::EndTextSection,
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_fonts_cover_kiswahili_and_english() {
        let fonts = fonts().expect("fonts parse");
        for c in "Huduma Mashinani: Nambari ya kumbukumbu, Ng'ang'a, Wanjikũ — ½ é".chars() {
            assert!(fonts.regular.lookup_glyph_index(u32::from(c)).is_some(), "{c:?} missing");
            assert!(fonts.bold.lookup_glyph_index(u32::from(c)).is_some(), "{c:?} missing in bold");
        }
    }

    #[test]
    fn widths_grow_with_text_and_size_and_lines_wrap_within_the_width() {
        let one = text_width("Huduma", 10.0, Weight::Regular);
        assert!(one > 5.0 && one < 30.0, "{one}");
        assert!(text_width("Huduma Mashinani", 10.0, Weight::Regular) > one);
        assert!(text_width("Huduma", 20.0, Weight::Regular) > 1.9 * one);
        assert!(text_width("Huduma", 10.0, Weight::Bold) > one);
        let text = "Hifadhi risiti hii: utaihitaji kuchukua kitambulisho chako katika ofisi ya usajili.";
        let lines = wrap(text, 40.0, 9.0, Weight::Regular);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 9.0, Weight::Regular) <= 40.0), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        let long = wrap("K7QM000042TK7QM000042TK7QM000042T", 10.0, 9.0, Weight::Regular);
        assert!(long.len() > 1 && long.concat() == "K7QM000042TK7QM000042TK7QM000042T");
    }
}
