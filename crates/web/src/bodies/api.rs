//! Collaboration in `/api/v1`: collegiate bodies with their members and sessions, and the
//! agreement tracker. The same store functions as the pages; no personal e-mails.

use crate::clock::local_today;
use crate::error::AppResult;
use crate::html::HasPage;
use crate::http::Problem;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tequio_domain::bodies::AgreementStatus;
use tequio_store::bodies::{self as store, Body, TrackerFilter};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bodies", get(list_bodies))
        .route("/bodies/{name}", get(get_body))
        .route("/agreements", get(list_agreements))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_bodies, get_body, list_agreements),
    components(schemas(
        BodySummaryOut,
        BodyOut,
        MemberOut,
        SessionOut,
        AgreementOut,
        AgreementList,
        AgreementStatusParam
    ))
)]
pub struct BodiesDoc;

/// A collegiate body in the list, with its counts.
#[derive(Serialize, ToSchema)]
pub struct BodySummaryOut {
    /// Its name: the page is `/organos/{name}`.
    name: String,
    title: String,
    /// `technical_secretariat`, `working_group`, `citizen_committee`, `advisory_council` or `other`.
    kind: String,
    /// `active` or `dissolved`.
    status: String,
    /// Seats held now.
    members: i64,
    sessions: i64,
    open_agreements: i64,
    /// Open agreements past their due date.
    overdue_agreements: i64,
}

/// Every collegiate body.
#[utoipa::path(get, path = "/api/v1/bodies", responses(
    (status = 200, description = "Every body", body = [BodySummaryOut])
))]
async fn list_bodies(State(state): State<AppState>) -> AppResult<Json<Vec<BodySummaryOut>>> {
    Ok(Json(
        store::list(&state.db, &local_today())
            .await?
            .into_iter()
            .map(|b| BodySummaryOut {
                name: b.name,
                title: b.title,
                kind: b.kind.as_str().into(),
                status: b.status.as_str().into(),
                members: b.seats,
                sessions: b.sessions,
                open_agreements: b.open_agreements,
                overdue_agreements: b.overdue_agreements,
            })
            .collect(),
    ))
}

/// A member's seat (contact e-mails are never published).
#[derive(Serialize, ToSchema)]
pub struct MemberOut {
    /// The institution, organisation or person holding the seat.
    holder: String,
    /// `government`, `guarantor`, `civil_society`, `academia`, `private_sector` or `professional_college`.
    sector: String,
    /// `president`, `technical_secretary`, `member` or `observer` (voice, no vote).
    position: String,
    titular: String,
    alternate: String,
    /// `YYYY-MM-DD`.
    starts_on: String,
    ends_on: String,
    /// How the seat came: `direct`, `call` or `adhesion`.
    source: String,
}

/// A session and its quorum.
#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    year: i64,
    number: i64,
    /// `ordinary` or `extraordinary`.
    kind: String,
    /// Local time in Mexico's central time zone, `YYYY-MM-DDTHH:MM`.
    starts_at: String,
    place: String,
    online_url: String,
    agenda: String,
    /// `convened`, `held` or `cancelled`.
    status: String,
    /// Voting members present, once attendance is recorded.
    present: Option<i64>,
    quorum_needed: Option<i64>,
    quorum_met: Option<bool>,
    /// `none`, `draft`, `circulated` or `approved`.
    minutes_status: String,
    /// The text of the minutes, once approved.
    minutes: Option<String>,
    /// The session's page.
    url: String,
}

/// A body with its members and sessions.
#[derive(Serialize, ToSchema)]
pub struct BodyOut {
    name: String,
    /// The code its agreements are numbered with.
    code: String,
    title: String,
    kind: String,
    status: String,
    purpose: String,
    /// Rules of operation, Markdown.
    rules: String,
    /// `majority`, `two_thirds` or `all`.
    quorum_rule: String,
    notice_days: i64,
    accepts_members: bool,
    term_start: String,
    term_end: String,
    members: Vec<MemberOut>,
    sessions: Vec<SessionOut>,
}

