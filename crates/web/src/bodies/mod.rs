//! Collegiate bodies (the Technical Secretariat of Open Government, working groups): members,
//! sessions with minutes and attendance, agreements and their tracker, documents, adhesions.
//! Their pages, `/api/v1` part, open data and feeds; what those share is here.

pub mod api;
pub mod data;
pub mod feeds;
pub mod pages;

use crate::auth::Viewer;
use crate::clock::local_today;
use crate::error::{AppError, AppResult};
use crate::listing::page_number;
use crate::state::AppState;
use axum::Router;
use serde::Deserialize;
use tequio_domain::accounts::{Grant, Role};
use tequio_domain::bodies::AgreementStatus;
use tequio_store::bodies::{Body, TrackerFilter};

/// Pages, open data and feeds (small requests).
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(pages::routes())
        .merge(data::routes())
        .merge(feeds::routes())
}

/// `/api/v1` routes, nested by the app.
pub fn api_routes() -> Router<AppState> {
    api::routes()
}

/// Forms that carry files.
pub fn upload_routes() -> Router<AppState> {
    pages::upload_routes()
}

// The agreement tracker's filters: the same words for its page and its downloads.

#[derive(Deserialize)]
pub struct TrackerParams {
    organo: Option<String>,
    estado: Option<String>,
    vencidos: Option<String>,
    pagina: Option<String>,
}

const TRACKER_PAGE: i64 = 50;

/// The tracker's filters as a query string (`organo=…&estado=…&vencidos=1`), for the page's
/// downloads, its feed and its pages.
pub fn tracker_query(filter: &TrackerFilter, body: Option<&Body>) -> String {
    let mut query = Vec::new();
    if let Some(b) = body {
        query.push(format!("organo={}", crate::html::url_encode(&b.name)));
    }
    if let Some(s) = filter.status {
        query.push(format!("estado={}", s.as_str()));
    }
    if filter.overdue {
        query.push("vencidos=1".to_owned());
    }
    query.join("&")
}

/// Reads the tracker's filters from the query string.
pub async fn tracker_filter(
    state: &AppState,
    p: &TrackerParams,
) -> AppResult<(TrackerFilter, Option<Body>, i64)> {
    let body = match p.organo.as_deref().filter(|s| !s.is_empty()) {
        Some(name) => Some(Body::by_name(&state.db, name).await.map_err(|e| match e {
            tequio_store::StoreError::NotFound => {
                AppError::BadRequest(format!("organo: no hay un órgano «{name}»"))
            }
            other => other.into(),
        })?),
        None => None,
    };
    let status = match p.estado.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(AgreementStatus::parse(s).ok_or_else(|| {
            AppError::BadRequest(format!("estado: «{s}» no es un estado de acuerdo"))
        })?),
        None => None,
    };
    let page = match p.pagina.as_deref() {
        None => 1,
        Some(s) => s
            .parse::<u32>()
            .map(|n| page_number(Some(n)))
            .map_err(|_| {
                AppError::BadRequest(format!("pagina: «{s}» no es un número de página"))
            })?,
    };
    Ok((
        TrackerFilter {
            body_id: body.as_ref().map(|b| b.id),
            status,
            overdue: p.vencidos.as_deref() == Some("1"),
            today: local_today(),
            limit: TRACKER_PAGE,
            offset: (page - 1) * TRACKER_PAGE,
        },
        body,
        page,
    ))
}

/// Makes the person who constituted a body from a call its technical secretary, unless they
/// already run everything.
pub async fn make_secretary(tx: &tequio_store::Tx, viewer: &Viewer, body_id: i64) -> AppResult<()> {
    if viewer.is_admin() {
        return Ok(());
    }
    let user = viewer.user()?;
    let grant =
        Grant::new(Role::BodySecretary, Some(body_id)).map_err(|e| AppError::Internal(e.into()))?;
    tequio_store::accounts::grant(tx, &viewer.who(), user.id, grant).await?;
    Ok(())
}

impl crate::html::HasPage for tequio_store::bodies::Session {
    fn path(&self) -> String {
        format!(
            "/organos/{}/sesiones/{}/{}",
            self.body_name, self.year, self.number
        )
    }
}

impl crate::html::HasPage for tequio_store::bodies::Agreement {
    fn path(&self) -> String {
        format!("/acuerdos/{}", self.id)
    }
}
