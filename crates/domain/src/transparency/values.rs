//! One value checked against its field: what the file holds becomes the stored text, or a
//! [`Problem`] that says, in plain words, what is wrong.

use super::framework::{FieldDef, FieldType};
use super::period::Date;
use crate::search::fold_accents;

/// A cell as a file gives it, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// An Excel date: its serial number.
    ExcelDate(f64),
    /// A spreadsheet error value such as `#N/A`.
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as plain text (numbers without needless decimals), for ids and headers.
    pub fn as_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_owned(),
            Cell::Number(n) | Cell::ExcelDate(n) => number_text(*n),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// A number in its shortest exact form: `8364`, `13077.38`.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

/// What is wrong with a value, a column or a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
        len: usize,
    },
    NotANumber(String),
    NotMoney(String),
    NotADate(String),
    DateDoesNotExist(String),
    NotATime(String),
    NotAUrl(String),
    NotAYear(String),
    NotInCatalogue {
        value: String,
        allowed: Vec<String>,
    },
    CellError(String),
    /// A sub-table rows sheet is missing.
    MissingSheet(String),
    /// No header row matching the format was found.
    NoHeader,
    MissingColumn,
    ExtraColumn(String),
    DuplicateColumn,
    /// A sub-table row whose id matches no main record.
    OrphanSubRow(String),
    EmptyFile,
    NoRecords,
    TooLarge {
        max_mb: u64,
    },
    /// The content is not what the file name says.
    WrongContent {
        expected: &'static str,
        found: &'static str,
    },
    UnknownKind,
    Unreadable(String),
    NotUtf8,
    RaggedRow {
        expected: usize,
        found: usize,
    },
    /// A record's period dates fall outside the period being published.
    OutsidePeriod {
        value: String,
        period: String,
    },
    StartAfterEnd,
    /// A CSV cell of a sub-table that does not hold its rows as a JSON list.
    NotInlineTable,
    /// A value of a sub-table row written inline (JSON, CSV).
    InSubRow {
        row: usize,
        field: String,
        problem: Box<Problem>,
    },
    /// Errors past the reporting limit.
    More(usize),
    /// The file is past a reading limit (size, rows, columns, a cell's length).
    Refused(crate::tabular::Reason),
}

impl Problem {
    pub fn message(&self, lang: &str) -> String {
        if lang == "en" { self.en() } else { self.es() }
    }

