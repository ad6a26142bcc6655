//! Open data of collegiate bodies: bodies, members, sessions, attendance, minutes and
//! agreements, as CSV and JSON. Long lists are streamed a page at a time, never
//! built whole in memory. Personal data stays out: no e-mails, and citizens who applied on
//! their own and were not accepted are not named.

use crate::bodies::{TrackerParams, tracker_filter};
use crate::clock::local_today;
use crate::error::AppResult;
use crate::html::HasPage;
use crate::state::AppState;
use crate::tables::{ExactParam, PAGE, kind, one_page, stream_table};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use tequio_store::bodies::{self, Body};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/organos.{ext}", get(bodies_table))
        .route("/organos/{name}/integrantes.{ext}", get(members_table))
        .route("/sesiones.{ext}", get(sessions_table))
        .route("/asistencia.{ext}", get(attendance_table))
        .route("/acuerdos.{ext}", get(agreements_table))
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
