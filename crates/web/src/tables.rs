//! Lists as downloads: CSV (safe for spreadsheets unless asked exact) or JSON, streamed a page
//! at a time so that no list is ever built whole in memory. Shared: no domain is imported here.

use crate::csv_out::CsvCells;
use crate::error::{AppError, AppResult};
use crate::http::attachment;
use axum::body::Body as HttpBody;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::future::Future;

/// Rows fetched in one query while streaming.
pub const PAGE: i64 = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// CSV, its text safe for spreadsheets unless asked exact.
    Csv(CsvCells),
    Json,
}

/// The kind of download from its extension; `exacto=1` keeps a CSV's exact values.
pub fn kind(ext: &str, exact: &ExactParam) -> AppResult<Kind> {
    match ext {
        "csv" => Ok(Kind::Csv(exact.cells())),
        "json" => Ok(Kind::Json),
        _ => Err(AppError::NotFound),
    }
}

/// The query parameter that asks a CSV for its exact values.
#[derive(serde::Deserialize, Default)]
pub struct ExactParam {
    exacto: Option<String>,
}

impl ExactParam {
    fn cells(&self) -> CsvCells {
        let params = self
            .exacto
            .iter()
            .map(|v| ("exacto".to_owned(), v.clone()))
            .collect();
        CsvCells::from_params(&params)
    }
}

pub type Rows = Vec<Vec<String>>;

/// Streams a table: `fetch(offset)` gives the next page of rows until one comes back short.
pub fn stream_table<F, Fut>(
    kind: Kind,
    file: &str,
    columns: &'static [&'static str],
    fetch: F,
) -> Response
where
    F: FnMut(i64) -> Fut + Send + 'static,
    Fut: Future<Output = AppResult<Rows>> + Send + 'static,
{
    let pages =
        futures_util::stream::unfold((fetch, Some(0i64)), |(mut fetch, offset)| async move {
            let offset = offset?;
            let result = fetch(offset).await;
            let next = match &result {
                Ok(rows) if i64::try_from(rows.len()).unwrap_or(0) == PAGE => Some(offset + PAGE),
                _ => None,
            };
            Some((result, (fetch, next)))
        });
    let mut first_row = true;
    let body = pages.map(move |page| {
        let rows = page.map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut out = Vec::new();
        match kind {
            Kind::Csv(cells) => {
                let mut w = csv::Writer::from_writer(&mut out);
                for r in &rows {
                    cells
                        .write_row(&mut w, r.iter().map(|v| (v.as_str(), false)))
                        .map_err(std::io::Error::other)?;
                }
                w.flush()?;
            }
            Kind::Json => {
                for r in rows {
                    if !first_row {
                        out.push(b',');
                    }
                    first_row = false;
                    out.push(b'\n');
                    let object: serde_json::Map<String, serde_json::Value> = columns
                        .iter()
                        .zip(r)
                        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v)))
                        .collect();
                    serde_json::to_writer(&mut out, &object).map_err(std::io::Error::other)?;
                }
            }
        }
        Ok::<_, std::io::Error>(out)
    });
    let (opening, closing): (Vec<u8>, Vec<u8>) = match kind {
        Kind::Csv(_) => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(columns);
            (w.into_inner().unwrap_or_default(), Vec::new())
        }
        Kind::Json => (b"[".to_vec(), b"\n]\n".to_vec()),
    };
    let stream = futures_util::stream::once(async move { Ok(opening) })
        .chain(body)
        .chain(futures_util::stream::once(async move { Ok(closing) }));
    let content_type = match kind {
        Kind::Csv(_) => "text/csv; charset=utf-8",
        Kind::Json => "application/json",
    };
    let ext = if kind == Kind::Json { "json" } else { "csv" };
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            attachment(&format!("{file}.{ext}")),
        ],
        HttpBody::from_stream(stream),
    )
        .into_response()
}

/// A table small enough to read in one query (bodies, calls, one body's members).
pub fn one_page(kind: Kind, file: &str, columns: &'static [&'static str], rows: Rows) -> Response {
    let mut rows = Some(rows);
    stream_table(kind, file, columns, move |_| {
        let page = rows.take().unwrap_or_default();
        async move { Ok(page) }
    })
}