    fn es(&self) -> String {
        match self {
            Problem::Required => "falta el valor y el campo es obligatorio".into(),
            Problem::TooLong { max, len } => {
                format!("el texto tiene {len} caracteres y el máximo es {max}")
            }
            Problem::NotANumber(v) => format!("«{v}» no es un número"),
            Problem::NotMoney(v) => format!(
                "«{v}» no es una cantidad de dinero válida (hasta 12 dígitos y 2 decimales, como 1234.50)"
            ),
            Problem::NotADate(v) => format!("«{v}» no es una fecha (use dd/mm/aaaa)"),
            Problem::DateDoesNotExist(v) => format!("la fecha {v} no existe en el calendario"),
            Problem::NotATime(v) => format!("«{v}» no es una hora (use hh:mm)"),
            Problem::NotAUrl(v) => {
                format!("«{v}» no es una dirección web (debe empezar con http://, https:// o ftp://)")
            }
            Problem::NotAYear(v) => format!("«{v}» no es un año de cuatro dígitos"),
            Problem::NotInCatalogue { value, allowed } => format!(
                "«{value}» no está en el catálogo; valores permitidos: {}",
                allowed.join(", ")
            ),
            Problem::CellError(e) => format!("la celda contiene un error de la hoja de cálculo ({e})"),
            Problem::MissingSheet(s) => format!("falta la hoja «{s}» con las filas de la subtabla"),
            Problem::NoHeader => "no se encontró una fila de títulos de columna que corresponda a este formato; revise que sea la hoja y el formato correctos".into(),
            Problem::MissingColumn => "falta esta columna del formato".into(),
            Problem::ExtraColumn(h) => format!("la columna «{h}» no pertenece a este formato"),
            Problem::DuplicateColumn => "la columna aparece dos veces".into(),
            Problem::OrphanSubRow(id) => {
                format!("la fila apunta al registro con ID «{id}», que no existe en la hoja principal")
            }
            Problem::EmptyFile => "el archivo está vacío".into(),
            Problem::NoRecords => "el archivo no tiene registros".into(),
            Problem::TooLarge { max_mb } => format!("el archivo pesa más del máximo de {max_mb} MB"),
            Problem::WrongContent { expected, found } => format!(
                "el nombre dice que es {expected}, pero el contenido es {found}"
            ),
            Problem::UnknownKind => {
                "no se reconoce el tipo de archivo; use CSV, XLSX o JSON".into()
            }
            Problem::Unreadable(e) => format!("no se pudo leer el archivo: {e}"),
            Problem::NotUtf8 => "el texto no está en UTF-8; guárdelo como «CSV UTF-8»".into(),
            Problem::RaggedRow { expected, found } => {
                format!("la fila tiene {found} celdas y los títulos son {expected}")
            }
            Problem::OutsidePeriod { value, period } => {
                format!("la fecha {value} no está dentro del periodo {period} que se publica")
            }
            Problem::StartAfterEnd => {
                "la fecha de inicio del periodo es posterior a la de término".into()
            }
            Problem::NotInlineTable => "en un CSV, las filas de la subtabla van en la celda como lista JSON, por ejemplo [{\"denominacion\": \"Prima\", \"monto_bruto\": \"100\"}]; o use XLSX con hojas Tabla_".into(),
            Problem::InSubRow { row, field, problem } => {
                format!("fila {row} de la subtabla, campo «{field}»: {}", problem.es())
            }
            Problem::More(n) => format!("y {n} errores más"),
            Problem::Refused(reason) => reason.message("es"),
        }
    }

    fn en(&self) -> String {
        match self {
            Problem::Required => "the value is missing and the field is required".into(),
            Problem::TooLong { max, len } => {
                format!("the text has {len} characters and the limit is {max}")
            }
            Problem::NotANumber(v) => format!("“{v}” is not a number"),
            Problem::NotMoney(v) => format!(
                "“{v}” is not a valid amount of money (up to 12 digits and 2 decimals, like 1234.50)"
            ),
            Problem::NotADate(v) => format!("“{v}” is not a date (use dd/mm/yyyy)"),
            Problem::DateDoesNotExist(v) => format!("the date {v} does not exist"),
            Problem::NotATime(v) => format!("“{v}” is not a time (use hh:mm)"),
            Problem::NotAUrl(v) => {
                format!("“{v}” is not a web address (it must start with http://, https:// or ftp://)")
            }
            Problem::NotAYear(v) => format!("“{v}” is not a four-digit year"),
            Problem::NotInCatalogue { value, allowed } => format!(
                "“{value}” is not in the catalogue; allowed values: {}",
                allowed.join(", ")
            ),
            Problem::CellError(e) => format!("the cell holds a spreadsheet error ({e})"),
            Problem::MissingSheet(s) => format!("the sheet “{s}” with the sub-table rows is missing"),
            Problem::NoHeader => "no row of column titles matching this format was found; check the sheet and the format".into(),
            Problem::MissingColumn => "this column of the format is missing".into(),
            Problem::ExtraColumn(h) => format!("the column “{h}” is not part of this format"),
            Problem::DuplicateColumn => "the column appears twice".into(),
            Problem::OrphanSubRow(id) => {
                format!("the row points at the record with ID “{id}”, which is not in the main sheet")
            }
            Problem::EmptyFile => "the file is empty".into(),
            Problem::NoRecords => "the file has no records".into(),
            Problem::TooLarge { max_mb } => format!("the file is larger than the {max_mb} MB limit"),
            Problem::WrongContent { expected, found } => {
                format!("the name says {expected}, but the content is {found}")
            }
            Problem::UnknownKind => "unknown file type; use CSV, XLSX or JSON".into(),
            Problem::Unreadable(e) => format!("the file could not be read: {e}"),
            Problem::NotUtf8 => "the text is not UTF-8; save it as “CSV UTF-8”".into(),
            Problem::RaggedRow { expected, found } => {
                format!("the row has {found} cells and there are {expected} column titles")
            }
            Problem::OutsidePeriod { value, period } => {
                format!("the date {value} is not within the period {period} being published")
            }
            Problem::StartAfterEnd => "the period start date is after its end date".into(),
            Problem::NotInlineTable => "in a CSV, sub-table rows go in the cell as a JSON list, for example [{\"denominacion\": \"Prima\", \"monto_bruto\": \"100\"}]; or use XLSX with Tabla_ sheets".into(),
            Problem::InSubRow { row, field, problem } => {
                format!("sub-table row {row}, field “{field}”: {}", problem.en())
            }
            Problem::More(n) => format!("and {n} more errors"),
            Problem::Refused(reason) => reason.message("en"),
        }
    }
}

