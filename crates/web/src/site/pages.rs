//! The site's own pages: the home page, the language switch, the stylesheet and `robots.txt`.

use crate::auth::{LANG_COOKIE, Viewer, set_cookie};
use crate::error::{AppError, AppResult};
use crate::html::{Ctx, render, safe_next};
use crate::http::typed;
use crate::i18n::Lang;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tequio_domain::subjects::SubjectKind;
use tequio_store::{audit as audit_store, subjects as subjects_store};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/idioma/{lang}", get(switch_language))
        .route("/static/tequio.css", get(stylesheet))
        .route("/robots.txt", get(robots))
}

async fn stylesheet() -> Response {
    let mut res = typed(
        "text/css; charset=utf-8",
        include_str!("../../static/tequio.css"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

/// Crawlers may read everything public; the account and admin areas are of no use to them.
/// Also the static baseline of `bench/run.sh`.
async fn robots() -> Response {
    typed(
        "text/plain; charset=utf-8",
        "User-agent: *\nDisallow: /admin\nDisallow: /cuenta\nAllow: /\n",
    )
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn switch_language(
    Path(lang): Path<String>,
    Query(q): Query<NextQuery>,
    State(state): State<AppState>,
) -> AppResult<Response> {
    let lang = Lang::parse(&lang).ok_or(AppError::NotFound)?;
    let cookie = set_cookie(
        LANG_COOKIE,
        lang.code(),
        365 * 24 * 3600,
        state.settings.secure_cookies,
    );
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_next(q.next.as_deref())),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Ctx,
    active_total: i64,
    by_kind: Vec<(SubjectKind, i64)>,
    entries: Vec<audit_store::Entry>,
    topics: Vec<tequio_store::topics::Topic>,
}

async fn home(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    let by_kind = subjects_store::count_by_kind(&state.db).await?;
    let entries = audit_store::list(&state.db, true, None, 5).await?;
    let mut topics = tequio_store::topics::list(&state.db).await?;
    topics.truncate(6);
    render(&HomePage {
        topics,
        c: Ctx::new(&viewer, "/"),
        active_total: by_kind.iter().map(|(_, n)| n).sum(),
        by_kind,
        entries,
    })
}
