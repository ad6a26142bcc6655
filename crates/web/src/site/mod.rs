//! The site itself: home page, language switch, stylesheet, `robots.txt`, health and the
//! OpenAPI description.

pub mod api;
pub mod identity;
pub mod pages;
pub mod sitemap;

use crate::state::AppState;
use axum::Router;

/// The pages (small requests).
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(pages::routes())
        .merge(identity::routes())
        .merge(sitemap::routes())
        .route("/healthz", axum::routing::get(api::healthz))
}

/// `/api/v1` routes, nested by the app.
pub fn api_routes() -> Router<AppState> {
    api::routes()
}

/// Reads the portal's identity again every minute, so that a change made through another
/// node reaches this one.
pub fn spawn_look_refresh(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        // The first tick is immediate; the look is read on first use anyway.
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = state.reload_look().await {
                tracing::warn!(error = %e, "could not read the portal's settings");
            }
        }
    });
}