/// Checks one cell against its field and returns the text to store. Table fields hold the id
/// that links a record to its sub-table rows and are returned as text.
pub fn normalize(field: &FieldDef, cell: &Cell) -> Result<String, Problem> {
    if let Cell::Error(e) = cell {
        return Err(Problem::CellError(e.clone()));
    }
    if cell.is_empty() {
        return if field.required && field.kind != FieldType::Table {
            Err(Problem::Required)
        } else {
            Ok(String::new())
        };
    }
    let value = match field.kind {
        FieldType::ShortText | FieldType::LongText | FieldType::Note | FieldType::Table => {
            cell.as_text()
        }
        FieldType::Number => number(cell)?,
        FieldType::Money => money(cell)?,
        FieldType::Date | FieldType::UpdateDate => date(cell)?.to_string(),
        FieldType::Time => time(cell)?,
        FieldType::Url | FieldType::File => url(cell)?,
        FieldType::Year => year(cell)?,
        FieldType::Catalogue => catalogue(field, cell)?,
    };
    if let Some(max) = field.max_len() {
        let len = value.chars().count();
        if len > max {
            return Err(Problem::TooLong { max, len });
        }
    }
    Ok(value)
}

fn number(cell: &Cell) -> Result<String, Problem> {
    match cell {
        Cell::Number(n) if n.is_finite() => Ok(number_text(*n)),
        _ => {
            let s = cell.as_text();
            let t = s.replace(',', "");
            if is_decimal(&t, usize::MAX, usize::MAX) {
                Ok(t)
            } else {
                Err(Problem::NotANumber(s))
            }
        }
    }
}

/// `-?` digits (at most `int_max`), then optionally `.` and 1..=`frac_max` digits.
fn is_decimal(s: &str, int_max: usize, frac_max: usize) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digits = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
    };
    digits(int, int_max) && frac.is_none_or(|f| digits(f, frac_max))
}

/// Money: up to 12 integer digits and 2 decimals. Stored as `8364` or `8364.50`.
fn money(cell: &Cell) -> Result<String, Problem> {
    let text = match cell {
        Cell::Number(n) if n.is_finite() => {
            let cents = (n * 100.0).round();
            if (cents - n * 100.0).abs() > 1e-6 * n.abs().max(1.0) {
                return Err(Problem::NotMoney(number_text(*n)));
            }
            number_text(*n)
        }
        _ => cell.as_text(),
    };
    let plain: String = text
        .trim()
        .trim_start_matches('$')
        .trim()
        .chars()
        .filter(|c| *c != ',')
        .collect();
    if !is_decimal(&plain, 12, 2) {
        return Err(Problem::NotMoney(text));
    }
    Ok(match plain.split_once('.') {
        Some((int, frac)) if frac.bytes().all(|b| b == b'0') => int.to_owned(),
        Some((int, frac)) if frac.len() == 1 => format!("{int}.{frac}0"),
        _ => plain,
    })
}

