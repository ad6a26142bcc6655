//! Topic portals: a page on a public matter gathering datasets, publications and links.

pub mod pages;

use crate::state::AppState;
use axum::Router;

/// The pages (small requests).
pub fn routes() -> Router<AppState> {
    Router::new().merge(pages::routes())
}
