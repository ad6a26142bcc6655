//! Reading a publication file: CSV, XLSX (the national platform's layout or a plain one) or
//! JSON, checked field by field against a format. Every problem is reported with its file,
//! sheet, row and column, all at once; nothing is returned unless the whole file is valid.

use super::framework::{FieldDef, FieldType, FormatDef};
use super::period::Period;
use super::records::Record;
use super::values::{Cell, Problem, fold_label, normalize};
use crate::tabular::{self, CsvRows, Limits, Refused, Row, Workbook};
use std::collections::HashMap;

/// Most problems listed for one file; the rest are counted.
pub const MAX_REPORTED: usize = 500;
/// Rows scanned from the top of a sheet to find its column titles.
const HEADER_SCAN_ROWS: usize = 30;
/// Columns a sheet may have beyond its format's fields: the national platform's ID and its
/// creation and modification dates, and a few more left empty or for notes. A value further
/// right is refused before the row is built.
const EXTRA_COLUMNS: usize = 10;

/// The limits a publication file is read within when the caller sets none: those of
/// [`Limits::default`], with fewer rows (a publication's records are all held until saved).
pub fn default_limits() -> Limits {
    Limits {
        max_rows: 500_000,
        ..Limits::default()
    }
}

/// The kinds of file a publication can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Xlsx,
    Json,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Csv => "csv",
            FileKind::Xlsx => "xlsx",
            FileKind::Json => "json",
        }
    }

    fn described(self) -> &'static str {
        match self {
            FileKind::Csv => "CSV",
            FileKind::Xlsx => "XLSX",
            FileKind::Json => "JSON",
        }
    }
}

/// One problem and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub sheet: Option<String>,
    /// 1-based, as a spreadsheet numbers rows (for JSON, the record's number).
    pub row: Option<usize>,
    /// A column letter (`F`), a number for CSV, or a key for JSON.
    pub column: Option<String>,
    /// The field's title.
    pub field: Option<String>,
    pub problem: Problem,
}

impl Located {
    fn file(problem: Problem) -> Located {
        Located {
            sheet: None,
            row: None,
            column: None,
            field: None,
            problem,
        }
    }

    /// A file refused by the reader's limits, where it happened.
    fn refused(r: Refused) -> Stop {
        Box::new(Located {
            sheet: r.sheet,
            row: r.row,
            column: r.column.map(column_letter),
            field: None,
            problem: Problem::Refused(r.reason),
        })
    }

    /// "Hoja «Información», fila 7, columna F (Sexo): …"
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
        match (&self.column, &self.field) {
            (Some(c), Some(f)) => place.push(if en {
                format!("column {c} ({f})")
            } else {
                format!("columna {c} ({f})")
            }),
            (Some(c), None) => place.push(if en {
                format!("column {c}")
            } else {
                format!("columna {c}")
            }),
            (None, Some(f)) => place.push(if en {
                format!("field “{f}”")
            } else {
                format!("campo «{f}»")
            }),
            (None, None) => {}
        }
        if place.is_empty() {
            self.problem.message(lang)
        } else {
            format!("{}: {}", place.join(", "), self.problem.message(lang))
        }
    }
}

/// The one problem that stopped reading a file (a limit, an unreadable file), boxed: it
/// travels up through every reading function.
type Stop = Box<Located>;

/// Every problem of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportErrors {
    pub file: String,
    /// At most [`MAX_REPORTED`], in the order found.
    pub errors: Vec<Located>,
    /// All problems found, including those not listed.
    pub total: usize,
}

impl std::fmt::Display for ImportErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}: {} errores", self.file, self.total)?;
        for e in &self.errors {
            writeln!(f, "  {}", e.message("es"))?;
        }
        if self.total > self.errors.len() {
            writeln!(
                f,
                "  {}",
                Problem::More(self.total - self.errors.len()).message("es")
            )?;
        }
        Ok(())
    }
}

/// Collects problems up to the reporting limit.
#[derive(Default)]
struct Problems {
    list: Vec<Located>,
    total: usize,
}

impl Problems {
    fn push(&mut self, l: Located) {
        self.total += 1;
        if self.list.len() < MAX_REPORTED {
            self.list.push(l);
        }
    }

