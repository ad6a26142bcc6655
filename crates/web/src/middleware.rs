//! The middleware around every request: request ids, security headers, CSRF protection and
//! the rendering of errors as a page or a JSON problem. Shared: no domain is imported here.

use crate::auth::lang_of;
use crate::error::{AppError, ErrorInfo};
use crate::html::Ctx;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use sha2::Digest;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tower_http::request_id::{MakeRequestId, RequestId};

/// Request ids: a random prefix per process and a counter, cheap and unique enough to follow
/// one request through the logs.
#[derive(Clone)]
pub struct RequestIds {
    prefix: String,
    next: Arc<AtomicU64>,
}

impl Default for RequestIds {
    fn default() -> Self {
        let prefix = crate::auth::new_token()
            .map(|t| t[..8].to_owned())
            .unwrap_or_else(|_| "req".into());
        RequestIds {
            prefix,
            next: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// The Content-Security-Policy of every page: only this site's own styles and scripts, no
/// framing (the pages use no inline code, so nothing needs to be allowed inline).
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// CSRF protection for every state-changing request: the browser must say the request comes
/// from this same site (`Sec-Fetch-Site`), or its `Origin` must be this host. Requests with
/// neither header are refused when they carry cookies (a browser acting for the person);
/// without cookies there is no ambient authority to abuse (API clients, scripts).
pub async fn csrf_guard(req: Request, next: Next) -> Response {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let allowed = match get("sec-fetch-site") {
        Some("same-origin" | "none") => true,
        Some(_) => false,
        None => match get("origin") {
            Some(origin) => {
                let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
                get("host").is_some_and(|host| host.eq_ignore_ascii_case(origin_host))
            }
            None => headers.get(header::COOKIE).is_none(),
        },
    };
    if allowed {
        next.run(req).await
    } else {
        AppError::CrossSite.into_response()
    }
}

/// Turns error responses into an HTML page in the visitor's language, or a JSON problem under
/// `/api`: those from [`AppError`], and the plain-text ones axum and tower-http produce
/// (bad query strings, unknown methods, oversize bodies).
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/") || req.uri().path() == "/healthz";
    let (parts, body) = req.into_parts();
    let lang = lang_of(&parts);
    let path = parts.uri.path().to_owned();
    let res = next.run(Request::from_parts(parts, body)).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    // Headers that still matter after the body is replaced (405 must say what is allowed,
    // 429 when to come back).
    let allow = res.headers().get(header::ALLOW).cloned();
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    let info = match error_info(res).await {
        Ok(info) => info,
        Err(complete) => return complete,
    };
    let title = lang.t(info.title_key);
    let detail = info
        .detail
        .clone()
        .or_else(|| info.detail_key.map(|k| lang.t_args(k, &info.detail_args)));
    if is_api {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
        });
        let res = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        );
        return with_headers(res.into_response(), None, retry_after);
    }
    // The identity as last read; a database that cannot be read gets the default one.
    let look = state.look().await.unwrap_or_default();
    let ctx = Ctx::bare(lang, &path, look, &state.settings.base_url);
    let page = crate::html::ErrorPage {
        c: &ctx,
        status: status.as_u16(),
        title: &title,
        detail: detail.as_deref(),
    };
    let res = match askama::Template::render(&page) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, title).into_response(),
    };
    with_headers(res, allow, retry_after)
}

/// Puts back the headers an error response must keep (`Allow`, `Retry-After`).
fn with_headers(
    mut res: Response,
    allow: Option<HeaderValue>,
    retry_after: Option<HeaderValue>,
) -> Response {
    if let Some(allow) = allow {
        res.headers_mut().insert(header::ALLOW, allow);
    }
    if let Some(retry_after) = retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, retry_after);
    }
    res
}

/// What an error response says: its `ErrorInfo`, or the plain text a layer wrote (axum's
/// rejections). `Err` gives back a response that is already a complete page or problem.
async fn error_info(res: Response) -> Result<ErrorInfo, Response> {
    if let Some(info) = res.extensions().get::<ErrorInfo>() {
        return Ok(info.clone());
    }
    let is_plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.starts_with("text/plain"));
    if !is_plain {
        return Err(res); // e.g. a form sent back with its errors
    }
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_owned();
    Ok(ErrorInfo {
        title_key: title_key_for(status),
        detail: (!text.is_empty()).then_some(text),
        detail_key: None,
        detail_args: Vec::new(),
    })
}

