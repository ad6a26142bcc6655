//! Open data of collaboration: bodies, members, sessions, attendance, minutes, agreements,
//! calls and their results, as CSV and JSON. Long lists are streamed a page at a time, never
//! built whole in memory. Personal data stays out: no e-mails, and citizens who applied on
//! their own and were not accepted are not named.

use crate::bodies::{TrackerParams, tracker_filter};
use crate::clock::local_today;
use crate::csv_out::CsvCells;
use crate::error::{AppError, AppResult};
use crate::{http::attachment, state::AppState};
use axum::Router;
use axum::body::Body as HttpBody;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::StreamExt;
use std::future::Future;
use tequio_domain::calls::{CallStatus, Decision};
use tequio_store::bodies::{self, Body};
use tequio_store::calls::{self, Call};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organos.{ext}", get(bodies_table))
        .route("/organos/{name}/integrantes.{ext}", get(members_table))
        .route("/sesiones.{ext}", get(sessions_table))
        .route("/asistencia.{ext}", get(attendance_table))
        .route("/acuerdos.{ext}", get(agreements_table))
        .route("/convocatorias.{ext}", get(calls_table))
        .route("/convocatorias/{name}/resultados.{ext}", get(results_table))
        .route("/instrumentos.{ext}", get(instruments_table))
        .route("/eventos.{ext}", get(events_table))
}

/// Rows fetched in one query while streaming.
const PAGE: i64 = 1000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// CSV, its text safe for spreadsheets unless asked exact.
    Csv(CsvCells),
    Json,
}

/// The kind of download from its extension; `exacto=1` keeps a CSV's exact values.
fn kind(ext: &str, exact: &ExactParam) -> AppResult<Kind> {
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

type Rows = Vec<Vec<String>>;

/// Streams a table: `fetch(offset)` gives the next page of rows until one comes back short.
fn stream_table<F, Fut>(
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
fn one_page(kind: Kind, file: &str, columns: &'static [&'static str], rows: Rows) -> Response {
    let mut rows = Some(rows);
    stream_table(kind, file, columns, move |_| {
        let page = rows.take().unwrap_or_default();
        async move { Ok(page) }
    })
}

async fn bodies_table(
    State(state): State<AppState>,
    Path(ext): Path<String>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let rows = bodies::list(&state.db, &local_today())
        .await?
        .into_iter()
        .map(|b| {
            vec![
                b.name,
                b.title,
                b.kind.as_str().into(),
                b.status.as_str().into(),
                b.seats.to_string(),
                b.sessions.to_string(),
                b.open_agreements.to_string(),
                b.overdue_agreements.to_string(),
            ]
        })
        .collect();
    Ok(one_page(
        kind,
        "organos",
        &[
            "name",
            "title",
            "kind",
            "status",
            "members",
            "sessions",
            "open_agreements",
            "overdue_agreements",
        ],
        rows,
    ))
}

async fn members_table(
    State(state): State<AppState>,
    Path((name, ext)): Path<(String, String)>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let b = Body::by_name(&state.db, &name).await?;
    let rows = bodies::seats(&state.db, b.id)
        .await?
        .into_iter()
        .map(|s| {
            vec![
                b.name.clone(),
                s.holder_name,
                s.sector.as_str().into(),
                s.position.as_str().into(),
                s.titular_name,
                s.alternate_name,
                s.starts_on,
                s.ends_on,
                s.source,
            ]
        })
        .collect();
    Ok(one_page(
        kind,
        &format!("{}_integrantes", b.name),
        &[
            "body",
            "holder",
            "sector",
            "position",
            "titular",
            "alternate",
            "starts_on",
            "ends_on",
            "source",
        ],
        rows,
    ))
}

/// The columns of `sesiones.{csv,json}`.
const SESSION_COLUMNS: &[&str] = &[
    "body",
    "year",
    "number",
    "kind",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "status",
    "voting_members",
    "present",
    "quorum_needed",
    "quorum_met",
    "agenda",
    "minutes_status",
    "minutes",
];

async fn sessions_table(
    State(state): State<AppState>,
    Path(ext): Path<String>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let db = state.db.clone();
    Ok(stream_table(
        kind,
        "sesiones",
        SESSION_COLUMNS,
        move |offset| {
            let db = db.clone();
            async move {
                let page = bodies::sessions_page(&db, PAGE, offset).await?;
                Ok(page.into_iter().map(session_row).collect())
            }
        },
    ))
}

/// A session as a row of [`SESSION_COLUMNS`].
fn session_row(s: bodies::Session) -> Vec<String> {
    let q = s.quorum;
    let approved = s.minutes_status == tequio_domain::bodies::MinutesStatus::Approved;
    vec![
        s.body_name,
        s.year.to_string(),
        s.number.to_string(),
        s.kind.as_str().into(),
        s.starts_at,
        s.ends_at,
        s.place,
        s.online_url,
        s.status.as_str().into(),
        q.map(|q| q.voting_seats.to_string()).unwrap_or_default(),
        q.map(|q| q.present.to_string()).unwrap_or_default(),
        q.map(|q| q.needed.to_string()).unwrap_or_default(),
        q.map(|q| q.met().to_string()).unwrap_or_default(),
        s.agenda,
        s.minutes_status.as_str().into(),
        // Minutes are public once approved, not before.
        if approved { s.minutes } else { String::new() },
    ]
}

async fn attendance_table(
    State(state): State<AppState>,
    Path(ext): Path<String>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let db = state.db.clone();
    Ok(stream_table(
        kind,
        "asistencia",
        &[
            "body",
            "year",
            "number",
            "starts_at",
            "holder",
            "sector",
            "position",
            "attendance",
        ],
        move |offset| {
            let db = db.clone();
            async move {
                Ok(bodies::attendance_page(&db, PAGE, offset)
                    .await?
                    .into_iter()
                    .map(|a| {
                        vec![
                            a.body_name,
                            a.year.to_string(),
                            a.number.to_string(),
                            a.starts_at,
                            a.holder_name,
                            a.sector,
                            a.position,
                            a.status,
                        ]
                    })
                    .collect())
            }
        },
    ))
}

async fn agreements_table(
    State(state): State<AppState>,
    Path(ext): Path<String>,
    Query(exact): Query<ExactParam>,
    Query(p): Query<TrackerParams>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let (mut filter, _, _) = tracker_filter(&state, &p).await?;
    let db = state.db.clone();
    filter.limit = PAGE;
    Ok(stream_table(
        kind,
        "acuerdos",
        &[
            "code",
            "body",
            "year",
            "session",
            "text",
            "responsibles",
            "due_on",
            "status",
            "overdue",
            "status_changed_at",
            "url",
        ],
        move |offset| {
            let db = db.clone();
            let mut f = filter.clone();
            f.offset = offset;
            let base = state.settings.base_url.clone();
            async move {
                let (_, list) = bodies::tracker(&db, &f).await?;
                Ok(list
                    .into_iter()
                    .map(|a| {
                        let overdue = a.is_overdue(&f.today);
                        vec![
                            a.code.clone(),
                            a.body_name.clone(),
                            a.session_year.to_string(),
                            a.session_number.to_string(),
                            a.text.clone(),
                            a.responsibles.join("; "),
                            a.due_on.clone(),
                            a.status.as_str().into(),
                            overdue.to_string(),
                            a.status_changed_at.clone(),
                            format!("{base}{}", a.path()),
                        ]
                    })
                    .collect())
            }
        },
    ))
}

async fn calls_table(
    State(state): State<AppState>,
    Path(ext): Path<String>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let rows = calls::list(&state.db)
        .await?
        .into_iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.title.clone(),
                c.objective.clone(),
                c.eligibility.to_stored(),
                c.required_documents.join("; "),
                c.opens_at.clone(),
                c.closes_at.clone(),
                c.places.to_string(),
                c.subject_name.clone().unwrap_or_default(),
                c.status.as_str().into(),
                c.results_published_at.clone().unwrap_or_default(),
                c.constituted_body_name.clone().unwrap_or_default(),
            ]
        })
        .collect();
    Ok(one_page(
        kind,
        "convocatorias",
        &[
            "name",
            "title",
            "objective",
            "eligibility",
            "required_documents",
            "opens_at",
            "closes_at",
            "places",
            "convener",
            "status",
            "results_published_at",
            "constituted_body",
        ],
        rows,
    ))
}

