//! Open calls (convocatorias): criteria, applications with documents, reviewers and scores,
//! results, and constituting a working group from them.

pub mod api;
pub mod data;
pub mod pages;

use crate::state::AppState;
use axum::Router;

/// The pages (small requests).
pub fn routes() -> Router<AppState> {
    Router::new().merge(pages::routes()).merge(data::routes())
}

/// `/api/v1` routes, nested by the app.
pub fn api_routes() -> Router<AppState> {
    api::routes()
}

/// Forms that carry files.
pub fn upload_routes() -> Router<AppState> {
    pages::upload_routes()
}

impl crate::html::HasPage for tequio_store::calls::Call {
    fn path(&self) -> String {
        format!("/convocatorias/{}", self.name)
    }
}
