//! Reading an uploaded table — a CSV file or a sheet of an XLSX workbook — as a stream of rows,
//! within limits. Publications (`transparency::import`) and dataset resources
//! (`catalog::table`) both read through here, so one set of rules keeps a file from killing
//! or bloating the server:
//!
//! - nothing is ever allocated from what a file *declares* (a sheet's dimension, a zip entry's
//!   size): rows are built from the cells actually read, and a cell beyond the allowed columns
//!   or rows is refused where it stands;
//! - before a workbook is opened, its zip directory is checked: how much it unzips to, in all
//!   and per part, and (streaming, without holding it) that no cell or tag of a sheet is larger
//!   than a cell may be;
//! - every cell, CSV line, row count and the data a file yields in all are bounded.
//!
//! Every refusal says where (sheet, row, column) and what, in Spanish and English. A CSV
//! cell that a spreadsheet-safe download marked with an apostrophe (`'=…`) is read back as
//! its exact value (`crate::text::spreadsheet_cell`).

use std::io::{Cursor, Read};

/// The limits one file is read within. Defaults are sized for real files: the national
/// platform's 3,900-record Formato 8 export and a million-row CSV resource pass with room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most rows with data in one sheet or CSV file, the header row included.
    pub max_rows: usize,
    /// Most columns: a cell in a later column is refused.
    pub max_columns: usize,
    /// Longest cell, in characters.
    pub max_cell_chars: usize,
    /// Longest CSV line (one record, with any line breaks inside quotes), in bytes.
    pub max_line_bytes: usize,
    /// How many times its own size (counted as at least 1 MiB) a workbook may unzip to, and
    /// how much data its cells may yield in all (shared strings can repeat one text in many
    /// cells).
    pub max_inflation: u64,
    /// Bytes one file may hold in memory besides the rows in flight: the workbook parts that
    /// are read whole (shared strings, styles), a publication's checked records.
    pub memory_budget: usize,
}

/// Excel's own limit on a cell's length.
pub const EXCEL_MAX_CELL_CHARS: usize = 32_767;
/// Most parts (zip entries) in a workbook. Real workbooks have tens.
pub const MAX_PARTS: usize = 10_000;
const MIB: u64 = 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_rows: 2_000_000,
            max_columns: 500,
            max_cell_chars: EXCEL_MAX_CELL_CHARS,
            max_line_bytes: 4 * 1024 * 1024,
            max_inflation: 100,
            memory_budget: 256 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// The most a file of `file_len` bytes may unzip to, or yield as cell data.
    pub fn inflated_cap(&self, file_len: usize) -> u64 {
        self.max_inflation
            .saturating_mul((file_len as u64).max(MIB))
    }

    /// The longest stretch of sheet XML one cell (or one tag before the cells) may take:
    /// a cell of the longest text, every character escaped, plus room for its markup.
    fn max_cell_xml(&self) -> u64 {
        (self.max_cell_chars as u64)
            .saturating_mul(8)
            .saturating_add(64 * 1024)
    }
}

/// Why a file is refused, before any of its content is checked against a format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// A cell in a column past the limit (`max` columns).
    TooWide { max: usize },
    /// More rows with data than the limit.
    TooManyRows { max: usize },
    /// A cell longer than the limit, in characters.
    CellTooLong { max: usize },
    /// A part of a workbook holds a cell (or tag) longer than a cell may be.
    PartCellTooLong { part: String, max: usize },
    /// A CSV line longer than the limit, in bytes.
    LineTooLong { max: usize },
    /// The workbook unzips to more than the limit (`ratio` times its size).
    Inflates { max_mb: u64, ratio: u64 },
    /// One part read whole (shared strings, styles…) is larger than the memory budget.
    PartTooLarge { part: String, max_mb: u64 },
    /// The cells yield more data than the limit (shared strings repeated in many cells).
    DataTooLarge { max_mb: u64 },
    /// A zip with more parts than any workbook has.
    TooManyParts { max: usize },
    /// Rows of a sheet that go backwards: a damaged or crafted file.
    RowsOutOfOrder,
    /// The file cannot be read: it is damaged, or not what it says.
    Damaged(String),
}

