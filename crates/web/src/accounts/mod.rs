//! Accounts (sign-up, sign-in, verification, passwords), organisations and the admin area
//! (users, roles, organisations, mail).

pub mod admin;
pub mod api;
pub mod cli;
pub mod organisations;
pub mod pages;

use crate::state::AppState;
use axum::Router;

/// The pages (small requests).
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(admin::routes())
        .merge(organisations::routes())
        .merge(pages::routes())
}

/// `/api/v1` routes, nested by the app.
pub fn api_routes() -> Router<AppState> {
    api::routes()
}
