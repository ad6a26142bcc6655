//! Bar charts drawn on the server as SVG: no JavaScript, readable without colour. Each chart
//! comes with a one-sentence summary (what a screen reader says for the picture) and its data
//! as a table one click away (`templates/chart.html`). Shared: no domain is imported here.

use crate::html::escape_text;
use std::fmt::Write;

/// One kind of quantity a bar is made of (a status, a sector…): its label and the index of
/// its fill, so that the same series keeps its look in every chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
}

/// One bar: its label, a value per series (stacked left to right) and where it links.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub values: Vec<i64>,
    pub href: Option<String>,
}

impl Bar {
    pub fn total(&self) -> i64 {
        self.values.iter().sum()
    }
}

/// A horizontal bar chart, stacked when it has more than one series.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Unique within the page (ids of the title and summary derive from it).
    pub id: String,
    pub title: String,
    /// What the chart shows, in one or two sentences.
    pub summary: String,
    pub series: Vec<Series>,
    pub bars: Vec<Bar>,
    /// The header of the table's first column ("Órgano", "Sector"…).
    pub label_header: String,
    /// The header of the table's total column (empty: no total column).
    pub total_header: String,
    /// Values are kept in hundredths when 2 (scores such as 7.85 are drawn as 785), in units
    /// when 0.
    pub decimals: u8,
}

/// Fills that meet 3:1 against white and against each other's neighbours, and patterns so a
/// series never depends on colour alone.
const FILLS: [&str; 6] = [
    "#1f4e79", "#8a5a00", "#2e6b30", "#8a1538", "#5b3f8c", "#505050",
];

/// A narrow picture (it scales to the page; on a phone its text stays readable): each bar's
/// label sits above it, its value after it.
const WIDTH: i64 = 400;
const VALUE_WIDTH: i64 = 56;
const ROW: i64 = 42;
const BAR: i64 = 16;
const LEGEND_ROW: i64 = 22;

/// A label cut to fit above its bar (the table has it whole).
fn short(label: &str) -> String {
    const MAX: usize = 52;
    if label.chars().count() <= MAX {
        label.to_owned()
    } else {
        format!("{}…", label.chars().take(MAX - 1).collect::<String>())
    }
}

impl Chart {
    pub fn is_empty(&self) -> bool {
        self.bars.iter().all(|b| b.total() == 0)
    }

    /// A value as people read it: grouped by thousands, with the chart's decimals.
    pub fn show(&self, v: impl std::borrow::Borrow<i64>) -> String {
        let v = v.borrow();
        if self.decimals == 0 {
            crate::format::integer(*v)
        } else {
            let scale = 10i64.pow(u32::from(self.decimals));
            let whole = crate::format::integer(v / scale);
            format!(
                "{whole}.{:0width$}",
                (v % scale).abs(),
                width = usize::from(self.decimals)
            )
        }
    }

    fn legend_rows(&self) -> i64 {
        (self.series.len() as i64 + 1) / 2
    }

    pub fn is_stacked(&self) -> bool {
        self.series.len() > 1
    }