impl Reason {
    pub fn message(&self, lang: &str) -> String {
        let en = lang == "en";
        match self {
            Reason::TooWide { max } if en => {
                format!("there is a value beyond the {max} columns this file may have")
            }
            Reason::TooWide { max } => {
                format!("hay un valor más allá de las {max} columnas que puede tener este archivo")
            }
            Reason::TooManyRows { max } if en => format!("the file has more than {max} rows"),
            Reason::TooManyRows { max } => format!("el archivo tiene más de {max} filas"),
            Reason::CellTooLong { max } if en => {
                format!("the cell has more than {max} characters")
            }
            Reason::CellTooLong { max } => format!("la celda tiene más de {max} caracteres"),
            Reason::PartCellTooLong { part, max } if en => {
                format!("its part “{part}” holds a cell longer than {max} characters")
            }
            Reason::PartCellTooLong { part, max } => {
                format!("su parte «{part}» tiene una celda de más de {max} caracteres")
            }
            Reason::LineTooLong { max } if en => format!(
                "the line is longer than {} KB; check that its quotes are closed",
                max / 1024
            ),
            Reason::LineTooLong { max } => format!(
                "la línea pasa de {} KB; revisa que sus comillas estén cerradas",
                max / 1024
            ),
            Reason::Inflates { max_mb, ratio } if en => format!(
                "once unzipped, the workbook takes more than {max_mb} MB ({ratio} times its size): it is not a normal spreadsheet"
            ),
            Reason::Inflates { max_mb, ratio } => format!(
                "al descomprimirse, el libro ocupa más de {max_mb} MB ({ratio} veces su tamaño): no es una hoja de cálculo normal"
            ),
            Reason::PartTooLarge { part, max_mb } if en => format!(
                "its part “{part}” takes more than {max_mb} MB once unzipped; save the workbook again from your spreadsheet program"
            ),
            Reason::PartTooLarge { part, max_mb } => format!(
                "su parte «{part}» ocupa más de {max_mb} MB al descomprimirse; guarda el libro de nuevo desde tu programa de hojas de cálculo"
            ),
            Reason::DataTooLarge { max_mb } if en => {
                format!("its cells hold more than {max_mb} MB of data")
            }
            Reason::DataTooLarge { max_mb } => {
                format!("sus celdas contienen más de {max_mb} MB de datos")
            }
            Reason::TooManyParts { max } if en => {
                format!("the workbook has more than {max} parts: it is not a normal spreadsheet")
            }
            Reason::TooManyParts { max } => {
                format!("el libro tiene más de {max} partes: no es una hoja de cálculo normal")
            }
            Reason::RowsOutOfOrder if en => {
                "the rows of the sheet are out of order: the file is damaged".into()
            }
            Reason::RowsOutOfOrder => {
                "las filas de la hoja están desordenadas: el archivo está dañado".into()
            }
            Reason::Damaged(detail) if en => format!("cannot be read: {detail}"),
            Reason::Damaged(detail) => format!("no se puede leer: {detail}"),
        }
    }
}

/// A refusal and where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub sheet: Option<String>,
    /// 1-based, as a spreadsheet numbers rows (for CSV, the line where the record starts).
    pub row: Option<usize>,
    /// 0-based column index.
    pub column: Option<usize>,
    pub reason: Reason,
}

impl Refused {
    fn whole(reason: Reason) -> Refused {
        Refused {
            sheet: None,
            row: None,
            column: None,
            reason,
        }
    }

    fn damaged(detail: impl std::fmt::Display) -> Refused {
        Refused::whole(Reason::Damaged(detail.to_string()))
    }
}

/// One cell's value, as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// An Excel date or time: its serial number.
    DateTime(f64),
    /// A formula's error value, such as `#N/A`.
    Error(String),
}

impl Value {
    /// Bytes this value adds to the data a file yields.
    fn weight(&self) -> u64 {
        match self {
            Value::Text(s) | Value::Error(s) => s.len() as u64,
            _ => 8,
        }
    }
}

/// One row with data: its number and its cells from column A (later cells may be missing).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<Value>,
}

// ---------------------------------------------------------------------------------------------
// XLSX

