//! The site itself: home page, language switch, stylesheet, `robots.txt`, health and the
//! OpenAPI description.

pub mod api;
pub mod pages;

use crate::state::AppState;
use axum::Router;

/// The pages (small requests).
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(pages::routes())
        .route("/healthz", axum::routing::get(api::healthz))
}

/// `/api/v1` routes, nested by the app.
pub fn api_routes() -> Router<AppState> {
    api::routes()
}