    /// The SVG picture. Its text alternative is the summary (`aria-labelledby`); each series
    /// has a fill and a pattern, named in the legend.
    pub fn svg(&self) -> String {
        let legend = if self.is_stacked() {
            LEGEND_ROW * self.legend_rows() + 6
        } else {
            0
        };
        let height = legend + ROW * self.bars.len() as i64 + 8;
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg class=\"chart-svg\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-labelledby=\"{id}-title {id}-summary\" xmlns=\"http://www.w3.org/2000/svg\">",
            id = escape_text(&self.id)
        );
        self.write_patterns(&mut out);
        if self.is_stacked() {
            self.write_legend(&mut out);
        }
        self.write_bars(&mut out, legend);
        out.push_str("</svg>");
        out
    }

    /// The fill of series `i`: a colour, or for odd series the hatched pattern of it.
    fn fill_of(&self, i: usize) -> String {
        if i % 2 == 1 {
            format!("url(#{}-p{})", escape_text(&self.id), i % FILLS.len())
        } else {
            FILLS[i % FILLS.len()].to_owned()
        }
    }

    /// Hatched patterns for the odd series: two series side by side differ in more than colour.
    fn write_patterns(&self, out: &mut String) {
        out.push_str("<defs>");
        for (i, fill) in FILLS.iter().enumerate().filter(|(i, _)| i % 2 == 1) {
            let _ = write!(
                out,
                "<pattern id=\"{id}-p{i}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"{fill}\"/><rect width=\"2\" height=\"6\" fill=\"#ffffff\"/></pattern>",
                id = escape_text(&self.id)
            );
        }
        out.push_str("</defs>");
    }

    /// The legend of a stacked chart, two entries per line.
    fn write_legend(&self, out: &mut String) {
        for (i, s) in self.series.iter().enumerate() {
            let (x, y) = (200 * (i as i64 % 2), LEGEND_ROW * (i as i64 / 2));
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{}\" stroke=\"#1d1d1b\"/><text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#1d1d1b\">{}</text>",
                y + 4,
                self.fill_of(i),
                x + 20,
                y + 16,
                escape_text(&short(&s.label))
            );
        }
    }

    /// Each bar below the legend: its label above it, its segments, its total after it.
    fn write_bars(&self, out: &mut String, top: i64) {
        let max = self.bars.iter().map(Bar::total).max().unwrap_or(0).max(1);
        let plot = WIDTH - VALUE_WIDTH;
        for (row, bar) in self.bars.iter().enumerate() {
            let y = top + ROW * row as i64;
            let _ = write!(
                out,
                "<text x=\"0\" y=\"{}\" font-size=\"13\" fill=\"#1d1d1b\">{}</text>",
                y + 14,
                escape_text(&short(&bar.label))
            );
            let mut x = 0;
            for (i, v) in bar.values.iter().enumerate() {
                let w = plot * v / max;
                if w > 0 {
                    let _ = write!(
                        out,
                        "<rect x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{BAR}\" fill=\"{}\" stroke=\"#ffffff\"/>",
                        y + 20,
                        self.fill_of(i)
                    );
                }
                x += w;
            }
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#1d1d1b\">{}</text>",
                x + 6,
                y + 33,
                self.show(bar.total())
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart {
            id: "c1".into(),
            title: "Acuerdos".into(),
            summary: "3 acuerdos".into(),
            series: vec![
                Series {
                    label: "Pendiente".into(),
                },
                Series {
                    label: "Cumplido <ok>".into(),
                },
            ],
            bars: vec![
                Bar {
                    label: "Mesa A".into(),
                    values: vec![1, 2],
                    href: None,
                },
                Bar {
                    label: "Mesa B".into(),
                    values: vec![0, 0],
                    href: None,
                },
            ],
            label_header: "Órgano".into(),
            total_header: "Total".into(),
            decimals: 0,
        }
    }

    #[test]
    fn the_picture_names_its_text_alternative_and_escapes_labels() {
        let svg = chart().svg();
        assert!(svg.contains("role=\"img\" aria-labelledby=\"c1-title c1-summary\""));
        assert!(svg.contains("Cumplido &lt;ok&gt;"));
        assert!(!svg.contains("<ok>"));
        // The second series is hatched, not only another colour.
        assert!(svg.contains("url(#c1-p1)"));
        // Every bar says its total in words beside it.
        assert_eq!(svg.matches(">3</text>").count(), 1);
        assert_eq!(svg.matches(">0</text>").count(), 1);
    }

    #[test]
    fn scores_show_their_decimals() {
        let mut c = chart();
        c.decimals = 2;
        assert_eq!(c.show(785), "7.85");
        assert_eq!(c.show(1000), "10.00");
        assert_eq!(c.show(5), "0.05");
    }

    #[test]
    fn a_chart_of_zeros_is_empty() {
        let mut c = chart();
        assert!(!c.is_empty());
        c.bars.truncate(0);
        assert!(c.is_empty());
    }
}
