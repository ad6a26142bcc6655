//! Reading a tabular resource (CSV or XLSX) for the datastore: the first row names the
//! columns, every other row is data. The whole file is checked first, and every problem is
//! reported with its place (sheet, row, column); then the column types are inferred (a Table
//! Schema) and the rows can be read again, typed, to load them.

use crate::tabular::{CsvRows, Limits, Refused, Row, Value, Workbook};
use crate::transparency::import::column_letter;
use crate::transparency::period::Date;
use crate::transparency::values::number_text;
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;

/// Most problems listed for one file; the rest are counted.
pub const MAX_REPORTED: usize = 200;

/// The type of a column (Table Schema's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Integer,
    Number,
    Boolean,
    Date,
    String,
}

impl FieldType {
    pub const ALL: &'static [FieldType] = &[
        FieldType::Integer,
        FieldType::Number,
        FieldType::Boolean,
        FieldType::Date,
        FieldType::String,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::String => "string",
        }
    }

    pub fn parse(s: &str) -> Option<FieldType> {
        Self::ALL.iter().copied().find(|t| t.as_str() == s)
    }

    /// The name CKAN's datastore gives the type.
    pub fn ckan(self) -> &'static str {
        match self {
            FieldType::Integer => "int",
            FieldType::Number => "numeric",
            FieldType::Boolean => "bool",
            FieldType::Date => "date",
            FieldType::String => "text",
        }
    }

    /// Whether the column holds numbers.
    pub fn is_numeric(self) -> bool {
        matches!(self, FieldType::Integer | FieldType::Number)
    }

    /// The XML Schema datatype (DCAT, CSVW).
    pub fn xsd(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::Number => "decimal",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::String => "string",
        }
    }
}

/// One column of a table: its name (the header), its type, and what people wrote about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaField {
    pub name: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// A table's data dictionary, serialised as a Frictionless Table Schema.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableSchema {
    pub fields: Vec<SchemaField>,
}

impl TableSchema {
    pub fn position(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// A value read from a cell, converted to its column's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    Null,
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(String),
}

impl FieldType {
    /// Converts text to this type; `None` when it does not fit. Empty text is `Null`.
    pub fn convert(self, text: &str) -> Option<Typed> {
        let t = text.trim();
        if t.is_empty() {
            return Some(Typed::Null);
        }
        match self {
            FieldType::Integer => parse_integer(t).map(Typed::Int),
            FieldType::Number => parse_number(t).map(Typed::Real),
            FieldType::Boolean => parse_bool(t).map(Typed::Bool),
            FieldType::Date => parse_date(t).map(|d| Typed::Text(d.to_string())),
            FieldType::String => Some(Typed::Text(text.to_owned())),
        }
    }
}

fn parse_integer(t: &str) -> Option<i64> {
    let digits = t.strip_prefix('-').unwrap_or(t);
    // "007" is a code, not a number: keep leading zeros as text.
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    t.parse().ok()
}

fn parse_number(t: &str) -> Option<f64> {
    let body = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let int_ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !(int.len() > 1 && int.starts_with('0'));
    let frac_ok =
        frac.bytes().all(|b| b.is_ascii_digit()) && (frac.is_empty() != body.contains('.'));
    if !(int_ok && frac_ok) {
        return None;
    }
    t.parse().ok().filter(|f: &f64| f.is_finite())
}

fn parse_bool(t: &str) -> Option<bool> {
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn parse_date(t: &str) -> Option<Date> {
    if t.len() == 10 {
        Date::parse_iso(t).or_else(|| Date::parse_dmy(t))
    } else {
        Date::parse_dmy(t)
    }
}

/// One problem and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableProblem {
    pub sheet: Option<String>,
    /// 1-based, as a spreadsheet numbers rows.
    pub row: Option<usize>,
    /// A column letter (`C`) and, when known, its header.
    pub column: Option<String>,
    pub es: String,
    pub en: String,
}

impl TableProblem {
    /// "fila 7, columna C (monto): …"
    pub fn message(&self, lang: &str) -> String {
        let en = lang == "en";
        let mut place = Vec::new();
        if let Some(s) = &self.sheet {
            place.push(if en {
                format!("sheet “{s}”")
            } else {
                format!("hoja «{s}»")
            });
        }
        if let Some(r) = self.row {
            place.push(if en {
                format!("row {r}")
            } else {
                format!("fila {r}")
            });
        }
        if let Some(c) = &self.column {
            place.push(if en {
                format!("column {c}")
            } else {
                format!("columna {c}")
            });
        }
        let text = if en { &self.en } else { &self.es };
        if place.is_empty() {
            text.clone()
        } else {
            format!("{}: {text}", place.join(", "))
        }
    }
}

/// Every problem of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableErrors {
    pub file: String,
    pub errors: Vec<TableProblem>,
    pub total: usize,
}