/// A body by name, with its members and sessions.
#[utoipa::path(get, path = "/api/v1/bodies/{name}", params(("name" = String, Path, description = "The body's name")), responses(
    (status = 200, description = "The body", body = BodyOut),
    (status = 404, description = "No such body", body = Problem, content_type = "application/problem+json")
))]
async fn get_body(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Json<BodyOut>> {
    let b = Body::by_name(&state.db, &name).await?;
    let base = &state.settings.base_url;
    let members = store::seats(&state.db, b.id)
        .await?
        .into_iter()
        .map(|s| MemberOut {
            holder: s.holder_name,
            sector: s.sector.as_str().into(),
            position: s.position.as_str().into(),
            titular: s.titular_name,
            alternate: s.alternate_name,
            starts_on: s.starts_on,
            ends_on: s.ends_on,
            source: s.source,
        })
        .collect();
    let sessions = store::sessions(&state.db, b.id)
        .await?
        .into_iter()
        .map(|s| {
            let approved = s.minutes_status == tequio_domain::bodies::MinutesStatus::Approved;
            SessionOut {
                url: format!("{base}{}", s.path()),
                year: s.year,
                number: s.number,
                kind: s.kind.as_str().into(),
                starts_at: s.starts_at,
                place: s.place,
                online_url: s.online_url,
                agenda: s.agenda,
                status: s.status.as_str().into(),
                present: s.quorum.map(|q| q.present),
                quorum_needed: s.quorum.map(|q| q.needed),
                quorum_met: s.quorum.map(|q| q.met()),
                minutes_status: s.minutes_status.as_str().into(),
                minutes: approved.then_some(s.minutes),
            }
        })
        .collect();
    Ok(Json(BodyOut {
        name: b.name,
        code: b.code,
        title: b.title,
        kind: b.kind.as_str().into(),
        status: b.status.as_str().into(),
        purpose: b.purpose,
        rules: b.rules,
        quorum_rule: b.quorum_rule.as_str().into(),
        notice_days: b.notice_days,
        accepts_members: b.accepts_members,
        term_start: b.term_start,
        term_end: b.term_end,
        members,
        sessions,
    }))
}

/// An agreement on the tracker.
#[derive(Serialize, ToSchema)]
pub struct AgreementOut {
    /// body / year / session / n, stable.
    code: String,
    body: String,
    text: String,
    responsibles: Vec<String>,
    /// `YYYY-MM-DD`, or empty.
    due_on: String,
    /// `pending`, `in_progress`, `done` or `cancelled`.
    status: String,
    /// Open and past its due date (Mexico's central time).
    overdue: bool,
    status_changed_at: String,
    url: String,
}

/// A page of agreements.
#[derive(Serialize, ToSchema)]
pub struct AgreementList {
    total: i64,
    page: u32,
    per_page: u32,
    items: Vec<AgreementOut>,
}

/// Filters of the agreement tracker.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgreementsQuery {
    /// Only this body's agreements (its name).
    body: Option<String>,
    /// Only agreements in this status.
    status: Option<AgreementStatusParam>,
    /// `true`: only open agreements past their due date.
    overdue: Option<bool>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
    /// Agreements per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<u32>,
}

/// An agreement's status, as a filter.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatusParam {
    Pending,
    InProgress,
    Done,
    Cancelled,
}

impl From<AgreementStatusParam> for AgreementStatus {
    fn from(s: AgreementStatusParam) -> Self {
        match s {
            AgreementStatusParam::Pending => AgreementStatus::Pending,
            AgreementStatusParam::InProgress => AgreementStatus::InProgress,
            AgreementStatusParam::Done => AgreementStatus::Done,
            AgreementStatusParam::Cancelled => AgreementStatus::Cancelled,
        }
    }
}

/// The agreement tracker across bodies: overdue first, then by due date. A body that does
/// not exist has no agreements.
#[utoipa::path(get, path = "/api/v1/agreements", params(AgreementsQuery), responses(
    (status = 200, description = "A page of agreements", body = AgreementList),
    (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json")
))]
async fn list_agreements(
    State(state): State<AppState>,
    Query(p): Query<AgreementsQuery>,
) -> AppResult<Json<AgreementList>> {
    let (page, per_page) = crate::listing::check_page(p.page, p.per_page, 50, 200)?;
    let body_id = match p.body.as_deref().filter(|b| !b.is_empty()) {
        Some(name) => Some(match Body::by_name(&state.db, name).await {
            Ok(b) => b.id,
            Err(tequio_store::StoreError::NotFound) => -1,
            Err(e) => return Err(e.into()),
        }),
        None => None,
    };
    let status = p.status.map(AgreementStatus::from);
    let filter = TrackerFilter {
        body_id,
        status,
        overdue: p.overdue.unwrap_or(false),
        today: local_today(),
        limit: i64::from(per_page),
        offset: i64::from(page - 1) * i64::from(per_page),
    };
    let (total, list) = store::tracker(&state.db, &filter).await?;
    let base = &state.settings.base_url;
    Ok(Json(AgreementList {
        total,
        page,
        per_page,
        items: list
            .into_iter()
            .map(|a| AgreementOut {
                overdue: a.is_overdue(&filter.today),
                url: format!("{base}{}", a.path()),
                code: a.code,
                body: a.body_name,
                text: a.text,
                responsibles: a.responsibles,
                due_on: a.due_on,
                status: a.status.as_str().into(),
                status_changed_at: a.status_changed_at,
            })
            .collect(),
    }))
}