async fn results_table(
    State(state): State<AppState>,
    Path((name, ext)): Path<(String, String)>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let call = Call::by_name(&state.db, &name).await?;
    if call.status == CallStatus::Published {
        return Err(AppError::NotFound);
    }
    let rows = calls::applications(&state.db, call.id)
        .await?
        .into_iter()
        .map(|a| {
            let named = a.organisation_id.is_some() || a.decision == Decision::Accepted;
            vec![
                call.name.clone(),
                if named {
                    a.applicant_name
                } else {
                    String::new()
                },
                a.sector
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_else(|| "citizen".into()),
                a.score.map(|s| s.to_string()).unwrap_or_default(),
                a.decision.as_str().into(),
                a.reason,
            ]
        })
        .collect();
    Ok(one_page(
        kind,
        &format!("{}_resultados", call.name),
        &["call", "applicant", "sector", "score", "decision", "reason"],
        rows,
    ))
}

async fn instruments_table(
    State(state): State<AppState>,
    Path(ext): Path<String>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let rows = tequio_store::instruments::list(&state.db, &local_today())
        .await?
        .into_iter()
        .map(|i| {
            vec![
                i.name.clone(),
                i.kind.as_str().into(),
                i.title.clone(),
                i.parties
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                i.objectives.clone(),
                i.signed_on.clone(),
                i.valid_until.clone(),
                i.status.as_str().into(),
                i.terminated_on.clone(),
                i.bodies
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect();
    Ok(one_page(
        kind,
        "instrumentos",
        &[
            "name",
            "kind",
            "title",
            "parties",
            "objectives",
            "signed_on",
            "valid_until",
            "status",
            "terminated_on",
            "bodies",
        ],
        rows,
    ))
}

/// Events with their counts; who registered or attended is personal data and stays out.
async fn events_table(
    State(state): State<AppState>,
    Path(ext): Path<String>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let rows = tequio_store::events::list(&state.db)
        .await?
        .into_iter()
        .map(|e| {
            vec![
                e.name,
                e.kind.as_str().into(),
                e.title,
                e.audience,
                e.starts_at,
                e.ends_at,
                e.place,
                e.online_url,
                e.capacity.to_string(),
                e.hours.to_string(),
                e.registered.to_string(),
                e.waitlisted.to_string(),
                e.attended.to_string(),
            ]
        })
        .collect();
    Ok(one_page(
        kind,
        "eventos",
        &[
            "name",
            "kind",
            "title",
            "audience",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "capacity",
            "hours",
            "registered",
            "waitlisted",
            "attended",
        ],
        rows,
    ))
}
