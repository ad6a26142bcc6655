//! Reading a tabular resource (CSV or XLSX) for the datastore: the first row names the
//! columns, every other row is data. The whole file is checked first, and every problem is
//! reported with its place (sheet, row, column); then the column types are inferred (a Table
//! Schema) and the rows can be read again, typed, to load them.

use crate::transparency::import::column_letter;
use crate::transparency::period::Date;
use crate::transparency::values::number_text;
use serde::{Deserialize, Serialize};
use std::io::Cursor;

/// Most problems listed for one file; the rest are counted.
pub const MAX_REPORTED: usize = 200;
/// Most columns in one table.
pub const MAX_COLUMNS: usize = 500;

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

/// The text encodings a CSV file is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Utf8,
    /// Windows-1252 (a superset of Latin-1), as Excel in Spanish saves CSV.
    Windows1252,
}

enum Source {
    Csv { text: String, delimiter: u8 },
    Sheet { rows: Vec<Vec<String>> },
}

/// A table read and checked: its inferred schema and its rows (read again with [`Table::rows`]).
pub struct Table {
    pub sheet: Option<String>,
    pub encoding: Encoding,
    pub schema: TableSchema,
    pub row_count: usize,
    /// The longest value of each column, in characters (short columns are worth indexing).
    pub max_lengths: Vec<usize>,
    source: Source,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("sheet", &self.sheet)
            .field("schema", &self.schema)
            .field("row_count", &self.row_count)
            .finish_non_exhaustive()
    }
}

/// Whether the datastore can read a file with this name.
pub fn is_tabular_name(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    lower.ends_with(".csv") || lower.ends_with(".xlsx") || lower.ends_with(".tsv")
}

/// Reads and checks a whole CSV or XLSX file, and infers its column types.
pub fn read(file_name: &str, bytes: &[u8]) -> Result<Table, TableErrors> {
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
    let (source, sheet, encoding) = if bytes.starts_with(b"PK\x03\x04") {
        let (sheet, rows) = read_sheet(bytes).map_err(|(es, en)| whole(es, en))?;
        (Source::Sheet { rows }, Some(sheet), Encoding::Utf8)
    } else {
        if bytes.starts_with(b"%PDF") || bytes.iter().take(8192).any(|b| *b == 0) {
            return Err(whole(
                "no es un archivo CSV ni XLSX".into(),
                "it is neither a CSV nor an XLSX file".into(),
            ));
        }
        let (text, encoding) = decode(bytes).map_err(|(es, en)| whole(es, en))?;
        let first_line = text.lines().next().unwrap_or("");
        let delimiter = [b',', b';', b'\t']
            .into_iter()
            .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
            .unwrap_or(b',');
        (Source::Csv { text, delimiter }, None, encoding)
    };
    let mut problems = Problems {
        sheet: sheet.clone(),
        list: Vec::new(),
        total: 0,
    };
    let mut table = Table {
        sheet,
        encoding,
        schema: TableSchema::default(),
        row_count: 0,
        max_lengths: Vec::new(),
        source,
    };
    check_and_infer(&mut table, &mut problems);
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

fn check_and_infer(table: &mut Table, problems: &mut Problems) {
    let mut rows = table.rows_checked(problems);
    let Some(header) = rows.next() else {
        drop(rows);
        problems.push(
            None,
            None,
            "el archivo no tiene filas".into(),
            "the file has no rows".into(),
        );
        return;
    };
    let header = header.1;
    let mut fits = vec![Fits::all(); header.len()];
    let mut count = 0usize;
    let mut header_problems = Vec::new();
    check_header(&header, &mut header_problems);
    for (row_no, row) in rows {
        if row.len() != header.len() {
            header_problems.push((
                Some(row_no),
                None,
                format!(
                    "tiene {} columnas y el encabezado tiene {}",
                    row.len(),
                    header.len()
                ),
                format!(
                    "has {} columns and the header has {}",
                    row.len(),
                    header.len()
                ),
            ));
            continue;
        }
        for (f, v) in fits.iter_mut().zip(&row) {
            f.see(v);
        }
        count += 1;
    }
    for (row, col, es, en) in header_problems {
        problems.push(row, col, es, en);
    }
    if count == 0 && problems.total == 0 {
        problems.push(
            None,
            None,
            "el archivo no tiene filas de datos bajo el encabezado".into(),
            "the file has no data rows under its header".into(),
        );
    }
    table.row_count = count;
    table.max_lengths = fits.iter().map(|f| f.max_len).collect();
    table.schema = TableSchema {
        fields: header
            .iter()
            .zip(&fits)
            .map(|(name, f)| SchemaField {
                name: name.trim().to_owned(),
                field_type: f.best(),
                title: String::new(),
                description: String::new(),
            })
            .collect(),
    };
}

type Found = (Option<usize>, Option<String>, String, String);

fn check_header(header: &[String], out: &mut Vec<Found>) {
    if header.len() > MAX_COLUMNS {
        out.push((
            Some(1),
            None,
            format!(
                "tiene {} columnas; el máximo es {MAX_COLUMNS}",
                header.len()
            ),
            format!("has {} columns; at most {MAX_COLUMNS}", header.len()),
        ));
        return;
    }
    // A first row made only of numbers and dates is data: the file has no header.
    let looks_like_data = header.iter().filter(|h| !h.trim().is_empty()).all(|h| {
        let h = h.trim();
        parse_number(h).is_some() || parse_date(h).is_some()
    });
    if looks_like_data && header.iter().any(|h| !h.trim().is_empty()) {
        out.push((
            Some(1),
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
                Some(1),
                col,
                "la columna no tiene nombre en el encabezado".into(),
                "the column has no name in the header".into(),
            ));
        } else if name.starts_with('_') {
            out.push((
                Some(1),
                col,
                format!("«{name}»: los nombres que empiezan con _ están reservados"),
                format!("“{name}”: names starting with _ are reserved"),
            ));
        } else if name.chars().count() > 200 {
            out.push((
                Some(1),
                col,
                "el nombre de la columna pasa de 200 caracteres".into(),
                "the column name is longer than 200 characters".into(),
            ));
        } else if header[..i]
            .iter()
            .any(|o| o.trim().eq_ignore_ascii_case(name))
        {
            out.push((
                Some(1),
                col,
                format!("«{name}» está repetida"),
                format!("“{name}” appears twice"),
            ));
        }
    }
}