impl TableErrors {
    /// Every listed problem as text, the file first, plus how many were left out.
    pub fn messages(&self, lang: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{}: {}", self.file, e.message(lang)))
            .collect();
        if self.total > self.errors.len() {
            let more = self.total - self.errors.len();
            out.push(if lang == "en" {
                format!("… and {more} more problems")
            } else {
                format!("… y {more} problemas más")
            });
        }
        out
    }
}

impl std::fmt::Display for TableErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.messages("es").join("\n"))
    }
}

struct Problems {
    sheet: Option<String>,
    list: Vec<TableProblem>,
    total: usize,
}

impl Problems {
    fn push(&mut self, row: Option<usize>, column: Option<String>, es: String, en: String) {
        self.total += 1;
        if self.list.len() < MAX_REPORTED {
            self.list.push(TableProblem {
                sheet: self.sheet.clone(),
                row,
                column,
                es,
                en,
            });
        }
    }
}

pub use crate::tabular::Encoding;

/// Where a table's rows are, to read them again.
#[derive(Debug, Clone)]
enum Source {
    Csv { encoding: Encoding, delimiter: u8 },
    Sheet { name: String },
}

/// A table read and checked: its inferred schema and what is needed to read its rows again
/// ([`Table::each_row`]); no row is kept.
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: Option<String>,
    pub encoding: Encoding,
    pub schema: TableSchema,
    pub row_count: usize,
    /// The longest value of each column, in characters (short columns are worth indexing).
    pub max_lengths: Vec<usize>,
    source: Source,
}

/// Whether the datastore can read a file with this name.
pub fn is_tabular_name(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    lower.ends_with(".csv") || lower.ends_with(".xlsx") || lower.ends_with(".tsv")
}

/// Reads and checks a whole CSV or XLSX file within `limits`, and infers its column types.
/// Rows are streamed: what is held is the column statistics, never the rows.
pub fn read(file_name: &str, bytes: &[u8], limits: &Limits) -> Result<Table, TableErrors> {
    let whole = |es: String, en: String| TableErrors {
        file: file_name.to_owned(),
        errors: vec![TableProblem {
            sheet: None,
            row: None,
            column: None,
            es,
            en,
        }],
        total: 1,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(whole(
            "el archivo está vacío".into(),
            "the file is empty".into(),
        ));
    }
    let source = if bytes.starts_with(b"PK\x03\x04") {
        let book = Workbook::open(bytes, limits).map_err(|r| refused(file_name, r))?;
        let name = book.sheet_names().first().cloned().ok_or_else(|| {
            whole(
                "no se puede leer como XLSX: no tiene hojas".into(),
                "cannot be read as XLSX: it has no sheets".into(),
            )
        })?;
        Source::Sheet { name }
    } else {
        if bytes.starts_with(b"%PDF") || bytes.iter().take(8192).any(|b| *b == 0) {
            return Err(whole(
                "no es un archivo CSV ni XLSX".into(),
                "it is neither a CSV nor an XLSX file".into(),
            ));
        }
        let encoding = encoding_of(bytes).map_err(|(es, en)| whole(es, en))?;
        Source::Csv {
            encoding,
            delimiter: crate::tabular::sniff_delimiter(bytes),
        }
    };
    let mut table = Table {
        sheet: match &source {
            Source::Sheet { name } => Some(name.clone()),
            Source::Csv { .. } => None,
        },
        encoding: match &source {
            Source::Csv { encoding, .. } => *encoding,
            Source::Sheet { .. } => Encoding::Utf8,
        },
        schema: TableSchema::default(),
        row_count: 0,
        max_lengths: Vec::new(),
        source,
    };
    let mut problems = Problems {
        sheet: table.sheet.clone(),
        list: Vec::new(),
        total: 0,
    };
    let mut scan = Scan::default();
    let streamed = table.stream(bytes, limits, &mut |row| {
        scan.see(row, &mut problems);
        ControlFlow::Continue(())
    });
    if let Err(r) = streamed {
        return Err(refused(file_name, r));
    }
    scan.finish(&mut table, &mut problems);
    if problems.total == 0 {
        Ok(table)
    } else {
        Err(TableErrors {
            file: file_name.to_owned(),
            errors: problems.list,
            total: problems.total,
        })
    }
}