    fn at(
        &mut self,
        sheet: Option<&str>,
        row: usize,
        column: String,
        field: Option<&FieldDef>,
        problem: Problem,
    ) {
        self.push(Located {
            sheet: sheet.map(str::to_owned),
            row: Some(row),
            column: Some(column),
            field: field.map(|f| f.label.clone()),
            problem,
        });
    }

    fn into_result<T>(self, file: &str, ok: T) -> Result<T, ImportErrors> {
        if self.total == 0 {
            Ok(ok)
        } else {
            Err(ImportErrors {
                file: file.to_owned(),
                errors: self.list,
                total: self.total,
            })
        }
    }
}

/// A file read and checked: its records, in file order.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub kind: FileKind,
    /// The sheet the records came from (XLSX).
    pub sheet: Option<String>,
    pub records: Vec<Record>,
    /// For each field of the format, the file column that held it (spreadsheets and CSV).
    pub field_columns: Vec<usize>,
}

/// Tells the file's kind from its content, and checks that its name agrees.
pub fn detect(file_name: &str, bytes: &[u8]) -> Result<FileKind, Problem> {
    let found = sniff(bytes)?;
    let file_name = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let named = match ext.as_str() {
        "csv" | "txt" | "tsv" => Some(FileKind::Csv),
        "xlsx" | "xlsm" => Some(FileKind::Xlsx),
        "json" => Some(FileKind::Json),
        "xls" => {
            return Err(Problem::WrongContent {
                expected: "un libro de Excel 97-2003 (.xls), que no se acepta",
                found: "de otro tipo; guárdelo como .xlsx",
            });
        }
        "" => None,
        _ if !file_name.contains('.') => None,
        _ => return Err(Problem::UnknownKind),
    };
    match named {
        Some(n) if n != found => Err(Problem::WrongContent {
            expected: n.described(),
            found: found.described(),
        }),
        _ => Ok(found),
    }
}

fn sniff(bytes: &[u8]) -> Result<FileKind, Problem> {
    let trimmed = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = trimmed.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_none() {
        return Err(Problem::EmptyFile);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Ok(FileKind::Xlsx);
    }
    let binary = |what: &'static str| Problem::WrongContent {
        expected: "un archivo CSV, XLSX o JSON",
        found: what,
    };
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(binary(
            "un libro de Excel 97-2003 (.xls); guárdelo como .xlsx",
        ));
    }
    if bytes.starts_with(b"%PDF") {
        return Err(binary("un PDF"));
    }
    if trimmed.iter().take(4096).any(|b| *b == 0) {
        return Err(binary("datos binarios"));
    }
    Ok(match first {
        Some(b'{' | b'[') => FileKind::Json,
        _ => FileKind::Csv,
    })
}

/// Reads and checks a whole file against `format`, within [`default_limits`].
pub fn parse(file_name: &str, bytes: &[u8], format: &FormatDef) -> Result<Parsed, ImportErrors> {
    parse_within(file_name, bytes, format, &default_limits())
}

/// Reads and checks a whole file against `format`, within `limits`: a file past them is
/// refused with the one problem that stopped it, and where.
pub fn parse_within(
    file_name: &str,
    bytes: &[u8],
    format: &FormatDef,
    limits: &Limits,
) -> Result<Parsed, ImportErrors> {
    let fail = |l: Stop| ImportErrors {
        file: file_name.to_owned(),
        errors: vec![*l],
        total: 1,
    };
    let kind = detect(file_name, bytes).map_err(|p| fail(Box::new(Located::file(p))))?;
    let mut problems = Problems::default();
    let (sheet, records, field_columns) = match kind {
        FileKind::Csv => {
            let main = read_csv(bytes, format, limits, &mut problems).map_err(fail)?;
            (None, main.records, main.field_column)
        }
        FileKind::Xlsx => {
            let (sheet, main) = read_xlsx(bytes, format, limits, &mut problems).map_err(fail)?;
            (Some(sheet), main.records, main.field_column)
        }
        FileKind::Json => (
            None,
            read_json(bytes, format, limits, &mut problems).map_err(fail)?,
            (0..format.fields.len()).collect(),
        ),
    };
    if problems.total == 0 && records.is_empty() {
        return Err(fail(Box::new(Located::file(Problem::NoRecords))));
    }
    problems.into_result(
        file_name,
        Parsed {
            kind,
            sheet,
            records,
            field_columns,
        },
    )
}

