//! Views of a datastore resource's rows for the pages, `/api/v1` and the downloads: one way
//! to read filters, words, sort and paging from a query string, and one way to write a row
//! as JSON, so that every face shows the same rows.

use crate::error::{AppError, AppResult};
use crate::listing::{FILTER_PREFIX, Names};
use std::collections::HashMap;
use std::fmt::Write as _;
use tequio_domain::catalog::table::{FieldType, TableSchema};
use tequio_domain::search::fold_accents;
use tequio_store::Value;
use tequio_store::catalog::DatastoreQuery;

/// Most rows on one page of the pages and `/api/v1`.
pub const MAX_PER_PAGE: i64 = 1000;
/// The highest page number accepted.
pub const MAX_PAGE: i64 = 1_000_000;
/// Most words of a search used.
const MAX_WORDS: usize = 8;

/// The prefix of a column filter parameter: `f_municipio=Oaxaca`.
/// Folded words of a search: lowercase, no accents, letters and digits only.
pub fn words(q: &str) -> Vec<String> {
    fold_accents(&q.to_lowercase())
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(str::to_owned)
        .collect()
}

/// A filter's value converted to its column's type; text that cannot be of that type is
/// refused naming the column (409: well formed, but not possible for this resource).
pub fn filter_value(schema: &TableSchema, column: usize, text: &str) -> AppResult<Value> {
    let field = &schema.fields[column];
    match field.field_type.convert(text) {
        Some(t) => Ok(tequio_store::catalog::value_of(t)),
        None => Err(AppError::Conflict(format!(
            "{}: «{text}» no es un valor de tipo {}",
            field.name,
            field.field_type.as_str()
        ))),
    }
}

/// Reads a query string: `q`, `f_<column>`, the sort (`col` or `-col`), page and page size.
/// An unknown column is a 409 naming it; a malformed number a 400.
pub fn parse(
    schema: &TableSchema,
    params: &HashMap<String, String>,
    names: &Names,
    default_per_page: i64,
) -> AppResult<(DatastoreQuery, i64)> {
    let column = |name: &str, what: &str| {
        schema.position(name).ok_or_else(|| {
            AppError::Conflict(format!("{what}: este recurso no tiene la columna «{name}»"))
        })
    };
    let mut q = DatastoreQuery {
        words: params.get("q").map(|s| words(s)).unwrap_or_default(),
        columns: (0..schema.fields.len()).collect(),
        limit: default_per_page,
        ..DatastoreQuery::default()
    };
    let mut filters: Vec<(usize, Vec<Value>)> = Vec::new();
    for (k, v) in params {
        let Some(name) = k.strip_prefix(FILTER_PREFIX) else {
            continue;
        };
        if v.is_empty() {
            continue;
        }
        let c = column(name, k)?;
        filters.push((c, vec![filter_value(schema, c, v)?]));
    }
    filters.sort_by_key(|(c, _)| *c);
    q.filters = filters;
    if let Some(s) = params.get(names.sort).filter(|s| !s.is_empty()) {
        let (name, desc) = match s.strip_prefix('-') {
            Some(n) => (n, true),
            None => (s.as_str(), false),
        };
        let c = if name == "_id" {
            None
        } else {
            Some(column(name, names.sort)?)
        };
        q.sort = vec![(c, desc)];
    }
    let number = |name: &str, max: i64| -> AppResult<Option<i64>> {
        // An empty number (`page=`) is malformed, as the API's schema says: a 400, not page 1.
        match params.get(name) {
            None => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
                _ => Err(AppError::BadRequest(format!(
                    "{name}: «{v}» no es un número entre 1 y {max}"
                ))),
            },
        }
    };
    let page = number(names.page, MAX_PAGE)?.unwrap_or(1);
    if let Some(n) = number(names.per_page, MAX_PER_PAGE)? {
        q.limit = n;
    }
    q.offset = (page - 1) * q.limit;
    Ok((q, page))
}

/// Writes one row as a JSON object (`_id` first, then the asked columns) into `out`.
/// `row` is `_id` and then the columns' values, as the store returns them.
pub fn write_object(out: &mut String, schema: &TableSchema, columns: &[usize], row: &[Value]) {
    out.push('{');
    out.push_str("\"_id\":");
    write_value(out, FieldType::Integer, row.first());
    for (i, c) in columns.iter().enumerate() {
        out.push(',');
        write_str(out, &schema.fields[*c].name);
        out.push(':');
        write_value(out, schema.fields[*c].field_type, row.get(i + 1));
    }
    out.push('}');
}

/// Writes one row as a JSON list, in the same order as [`write_object`].
pub fn write_list(out: &mut String, schema: &TableSchema, columns: &[usize], row: &[Value]) {
    out.push('[');
    write_value(out, FieldType::Integer, row.first());
    for (i, c) in columns.iter().enumerate() {
        out.push(',');
        write_value(out, schema.fields[*c].field_type, row.get(i + 1));
    }
    out.push(']');
}

