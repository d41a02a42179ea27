//! A small text layout on A4 pages, written as PDF by krilla with DejaVu Sans (from the
//! `dejavu` crate) embedded as a subset: real PDF text, selectable and searchable, in any
//! script DejaVu Sans covers. Lines are wrapped at word boundaries using the font's own
//! advance widths (read with skrifa); a word longer than a line is broken by characters.

use krilla::Document;
use krilla::geom::Point;
use krilla::metadata::{DateTime as PdfDate, Metadata};
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use super::ReportError;

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BOTTOM: f32 = PAGE_H - 56.0;

/// The look of one piece of text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Style {
    Title,
    Heading,
    Subheading,
    Body,
    Small,
}

impl Style {
    fn size(self) -> f32 {
        match self {
            Style::Title => 18.0,
            Style::Heading => 13.0,
            Style::Subheading => 10.5,
            Style::Body => 9.5,
            Style::Small => 8.0,
        }
    }
    fn bold(self) -> bool {
        matches!(self, Style::Title | Style::Heading | Style::Subheading)
    }
    fn leading(self) -> f32 {
        self.size() * 1.35
    }
}

struct Placed {
    x: f32,
    y: f32,
    style: Style,
    text: String,
}

struct Metrics {
    upem: f32,
    advances: Vec<(char, f32)>,
}

impl Metrics {
    fn of(bytes: &[u8]) -> Result<Metrics, ReportError> {
        let font = FontRef::new(bytes).map_err(|e| ReportError::Pdf(format!("the bundled font does not read: {e}")))?;
        let upem = f32::from(font.metrics(Size::unscaled(), LocationRef::default()).units_per_em.max(1));
        let charmap = font.charmap();
        let glyphs = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let advances = charmap
            .mappings()
            .filter_map(|(cp, gid)| Some((char::from_u32(cp)?, glyphs.advance_width(gid).unwrap_or(0.0))))
            .collect::<std::collections::BTreeMap<char, f32>>()
            .into_iter()
            .collect();
        Ok(Metrics { upem, advances })
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| match self.advances.binary_search_by(|(k, _)| k.cmp(&c)) {
                Ok(i) => self.advances[i].1,
                Err(_) => self.upem * 0.6,
            })
            .sum();
        units * size / self.upem
    }
}

/// Lays text out line by line over as many A4 pages as it takes.
pub(crate) struct Layout {
    regular: &'static [u8],
    bold: &'static [u8],
    regular_m: Metrics,
    bold_m: Metrics,
    pages: Vec<Vec<Placed>>,
    y: f32,
}

impl Layout {
    pub(crate) fn new() -> Result<Layout, ReportError> {
        let regular = dejavu::sans::regular();
        let bold = dejavu::sans::bold();
        Ok(Layout {
            regular_m: Metrics::of(regular)?,
            bold_m: Metrics::of(bold)?,
            regular,
            bold,
            pages: vec![Vec::new()],
            y: MARGIN,
        })
    }

    fn metrics(&self, style: Style) -> &Metrics {
        if style.bold() { &self.bold_m } else { &self.regular_m }
    }

    /// Vertical space, in points.
    pub(crate) fn gap(&mut self, points: f32) {
        self.y += points;
    }

    /// Starts a new page unless `needed` points still fit on this one.
    pub(crate) fn keep(&mut self, needed: f32) {
        if self.y + needed > BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    /// A paragraph, wrapped to the text width, indented by `indent` points.
    pub(crate) fn text(&mut self, style: Style, indent: f32, text: &str) {
        let width = PAGE_W - 2.0 * MARGIN - indent;
        for raw in text.lines() {
            for line in self.wrap(style, width, raw) {
                self.keep(style.leading());
                self.y += style.leading();
                let y = self.y - (style.leading() - style.size());
                if let Some(page) = self.pages.last_mut() {
                    page.push(Placed { x: MARGIN + indent, y, style, text: line });
                }
            }
        }
    }

    fn wrap(&self, style: Style, width: f32, text: &str) -> Vec<String> {
        let m = self.metrics(style);
        let size = style.size();
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split(' ') {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if m.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line (a URL, a hash) is broken by characters.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if m.width(&piece, size) > width && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Writes the pages as a PDF with a page number under each.
    pub(crate) fn finish(
        self,
        title: &str,
        author: &[String],
        created: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<u8>, ReportError> {
        use chrono::{Datelike, Timelike};
        let regular = Font::new(self.regular.into(), 0)
            .ok_or_else(|| ReportError::Pdf("the bundled regular font does not load".into()))?;
        let bold = Font::new(self.bold.into(), 0)
            .ok_or_else(|| ReportError::Pdf("the bundled bold font does not load".into()))?;
        let mut document = Document::new();
        let count = self.pages.len();
        for (n, page_items) in self.pages.into_iter().enumerate() {
            let settings =
                PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| ReportError::Pdf("bad page size".into()))?;
            let mut page = document.start_page_with(settings);
            let mut surface = page.surface();
            for p in page_items {
                let font = if p.style.bold() { bold.clone() } else { regular.clone() };
                surface.draw_text(Point::from_xy(p.x, p.y), font, p.style.size(), &p.text, false, TextDirection::Auto);
            }
            let footer = format!("page {} of {count}", n + 1);
            surface.draw_text(
                Point::from_xy(MARGIN, PAGE_H - 30.0),
                regular.clone(),
                Style::Small.size(),
                &footer,
                false,
                TextDirection::Auto,
            );
            surface.finish();
            page.finish();
        }
        let date = PdfDate::new(u16::try_from(created.year()).unwrap_or(2000))
            .month(created.month() as u8)
            .day(created.day() as u8)
            .hour(created.hour() as u8)
            .minute(created.minute() as u8)
            .second(created.second() as u8);
        document.set_metadata(
            Metadata::new()
                .title(title.to_string())
                .authors(author.to_vec())
                .creator("Stapel".to_string())
                .language("en".to_string())
                .creation_date(date),
        );
        document.finish().map_err(|e| ReportError::Pdf(format!("{e:?}")))
    }
}