/// Checks that every record belongs to the period being published: its year, and its start
/// and end dates inside the period.
pub fn check_period(
    format: &FormatDef,
    parsed: &Parsed,
    period: Period,
    file_name: &str,
) -> Result<(), ImportErrors> {
    let mut problems = Problems::default();
    let col = |key: &str| format.field(key);
    let start = col("fecha_inicio_periodo");
    let end = col("fecha_termino_periodo");
    let year = col("ejercicio");
    let sheet = parsed.sheet.as_deref();
    for r in &parsed.records {
        let mut check = |field: Option<(usize, &FieldDef)>| {
            if let Some((i, f)) = field {
                let v = r.value(i);
                let inside = match f.kind {
                    FieldType::Year => v.is_empty() || v == period.year.to_string(),
                    _ => super::period::Date::parse_iso(v).is_none_or(|d| period.contains(d)),
                };
                if !inside {
                    let shown = super::period::Date::parse_iso(v).map_or(v.to_owned(), |d| d.dmy());
                    problems.at(
                        sheet,
                        r.row,
                        column_name(parsed, i, f),
                        Some(f),
                        Problem::OutsidePeriod {
                            value: shown,
                            period: period.code(),
                        },
                    );
                }
            }
        };
        check(year);
        check(start);
        check(end);
        if let (Some((si, _)), Some((ei, ef))) = (start, end)
            && r.value(si) > r.value(ei)
            && !r.value(ei).is_empty()
        {
            problems.at(
                sheet,
                r.row,
                column_name(parsed, ei, ef),
                Some(ef),
                Problem::StartAfterEnd,
            );
        }
    }
    problems.into_result(file_name, ())
}

/// The period most records say they belong to, from their start and end dates.
pub fn infer_period(format: &FormatDef, records: &[Record]) -> Option<Period> {
    let (si, _) = format.field("fecha_inicio_periodo")?;
    let (ei, _) = format.field("fecha_termino_periodo")?;
    let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
    for r in records {
        *counts.entry((r.value(si), r.value(ei))).or_default() += 1;
    }
    let ((s, e), _) = counts.into_iter().max_by_key(|(k, n)| (*n, *k))?;
    Period::from_dates(
        super::period::Date::parse_iso(s)?,
        super::period::Date::parse_iso(e)?,
    )
}

fn column_name(parsed: &Parsed, index: usize, field: &FieldDef) -> String {
    match parsed.kind {
        FileKind::Json => field.key.clone(),
        _ => column_letter(parsed.field_columns.get(index).copied().unwrap_or(index)),
    }
}

/// `0` → `A`, `26` → `AA`.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + u8::try_from(r).unwrap_or(0));
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Column titles

/// What a column of a sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    /// The national platform's row id.
    Id,
    /// The platform's creation and modification dates: not part of the format.
    System,
    Field(usize),
    Ignored,
}

fn header_text(cell: &Cell) -> String {
    let text = cell.as_text();
    // "PRIMAS … (Tabla_325290)" names its sub-table sheet; the title is what comes before.
    match text.rfind("(Tabla_") {
        Some(i) if text.trim_end().ends_with(')') => text[..i].to_owned(),
        _ => text,
    }
}

fn classify(header: &str, fields: &[FieldDef], folded: &[(String, String)]) -> Option<Column> {
    let h = fold_label(header);
    if h.is_empty() {
        return Some(Column::Ignored);
    }
    if h == "id" {
        return Some(Column::Id);
    }
    if h == "fecha creacion" || h == "fecha modificacion" {
        return Some(Column::System);
    }
    let _ = fields;
    folded
        .iter()
        .position(|(label, key)| *label == h || *key == h)
        .map(Column::Field)
}

fn folded_titles(fields: &[FieldDef]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|f| (fold_label(&f.label), fold_label(&f.key)))
        .collect()
}