/// A workbook checked and opened: sheets are then read one at a time as rows.
pub struct Workbook<'a> {
    xlsx: calamine::Xlsx<Cursor<&'a [u8]>>,
    limits: Limits,
    /// Data yielded so far by every sheet, against `data_cap`.
    data: u64,
    data_cap: u64,
}

impl<'a> Workbook<'a> {
    /// Checks the zip (parts, sizes, cell sizes) without holding it, then opens it.
    pub fn open(bytes: &'a [u8], limits: &Limits) -> Result<Workbook<'a>, Refused> {
        inspect_zip(bytes, limits)?;
        let xlsx = crate::text::without_panics(|| {
            <calamine::Xlsx<_> as calamine::Reader<_>>::new(Cursor::new(bytes))
        })
        .map_err(Refused::damaged)?
        .map_err(Refused::damaged)?;
        Ok(Workbook {
            xlsx,
            limits: *limits,
            data: 0,
            data_cap: limits.inflated_cap(bytes.len()),
        })
    }

    pub fn sheet_names(&self) -> Vec<String> {
        calamine::Reader::sheet_names(&self.xlsx)
    }

    /// The rows of a sheet, with cells allowed up to `max_columns` columns (at most the
    /// limits' own).
    pub fn rows(&mut self, sheet: &str, max_columns: usize) -> Result<SheetRows<'_, 'a>, Refused> {
        let Workbook {
            xlsx,
            limits,
            data,
            data_cap,
        } = self;
        let in_sheet = |detail: String| Refused {
            sheet: Some(sheet.to_owned()),
            ..Refused::damaged(detail)
        };
        let cells = crate::text::without_panics(|| xlsx.worksheet_cells_reader(sheet))
            .map_err(in_sheet)?
            .map_err(|e| in_sheet(e.to_string()))?;
        Ok(SheetRows {
            cells,
            sheet: sheet.to_owned(),
            limits: *limits,
            max_columns: max_columns.min(limits.max_columns),
            data,
            data_cap: *data_cap,
            pending: None,
            last_row: None,
            rows: 0,
            cells_done: false,
            done: false,
        })
    }
}

/// The rows of one sheet, in order, each built from the cells actually present. Stops at the
/// first refusal, which is its last item.
pub struct SheetRows<'w, 'a> {
    cells: calamine::XlsxCellReader<'w, Cursor<&'a [u8]>>,
    sheet: String,
    limits: Limits,
    max_columns: usize,
    data: &'w mut u64,
    data_cap: u64,
    /// A cell read ahead: the first of the next row.
    pending: Option<(usize, usize, Value)>,
    last_row: Option<usize>,
    rows: usize,
    /// The sheet's cells are all read.
    cells_done: bool,
    done: bool,
}

impl SheetRows<'_, '_> {
    fn refuse(&mut self, row: Option<usize>, column: Option<usize>, reason: Reason) -> Refused {
        self.done = true;
        Refused {
            sheet: Some(self.sheet.clone()),
            row,
            column,
            reason,
        }
    }

    /// The next non-empty cell: (1-based row, 0-based column, value).
    fn next_cell(&mut self) -> Result<Option<(usize, usize, Value)>, Refused> {
        loop {
            if self.cells_done {
                return Ok(None);
            }
            let read = crate::text::without_panics(|| self.cells.next_cell());
            let cell = match read {
                Ok(Ok(Some(cell))) => cell,
                Ok(Ok(None)) => {
                    // The reader must not be asked again: past the cells it finds the end of
                    // the part and calls it an error.
                    self.cells_done = true;
                    return Ok(None);
                }
                Ok(Err(e)) => return Err(self.refuse(None, None, Reason::Damaged(e.to_string()))),
                Err(e) => return Err(self.refuse(None, None, Reason::Damaged(e))),
            };
            let (r, c) = cell.get_position();
            let (row, column) = (r as usize + 1, c as usize);
            let value = match cell.get_value() {
                calamine::DataRef::Empty => continue,
                calamine::DataRef::String(s)
                | calamine::DataRef::DateTimeIso(s)
                | calamine::DataRef::DurationIso(s) => self.text(row, column, s)?,
                calamine::DataRef::SharedString(s) => self.text(row, column, s)?,
                calamine::DataRef::Int(i) => Value::Int(*i),
                calamine::DataRef::Float(f) => Value::Float(*f),
                calamine::DataRef::Bool(b) => Value::Bool(*b),
                calamine::DataRef::DateTime(d) => Value::DateTime(d.as_f64()),
                calamine::DataRef::Error(e) => Value::Error(e.to_string()),
            };
            if column >= self.max_columns {
                let max = self.max_columns;
                return Err(self.refuse(Some(row), Some(column), Reason::TooWide { max }));
            }
            *self.data += value.weight();
            if *self.data > self.data_cap {
                let max_mb = self.data_cap / MIB;
                return Err(self.refuse(Some(row), Some(column), Reason::DataTooLarge { max_mb }));
            }
            return Ok(Some((row, column, value)));
        }
    }

