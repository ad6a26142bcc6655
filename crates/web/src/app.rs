//! The application: shared state, the router and the middleware around every request.

use crate::auth::lang_of;
use crate::config::Settings;
use crate::error::{AppError, ErrorInfo};
use crate::pages::Ctx;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tequio_store::Db;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Whole public pages for visitors; `None` turns the cache off (`TEQUIO_PAGE_CACHE=off`).
    pub page_cache: Option<Arc<crate::cache::PageCache>>,
    /// Uploaded files (a folder, or a bucket).
    pub files: crate::files::FileStore,
    /// Wakes the datastore's load worker when an upload queues a load.
    pub loads: Arc<tokio::sync::Notify>,
    /// The key that signs the log's checkpoints (made at first start in the data folder).
    pub audit_key: Arc<tequio_domain::audit::SigningKey>,
    /// Wakes the checkpoint worker after a publication.
    pub checkpoint_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// The state of a server: files go in the data folder's `files`.
    pub fn new(db: Db, settings: Settings) -> anyhow::Result<AppState> {
        let files =
            crate::files::FileStore::from_url(settings.files_url.as_deref(), &settings.data_dir)?;
        Self::with_files(db, settings, files)
    }

    /// The state of a server whose files go in `files`; the signing key is in the data folder.
    pub fn with_files(
        db: Db,
        settings: Settings,
        files: crate::files::FileStore,
    ) -> anyhow::Result<AppState> {
        let page_cache = settings.page_cache.then(Default::default);
        let audit_key = crate::checkpoints::load_or_create_key(&settings.data_dir)?;
        Ok(AppState {
            db,
            settings: Arc::new(settings),
            page_cache,
            files,
            loads: Arc::default(),
            audit_key: Arc::new(audit_key),
            checkpoint_wake: Arc::default(),
        })
    }

    /// Starts the background work of a serving node: the datastore's loads, the log's
    /// checkpoints.
    pub fn start_workers(&self) {
        crate::catalog_load::spawn_worker(self.clone());
        crate::checkpoints::spawn_worker(self.clone());
    }
}

/// The largest request body accepted (forms and registry files).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The largest upload of a publication file, with room for the form's other fields.
pub const MAX_UPLOAD_BYTES: usize = crate::publishing::MAX_FILE_BYTES + 1024 * 1024;

/// The largest upload of a dataset's resource, with room for the form's other fields.
pub const MAX_RESOURCE_UPLOAD_BYTES: usize =
    crate::pages::catalog::MAX_RESOURCE_BYTES + 1024 * 1024;

/// The largest form with attached documents (an application with several, evidence).
pub const MAX_ATTACHMENTS_UPLOAD_BYTES: usize = 4 * crate::attachments::MAX_ATTACHMENT_BYTES;

/// Builds the whole application.
pub fn router(state: AppState) -> Router {
    // Forms and API calls take small bodies; publication files get their own, larger limit.
    let small = Router::new()
        .merge(crate::pages::routes())
        .merge(crate::feeds::routes())
        .merge(crate::bodies_data::routes())
        .nest("/api/v1", crate::api::routes())
        .merge(crate::api::ckan::routes())
        .route("/healthz", axum::routing::get(crate::api::healthz))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ));
    let uploads = Router::new()
        .merge(crate::pages::transparency::upload_routes())
        .nest("/api/v1", crate::api::transparency::upload_routes())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_UPLOAD_BYTES,
        ));
    let resources = Router::new()
        .merge(crate::pages::catalog::upload_routes())
        .layer(axum::extract::DefaultBodyLimit::max(
            MAX_RESOURCE_UPLOAD_BYTES,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_RESOURCE_UPLOAD_BYTES,
        ));
    let attached = Router::new()
        .merge(crate::pages::bodies::upload_routes())
        .merge(crate::pages::calls::upload_routes())
        .merge(crate::pages::events::upload_routes())
        .merge(crate::pages::instruments::upload_routes())
        .layer(axum::extract::DefaultBodyLimit::max(
            MAX_ATTACHMENTS_UPLOAD_BYTES,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_ATTACHMENTS_UPLOAD_BYTES,
        ));
    Router::new()
        .merge(small)
        .merge(uploads)
        .merge(resources)
        .merge(attached)
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn_with_state(state.clone(), crate::cache::serve_cached))
        // Layers wrap what comes before them: the error renderer sees every error response
        // from the layers inside it (CSRF refusals, panics, oversize bodies).
        .layer(middleware::from_fn(csrf_guard))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(middleware::from_fn(render_errors))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(RequestIds::default()))
        .with_state(state)
}

/// Request ids: a random prefix per process and a counter, cheap and unique enough to follow
/// one request through the logs.
#[derive(Clone)]
struct RequestIds {
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
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// CSRF protection for every state-changing request: the browser must say the request comes
/// from this same site (`Sec-Fetch-Site`), or its `Origin` must be this host. Requests with
/// neither header are refused when they carry cookies (a browser acting for the person);
/// without cookies there is no ambient authority to abuse (API clients, scripts).
async fn csrf_guard(req: Request, next: Next) -> Response {
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
async fn render_errors(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/") || req.uri().path() == "/healthz";
    let (parts, body) = req.into_parts();
    let lang = lang_of(&parts);
    let path = parts.uri.path().to_owned();
    let res = next.run(Request::from_parts(parts, body)).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let info = res.extensions().get::<ErrorInfo>().cloned();
    // Headers that still matter after the body is replaced (405 must say what is allowed,
    // 429 when to come back).
    let allow = res.headers().get(header::ALLOW).cloned();
    let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
    let info = match info {
        Some(i) => i,
        None => {
            let is_plain = res
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|ct| ct.starts_with("text/plain"));
            if !is_plain {
                return res; // a page or problem that is already complete (e.g. a form with errors)
            }
            let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024)
                .await
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).trim().to_owned();
            ErrorInfo {
                title_key: title_key_for(status),
                detail: (!text.is_empty()).then_some(text),
                detail_key: None,
            }
        }
    };
    let title = lang.t(info.title_key);
    let detail = info
        .detail
        .clone()
        .or_else(|| info.detail_key.map(|k| lang.t(k)));
    if is_api {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
        });
        let mut res = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response();
        if let Some(retry_after) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, retry_after);
        }
        return res;
    }
    let ctx = Ctx::bare(lang, &path);
    let page = crate::pages::ErrorPage {
        c: &ctx,
        status: status.as_u16(),
        title: &title,
        detail: detail.as_deref(),
    };
    let mut res = match askama::Template::render(&page) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, title).into_response(),
    };
    if let Some(allow) = allow {
        res.headers_mut().insert(header::ALLOW, allow);
    }
    if let Some(retry_after) = retry_after {
        res.headers_mut().insert(header::RETRY_AFTER, retry_after);
    }
    res
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

/// A response with a body and content type (for downloads and static files).
pub fn typed(content_type: &'static str, body: impl Into<Body>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body.into()).into_response()
}

/// The header that marks a download as a file to save.
pub fn attachment(filename: &str) -> (HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{filename}\""),
    )
}

/// Extracts the shared state in middleware and handlers that only need the database.
pub async fn db_of(State(state): State<AppState>) -> Db {
    state.db
}