/// The row (index within `rows`) that best matches the fields' titles, if any matches.
fn find_header(rows: &[(usize, Vec<Cell>)], fields: &[FieldDef]) -> Option<usize> {
    let folded = folded_titles(fields);
    rows.iter()
        .take(HEADER_SCAN_ROWS)
        .map(|(_, row)| row)
        .enumerate()
        .map(|(i, row)| {
            let hits = row
                .iter()
                .filter(|c| {
                    matches!(
                        classify(&header_text(c), fields, &folded),
                        Some(Column::Field(_))
                    )
                })
                .count();
            (i, hits)
        })
        .filter(|(_, hits)| *hits > 0)
        .max_by_key(|(i, hits)| (*hits, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
}

/// Maps the columns of a header row, reporting extra, repeated and missing columns.
fn map_columns(
    header: &[Cell],
    fields: &[FieldDef],
    sheet: Option<&str>,
    row: usize,
    problems: &mut Problems,
) -> Vec<Column> {
    let folded = folded_titles(fields);
    let mut seen = vec![false; fields.len()];
    let mut columns = Vec::with_capacity(header.len());
    for (c, cell) in header.iter().enumerate() {
        let title = header_text(cell);
        let column = match classify(&title, fields, &folded) {
            Some(Column::Field(i)) if seen[i] => {
                problems.at(
                    sheet,
                    row,
                    column_letter(c),
                    Some(&fields[i]),
                    Problem::DuplicateColumn,
                );
                Column::Ignored
            }
            Some(Column::Field(i)) => {
                seen[i] = true;
                Column::Field(i)
            }
            Some(other) => other,
            None => {
                problems.at(
                    sheet,
                    row,
                    column_letter(c),
                    None,
                    Problem::ExtraColumn(title.trim().to_owned()),
                );
                Column::Ignored
            }
        };
        columns.push(column);
    }
    for (i, f) in fields.iter().enumerate() {
        if !seen[i] {
            problems.push(Located {
                sheet: sheet.map(str::to_owned),
                row: Some(row),
                column: None,
                field: Some(f.label.clone()),
                problem: Problem::MissingColumn,
            });
        }
    }
    columns
}

// ---------------------------------------------------------------------------------------------
// Rows of a sheet → records

/// The main records of one sheet (or CSV), with the ids that link them to sub-table rows.
struct MainRows {
    records: Vec<Record>,
    field_column: Vec<usize>,
    /// Per table (in `format.tables()` order): link id → records holding it.
    links: Vec<HashMap<String, Vec<usize>>>,
}

impl MainRows {
    fn empty() -> MainRows {
        MainRows {
            records: Vec::new(),
            field_column: Vec::new(),
            links: Vec::new(),
        }
    }
}

/// What the records read so far hold in memory, against the limits' budget: a publication's
/// records are all kept until it is saved, and one sub-table row can be copied to many.
struct Held {
    bytes: usize,
    budget: usize,
}

impl Held {
    fn add(&mut self, bytes: usize, sheet: Option<&str>, row: usize) -> Result<(), Stop> {
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes <= self.budget {
            return Ok(());
        }
        Err(Located::refused(Refused {
            sheet: sheet.map(str::to_owned),
            row: Some(row),
            column: None,
            reason: tabular::Reason::DataTooLarge {
                max_mb: (self.budget / (1024 * 1024)) as u64,
            },
        }))
    }
}

/// A row of cells as the publication checks see them.
fn cells_of(row: Row) -> (usize, Vec<Cell>) {
    let cells = row
        .cells
        .into_iter()
        .map(|v| match v {
            tabular::Value::Empty => Cell::Empty,
            tabular::Value::Text(s) => Cell::Text(s),
            #[allow(clippy::cast_precision_loss)]
            tabular::Value::Int(i) => Cell::Number(i as f64),
            tabular::Value::Float(f) => Cell::Number(f),
            tabular::Value::Bool(b) => Cell::Text(if b { "Sí".into() } else { "No".into() }),
            tabular::Value::DateTime(serial) => Cell::ExcelDate(serial),
            tabular::Value::Error(e) => Cell::Error(e),
        })
        .collect();
    (row.number, cells)
}

/// Runs `read` over a stream of rows, as cells; a refusal met on the way wins over its result.
fn read_rows<T>(
    rows: impl Iterator<Item = Result<Row, Refused>>,
    read: impl FnOnce(&mut dyn Iterator<Item = (usize, Vec<Cell>)>) -> Result<T, Stop>,
) -> Result<T, Stop> {
    let mut refused = None;
    let mut cells = rows.map_while(|r| match r {
        Ok(row) => Some(cells_of(row)),
        Err(e) => {
            refused = Some(e);
            None
        }
    });
    let out = read(&mut cells);
    drop(cells);
    match refused {
        Some(e) => Err(Located::refused(e)),
        None => out,
    }
}

/// Reads the main records from rows given one at a time (each with its spreadsheet number):
/// only the first rows (to find the titles) are held, so a large file never sits in memory
/// twice.
fn read_main_rows(
    rows: &mut dyn Iterator<Item = (usize, Vec<Cell>)>,
    format: &FormatDef,
    sheet: Option<&str>,
    kind: FileKind,
    held: &mut Held,
    problems: &mut Problems,
) -> Result<Option<MainRows>, Stop> {
    let head: Vec<(usize, Vec<Cell>)> = (&mut *rows).take(HEADER_SCAN_ROWS).collect();
    let Some(h) = find_header(&head, &format.fields) else {
        problems.push(Located {
            sheet: sheet.map(str::to_owned),
            ..Located::file(Problem::NoHeader)
        });
        return Ok(None);
    };
    let before = problems.total;
    let columns = map_columns(&head[h].1, &format.fields, sheet, head[h].0, problems);
    if problems.total > before {
        return Ok(None);
    }
    let table_slot: Vec<Option<usize>> = {
        let mut n = 0;
        format
            .fields
            .iter()
            .map(|f| {
                (f.kind == FieldType::Table).then(|| {
                    n += 1;
                    n - 1
                })
            })
            .collect()
    };
    let field_column: Vec<usize> = (0..format.fields.len())
        .map(|f| {
            columns
                .iter()
                .position(|c| *c == Column::Field(f))
                .unwrap_or(f)
        })
        .collect();
    let mut out = MainRows {
        records: Vec::new(),
        field_column: field_column.clone(),
        links: vec![HashMap::new(); format.tables().count()],
    };
    let after_header = head.into_iter().skip(h + 1);
    for (row_no, row) in after_header.chain(rows) {
        let row = &row;
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        if kind == FileKind::Csv && row.len() != columns.len() {
            problems.push(Located {
                sheet: None,
                row: Some(row_no),
                column: None,
                field: None,
                problem: Problem::RaggedRow {
                    expected: columns.len(),
                    found: row.len(),
                },
            });
            continue;
        }
        let mut cells: Vec<&Cell> = vec![&Cell::Empty; format.fields.len()];
        let mut source_id = String::new();
        for (c, column) in columns.iter().enumerate() {
            let cell = row.get(c).unwrap_or(&Cell::Empty);
            match column {
                Column::Field(f) => cells[*f] = cell,
                Column::Id => source_id = cell.as_text(),
                _ => {}
            }
        }
        let index = out.records.len();
        let mut record = Record::builder(format.fields.len());
        for (f, field) in format.fields.iter().enumerate() {
            let col = field_column[f];
            match normalize(field, cells[f]) {
                Ok(v) if field.kind == FieldType::Table => {
                    let slot = table_slot[f].unwrap_or(0);
                    if kind == FileKind::Csv && !v.is_empty() && !v.starts_with('[') {
                        // A CSV has no sub-table sheets: its rows must be written in the cell.
                        problems.at(
                            sheet,
                            row_no,
                            column_letter(col),
                            Some(field),
                            Problem::NotInlineTable,
                        );
                    } else if v.starts_with('[') {
                        match parse_inline_table(field, &v) {
                            Ok(sub) => record.set_table(slot, sub),
                            Err(p) => {
                                problems.at(sheet, row_no, column_letter(col), Some(field), p)
                            }
                        }
                    } else if !v.is_empty() {
                        out.links[slot].entry(v.clone()).or_default().push(index);
                    }
                    record.push(&v);
                }
                Ok(v) => record.push(&v),
                Err(p) => {
                    record.push("");
                    problems.at(sheet, row_no, column_letter(col), Some(field), p);
                }
            }
        }
        // Kept even when invalid, so links still point at the right record.
        let record = record.finish(source_id, row_no);
        held.add(record.heap_bytes(), sheet, row_no)?;
        out.records.push(record);
    }
    Ok(Some(out))
}

/// Sub-table rows written inline as JSON (the CSV layout): `[{"key": "value", …}, …]`.
fn parse_inline_table(field: &FieldDef, text: &str) -> Result<Vec<Vec<String>>, Problem> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| Problem::Unreadable(format!("JSON de la subtabla: {e}")))?;
    let serde_json::Value::Array(items) = value else {
        return Err(Problem::Unreadable(
            "la subtabla debe ser una lista JSON".into(),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let obj = item.as_object().ok_or_else(|| {
                Problem::Unreadable("cada fila de la subtabla debe ser un objeto JSON".into())
            })?;
            if let Some(k) = obj
                .keys()
                .find(|k| !field.fields.iter().any(|f| &f.key == *k))
            {
                return Err(Problem::ExtraColumn(k.clone()));
            }
            field
                .fields
                .iter()
                .map(|f| {
                    normalize(f, &json_cell(obj.get(&f.key))).map_err(|p| Problem::InSubRow {
                        row: i + 1,
                        field: f.label.clone(),
                        problem: Box::new(p),
                    })
                })
                .collect()
        })
        .collect()
}

fn json_cell(v: Option<&serde_json::Value>) -> Cell {
    match v {
        None | Some(serde_json::Value::Null) => Cell::Empty,
        Some(serde_json::Value::String(s)) => Cell::Text(s.clone()),
        Some(serde_json::Value::Number(n)) => {
            n.as_f64().map_or(Cell::Text(n.to_string()), Cell::Number)
        }
        Some(serde_json::Value::Bool(b)) => Cell::Text(if *b { "Sí".into() } else { "No".into() }),
        Some(other) => Cell::Text(other.to_string()),
    }
}

/// Attaches the rows of a sub-table sheet to the records that link to them.
#[allow(clippy::too_many_arguments)]
fn read_sub_rows(
    rows: &mut dyn Iterator<Item = (usize, Vec<Cell>)>,
    table: &FieldDef,
    slot: usize,
    sheet: &str,
    main: &mut MainRows,
    held: &mut Held,
    problems: &mut Problems,
) -> Result<(), Stop> {
    let head: Vec<(usize, Vec<Cell>)> = (&mut *rows).take(HEADER_SCAN_ROWS).collect();
    let Some(h) = find_header(&head, &table.fields) else {
        problems.push(Located {
            sheet: Some(sheet.to_owned()),
            ..Located::file(Problem::NoHeader)
        });
        return Ok(());
    };
    let before = problems.total;
    let header_row = head[h].0;
    let columns = map_columns(&head[h].1, &table.fields, Some(sheet), header_row, problems);
    let Some(id_col) = columns.iter().position(|c| *c == Column::Id) else {
        problems.push(Located {
            sheet: Some(sheet.to_owned()),
            row: Some(header_row),
            column: None,
            field: Some("ID".into()),
            problem: Problem::MissingColumn,
        });
        return Ok(());
    };
    if problems.total > before {
        return Ok(());
    }
    for (row_no, row) in head.into_iter().skip(h + 1).chain(rows) {
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        let link = row.get(id_col).map(Cell::as_text).unwrap_or_default();
        let mut values = vec![String::new(); table.fields.len()];
        let mut ok = true;
        for (c, column) in columns.iter().enumerate() {
            if let Column::Field(f) = column {
                match normalize(&table.fields[*f], row.get(c).unwrap_or(&Cell::Empty)) {
                    Ok(v) => values[*f] = v,
                    Err(p) => {
                        ok = false;
                        problems.at(
                            Some(sheet),
                            row_no,
                            column_letter(c),
                            Some(&table.fields[*f]),
                            p,
                        );
                    }
                }
            }
        }
        match main.links[slot].get(&link) {
            Some(parents) if ok => {
                let size: usize = values.iter().map(|v| v.len() + 24).sum::<usize>() + 24;
                held.add(size.saturating_mul(parents.len()), Some(sheet), row_no)?;
                for p in parents {
                    main.records[*p].push_sub_row(slot, values.clone());
                }
            }
            Some(_) => {}
            None => problems.at(
                Some(sheet),
                row_no,
                column_letter(id_col),
                None,
                Problem::OrphanSubRow(link),
            ),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// CSV

fn read_csv(
    bytes: &[u8],
    format: &FormatDef,
    limits: &Limits,
    problems: &mut Problems,
) -> Result<MainRows, Stop> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| Box::new(Located::file(Problem::NotUtf8)))?;
    let limits = Limits {
        max_columns: limits.max_columns.min(format.fields.len() + EXTRA_COLUMNS),
        ..*limits
    };
    let rows = CsvRows::new(
        bytes,
        tabular::sniff_delimiter(bytes),
        tabular::Encoding::Utf8,
        &limits,
    );
    let mut held = Held {
        bytes: 0,
        budget: limits.memory_budget,
    };
    let main = read_rows(rows, |rows| {
        read_main_rows(rows, format, None, FileKind::Csv, &mut held, problems)
    })?;
    Ok(main.unwrap_or_else(MainRows::empty))
}

// ---------------------------------------------------------------------------------------------
// XLSX

fn read_xlsx(
    bytes: &[u8],
    format: &FormatDef,
    limits: &Limits,
    problems: &mut Problems,
) -> Result<(String, MainRows), Stop> {
    let mut book = Workbook::open(bytes, limits).map_err(Located::refused)?;
    let names = book.sheet_names();
    let table_sheets: Vec<String> = format.tables().map(|(_, t)| t.sheet_name()).collect();
    let main_sheet = names
        .iter()
        .find(|n| fold_label(n) == "informacion" || fold_label(n) == "reporte de formatos")
        .or_else(|| {
            names.iter().find(|n| {
                !n.starts_with("Hidden_") && !n.starts_with("Tabla_") && !table_sheets.contains(n)
            })
        })
        .cloned()
        .ok_or_else(|| Box::new(Located::file(Problem::NoRecords)))?;
    let mut held = Held {
        bytes: 0,
        budget: limits.memory_budget,
    };
    let rows = book
        .rows(&main_sheet, format.fields.len() + EXTRA_COLUMNS)
        .map_err(Located::refused)?;
    let main = read_rows(rows, |rows| {
        read_main_rows(
            rows,
            format,
            Some(&main_sheet),
            FileKind::Xlsx,
            &mut held,
            problems,
        )
    })?;
    let Some(mut main) = main else {
        return Ok((main_sheet, MainRows::empty()));
    };
    for (slot, (_, table)) in format.tables().enumerate() {
        let wanted = table.sheet_name();
        let sheet = names
            .iter()
            .find(|n| {
                n.eq_ignore_ascii_case(&wanted)
                    || fold_label(n)
                        == fold_label(&table.label.chars().take(31).collect::<String>())
            })
            .cloned();
        match sheet {
            Some(name) => {
                let rows = book
                    .rows(&name, table.fields.len() + EXTRA_COLUMNS)
                    .map_err(Located::refused)?;
                read_rows(rows, |rows| {
                    read_sub_rows(rows, table, slot, &name, &mut main, &mut held, problems)
                })?;
            }
            None if main.links[slot].is_empty() => {}
            None => problems.push(Located {
                field: Some(table.label.clone()),
                ..Located::file(Problem::MissingSheet(wanted))
            }),
        }
    }
    Ok((main_sheet, main))
}

// ---------------------------------------------------------------------------------------------
// JSON

/// Reads a JSON list of records (or `{"records": [...]}`) one record at a time: each is first
/// taken as raw text, so its size is checked before it is parsed, and nothing of the file is
/// held beyond the records already checked.
fn read_json(
    bytes: &[u8],
    format: &FormatDef,
    limits: &Limits,
    problems: &mut Problems,
) -> Result<Vec<Record>, Stop> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let expected = || {
        Box::new(Located::file(Problem::Unreadable(
            "se esperaba una lista de registros o {\"records\": [...]}".into(),
        )))
    };
    if !matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'[' | b'{')
    ) {
        return Err(expected());
    }
    let mut reader = JsonRecords {
        format,
        limits,
        problems,
        records: Vec::new(),
        held: Held {
            bytes: 0,
            budget: limits.memory_budget,
        },
        seen: 0,
        found: false,
        stopped: None,
    };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let read =
        serde::de::DeserializeSeed::deserialize(&mut reader, &mut de).and_then(|()| de.end());
    if let Some(l) = reader.stopped.take() {
        return Err(l);
    }
    match read {
        Ok(()) if reader.found => Ok(reader.records),
        Ok(()) => Err(expected()),
        Err(e) => Err(Box::new(Located::file(Problem::Unreadable(format!(
            "JSON, línea {}, columna {}: {e}",
            e.line(),
            e.column()
        ))))),
    }
}

