//! Writing records out: CSV rows, JSON objects, and XLSX workbooks in the national platform's
//! layout (title rows, `Hidden_N` catalogue sheets, `Tabla_NNNNNN` sub-table sheets joined by
//! the record's ID, dates as Excel dates), which the importer reads back unchanged.

use super::framework::{FieldDef, FieldType, FormatDef};
use super::period::Date;
use super::records::Record;
use rust_xlsxwriter::{Format as CellFormat, Workbook, XlsxError};
use serde_json::{Map, Value as Json};
use std::collections::HashSet;
use std::io::{Seek, Write};

/// The column titles of a CSV download: the fields' titles.
pub fn csv_header(format: &FormatDef) -> Vec<String> {
    format.fields.iter().map(|f| f.label.clone()).collect()
}

/// One CSV row. A sub-table cell holds its rows as a JSON list of objects, which the importer
/// reads back.
pub fn csv_row(format: &FormatDef, record: &Record) -> Vec<String> {
    let mut slot = 0;
    format
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if f.kind == FieldType::Table {
                let rows = sub_rows_json(f, record.table(slot));
                slot += 1;
                if rows.is_empty() {
                    String::new()
                } else {
                    Json::Array(rows).to_string()
                }
            } else {
                record.value(i).to_owned()
            }
        })
        .collect()
}

fn sub_rows_json(field: &FieldDef, rows: &[Vec<String>]) -> Vec<Json> {
    rows.iter()
        .map(|row| {
            let obj: Map<String, Json> = field
                .fields
                .iter()
                .zip(row)
                .map(|(f, v)| (f.key.clone(), Json::String(v.clone())))
                .collect();
            Json::Object(obj)
        })
        .collect()
}

/// One record as a JSON object keyed by field keys; sub-tables as lists of objects.
pub fn json_object(format: &FormatDef, record: &Record) -> Map<String, Json> {
    let mut slot = 0;
    let mut obj = Map::new();
    for (i, f) in format.fields.iter().enumerate() {
        let value = if f.kind == FieldType::Table {
            let rows = sub_rows_json(f, record.table(slot));
            slot += 1;
            Json::Array(rows)
        } else {
            Json::String(record.value(i).to_owned())
        };
        obj.insert(f.key.clone(), value);
    }
    obj
}

/// What the title rows of a workbook say.
#[derive(Debug, Clone, Default)]
pub struct Heading {
    pub subject: String,
    pub law: String,
    pub format_title: String,
    pub period: String,
    /// Written in the platform's creation and modification columns.
    pub published_on: Option<Date>,
}

