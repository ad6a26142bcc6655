//! Open data of the registry of collaboration instruments, as CSV and JSON.

use crate::clock::local_today;
use crate::error::AppResult;
use crate::state::AppState;
use crate::tables::{ExactParam, kind, one_page};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/instrumentos.{ext}", get(instruments_table))
}

async fn instruments_table(
    State(state): State<AppState>,
    Path(ext): Path<String>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let rows = tequio_store::instruments::list(&state.db, &local_today())
        .await?
        .into_iter()
        .map(|i| {
            vec![
                i.name.clone(),
                i.kind.as_str().into(),
                i.title.clone(),
                i.parties
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                i.objectives.clone(),
                i.signed_on.clone(),
                i.valid_until.clone(),
                i.status.as_str().into(),
                i.terminated_on.clone(),
                i.bodies
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect();
    Ok(one_page(
        kind,
        "instrumentos",
        &[
            "name",
            "kind",
            "title",
            "parties",
            "objectives",
            "signed_on",
            "valid_until",
            "status",
            "terminated_on",
            "bodies",
        ],
        rows,
    ))
}
