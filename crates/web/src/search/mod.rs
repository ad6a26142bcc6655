//! Search of everything public: its page and its `/api/v1` part.

pub mod api;
pub mod pages;

use crate::state::AppState;
use axum::Router;

/// The pages (small requests).
pub fn routes() -> Router<AppState> {
    Router::new().merge(pages::routes())
}

/// `/api/v1` routes, nested by the app.
pub fn api_routes() -> Router<AppState> {
    api::routes()
}
