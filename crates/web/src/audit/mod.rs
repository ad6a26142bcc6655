//! The tamper-evident change log: its page, its `/api/v1` part, the signed checkpoints and
//! `tequio witness`, which keeps another instance honest.

pub mod api;
pub mod checkpoints;
pub mod cli;
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