    fn text(&mut self, row: usize, column: usize, s: &str) -> Result<Value, Refused> {
        let max = self.limits.max_cell_chars;
        if s.len() > max && s.chars().count() > max {
            return Err(self.refuse(Some(row), Some(column), Reason::CellTooLong { max }));
        }
        Ok(Value::Text(s.to_owned()))
    }

    fn next_row(&mut self) -> Result<Option<Row>, Refused> {
        let first = match self.pending.take() {
            Some(cell) => cell,
            None => match self.next_cell()? {
                Some(cell) => cell,
                None => return Ok(None),
            },
        };
        let number = first.0;
        if self.last_row.is_some_and(|last| number <= last) {
            return Err(self.refuse(Some(number), None, Reason::RowsOutOfOrder));
        }
        self.last_row = Some(number);
        self.rows += 1;
        if self.rows > self.limits.max_rows {
            let max = self.limits.max_rows;
            return Err(self.refuse(Some(number), None, Reason::TooManyRows { max }));
        }
        let mut cells = Vec::new();
        let mut put = |column: usize, value: Value| {
            if cells.len() <= column {
                cells.resize(column + 1, Value::Empty);
            }
            cells[column] = value;
        };
        put(first.1, first.2);
        while let Some(cell) = self.next_cell()? {
            if cell.0 != number {
                self.pending = Some(cell);
                break;
            }
            put(cell.1, cell.2);
        }
        Ok(Some(Row { number, cells }))
    }
}

impl Iterator for SheetRows<'_, '_> {
    type Item = Result<Row, Refused>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let read = self.next_row();
        item(&mut self.done, read)
    }
}

/// A row reader's result as an iterator's item: the rows, then a refusal or the end, after
/// which nothing more.
fn item(done: &mut bool, read: Result<Option<Row>, Refused>) -> Option<Result<Row, Refused>> {
    match read {
        Ok(Some(row)) => Some(Ok(row)),
        Ok(None) => {
            *done = true;
            None
        }
        Err(e) => {
            *done = true;
            Some(Err(e))
        }
    }
}

/// Checks a workbook's zip before anything in it is read: the number of parts, how much they
/// unzip to (declared sizes bound what the zip reader will inflate), the parts read whole
/// against the memory budget, and, streaming through each large part, that no cell of a
/// sheet (nor any tag before its cells) is larger than a cell may be.
fn inspect_zip(bytes: &[u8], limits: &Limits) -> Result<(), Refused> {
    if let Some(parts) = declared_parts(bytes)
        && parts > MAX_PARTS
    {
        return Err(Refused::whole(Reason::TooManyParts { max: MAX_PARTS }));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(Refused::damaged)?;
    if zip.len() > MAX_PARTS {
        return Err(Refused::whole(Reason::TooManyParts { max: MAX_PARTS }));
    }
    let cap = limits.inflated_cap(bytes.len());
    let budget = limits.memory_budget as u64;
    let (mut total, mut held) = (0u64, 0u64);
    for i in 0..zip.len() {
        let (name, size) = {
            let part = zip.by_index_raw(i).map_err(Refused::damaged)?;
            let name = part.name().map_err(Refused::damaged)?.into_owned();
            (name, part.size())
        };
        total = total.saturating_add(size);
        if total > cap {
            return Err(Refused::whole(Reason::Inflates {
                max_mb: cap / MIB,
                ratio: limits.max_inflation,
            }));
        }
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".xml") || lower.ends_with(".rels")) {
            // Pictures, printer settings, macros: never read.
            continue;
        }
        let is_sheet = if size > limits.max_cell_xml() {
            let part = zip.by_index(i).map_err(Refused::damaged)?;
            scan_part(part, limits.max_cell_xml()).map_err(|e| {
                Refused::whole(match e {
                    Some(reason) => reason,
                    None => Reason::PartCellTooLong {
                        part: name.clone(),
                        max: limits.max_cell_chars,
                    },
                })
            })?
        } else {
            lower.starts_with("xl/worksheets/")
        };
        if !is_sheet {
            held = held.saturating_add(size);
            if held > budget {
                return Err(Refused::whole(Reason::PartTooLarge {
                    part: name,
                    max_mb: budget / MIB,
                }));
            }
        }
    }
    Ok(())
}