/// A refusal of the reader as the table's only problem.
fn refused(file_name: &str, r: Refused) -> TableErrors {
    TableErrors {
        file: file_name.to_owned(),
        errors: vec![TableProblem {
            sheet: r.sheet,
            row: r.row,
            column: r.column.map(column_letter),
            es: r.reason.message("es"),
            en: r.reason.message("en"),
        }],
        total: 1,
    }
}

/// Column candidates while scanning: which types every value seen so far fits.
#[derive(Clone, Copy)]
struct Fits {
    integer: bool,
    number: bool,
    boolean: bool,
    date: bool,
    any: bool,
    max_len: usize,
}

impl Fits {
    fn all() -> Fits {
        Fits {
            integer: true,
            number: true,
            boolean: true,
            date: true,
            any: false,
            max_len: 0,
        }
    }

    fn see(&mut self, v: &str) {
        let v = v.trim();
        if v.is_empty() {
            return;
        }
        self.any = true;
        self.max_len = self.max_len.max(v.chars().count());
        if self.integer && parse_integer(v).is_none() {
            self.integer = false;
        }
        if self.number && parse_number(v).is_none() {
            self.number = false;
        }
        if self.boolean && parse_bool(v).is_none() {
            self.boolean = false;
        }
        if self.date && parse_date(v).is_none() {
            self.date = false;
        }
    }

    fn best(self) -> FieldType {
        if !self.any {
            FieldType::String
        } else if self.integer {
            FieldType::Integer
        } else if self.number {
            FieldType::Number
        } else if self.boolean {
            FieldType::Boolean
        } else if self.date {
            FieldType::Date
        } else {
            FieldType::String
        }
    }
}

/// What the checking pass keeps while the rows stream by: the header, per-column
/// statistics, and the problems found.
#[derive(Default)]
struct Scan {
    header: Option<Vec<String>>,
    fits: Vec<Fits>,
    count: usize,
    /// Header and shape problems, reported after the reading ones.
    found: Vec<Found>,
}

impl Scan {
    fn see(&mut self, row: TextRow, problems: &mut Problems) {
        let Some(header) = &self.header else {
            check_header(&row.cells, row.number, &mut self.found);
            self.fits = vec![Fits::all(); row.cells.len()];
            self.header = Some(row.cells);
            return;
        };
        for (column, e) in &row.errors {
            problems.push(
                Some(row.number),
                Some(column_letter(*column)),
                format!("la celda tiene un error de fórmula: {e}"),
                format!("the cell has a formula error: {e}"),
            );
        }
        if row.cells.len() != header.len() {
            self.found.push((
                Some(row.number),
                None,
                format!(
                    "tiene {} columnas y el encabezado tiene {}",
                    row.cells.len(),
                    header.len()
                ),
                format!(
                    "has {} columns and the header has {}",
                    row.cells.len(),
                    header.len()
                ),
            ));
            return;
        }
        for (f, v) in self.fits.iter_mut().zip(&row.cells) {
            f.see(v);
        }
        self.count += 1;
    }

    fn finish(self, table: &mut Table, problems: &mut Problems) {
        let Some(header) = self.header else {
            problems.push(
                None,
                None,
                "el archivo no tiene filas".into(),
                "the file has no rows".into(),
            );
            return;
        };
        for (row, col, es, en) in self.found {
            problems.push(row, col, es, en);
        }
        if self.count == 0 && problems.total == 0 {
            problems.push(
                None,
                None,
                "el archivo no tiene filas de datos bajo el encabezado".into(),
                "the file has no data rows under its header".into(),
            );
        }
        table.row_count = self.count;
        table.max_lengths = self.fits.iter().map(|f| f.max_len).collect();
        table.schema = TableSchema {
            fields: header
                .iter()
                .zip(&self.fits)
                .map(|(name, f)| SchemaField {
                    name: name.trim().to_owned(),
                    field_type: f.best(),
                    title: String::new(),
                    description: String::new(),
                })
                .collect(),
        };
    }
}

type Found = (Option<usize>, Option<String>, String, String);

