//! Training and promotion events in `/api/v1` (who registered is not published).

use crate::error::AppResult;
use crate::html::HasPage;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new().route("/events", get(list_events))
}

#[derive(OpenApi)]
#[openapi(paths(list_events), components(schemas(EventOut)))]
pub struct EventsDoc;

/// A training or promotion event, with its counts (who registered is not published).
#[derive(Serialize, ToSchema)]
pub struct EventOut {
    name: String,
    /// `training`, `forum`, `workshop` or `informative_session`.
    kind: String,
    title: String,
    audience: String,
    starts_at: String,
    ends_at: String,
    place: String,
    online_url: String,
    capacity: i64,
    hours: i64,
    registered: i64,
    waitlisted: i64,
    attended: i64,
    url: String,
}

/// Every event.
#[utoipa::path(get, path = "/api/v1/events", responses(
    (status = 200, description = "Every event", body = [EventOut])
))]
async fn list_events(State(state): State<AppState>) -> AppResult<Json<Vec<EventOut>>> {
    let base = &state.settings.base_url;
    Ok(Json(
        tequio_store::events::list(&state.db)
            .await?
            .into_iter()
            .map(|e| EventOut {
                url: format!("{base}{}", e.path()),
                name: e.name,
                kind: e.kind.as_str().into(),
                title: e.title,
                audience: e.audience,
                starts_at: e.starts_at,
                ends_at: e.ends_at,
                place: e.place,
                online_url: e.online_url,
                capacity: e.capacity,
                hours: e.hours,
                registered: e.registered,
                waitlisted: e.waitlisted,
                attended: e.attended,
            })
            .collect(),
    ))
}
