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
        .route("/static/{file}", get(static_file))
        .route(
            "/favicon.ico",
            get(|| static_file(Path("icon-32.png".into()))),
        )
        .route("/manifest.webmanifest", get(manifest))
        .route("/tema.css", get(theme_stylesheet))
        .route("/robots.txt", get(robots))
}

/// The stylesheet and the icons, built into the binary.
const STATIC_FILES: &[(&str, &str, &[u8])] = &[
    (
        "tequio.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/tequio.css"),
    ),
    (
        "tequio.svg",
        "image/svg+xml",
        include_bytes!("../../static/tequio.svg"),
    ),
    (
        "icon-32.png",
        "image/png",
        include_bytes!("../../static/icon-32.png"),
    ),
    (
        "icon-180.png",
        "image/png",
        include_bytes!("../../static/icon-180.png"),
    ),
    (
        "icon-512.png",
        "image/png",
        include_bytes!("../../static/icon-512.png"),
    ),
];

async fn static_file(Path(file): Path<String>) -> AppResult<Response> {
    let (_, content_type, bytes) = STATIC_FILES
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or(AppError::NotFound)?;
    let mut res = typed(content_type, *bytes);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(res)
}

/// The guarantor's colour over the stylesheet's default (a file, not inline CSS, so the
/// Content-Security-Policy can keep refusing inline styles). Pages link it with the colour in
/// the address, so a new colour is a new address and browsers may keep each for an hour.
async fn theme_stylesheet(State(state): State<AppState>) -> AppResult<Response> {
    let look = state.look().await?;
    let mut res = typed(
        "text/css; charset=utf-8",
        format!(":root {{ --accent: {}; }}\n", look.accent),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(res)
}

/// What a phone needs to add the portal to its home screen, named as the admins named it.
async fn manifest(State(state): State<AppState>) -> AppResult<Response> {
    let look = state.look().await?;
    let body = serde_json::json!({
        "name": look.site_name,
        "short_name": look.site_name.chars().take(12).collect::<String>(),
        "start_url": "/",
        "display": "browser",
        "theme_color": look.accent,
        "background_color": "#ffffff",
        "icons": [
            {"src": "/static/icon-180.png", "sizes": "180x180", "type": "image/png"},
            {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {"src": "/static/tequio.svg", "sizes": "any", "type": "image/svg+xml"}
        ]
    });
    Ok(typed("application/manifest+json", body.to_string()))
}

/// Crawlers may read everything public; the account and admin areas are of no use to them.
/// Also the static baseline of `bench/run.sh`.
async fn robots(State(state): State<AppState>) -> Response {
    let base = state.settings.base_url.trim_end_matches('/');
    typed(
        "text/plain; charset=utf-8",
        format!(
            "User-agent: *\nDisallow: /admin\nDisallow: /cuenta\nAllow: /\nSitemap: {base}/sitemap.xml\n"
        ),
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
    live: Live,
}

/// What is happening now, for the home page: each block links on to its full list.
struct Live {
    open_calls: Vec<tequio_store::calls::Call>,
    next_sessions: Vec<tequio_store::bodies::Session>,
    next_events: Vec<tequio_store::events::Event>,
    recent: Vec<tequio_store::transparency::RecentPublication>,
    overdue_total: i64,
    overdue: Vec<tequio_store::bodies::Agreement>,
    publishing: tequio_store::transparency::PublishingSummary,
}

/// How many items each live block shows.
const LIVE_ITEMS: usize = 4;

async fn live(state: &AppState) -> AppResult<Live> {
    let now = tequio_domain::bodies::format_local(crate::clock::local_now());
    let mut open_calls: Vec<_> = tequio_store::calls::list(&state.db)
        .await?
        .into_iter()
        .filter(|c| {
            c.status == tequio_domain::calls::CallStatus::Published
                && c.opens_at <= now
                && now < c.closes_at
        })
        .collect();
    open_calls.sort_by(|a, b| a.closes_at.cmp(&b.closes_at));
    open_calls.truncate(LIVE_ITEMS);
    let mut next_sessions: Vec<_> = tequio_store::bodies::calendar(&state.db, None, 200)
        .await?
        .into_iter()
        .filter(|s| s.starts_at >= now)
        .collect();
    next_sessions.reverse();
    next_sessions.truncate(LIVE_ITEMS);
    let mut next_events: Vec<_> = tequio_store::events::list(&state.db)
        .await?
        .into_iter()
        .filter(|e| !tequio_domain::events::has_concluded(&e.starts_at, &e.ends_at, &now))
        .collect();
    next_events.sort_by(|a, b| a.starts_at.cmp(&b.starts_at));
    next_events.truncate(LIVE_ITEMS);
    let (overdue_total, overdue) = tequio_store::bodies::tracker(
        &state.db,
        &tequio_store::bodies::TrackerFilter {
            body_id: None,
            status: None,
            overdue: true,
            today: crate::clock::local_today(),
            limit: LIVE_ITEMS as i64,
            offset: 0,
        },
    )
    .await?;
    Ok(Live {
        open_calls,
        next_sessions,
        next_events,
        recent: tequio_store::transparency::recent_publications(&state.db, LIVE_ITEMS as i64)
            .await?,
        overdue_total,
        overdue,
        publishing: tequio_store::transparency::publishing_summary(&state.db).await?,
    })
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
        live: live(&state).await?,
    })
}