/// Writes a workbook in the national platform's layout. Rows go to disk as they are written
/// (constant memory), so a large publication does not have to fit in memory.
pub fn write_xlsx<W, I>(
    format: &FormatDef,
    heading: &Heading,
    records: I,
    out: W,
) -> Result<(), XlsxError>
where
    W: Write + Seek + Send,
    I: IntoIterator<Item = Record>,
{
    let mut wb = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let date = CellFormat::new().set_num_format("dd/mm/yyyy");
    let tables: Vec<&FieldDef> = format.tables().map(|(_, f)| f).collect();
    let catalogues: Vec<&FieldDef> = format
        .fields
        .iter()
        .filter(|f| f.kind == FieldType::Catalogue)
        .collect();

    // Sheet order as the platform writes it: records, catalogues, sub-tables.
    let main = wb.add_worksheet_with_constant_memory()?;
    main.set_name("Información")?;
    for (r, (label, value)) in [
        ("Nombre del Sujeto Obligado:", &heading.subject),
        ("Normativa:", &heading.law),
        ("Formato:", &heading.format_title),
        ("Periodo:", &heading.period),
    ]
    .into_iter()
    .enumerate()
    {
        let r = u32::try_from(r).unwrap_or(0);
        main.write_string_with_format(r, 0, label, &bold)?;
        main.write_string(r, 1, value)?;
    }
    let mut col: u16 = 0;
    for title in ["ID", "FECHA CREACION", "FECHA MODIFICACION"] {
        main.write_string_with_format(5, col, title, &bold)?;
        col += 1;
    }
    for f in &format.fields {
        let title = match (&f.kind, &f.pnt_table) {
            (FieldType::Table, Some(n)) => format!("{} (Tabla_{n})", f.label),
            _ => f.label.clone(),
        };
        main.write_string_with_format(5, col, title, &bold)?;
        col += 1;
    }
    for (n, f) in catalogues.iter().enumerate() {
        let sheet = wb.add_worksheet();
        sheet.set_name(format!("Hidden_{}", n + 1))?;
        for (r, v) in f.values.iter().enumerate() {
            sheet.write_string(u32::try_from(r).unwrap_or(0), 0, v)?;
        }
        sheet.set_hidden(true);
    }
    // Catalogue columns offer their values as a drop-down list, as the platform's files do.
    {
        let main = wb.worksheet_from_index(0)?;
        let mut n = 0;
        for (i, f) in format.fields.iter().enumerate() {
            if f.kind != FieldType::Catalogue {
                continue;
            }
            n += 1;
            let list = rust_xlsxwriter::DataValidation::new().allow_list_formula(
                rust_xlsxwriter::Formula::new(format!(
                    "=Hidden_{n}!$A$1:$A${}",
                    f.values.len().max(1)
                )),
            );
            let col = u16::try_from(i + 3).unwrap_or(u16::MAX);
            main.add_data_validation(6, col, 1_048_575, col, &list)?;
        }
    }
    let first_table_sheet = 1 + catalogues.len();
    for t in &tables {
        let sheet = wb.add_worksheet_with_constant_memory()?;
        sheet.set_name(t.sheet_name())?;
        sheet.write_string_with_format(0, 0, "Información relacionada a:", &bold)?;
        sheet.write_string(0, 1, &t.label)?;
        sheet.write_string_with_format(2, 0, "ID", &bold)?;
        for (c, f) in t.fields.iter().enumerate() {
            sheet.write_string_with_format(
                2,
                u16::try_from(c + 1).unwrap_or(0),
                &f.label,
                &bold,
            )?;
        }
    }

    let published = heading.published_on.map(|d| d.to_excel_serial() as f64);
    let mut seen_ids = HashSet::new();
    let mut next_sub_row = vec![3u32; tables.len()];
    for (n, record) in records.into_iter().enumerate() {
        let row = 6 + u32::try_from(n).unwrap_or(u32::MAX - 6);
        // The id joins the record to its sub-table rows, so it must be unique.
        let id = if !record.source_id.is_empty() && seen_ids.insert(record.source_id.clone()) {
            record.source_id.clone()
        } else {
            format!("{}", n + 1)
        };
        let main = wb.worksheet_from_index(0)?;
        write_text_or_number(main, row, 0, &id)?;
        if let Some(p) = published {
            main.write_number_with_format(row, 1, p, &date)?;
            main.write_number_with_format(row, 2, p, &date)?;
        }
        for (i, f) in format.fields.iter().enumerate() {
            let c = u16::try_from(i + 3).unwrap_or(u16::MAX);
            let v = record.value(i);
            match f.kind {
                FieldType::Table => {
                    main.write_string(row, c, &id)?;
                }
                _ => write_value(main, row, c, f, v, &date)?,
            }
        }
        for (slot, t) in tables.iter().enumerate() {
            let rows = record.table(slot);
            if rows.is_empty() {
                continue;
            }
            let sheet = wb.worksheet_from_index(first_table_sheet + slot)?;
            for sub in rows {
                let r = next_sub_row[slot];
                write_text_or_number(sheet, r, 0, &id)?;
                for (c, (f, v)) in t.fields.iter().zip(sub).enumerate() {
                    write_value(
                        sheet,
                        r,
                        u16::try_from(c + 1).unwrap_or(u16::MAX),
                        f,
                        v,
                        &date,
                    )?;
                }
                next_sub_row[slot] += 1;
            }
        }
    }
    wb.save_to_writer(out)
}

fn write_text_or_number(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    v: &str,
) -> Result<(), XlsxError> {
    match v.parse::<u32>() {
        Ok(n) if !v.starts_with('0') || v == "0" => sheet.write_number(row, col, f64::from(n))?,
        _ => sheet.write_string(row, col, v)?,
    };
    Ok(())
}

/// Dates become Excel dates; everything else stays the text it was checked as.
fn write_value(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    field: &FieldDef,
    v: &str,
    date: &CellFormat,
) -> Result<(), XlsxError> {
    if v.is_empty() {
        return Ok(());
    }
    match field.kind {
        FieldType::Date | FieldType::UpdateDate => match Date::parse_iso(v) {
            Some(d) => {
                sheet.write_number_with_format(row, col, d.to_excel_serial() as f64, date)?
            }
            None => sheet.write_string(row, col, v)?,
        },
        _ => sheet.write_string(row, col, v)?,
    };
    Ok(())
}
