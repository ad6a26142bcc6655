//! A cache of whole public pages for visitors without a session.
//!
//! Every write in Tequio appends to the audit log in its transaction, so the log's head
//! (`audit_head.seq`) is a version number of everything public. A cached page is served only
//! while that version is unchanged; checking it costs one primary-key read per request. Several
//! app nodes stay correct: each asks the database for the version, none trusts its own memory.
//! Signed-in people always get a freshly rendered page (it shows their name and roles).
//! Today's date is part of the version too: an obligation's status (up to date, due, overdue)
//! changes at midnight without any write.

use crate::app::AppState;
use crate::auth::{SESSION_COOKIE, cookie, lang_of};
use crate::i18n::Lang;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use tequio_store::{Exec, params};

/// Most pages kept; past it the cache starts again empty (simple, and writes empty it anyway).
const MAX_PAGES: usize = 2000;
/// Largest page kept.
const MAX_PAGE_BYTES: usize = 512 * 1024;

#[derive(Default)]
pub struct PageCache {
    inner: Mutex<Pages>,
}

/// The audit head's sequence number and the day (days since 1970-01-01, UTC).
type Version = (i64, i64);

#[derive(Default)]
struct Pages {
    version: Version,
    pages: HashMap<(Lang, String), (HeaderValue, Bytes)>,
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
        if pages.version != version || pages.pages.len() >= MAX_PAGES {
            pages.pages.clear();
            pages.version = version;
        }
        pages.pages.insert(key, (content_type, body));
    }
}

/// Paths whose pages depend only on public data (and the language).
fn cacheable(path: &str) -> bool {
    if matches!(
        path,
        "/" | "/sujetos" | "/buscar" | "/organizaciones" | "/bitacora" | "/marco"
    ) {
        return true;
    }
    // Public pages named by ids: each pattern's `#` stands for one number.
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
    ];
    let segments: Vec<&str> = path.split('/').collect();
    PATTERNS.iter().any(|p| {
        let want: Vec<&str> = p.split('/').collect();
        want.len() == segments.len()
            && want.iter().zip(&segments).all(|(w, s)| {
                if *w == "#" {
                    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
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
    let seq = match state
        .db
        .query_one("SELECT seq FROM audit_head WHERE id = 1", params![])
        .await
    {
        Ok(row) => row.get::<i64>(0).unwrap_or(-1),
        Err(_) => -1,
    };
    let version = (seq, crate::publishing::today().to_days());
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