/// A JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    // serde_json's escaping, written straight into the buffer.
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("null"),
    }
}

fn write_value(out: &mut String, ty: FieldType, v: Option<&Value>) {
    match v {
        None | Some(Value::Null) => out.push_str("null"),
        Some(Value::Int(i)) if ty == FieldType::Boolean => {
            out.push_str(if *i != 0 { "true" } else { "false" });
        }
        Some(Value::Int(i)) => {
            let _ = write!(out, "{i}");
        }
        Some(Value::Real(f)) if f.is_finite() => {
            let _ = write!(out, "{f}");
        }
        Some(Value::Real(_)) => out.push_str("null"),
        Some(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        Some(Value::Text(s)) => write_str(out, s),
        Some(Value::Blob(_)) => out.push_str("null"),
    }
}

/// A cell as text (pages and CSV).
pub fn cell_text(ty: FieldType, v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null | Value::Blob(_)) => String::new(),
        Some(Value::Int(i)) if ty == FieldType::Boolean => (*i != 0).to_string(),
        Some(Value::Int(i)) => i.to_string(),
        Some(Value::Real(f)) => f.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Text(s)) => s.clone(),
    }
}

/// The formats a view of rows downloads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownloadKind {
    /// CSV, its text safe for spreadsheets unless asked exact.
    Csv(crate::csv_out::CsvCells),
    Json,
}

/// Rows read per database round trip of a download.
const DOWNLOAD_CHUNK: i64 = 5000;

/// The rows of a view, chunk by chunk: by `_id` cursor in the default order (constant cost
/// per chunk), by offset when sorted.
pub fn chunks(
    db: tequio_store::Db,
    table: String,
    total_rows: i64,
    mut q: DatastoreQuery,
) -> impl futures_util::Stream<Item = AppResult<Vec<tequio_store::Row>>> {
    let keyset = q.sort.iter().all(|(c, desc)| c.is_none() && !desc);
    q.limit = DOWNLOAD_CHUNK;
    q.offset = 0;
    q.include_total = false;
    futures_util::stream::unfold(Some(q), move |state| {
        let db = db.clone();
        let table = table.clone();
        async move {
            let mut q = state?;
            let page = tequio_store::catalog::datastore_search(&db, &table, total_rows, &q).await;
            match page {
                Err(e) => Some((Err(e.into()), None)),
                Ok(p) if p.rows.is_empty() => None,
                Ok(p) => {
                    let full = p.rows.len() as i64 == q.limit;
                    if keyset {
                        q.after_id = p.rows.last().and_then(|r| r.get::<i64>(0).ok());
                    } else {
                        q.offset += q.limit;
                    }
                    Some((Ok(p.rows), full.then_some(q)))
                }
            }
        }
    })
}

/// A streamed download of a view: CSV with a header row, or a JSON list of objects.
pub fn download(
    db: tequio_store::Db,
    table: String,
    total_rows: i64,
    schema: TableSchema,
    q: DatastoreQuery,
    kind: DownloadKind,
    file_stem: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use futures_util::StreamExt;
    let columns = q.columns.clone();
    let (content_type, extension) = match kind {
        DownloadKind::Csv(_) => ("text/csv; charset=utf-8", "csv"),
        DownloadKind::Json => ("application/json", "json"),
    };
    let opening = match kind {
        DownloadKind::Csv(_) => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(columns.iter().map(|c| schema.fields[*c].name.as_str()));
            w.into_inner().unwrap_or_default()
        }
        DownloadKind::Json => b"[".to_vec(),
    };
    let mut first = true;
    let body = chunks(db, table, total_rows, q).map(move |chunk| {
        let chunk = chunk.map_err(|e| std::io::Error::other(e.to_string()))?;
        match kind {
            DownloadKind::Csv(cells) => {
                let mut w = csv::Writer::from_writer(Vec::new());
                for row in &chunk {
                    let v = row.values();
                    let texts: Vec<(String, bool)> = columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            let ty = schema.fields[*c].field_type;
                            (cell_text(ty, v.get(i + 1)), ty.is_numeric())
                        })
                        .collect();
                    cells
                        .write_row(&mut w, texts.iter().map(|(t, n)| (t.as_str(), *n)))
                        .map_err(std::io::Error::other)?;
                }
                w.into_inner()
                    .map_err(|e| std::io::Error::other(e.to_string()))
            }
            DownloadKind::Json => {
                let mut out = String::new();
                for row in &chunk {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push('\n');
                    write_object(&mut out, &schema, &columns, row.values());
                }
                Ok(out.into_bytes())
            }
        }
    });
    let closing = match kind {
        DownloadKind::Csv(_) => Vec::new(),
        DownloadKind::Json => b"\n]\n".to_vec(),
    };
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(opening) })
        .chain(body)
        .chain(futures_util::stream::once(async move { Ok(closing) }));
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            crate::http::attachment(&format!("{file_stem}.{extension}")),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response()
}