fn check_header(header: &[String], row: usize, out: &mut Vec<Found>) {
    // A first row made only of numbers and dates is data: the file has no header.
    let looks_like_data = header.iter().filter(|h| !h.trim().is_empty()).all(|h| {
        let h = h.trim();
        parse_number(h).is_some() || parse_date(h).is_some()
    });
    if looks_like_data && header.iter().any(|h| !h.trim().is_empty()) {
        out.push((
            Some(row),
            None,
            "la primera fila parece de datos: debe tener los nombres de las columnas".into(),
            "the first row looks like data: it must hold the column names".into(),
        ));
        return;
    }
    for (i, h) in header.iter().enumerate() {
        let name = h.trim();
        let col = Some(column_letter(i));
        if name.is_empty() {
            out.push((
                Some(row),
                col,
                "la columna no tiene nombre en el encabezado".into(),
                "the column has no name in the header".into(),
            ));
        } else if name.starts_with('_') {
            out.push((
                Some(row),
                col,
                format!("«{name}»: los nombres que empiezan con _ están reservados"),
                format!("“{name}”: names starting with _ are reserved"),
            ));
        } else if name.chars().count() > 200 {
            out.push((
                Some(row),
                col,
                "el nombre de la columna pasa de 200 caracteres".into(),
                "the column name is longer than 200 characters".into(),
            ));
        } else if header[..i]
            .iter()
            .any(|o| o.trim().eq_ignore_ascii_case(name))
        {
            out.push((
                Some(row),
                col,
                format!("«{name}» está repetida"),
                format!("“{name}” appears twice"),
            ));
        }
    }
}

/// A row as text, with its number and the formula errors found in it (column, error).
struct TextRow {
    number: usize,
    cells: Vec<String>,
    errors: Vec<(usize, String)>,
}

/// Most formula errors reported for one row.
const MAX_ROW_ERRORS: usize = 20;

fn text_row(row: Row) -> TextRow {
    let mut errors = Vec::new();
    let cells = row
        .cells
        .into_iter()
        .enumerate()
        .map(|(c, v)| match v {
            Value::Empty => String::new(),
            Value::Text(s) => s,
            Value::Int(i) => i.to_string(),
            Value::Float(f) => number_text(f),
            Value::Bool(b) => b.to_string(),
            Value::DateTime(serial) => match Date::from_excel_serial(serial) {
                Some(d) if serial.fract() == 0.0 => d.to_string(),
                _ => number_text(serial),
            },
            Value::Error(e) => {
                if errors.len() < MAX_ROW_ERRORS {
                    errors.push((c, e));
                }
                String::new()
            }
        })
        .collect();
    TextRow {
        number: row.number,
        cells,
        errors,
    }
}