fn date(cell: &Cell) -> Result<Date, Problem> {
    match cell {
        Cell::ExcelDate(n) | Cell::Number(n) => {
            Date::from_excel_serial(*n).ok_or_else(|| Problem::NotADate(number_text(*n)))
        }
        _ => {
            let s = cell.as_text();
            if let Some(d) = Date::parse_dmy(&s).or_else(|| Date::parse_iso(&s)) {
                return Ok(d);
            }
            // Well formed, but not a day of the calendar (31/02/2025)?
            let shaped = s.len() >= 8
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'/' || b == b'-')
                && (s.matches('/').count() == 2 || s.matches('-').count() == 2);
            Err(if shaped {
                Problem::DateDoesNotExist(s)
            } else {
                Problem::NotADate(s)
            })
        }
    }
}

fn time(cell: &Cell) -> Result<String, Problem> {
    match cell {
        Cell::ExcelDate(n) | Cell::Number(n) if (0.0..1.0).contains(n) => {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let secs = (n * 86_400.0).round() as u32;
            Ok(format!("{:02}:{:02}", secs / 3600, secs / 60 % 60))
        }
        _ => {
            let s = cell.as_text();
            let parts: Vec<&str> = s.split(':').collect();
            let ok = (2..=3).contains(&parts.len())
                && parts
                    .iter()
                    .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
                && parts[0] < "24"
                && parts[1..].iter().all(|p| *p < "60");
            if ok {
                Ok(if parts.len() == 3 && parts[2] == "00" {
                    format!("{}:{}", parts[0], parts[1])
                } else {
                    s
                })
            } else {
                Err(Problem::NotATime(s))
            }
        }
    }
}

fn url(cell: &Cell) -> Result<String, Problem> {
    let s = cell.as_text();
    let lower = s.to_ascii_lowercase();
    let rest = ["http://", "https://", "ftp://"]
        .iter()
        .find_map(|p| lower.strip_prefix(p));
    let host_ok = rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.starts_with('.') && !r.contains(char::is_whitespace)
    });
    if host_ok {
        Ok(s)
    } else {
        Err(Problem::NotAUrl(s))
    }
}

fn year(cell: &Cell) -> Result<String, Problem> {
    let s = cell.as_text();
    match s.parse::<u32>() {
        Ok(y) if s.len() == 4 && (1900..=2200).contains(&y) => Ok(s),
        _ => Err(Problem::NotAYear(s)),
    }
}

/// Compares without case, accents or repeated spaces, and stores the catalogue's spelling.
fn catalogue(field: &FieldDef, cell: &Cell) -> Result<String, Problem> {
    let s = cell.as_text();
    // Most files spell the values exactly as the catalogue does.
    if let Some(v) = field.values.iter().find(|v| **v == s) {
        return Ok(v.clone());
    }
    let wanted = fold_label(&s);
    field
        .values
        .iter()
        .find(|v| fold_label(v) == wanted)
        .cloned()
        .ok_or_else(|| Problem::NotInCatalogue {
            value: s,
            allowed: field.values.clone(),
        })
}

