//! A cache of whole public pages for visitors without a session.
//!
//! Every write in Tequio appends to the audit log in its transaction, so the log's head
//! (`audit_head.seq`) is a version number of everything public. A cached page is served only
//! while that version is unchanged; checking it costs one primary-key read per request. Several
//! app nodes stay correct: each asks the database for the version, none trusts its own memory.
//! Signed-in people always get a freshly rendered page (it shows their name and roles).
//! Today's date is part of the version too: an obligation's status (up to date, due, overdue)
//! changes at midnight without any write.

use crate::auth::{SESSION_COOKIE, cookie, lang_of};
use crate::i18n::Lang;
use crate::state::AppState;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;

/// Most pages kept, and most bytes in all; past either the cache starts again empty (simple,
/// and writes empty it anyway).
const MAX_PAGES: usize = 2000;
const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;
/// Largest page kept (calendar feeds of every session are the big ones).
const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

#[derive(Default)]
pub struct PageCache {
    inner: Mutex<Pages>,
}

/// The audit head's sequence number and the day (days since 1970-01-01) in UTC and in
/// Mexico's central time: an agreement becomes overdue at local midnight.
type Version = (i64, i64, i64);

#[derive(Default)]
struct Pages {
    version: Version,
    pages: HashMap<(Lang, String), (HeaderValue, Bytes)>,
    bytes: usize,
}

impl PageCache {
    fn get(&self, version: Version, key: &(Lang, String)) -> Option<(HeaderValue, Bytes)> {
        let pages = self.inner.lock().ok()?;
        if pages.version != version {
            return None;
        }
        pages.pages.get(key).cloned()
    }

    fn put(&self, version: Version, key: (Lang, String), content_type: HeaderValue, body: Bytes) {
        let Ok(mut pages) = self.inner.lock() else {
            return;
        };
        if pages.version != version
            || pages.pages.len() >= MAX_PAGES
            || pages.bytes + body.len() > MAX_TOTAL_BYTES
        {
            pages.pages.clear();
            pages.bytes = 0;
            pages.version = version;
        }
        pages.bytes += body.len();
        pages.pages.insert(key, (content_type, body));
    }
}

/// Paths whose pages depend only on public data (and the language).
fn cacheable(path: &str) -> bool {
    if matches!(
        path,
        "/" | "/sujetos"
            | "/acerca"
            | "/buscar"
            | "/organizaciones"
            | "/bitacora"
            | "/marco"
            | "/organos"
            | "/acuerdos"
            | "/convocatorias"
            | "/instrumentos"
            | "/eventos"
            | "/calendario.ics"
            | "/acuerdos.atom"
            | "/sesiones.atom"
            | "/convocatorias.atom"
    ) {
        return true;
    }
    // Public pages named by ids or names: each pattern's `#` stands for one number, `*` for
    // one URL name.
    const PATTERNS: &[&str] = &[
        "/sujetos/#",
        "/organizaciones/#",
        "/marco/#",
        "/marco/formatos/#",
        "/sujetos/#/obligaciones",
        "/sujetos/#/obligaciones/#",
        "/publicaciones/#",
        "/publicaciones/#/historial",
        "/registros/#",
        "/organos/*",
        "/organos/*/sesiones/#/#",
        "/organos/*/calendario.ics",
        "/organos/*/acuerdos.atom",
        "/acuerdos/#",
        "/convocatorias/*",
        "/instrumentos/*",
        "/eventos/*",
    ];
    let segments: Vec<&str> = path.split('/').collect();
    PATTERNS.iter().any(|p| {
        let want: Vec<&str> = p.split('/').collect();
        want.len() == segments.len()
            && want.iter().zip(&segments).all(|(w, s)| {
                if *w == "#" {
                    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
                } else if *w == "*" {
                    !s.is_empty()
                } else {
                    w == s
                }
            })
    })
}

/// The middleware. Misses and anything not cacheable go through untouched.
pub async fn serve_cached(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if state.page_cache.is_none() || req.method() != Method::GET || !cacheable(req.uri().path()) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    if cookie(&parts, SESSION_COOKIE).is_some() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let Some(cache) = state.page_cache.as_deref() else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let seq = tequio_store::audit::head_seq(&state.db).await.unwrap_or(-1);
    let version = (
        seq,
        crate::clock::today().to_days(),
        crate::clock::local_now().date().to_julian_day().into(),
    );
    let key = (lang_of(&parts), parts.uri.to_string());
    if seq >= 0
        && let Some((content_type, body)) = cache.get(version, &key)
    {
        return ([(header::CONTENT_TYPE, content_type)], body).into_response();
    }
    let res = next.run(Request::from_parts(parts, body)).await;
    if seq < 0 || res.status() != StatusCode::OK || res.headers().contains_key(header::SET_COOKIE) {
        return res;
    }
    if res
        .body()
        .size_hint()
        .upper()
        .is_none_or(|n| n > MAX_PAGE_BYTES as u64)
    {
        return res; // streamed or large: not kept
    }
    let (res_parts, res_body) = res.into_parts();
    let bytes = match axum::body::to_bytes(res_body, MAX_PAGE_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a page to cache it");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if let Some(content_type) = res_parts.headers.get(header::CONTENT_TYPE) {
        cache.put(version, key, content_type.clone(), bytes.clone());
    }
    Response::from_parts(res_parts, Body::from(bytes))
}