/// The number of parts the zip's end record declares, when it has one.
fn declared_parts(bytes: &[u8]) -> Option<usize> {
    const END: [u8; 4] = [b'P', b'K', 5, 6];
    let from = bytes.len().saturating_sub(22 + 65_535);
    let at = bytes[from..].windows(4).rposition(|w| w == END)? + from;
    let field = bytes.get(at + 10..at + 12)?;
    Some(usize::from(u16::from_le_bytes([field[0], field[1]])))
}

/// Streams through one XML part and says whether it is a worksheet. Before a sheet's cells,
/// no tag or text may be longer than `max` bytes; among its cells, no cell (the stretch from
/// one `<c`/`<row` to the next) may be: `Err(None)` when one is, `Err(Some(_))` when the part
/// cannot be read. Nothing after the cells is read by the sheet reader, so
/// nothing after them is checked.
fn scan_part(mut part: impl Read, max: u64) -> Result<bool, Option<Reason>> {
    const KEEP: usize = 64;
    let mut buf = vec![0u8; 64 * 1024 + KEEP];
    let mut held = 0usize; // bytes carried over from the previous read
    let mut offset = 0u64; // absolute position of buf[0]
    let mut in_cells = false;
    let mut last_mark = 0u64;
    loop {
        let n = part
            .read(&mut buf[held..])
            .map_err(|e| Some(Reason::Damaged(e.to_string())))?;
        let end = held + n;
        let eof = n == 0;
        // Marks are only judged where the name after them is wholly in the buffer.
        let usable = if eof { end } else { end.saturating_sub(KEEP) };
        let mut i = 0;
        while i < usable {
            let found = if in_cells {
                memchr::memchr(b'<', &buf[i..usable])
            } else {
                memchr::memchr2(b'<', b'>', &buf[i..usable])
            };
            let Some(k) = found else { break };
            let at = i + k;
            let abs = offset + at as u64;
            let name = tag_name(&buf[at..end]);
            if in_cells {
                if matches!(name, Some((_, b"c" | b"row" | b"sheetData"))) {
                    if abs - last_mark > max {
                        return Err(None);
                    }
                    last_mark = abs;
                    if name == Some((true, b"sheetData")) {
                        return Ok(true);
                    }
                }
            } else {
                if abs - last_mark > max {
                    return Err(None);
                }
                last_mark = abs;
                if name == Some((false, b"sheetData")) {
                    if self_closing(&buf[at..end]) {
                        return Ok(true);
                    }
                    in_cells = true;
                }
            }
            i = at + 1;
        }
        if offset + end as u64 - last_mark > max + KEEP as u64 {
            return Err(None);
        }
        if eof {
            return Ok(in_cells);
        }
        buf.copy_within(usable..end, 0);
        offset += usable as u64;
        held = end - usable;
    }
}

/// Whether the (short) tag at the start of `b` closes itself: `<sheetData/>`.
fn self_closing(b: &[u8]) -> bool {
    b.iter()
        .position(|c| *c == b'>')
        .is_some_and(|end| end > 0 && b[end - 1] == b'/')
}

/// The local name of the tag at the start of `b` (`<x:row …` → `row`), and whether it closes.
fn tag_name(b: &[u8]) -> Option<(bool, &[u8])> {
    let rest = b.strip_prefix(b"<")?;
    let (closing, rest) = match rest.strip_prefix(b"/") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let len = rest
        .iter()
        .position(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))?;
    let name = &rest[..len];
    let local = name.rsplit(|c| *c == b':').next().unwrap_or(name);
    Some((closing, local))
}

