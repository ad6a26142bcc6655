//! The public change log (bitácora), and the about page that says how to witness it.

use crate::auth::Viewer;
use crate::error::AppResult;
use crate::html::{Ctx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use tequio_domain::accounts::Action;
use tequio_store::audit::{self, Entry, Head};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bitacora", get(log_page))
        .route("/acerca", get(about_page))
}

#[derive(Deserialize)]
struct LogParams {
    antes: Option<i64>,
    todo: Option<u8>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct LogPage {
    c: Ctx,
    head: Option<Head>,
    entries: Vec<Entry>,
    all: bool,
    next_before: Option<i64>,
    public_key: String,
}

const PAGE: i64 = 50;

async fn log_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(p): Query<LogParams>,
) -> AppResult<Response> {
    // Private account events only for those who may read the whole log.
    let all = p.todo == Some(1) && viewer.actor.can(Action::ReadFullAuditLog);
    let entries = audit::list(&state.db, !all, p.antes, PAGE).await?;
    let next_before = (entries.len() as i64 == PAGE)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let head = audit::head(&state.db).await?;
    render(&LogPage {
        c: Ctx::new(&viewer, "/bitacora"),
        head,
        entries,
        all,
        next_before,
        public_key: state.audit_key.public_key(),
    })
}

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    c: Ctx,
    base_url: String,
    public_key: String,
    witnesses: Vec<audit::Witness>,
}

/// What this portal is, and how anyone can witness its log: the signing key, the
/// checkpoints, and the commands to keep and check them.
async fn about_page(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    render(&AboutPage {
        c: Ctx::new(&viewer, "/acerca"),
        base_url: state.settings.base_url.clone(),
        public_key: state.audit_key.public_key(),
        witnesses: audit::witnesses(&state.db).await?,
    })
}
