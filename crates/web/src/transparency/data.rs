//! Downloads of a publication's records (any filtered view) as CSV, JSON or XLSX in the
//! national platform's layout. Every format is streamed: CSV and JSON chunk by chunk from
//! the database; XLSX is written row by row to a temporary file (constant memory), which is
//! then streamed and deleted.

use super::load_publication;
use crate::csv_out::CsvCells;
use crate::error::{AppError, AppResult};
use crate::http::attachment;
use crate::listing::PAGE_NAMES;
use crate::state::AppState;
use crate::transparency::records::{self, RecordQuery};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use std::collections::HashMap;
use tequio_domain::transparency::export;
use tequio_domain::transparency::records::Record;
use tequio_store::Db;
use tequio_store::transparency::{Format, Obligation, Publication};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/publicaciones/{id}/registros.csv", get(download_csv))
        .route("/publicaciones/{id}/registros.json", get(download_json))
        .route("/publicaciones/{id}/registros.xlsx", get(download_xlsx))
}

async fn download(
    state: AppState,
    id: i64,
    params: HashMap<String, String>,
    kind: Kind,
) -> AppResult<Response> {
    let l = load_publication(&state, id).await?;
    let mut q = RecordQuery::parse(&l.format.def, &params, &PAGE_NAMES, 50)?;
    q.page = 1;
    let src = Source {
        publication: &l.publication,
        obligation: &l.obligation,
        format: &l.format,
        subject_name: &l.subject.name,
        law_name: &l.law.name,
    };
    response(&state.db, &src, q, kind).await
}

async fn download_csv(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let cells = crate::csv_out::CsvCells::from_params(&p);
    download(state, id, p, Kind::Csv(cells)).await
}
async fn download_json(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    download(state, id, p, Kind::Json).await
}
async fn download_xlsx(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    download(state, id, p, Kind::Xlsx).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// CSV, its text safe for spreadsheets unless asked exact.
    Csv(CsvCells),
    Json,
    Xlsx,
}

impl Kind {
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Csv(_) => "csv",
            Kind::Json => "json",
            Kind::Xlsx => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Kind::Csv(_) => "text/csv; charset=utf-8",
            Kind::Json => "application/json",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Everything a download needs to name and head its file.
pub struct Source<'a> {
    pub publication: &'a Publication,
    pub obligation: &'a Obligation,
    pub format: &'a Format,
    pub subject_name: &'a str,
    pub law_name: &'a str,
}

pub fn file_name(src: &Source<'_>, kind: Kind) -> String {
    format!(
        "{}_{}_{}_v{}.{}",
        tequio_domain::text::slugify(src.subject_name),
        src.obligation.code,
        src.publication.period,
        src.publication.version,
        kind.extension()
    )
}

pub async fn response(
    db: &Db,
    src: &Source<'_>,
    q: RecordQuery,
    kind: Kind,
) -> AppResult<Response> {
    let body = match kind {
        Kind::Csv(cells) => csv_body(db, src, q, cells),
        Kind::Json => json_body(db, src, q),
        Kind::Xlsx => xlsx_body(db, src, q).await?,
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.content_type().to_owned()),
            attachment(&file_name(src, kind)),
        ],
        body,
    )
        .into_response())
}

fn io_error(e: AppError) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn csv_body(db: &Db, src: &Source<'_>, q: RecordQuery, cells: CsvCells) -> Body {
    use tequio_domain::transparency::framework::FieldType;
    let def = src.format.def.clone();
    let numeric: Vec<bool> = def
        .fields
        .iter()
        .map(|f| {
            matches!(
                f.kind,
                FieldType::Number | FieldType::Money | FieldType::Year
            )
        })
        .collect();
    let mut header = csv::Writer::from_writer(Vec::new());
    let _ = header.write_record(export::csv_header(&def));
    let first = header.into_inner().unwrap_or_default();
    let rows = records::chunks(db.clone(), src.publication.id, def.clone(), q).map(move |chunk| {
        let chunk = chunk.map_err(io_error)?;
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in &chunk {
            let row = export::csv_row(&def, &r.record);
            cells
                .write_row(
                    &mut w,
                    row.iter().map(String::as_str).zip(numeric.iter().copied()),
                )
                .map_err(std::io::Error::other)?;
        }
        w.into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    });
    Body::from_stream(
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(rows),
    )
}

fn json_body(db: &Db, src: &Source<'_>, q: RecordQuery) -> Body {
    let def = src.format.def.clone();
    let meta = serde_json::json!({
        "publication": crate::transparency::PublicationOut::from(src.publication.clone()),
    });
    // `{"publication": {...}, "records": [` … `]}`; the importer reads it back.
    let mut opening = meta.to_string();
    opening.pop();
    opening.push_str(",\"records\":[");
    let mut first = true;
    let rows = records::chunks(db.clone(), src.publication.id, def.clone(), q).map(move |chunk| {
        let chunk = chunk.map_err(io_error)?;
        let mut out = Vec::new();
        for r in &chunk {
            if !first {
                out.push(b',');
            }
            first = false;
            out.push(b'\n');
            serde_json::to_writer(&mut out, &export::json_object(&def, &r.record))
                .map_err(std::io::Error::other)?;
        }
        Ok::<_, std::io::Error>(out)
    });
    Body::from_stream(
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(opening.into_bytes()) })
            .chain(rows)
            .chain(futures_util::stream::once(async { Ok(b"\n]}\n".to_vec()) })),
    )
}

async fn xlsx_body(db: &Db, src: &Source<'_>, q: RecordQuery) -> AppResult<Body> {
    let def = src.format.def.clone();
    let heading = export::Heading {
        subject: src.subject_name.to_owned(),
        law: src.law_name.to_owned(),
        format_title: src.format.def.title.clone(),
        period: src.publication.period.clone(),
        published_on: tequio_domain::transparency::period::Date::parse_iso(
            &src.publication.published_at,
        ),
    };
    // Records flow from the database to the writer thread through a bounded channel.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Record>(4096);
    let mut chunks = Box::pin(records::chunks(
        db.clone(),
        src.publication.id,
        def.clone(),
        q,
    ));
    let producer = tokio::spawn(async move {
        while let Some(chunk) = chunks.next().await {
            for r in chunk? {
                if sender.send(r.record).is_err() {
                    return Ok(());
                }
            }
        }
        Ok::<_, AppError>(())
    });
    let path = std::env::temp_dir().join(format!("tequio-{}.xlsx", crate::auth::new_token()?));
    let written = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let file = std::io::BufWriter::new(std::fs::File::create(&path)?);
            export::write_xlsx(&def, &heading, receiver, file)?;
            Ok(())
        })
        .await
        .map_err(|e| AppError::Internal(e.into()))
    };
    let produced = producer.await.map_err(|e| AppError::Internal(e.into()))?;
    let result = written
        .and_then(|w| w.map_err(AppError::Internal))
        .and(produced);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    // The open handle keeps the data readable; the name goes now, so nothing is left behind.
    let _ = std::fs::remove_file(&path);
    Ok(Body::from_stream(tokio_util::io::ReaderStream::new(file)))
}