impl Table {
    /// The data rows (without the header), as text. The file was checked when read, so this
    /// never fails.
    pub fn rows(&self) -> Box<dyn Iterator<Item = Vec<String>> + Send + '_> {
        match &self.source {
            Source::Csv { text, delimiter } => Box::new(
                csv_reader(text, *delimiter)
                    .into_records()
                    .skip(1)
                    .map_while(Result::ok)
                    .map(|r| r.iter().map(str::to_owned).collect()),
            ),
            Source::Sheet { rows } => Box::new(rows.iter().skip(1).cloned()),
        }
    }

    /// Every row as it comes, with its 1-based row number; CSV syntax errors are reported.
    fn rows_checked<'a>(
        &'a self,
        problems: &'a mut Problems,
    ) -> Box<dyn Iterator<Item = (usize, Vec<String>)> + 'a> {
        match &self.source {
            Source::Csv { text, delimiter } => {
                let mut reader = csv_reader(text, *delimiter).into_records();
                Box::new(std::iter::from_fn(move || match reader.next()? {
                    Ok(r) => {
                        let line = r.position().map_or(0, |p| p.line() as usize);
                        Some((line, r.iter().map(str::to_owned).collect()))
                    }
                    Err(e) => {
                        let line = e.position().map(|p| p.line() as usize);
                        problems.push(
                            line,
                            None,
                            format!("no se puede leer como CSV: {e}"),
                            format!("cannot be read as CSV: {e}"),
                        );
                        None
                    }
                }))
            }
            Source::Sheet { rows } => {
                Box::new(rows.iter().enumerate().map(|(i, r)| (i + 1, r.clone())))
            }
        }
    }
}

fn csv_reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
}

/// The file's text: UTF-8 (a BOM is dropped), or Windows-1252 when no part of it is UTF-8.
/// A file with both is refused at the first line that is not UTF-8.
fn decode(bytes: &[u8]) -> Result<(String, Encoding), Messages> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(t) = std::str::from_utf8(bytes) {
        return Ok((t.to_owned(), Encoding::Utf8));
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
    Ok((
        bytes.iter().map(|b| windows_1252(*b)).collect(),
        Encoding::Windows1252,
    ))
}

fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The first sheet of a workbook as text rows, without fully empty rows and with cells padded
/// to the sheet's width.
/// What went wrong, in Spanish and in English.
type Messages = (String, String);

fn read_sheet(bytes: &[u8]) -> Result<(String, Vec<Vec<String>>), Messages> {
    use calamine::{Data, Reader};
    let unreadable = |e: String| {
        (
            format!("no se puede leer como XLSX: {e}"),
            format!("cannot be read as XLSX: {e}"),
        )
    };
    let mut workbook = crate::text::without_panics(|| calamine::Xlsx::new(Cursor::new(bytes)))
        .map_err(unreadable)?
        .map_err(|e| unreadable(e.to_string()))?;
    let name = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| unreadable("no tiene hojas".into()))?;
    let range = crate::text::without_panics(|| workbook.worksheet_range(&name))
        .map_err(unreadable)?
        .map_err(|e| unreadable(e.to_string()))?;
    let (_, first_col) = range.start().unwrap_or((0, 0));
    let pad = first_col as usize;
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for (r, row) in range.rows().enumerate() {
        let cells: Vec<String> = std::iter::repeat_n(String::new(), pad)
            .chain(row.iter().enumerate().map(|(c, d)| match d {
                Data::Empty => String::new(),
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                Data::Int(i) => i.to_string(),
                Data::Float(f) => number_text(*f),
                Data::Bool(b) => b.to_string(),
                Data::DateTime(dt) => {
                    let serial = dt.as_f64();
                    match Date::from_excel_serial(serial) {
                        Some(d) if serial.fract() == 0.0 => d.to_string(),
                        _ => number_text(serial),
                    }
                }
                Data::Error(e) => {
                    if errors.len() < 20 {
                        errors.push(format!("{}{}: {e}", column_letter(c + pad), r + 1));
                    }
                    String::new()
                }
            }))
            .collect();
        if cells.iter().any(|c| !c.trim().is_empty()) {
            rows.push(cells);
        }
    }
    if !errors.is_empty() {
        return Err((
            format!(
                "hoja «{name}»: celdas con error de fórmula: {}",
                errors.join(", ")
            ),
            format!(
                "sheet “{name}”: cells with formula errors: {}",
                errors.join(", ")
            ),
        ));
    }
    Ok((name, rows))
}

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

    #[test]
    fn types_are_inferred_and_rows_read_again() {
        let t = read(
            "a.csv",
            b"clave,monto,fecha,activo,nombre,cp\n1,10.5,2025-01-31,true,Ana,01234\n2,3,31/12/2025,false,\"Luis, Jr\",68000\n",
        )
        .unwrap();
        assert_eq!(
            types(&t),
            ["integer", "number", "date", "boolean", "string", "string"]
        );
        assert_eq!(t.row_count, 2);
        let rows: Vec<_> = t.rows().collect();
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
        assert_eq!(t.rows().next().unwrap()[0], "José");
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