struct JsonRecords<'f, 'p> {
    format: &'f FormatDef,
    limits: &'f Limits,
    problems: &'p mut Problems,
    records: Vec<Record>,
    held: Held,
    /// Records met so far, valid or not: the next one's number is one more.
    seen: usize,
    /// Whether a list of records was found.
    found: bool,
    /// A refusal that stopped the reading (limits), kept apart from syntax errors.
    stopped: Option<Stop>,
}

impl<'de> serde::de::DeserializeSeed<'de> for &mut JsonRecords<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for &mut JsonRecords<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("una lista de registros o {\"records\": [...]}")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.found = true;
        while let Some(raw) = seq.next_element::<&'de serde_json::value::RawValue>()? {
            if let Err(l) = self.record(raw.get()) {
                self.stopped = Some(l);
                return Err(serde::de::Error::custom("refused"));
            }
        }
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "records" && !self.found {
                map.next_value_seed(JsonList(&mut *self))?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `records` list inside `{"records": [...]}`.
struct JsonList<'r, 'f, 'p>(&'r mut JsonRecords<'f, 'p>);

impl<'de> serde::de::DeserializeSeed<'de> for JsonList<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self.0)
    }
}

impl JsonRecords<'_, '_> {
    /// Checks one record, given as its JSON text.
    fn record(&mut self, text: &str) -> Result<(), Stop> {
        self.seen += 1;
        let row = self.seen;
        let limit = |reason| {
            Located::refused(Refused {
                sheet: None,
                row: Some(row),
                column: None,
                reason,
            })
        };
        if row > self.limits.max_rows {
            let max = self.limits.max_rows;
            return Err(limit(tabular::Reason::TooManyRows { max }));
        }
        if text.len() > self.limits.max_line_bytes {
            let max = self.limits.max_line_bytes;
            return Err(limit(tabular::Reason::LineTooLong { max }));
        }
        let format = self.format;
        let Ok(obj) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
        else {
            self.problems.push(Located {
                row: Some(row),
                ..Located::file(Problem::Unreadable(
                    "el registro no es un objeto JSON".into(),
                ))
            });
            return Ok(());
        };
        for key in obj.keys() {
            if key != "id" && format.field(key).is_none() {
                self.problems.push(Located {
                    row: Some(row),
                    column: Some(key.clone()),
                    ..Located::file(Problem::ExtraColumn(key.clone()))
                });
            }
        }
        let mut record = Record::builder(format.fields.len());
        for field in &format.fields {
            let value = obj.get(&field.key);
            if field.kind == FieldType::Table {
                let rows = match value {
                    None | Some(serde_json::Value::Null) => Ok(Vec::new()),
                    Some(v) => parse_inline_table(field, &v.to_string()),
                };
                match rows {
                    Ok(rows) => record.set_table(record_slot(format, field), rows),
                    Err(p) => self.problems.push(Located {
                        row: Some(row),
                        column: Some(field.key.clone()),
                        field: Some(field.label.clone()),
                        ..Located::file(p)
                    }),
                }
                record.push("");
                continue;
            }
            match normalize(field, &json_cell(value)) {
                Ok(v) => record.push(&v),
                Err(p) => {
                    record.push("");
                    self.problems.push(Located {
                        row: Some(row),
                        column: Some(field.key.clone()),
                        field: Some(field.label.clone()),
                        ..Located::file(p)
                    });
                }
            }
        }
        let id = obj
            .get("id")
            .map(|v| json_cell(Some(v)).as_text())
            .unwrap_or_default();
        let record = record.finish(id, row);
        self.held.add(record.heap_bytes(), None, row)?;
        self.records.push(record);
        Ok(())
    }
}

/// The slot of a sub-table field among the format's sub-tables.
fn record_slot(format: &FormatDef, field: &FieldDef) -> usize {
    format
        .tables()
        .position(|(_, t)| t.key == field.key)
        .unwrap_or(0)
}