// ---------------------------------------------------------------------------------------------
// CSV

/// The text encodings a CSV file is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Utf8,
    /// Windows-1252 (a superset of Latin-1), as Excel in Spanish saves CSV.
    Windows1252,
}

/// The field separator: whichever of `,` `;` and tab the first line has most of.
pub fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or(bytes);
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.iter().filter(|b| *b == d).count())
        .unwrap_or(b',')
}

/// The records of a CSV file, read field by field so that no line, cell or row count goes
/// past the limits, whatever the file holds. Empty lines are skipped; a UTF-8 BOM is dropped.
pub struct CsvRows<'a> {
    input: &'a [u8],
    at: usize,
    reader: csv_core::Reader,
    encoding: Encoding,
    limits: Limits,
    field: Vec<u8>,
    rows: usize,
    done: bool,
}

impl<'a> CsvRows<'a> {
    pub fn new(input: &'a [u8], delimiter: u8, encoding: Encoding, limits: &Limits) -> Self {
        CsvRows {
            input,
            at: 0,
            reader: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            encoding,
            limits: *limits,
            field: Vec::new(),
            rows: 0,
            done: false,
        }
    }

    fn refuse(&mut self, row: usize, column: Option<usize>, reason: Reason) -> Refused {
        self.done = true;
        Refused {
            sheet: None,
            row: Some(row),
            column,
            reason,
        }
    }

    fn next_row(&mut self) -> Result<Option<Row>, Refused> {
        let mut out = [0u8; 16 * 1024];
        let start = self.at;
        let line = usize::try_from(self.reader.line()).unwrap_or(usize::MAX);
        let max_field = self.limits.max_cell_chars.saturating_mul(4);
        let mut cells = Vec::new();
        loop {
            let (result, read, written) = self.reader.read_field(&self.input[self.at..], &mut out);
            self.at += read;
            self.field.extend_from_slice(&out[..written]);
            if self.at - start > self.limits.max_line_bytes {
                let max = self.limits.max_line_bytes;
                return Err(self.refuse(line, None, Reason::LineTooLong { max }));
            }
            if self.field.len() > max_field {
                let max = self.limits.max_cell_chars;
                return Err(self.refuse(line, Some(cells.len()), Reason::CellTooLong { max }));
            }
            match result {
                csv_core::ReadFieldResult::InputEmpty | csv_core::ReadFieldResult::OutputFull => {}
                csv_core::ReadFieldResult::Field { record_end } => {
                    if cells.len() >= self.limits.max_columns {
                        let max = self.limits.max_columns;
                        return Err(self.refuse(line, Some(cells.len()), Reason::TooWide { max }));
                    }
                    let mut text = decode(&self.field, self.encoding);
                    self.field.clear();
                    // A CSV written for spreadsheets (Tequio's own downloads) marks text that
                    // looks like a formula with an apostrophe: the value is what follows it.
                    if crate::text::from_spreadsheet_cell(&text).len() < text.len() {
                        text.remove(0);
                    }
                    let max = self.limits.max_cell_chars;
                    if text.chars().count() > max {
                        return Err(self.refuse(
                            line,
                            Some(cells.len()),
                            Reason::CellTooLong { max },
                        ));
                    }
                    cells.push(if text.is_empty() {
                        Value::Empty
                    } else {
                        Value::Text(text)
                    });
                    if record_end {
                        self.rows += 1;
                        if self.rows > self.limits.max_rows {
                            let max = self.limits.max_rows;
                            return Err(self.refuse(line, None, Reason::TooManyRows { max }));
                        }
                        // The line where the record starts, not counting skipped empty lines.
                        let skipped = self.input[start..self.at]
                            .iter()
                            .take_while(|b| matches!(b, b'\r' | b'\n'))
                            .filter(|b| **b == b'\n')
                            .count();
                        return Ok(Some(Row {
                            number: line + skipped,
                            cells,
                        }));
                    }
                }
                csv_core::ReadFieldResult::End => return Ok(None),
            }
        }
    }
}

