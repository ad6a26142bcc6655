//! What every JSON answer shares: RFC 9457 problems, paging checks, typed responses and
//! downloads. Shared: no domain is imported here.

use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{self, HeaderName};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tequio_store::Db;
use utoipa::ToSchema;

/// An error, as RFC 9457 describes (`application/problem+json`).
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of error it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short title in the caller's language.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What was wrong and where (field or parameter), when known.
    pub detail: Option<String>,
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

/// CORS for the public read APIs (`/api/v1`, `/api/3`): any site's scripts may read the data
/// (`GET`, `HEAD`, no cookies), so browser apps can reuse it; writes stay same-site.
pub fn read_only_cors() -> tower_http::cors::CorsLayer {
    use axum::http::{Method, header};
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers([header::ACCEPT, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG, header::LINK, header::CONTENT_DISPOSITION])
        .max_age(std::time::Duration::from_secs(24 * 3600))
}
