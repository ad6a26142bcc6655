//! The registry of collaboration instruments in `/api/v1`.

use crate::clock::local_today;
use crate::error::AppResult;
use crate::html::HasPage;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new().route("/instruments", get(list_instruments))
}

#[derive(OpenApi)]
#[openapi(paths(list_instruments), components(schemas(InstrumentOut)))]
pub struct InstrumentsDoc;

/// A collaboration instrument.
#[derive(Serialize, ToSchema)]
pub struct InstrumentOut {
    name: String,
    /// `convenio`, `collaboration_agreement`, `action_programme` or `declaration`.
    kind: String,
    title: String,
    objectives: String,
    parties: Vec<String>,
    signed_on: String,
    valid_until: String,
    /// `in_force`, `expired` or `terminated`.
    status: String,
    /// Names of the bodies it concerns.
    bodies: Vec<String>,
    url: String,
}

/// The registry of collaboration instruments.
#[utoipa::path(get, path = "/api/v1/instruments", responses(
    (status = 200, description = "Every instrument", body = [InstrumentOut])
))]
async fn list_instruments(State(state): State<AppState>) -> AppResult<Json<Vec<InstrumentOut>>> {
    let base = &state.settings.base_url;
    Ok(Json(
        tequio_store::instruments::list(&state.db, &local_today())
            .await?
            .into_iter()
            .map(|i| InstrumentOut {
                url: format!("{base}{}", i.path()),
                name: i.name,
                kind: i.kind.as_str().into(),
                title: i.title,
                objectives: i.objectives,
                parties: i.parties.into_iter().map(|p| p.name).collect(),
                signed_on: i.signed_on,
                valid_until: i.valid_until,
                status: i.status.as_str().into(),
                bodies: i.bodies.into_iter().map(|(n, _)| n).collect(),
            })
            .collect(),
    ))
}