impl Iterator for CsvRows<'_> {
    type Item = Result<Row, Refused>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let read = self.next_row();
        item(&mut self.done, read)
    }
}

/// One field's text in the file's encoding. Invalid UTF-8 cannot reach here: the encoding is
/// decided for the whole file first.
fn decode(bytes: &[u8], encoding: Encoding) -> String {
    match encoding {
        Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Encoding::Windows1252 => bytes.iter().map(|b| windows_1252(*b)).collect(),
    }
}

/// A Windows-1252 byte as a character.
pub fn windows_1252(b: u8) -> char {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str, limits: &Limits) -> Result<Vec<Row>, Refused> {
        CsvRows::new(text.as_bytes(), b',', Encoding::Utf8, limits).collect()
    }

    #[test]
    fn csv_rows_carry_their_line_numbers() {
        let rows = csv("a,b\n\n1,\"x\ny\"\n2,z\n", &Limits::default()).unwrap();
        let numbers: Vec<usize> = rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 3, 5]);
        assert_eq!(rows[1].cells[1], Value::Text("x\ny".into()));
        assert_eq!(
            rows[2].cells,
            [Value::Text("2".into()), Value::Text("z".into())]
        );
    }

    #[test]
    fn csv_limits_are_located() {
        let narrow = Limits {
            max_columns: 2,
            max_rows: 2,
            max_cell_chars: 5,
            max_line_bytes: 40,
            ..Limits::default()
        };
        let e = csv("a,b\n1,2,3\n", &narrow).unwrap_err();
        assert_eq!((e.row, e.column), (Some(2), Some(2)));
        assert_eq!(e.reason, Reason::TooWide { max: 2 });
        let e = csv("a,b\n1,2\n3,4\n", &narrow).unwrap_err();
        assert_eq!((e.row, e.reason), (Some(3), Reason::TooManyRows { max: 2 }));
        let e = csv("a,b\n1,123456\n", &narrow).unwrap_err();
        assert_eq!((e.row, e.column), (Some(2), Some(1)));
        assert!(e.reason.message("es").contains("más de 5 caracteres"));
        let e = csv(
            "a,b\n\"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n",
            &narrow,
        )
        .unwrap_err();
        assert_eq!(e.reason, Reason::LineTooLong { max: 40 });
    }

    #[test]
    fn a_long_line_is_refused_before_it_is_held() {
        // One line of ten million commas: the csv crate would keep ten million field ends.
        let line = ",".repeat(10_000_000);
        let e = csv(&line, &Limits::default()).unwrap_err();
        assert_eq!(e.reason, Reason::TooWide { max: 500 });
    }

    #[test]
    fn tag_names_ignore_prefixes() {
        assert_eq!(tag_name(b"<x:row r=\"1\">"), Some((false, &b"row"[..])));
        assert_eq!(tag_name(b"</sheetData>"), Some((true, &b"sheetData"[..])));
        assert_eq!(tag_name(b"<c r=\"A1\"/>"), Some((false, &b"c"[..])));
        assert_eq!(tag_name(b"<col"), None);
    }

    #[test]
    fn sheet_scan_bounds_cells_and_tags() {
        let cells = |n: usize| {
            format!(
                "<worksheet><dimension ref=\"A1\"/><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>{}</t></is></c></row></sheetData><after>{}</after></worksheet>",
                "a".repeat(n),
                "z".repeat(10_000)
            )
        };
        assert_eq!(scan_part(cells(900).as_bytes(), 1000), Ok(true));
        assert!(scan_part(cells(2000).as_bytes(), 1000).is_err());
        // What comes after the cells is never read, so it is not judged.
        assert_eq!(scan_part(cells(10).as_bytes(), 1000), Ok(true));
        let tag = format!(
            "<worksheet><sheetPr a=\"{}\"/><sheetData/></worksheet>",
            "b".repeat(5000)
        );
        assert!(scan_part(tag.as_bytes(), 1000).is_err());
        let styles = format!("<styleSheet><x>{}</x></styleSheet>", "c".repeat(500));
        assert_eq!(scan_part(styles.as_bytes(), 1000), Ok(false));
    }
}
