//! CSV written for people: every CSV download opens in a spreadsheet, so text that a
//! spreadsheet would run as a formula (`=…`, `+…`, `-…`, `@…`, a leading tab or carriage
//! return) is written with a leading apostrophe (`tequio_domain::text::spreadsheet_cell`).
//! Asked for explicitly (`exacto=1` on the pages, `exact=true` in the APIs), the download
//! keeps the exact values; JSON, XLSX (text cells) and the API's JSON always do. Tequio's
//! importers read the apostrophe back, so a download re-uploaded keeps its content hash.

use std::borrow::Cow;
use std::collections::HashMap;

/// How a CSV download writes its text cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvCells {
    /// Safe to open in a spreadsheet: formulas neutralised.
    #[default]
    Safe,
    /// The exact values, for programs.
    Exact,
}

impl CsvCells {
    /// `exacto` (pages) or `exact` (APIs) set to `1`, `true`, `si` or `sí` asks for the exact
    /// values.
    pub fn from_params(params: &HashMap<String, String>) -> CsvCells {
        let yes = |v: &String| {
            matches!(
                v.trim().to_lowercase().as_str(),
                "1" | "true" | "si" | "sí" | "yes"
            )
        };
        if params
            .get("exacto")
            .or_else(|| params.get("exact"))
            .is_some_and(yes)
        {
            CsvCells::Exact
        } else {
            CsvCells::Safe
        }
    }

    /// A cell as written: `numeric` when its column holds numbers (`-5` stays a number).
    pub fn cell<'a>(self, text: &'a str, numeric: bool) -> Cow<'a, str> {
        match self {
            CsvCells::Exact => Cow::Borrowed(text),
            CsvCells::Safe => tequio_domain::text::spreadsheet_cell(text, numeric),
        }
    }

    /// Writes one row of (text, numeric column) cells.
    pub fn write_row<'a, W: std::io::Write>(
        self,
        w: &mut csv::Writer<W>,
        row: impl IntoIterator<Item = (&'a str, bool)>,
    ) -> csv::Result<()> {
        for (text, numeric) in row {
            w.write_field(self.cell(text, numeric).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)
    }
}
