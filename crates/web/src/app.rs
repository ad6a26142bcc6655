//! The application assembled: every domain's routes under the body limit they need, the
//! middleware around them, and the background workers. Only this file, `cli.rs` and
//! `openapi.rs` name every domain; see docs/ARCHITECTURE.md.

use crate::error::AppError;
use crate::middleware::{CSP, RequestIds, csrf_guard, render_errors, web_conventions};
use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::middleware;
use tower_http::request_id::{PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The largest request body accepted (forms and registry files).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The largest upload of a publication file, with room for the form's other fields.
pub const MAX_UPLOAD_BYTES: usize = crate::transparency::publishing::MAX_FILE_BYTES + 1024 * 1024;

/// The largest upload of a dataset's resource, with room for the form's other fields.
pub const MAX_RESOURCE_UPLOAD_BYTES: usize = crate::catalog::MAX_RESOURCE_BYTES + 1024 * 1024;

/// The largest form with attached documents (an application with several, evidence).
pub const MAX_ATTACHMENTS_UPLOAD_BYTES: usize = 4 * crate::attachments::MAX_ATTACHMENT_BYTES;

/// Starts the background work of a serving node: the datastore's loads, the log's checkpoints.
pub fn start_workers(state: &AppState) {
    crate::catalog::load::spawn_worker(state.clone());
    crate::audit::checkpoints::spawn_worker(state.clone());
    crate::site::spawn_look_refresh(state.clone());
}

/// A router whose requests may carry at most `bytes`.
fn limited(router: Router<AppState>, bytes: usize) -> Router<AppState> {
    router
        .layer(axum::extract::DefaultBodyLimit::max(bytes))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(bytes))
}

/// Builds the whole application.
pub fn router(state: AppState) -> Router {
    // Forms and API calls take small bodies; files get their own, larger limits.
    let pages = Router::new()
        .merge(crate::site::routes())
        .merge(crate::search::routes())
        .merge(crate::subjects::routes())
        .merge(crate::transparency::routes())
        .merge(crate::catalog::routes())
        .merge(crate::topics::routes())
        .merge(crate::bodies::routes())
        .merge(crate::calls::routes())
        .merge(crate::events::routes())
        .merge(crate::instruments::routes())
        .merge(crate::accounts::routes())
        .merge(crate::audit::routes());
    let api = Router::new()
        .merge(crate::site::api_routes())
        .merge(crate::search::api_routes())
        .merge(crate::subjects::api_routes())
        .merge(crate::transparency::api_routes())
        .merge(crate::catalog::api_routes())
        .merge(crate::bodies::api_routes())
        .merge(crate::calls::api_routes())
        .merge(crate::events::api_routes())
        .merge(crate::instruments::api_routes())
        .merge(crate::accounts::api_routes())
        .merge(crate::audit::api_routes());
    let api = api.layer(crate::http::read_only_cors());
    let small = limited(pages.nest("/api/v1", api), MAX_BODY_BYTES);
    let publications = limited(
        crate::transparency::upload_routes()
            .nest("/api/v1", crate::transparency::api_upload_routes()),
        MAX_UPLOAD_BYTES,
    );
    let resources = limited(crate::catalog::upload_routes(), MAX_RESOURCE_UPLOAD_BYTES);
    let attached = limited(
        Router::new()
            .merge(crate::bodies::upload_routes())
            .merge(crate::calls::upload_routes())
            .merge(crate::events::upload_routes())
            .merge(crate::instruments::upload_routes()),
        MAX_ATTACHMENTS_UPLOAD_BYTES,
    );
    Router::new()
        .merge(small)
        .merge(publications)
        .merge(resources)
        .merge(attached)
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn_with_state(state.clone(), crate::cache::serve_cached))
        // Layers wrap what comes before them: the error renderer sees every error response
        // from the layers inside it (CSRF refusals, panics, oversize bodies).
        .layer(middleware::from_fn(csrf_guard))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(middleware::from_fn_with_state(state.clone(), render_errors))
        .layer(middleware::from_fn_with_state(state.clone(), web_conventions))
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