/// A label reduced for matching: letters and digits only, lower case, no accents, single
/// spaces. "ÁREA(S) RESPONSABLE(S)  QUE" and "Área(s) responsable(s), que" fold alike.
pub fn fold_label(s: &str) -> String {
    let folded = fold_accents(&s.to_lowercase());
    let mut out = String::with_capacity(folded.len());
    for word in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: FieldType) -> FieldDef {
        FieldDef {
            key: "x".into(),
            label: "X".into(),
            kind,
            required: true,
            max_len: None,
            values: if kind == FieldType::Catalogue {
                vec!["Hombre".into(), "Mujer".into()]
            } else {
                vec![]
            },
            fields: vec![],
            pnt_table: None,
            help: String::new(),
        }
    }
    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn values_are_normalised_by_type() {
        let ok = |k, c: Cell| normalize(&field(k), &c).unwrap();
        assert_eq!(ok(FieldType::Money, text("$13,077.38")), "13077.38");
        assert_eq!(ok(FieldType::Money, text("8364.00")), "8364");
        assert_eq!(ok(FieldType::Money, text("8364.5")), "8364.50");
        assert_eq!(ok(FieldType::Money, Cell::Number(11869.13)), "11869.13");
        assert_eq!(ok(FieldType::Date, text("01/07/2025")), "2025-07-01");
        assert_eq!(ok(FieldType::Date, Cell::ExcelDate(45839.0)), "2025-07-01");
        assert_eq!(ok(FieldType::Date, text("2025-07-01")), "2025-07-01");
        assert_eq!(ok(FieldType::Time, text("09:30")), "09:30");
        assert_eq!(ok(FieldType::Time, Cell::Number(0.5)), "12:00");
        assert_eq!(ok(FieldType::Year, Cell::Number(2025.0)), "2025");
        assert_eq!(ok(FieldType::Catalogue, text("  MUJER ")), "Mujer");
        assert_eq!(
            ok(FieldType::Url, text(" https://www.uady.mx/t?a=1 ")),
            "https://www.uady.mx/t?a=1"
        );
    }

    #[test]
    fn bad_values_say_what_is_wrong() {
        let bad = |k, c: Cell| normalize(&field(k), &c).unwrap_err();
        assert_eq!(
            bad(FieldType::Date, text("31/02/2025")),
            Problem::DateDoesNotExist("31/02/2025".into())
        );
        assert_eq!(
            bad(FieldType::Date, text("ayer")),
            Problem::NotADate("ayer".into())
        );
        assert_eq!(
            bad(FieldType::Money, text("10.555")),
            Problem::NotMoney("10.555".into())
        );
        assert_eq!(
            bad(FieldType::Money, Cell::Number(10.555)),
            Problem::NotMoney("10.555".into())
        );
        assert_eq!(
            bad(FieldType::Money, text("1234567890123")),
            Problem::NotMoney("1234567890123".into())
        );
        assert_eq!(
            bad(FieldType::ShortText, text(&"a".repeat(151))),
            Problem::TooLong { max: 150, len: 151 }
        );
        assert_eq!(bad(FieldType::ShortText, Cell::Empty), Problem::Required);
        assert_eq!(
            bad(FieldType::Url, text("www.uady.mx")),
            Problem::NotAUrl("www.uady.mx".into())
        );
        assert_eq!(
            bad(FieldType::Time, text("25:00")),
            Problem::NotATime("25:00".into())
        );
        assert_eq!(
            bad(FieldType::Year, text("20255")),
            Problem::NotAYear("20255".into())
        );
        assert!(matches!(
            bad(FieldType::Catalogue, text("Otro")),
            Problem::NotInCatalogue { .. }
        ));
        assert_eq!(
            bad(FieldType::Number, Cell::Error("#N/A".into())),
            Problem::CellError("#N/A".into())
        );
        assert!(
            bad(FieldType::Money, text("10.555"))
                .message("es")
                .contains("2 decimales")
        );
        assert!(
            bad(FieldType::Money, text("10.555"))
                .message("en")
                .contains("2 decimals")
        );
    }

    #[test]
    fn labels_fold_alike() {
        assert_eq!(
            fold_label("ÁREA(S) RESPONSABLE(S) QUE GENERA(N)  POSEE(N)"),
            fold_label("Área(s) responsable(s) que genera(n), posee(n)")
        );
        assert_eq!(fold_label("SEXO (CATÁLOGO )"), "sexo catalogo");
    }
}