fn title_key_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "error-400",
        401 => "error-401",
        403 => "error-403",
        404 => "error-404",
        405 => "error-405",
        409 => "error-409",
        413 => "error-413",
        415 => "error-415",
        422 => "error-422",
        429 => "error-429",
        s if s >= 500 => "error-500",
        _ => "error-400",
    }
}

/// Largest response body given an `ETag` (hashed as it passes); larger and streamed bodies
/// (downloads written as they are read) go out as they are.
const MAX_ETAG_BYTES: usize = 4 * 1024 * 1024;

/// The web's conventions on every answer: pages say their language (`Content-Language`) and
/// that it was chosen from the person's cookie and browser (`Vary`); answers to reads carry an
/// `ETag`, and a browser that already has the same one gets `304 Not Modified` without the body.
/// A complete body's tag is its hash; a streamed download's is the data's version (the log's
/// head and Mexico's date, as the page cache uses) with the address, language and cookies, so
/// it changes whenever what it was made from may have.
pub async fn web_conventions(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = lang_of(&parts);
    let is_read = parts.method == Method::GET || parts.method == Method::HEAD;
    let if_none_match = parts.headers.get(header::IF_NONE_MATCH).cloned();
    let request_key = format!(
        "{} {} {}",
        parts.uri,
        lang.code(),
        parts
            .headers
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    );
    let mut res = next.run(Request::from_parts(parts, body)).await;
    name_language(&mut res, lang);
    if !is_read || res.status() != StatusCode::OK || res.headers().contains_key(header::ETAG) {
        return res;
    }
    let (mut res_parts, res_body, etag) = match tagged(&state, res, &request_key).await {
        Ok(tagged) => tagged,
        Err(res) => return res,
    };
    let Ok(etag) = HeaderValue::from_str(&etag) else {
        return Response::from_parts(res_parts, res_body);
    };
    let matches = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    res_parts.headers.insert(header::ETAG, etag);
    if matches {
        res_parts.status = StatusCode::NOT_MODIFIED;
        res_parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(res_parts, axum::body::Body::empty());
    }
    Response::from_parts(res_parts, res_body)
}

/// A page says its language and that it depends on the person's cookie and browser.
fn name_language(res: &mut Response, lang: crate::i18n::Lang) {
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if is_page {
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.code()),
        );
        headers.append(
            header::VARY,
            HeaderValue::from_static("Accept-Language, Cookie"),
        );
    }
}

/// The response taken apart with its entity tag: a complete body's hash, or for a streamed
/// one the data's version and the request. `Err` gives back what cannot be tagged.
async fn tagged(
    state: &AppState,
    res: Response,
    request_key: &str,
) -> Result<(axum::http::response::Parts, axum::body::Body, String), Response> {
    match axum::body::HttpBody::size_hint(res.body()).exact() {
        Some(n) if n <= MAX_ETAG_BYTES as u64 => {
            let (res_parts, res_body) = res.into_parts();
            let Ok(bytes) = axum::body::to_bytes(res_body, MAX_ETAG_BYTES).await else {
                return Err(StatusCode::INTERNAL_SERVER_ERROR.into_response());
            };
            let etag = format!("\"{}\"", &hex::encode(sha2::Sha256::digest(&bytes))[..32]);
            Ok((res_parts, axum::body::Body::from(bytes), etag))
        }
        Some(_) => Err(res),
        None => {
            let Ok(seq) = tequio_store::audit::head_seq(&state.db).await else {
                return Err(res);
            };
            let day = crate::clock::local_today();
            let key = hex::encode(sha2::Sha256::digest(request_key.as_bytes()));
            let (res_parts, res_body) = res.into_parts();
            Ok((
                res_parts,
                res_body,
                format!("W/\"{seq}-{day}-{}\"", &key[..16]),
            ))
        }
    }
}
