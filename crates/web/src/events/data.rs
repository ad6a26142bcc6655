//! Open data of events, as CSV and JSON.

use crate::error::AppResult;
use crate::state::AppState;
use crate::tables::{ExactParam, kind, one_page};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/eventos.{ext}", get(events_table))
}

/// Events with their counts; who registered or attended is personal data and stays out.
async fn events_table(
    State(state): State<AppState>,
    Path(ext): Path<String>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let rows = tequio_store::events::list(&state.db)
        .await?
        .into_iter()
        .map(|e| {
            vec![
                e.name,
                e.kind.as_str().into(),
                e.title,
                e.audience,
                e.starts_at,
                e.ends_at,
                e.place,
                e.online_url,
                e.capacity.to_string(),
                e.hours.to_string(),
                e.registered.to_string(),
                e.waitlisted.to_string(),
                e.attended.to_string(),
            ]
        })
        .collect();
    Ok(one_page(
        kind,
        "eventos",
        &[
            "name",
            "kind",
            "title",
            "audience",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "capacity",
            "hours",
            "registered",
            "waitlisted",
            "attended",
        ],
        rows,
    ))
}