impl Table {
    /// Hands every row (the header first), as text, to `each`, which may stop early. A sheet's
    /// rows are padded to the header's width; its fully empty rows are skipped.
    fn stream(
        &self,
        bytes: &[u8],
        limits: &Limits,
        each: &mut dyn FnMut(TextRow) -> ControlFlow<()>,
    ) -> Result<(), Refused> {
        // A sheet's rows hold the cells present only: its rows are padded to the header's
        // width. A CSV row is what its line says (a short one is a problem).
        let pad = matches!(self.source, Source::Sheet { .. });
        let mut width = None;
        let mut give = |row: Row| {
            let mut row = text_row(row);
            match width {
                None => width = Some(row.cells.len()),
                Some(w) if pad && row.cells.len() < w => row.cells.resize(w, String::new()),
                Some(_) => {}
            }
            each(row)
        };
        match &self.source {
            Source::Csv {
                encoding,
                delimiter,
            } => {
                let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                for row in CsvRows::new(bytes, *delimiter, *encoding, limits) {
                    if give(row?).is_break() {
                        break;
                    }
                }
            }
            Source::Sheet { name } => {
                let mut book = Workbook::open(bytes, limits)?;
                for row in book.rows(name, limits.max_columns)? {
                    let row = row?;
                    if row.cells.iter().all(|v| match v {
                        Value::Text(s) => s.trim().is_empty(),
                        v => *v == Value::Empty,
                    }) {
                        continue;
                    }
                    if give(row).is_break() {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads the data rows again (the header left out), as text, handing each to `each`
    /// until it breaks. The file was checked by [`read`] with the same limits, so this fails
    /// only if the bytes are not the ones read.
    pub fn each_row(
        &self,
        file_name: &str,
        bytes: &[u8],
        limits: &Limits,
        mut each: impl FnMut(Vec<String>) -> ControlFlow<()>,
    ) -> Result<(), TableErrors> {
        let mut header = true;
        self.stream(bytes, limits, &mut |row| {
            if std::mem::take(&mut header) {
                ControlFlow::Continue(())
            } else {
                each(row.cells)
            }
        })
        .map_err(|r| refused(file_name, r))
    }

    /// Every data row as text, collected: for tests and small files only.
    pub fn rows(&self, bytes: &[u8], limits: &Limits) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let _ = self.each_row("", bytes, limits, |r| {
            rows.push(r);
            ControlFlow::Continue(())
        });
        rows
    }
}

/// The file's encoding: UTF-8 (a BOM is allowed), or Windows-1252 when no part of it is
/// UTF-8. A file with both is refused at the first line that is not UTF-8.
fn encoding_of(bytes: &[u8]) -> Result<Encoding, Messages> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if std::str::from_utf8(bytes).is_ok() {
        return Ok(Encoding::Utf8);
    }
    let mut has_utf8 = false;
    let mut first_bad = None;
    let mut at = 0usize;
    for chunk in bytes.utf8_chunks() {
        if chunk.valid().bytes().any(|b| b >= 0x80) {
            has_utf8 = true;
        }
        at += chunk.valid().len();
        if !chunk.invalid().is_empty() && first_bad.is_none() {
            first_bad = Some(at);
        }
        at += chunk.invalid().len();
    }
    if has_utf8 {
        let line = first_bad.map_or(1, |b| {
            bytes[..b].iter().filter(|c| **c == b'\n').count() + 1
        });
        return Err((
            format!(
                "fila {line}: el archivo mezcla codificaciones (parte en UTF-8 y parte no); guárdalo todo como UTF-8"
            ),
            format!(
                "row {line}: the file mixes encodings (part UTF-8, part not); save it all as UTF-8"
            ),
        ));
    }
    Ok(Encoding::Windows1252)
}

/// What went wrong, in Spanish and in English.
type Messages = (String, String);

#[cfg(test)]
mod tests {
    use super::*;

    fn types(t: &Table) -> Vec<&'static str> {
        t.schema
            .fields
            .iter()
            .map(|f| f.field_type.as_str())
            .collect()
    }

    fn read(name: &str, bytes: &[u8]) -> Result<Table, TableErrors> {
        super::read(name, bytes, &Limits::default())
    }

    #[test]
    fn types_are_inferred_and_rows_read_again() {
        let csv = b"clave,monto,fecha,activo,nombre,cp\n1,10.5,2025-01-31,true,Ana,01234\n2,3,31/12/2025,false,\"Luis, Jr\",68000\n";
        let t = read("a.csv", csv).unwrap();
        assert_eq!(
            types(&t),
            ["integer", "number", "date", "boolean", "string", "string"]
        );
        assert_eq!(t.row_count, 2);
        let rows = t.rows(csv, &Limits::default());
        assert_eq!(rows[1][4], "Luis, Jr");
        assert_eq!(
            FieldType::Date.convert("31/12/2025"),
            Some(Typed::Text("2025-12-31".into()))
        );
        assert_eq!(FieldType::Integer.convert("007"), None);
    }

    #[test]
    fn encodings() {
        let latin1 = b"nombre,municipio\nJos\xe9,Oaxaca de Ju\xe1rez\n";
        let t = read("a.csv", latin1).unwrap();
        assert_eq!(t.encoding, Encoding::Windows1252);
        assert_eq!(t.rows(latin1, &Limits::default())[0][0], "José");
        let mixed = "nombre\nJosé\n"
            .bytes()
            .chain(*b"Mar\xeda\n")
            .collect::<Vec<u8>>();
        let e = read("m.csv", &mixed).unwrap_err();
        assert!(e.errors[0].es.contains("fila 3"), "{e}");
    }

    #[test]
    fn bad_tables_name_the_place() {
        let e = read("r.csv", b"a,b\n1,2\n3\n4,5\n").unwrap_err();
        assert_eq!(e.errors[0].row, Some(3));
        assert!(e.errors[0].message("en").contains("has 1 columns"));
        let e = read("h.csv", b"1,2025-01-01\n2,2025-01-02\n").unwrap_err();
        assert!(e.errors[0].es.contains("parece de datos"));
        let e = read("d.csv", b"a,,A,_id\n1,2,3,4\n").unwrap_err();
        let cols: Vec<_> = e.errors.iter().map(|p| p.column.clone().unwrap()).collect();
        assert_eq!(cols, ["B", "C", "D"]);
        assert!(read("e.csv", b"a,b\n").is_err());
        assert!(read("p.csv", b"%PDF-1.4 ...").is_err());
    }
}
