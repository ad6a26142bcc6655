//! The site in `/api/v1`: whether it is up, and the OpenAPI description of the whole API.

use crate::error::AppResult;
use crate::http::Problem;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tequio_store::Exec;
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi))
}

#[derive(OpenApi)]
#[openapi(paths(healthz), components(schemas(Problem, Health)))]
pub struct SiteDoc;

async fn openapi() -> Response {
    crate::http::typed("application/json", crate::openapi::openapi_json())
}

/// Whether the server is up.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// Liveness and readiness: answers `ok` when the database does.
#[utoipa::path(get, path = "/healthz", responses(
    (status = 200, description = "Up", body = Health),
    (status = 500, description = "The database does not answer", body = Problem, content_type = "application/problem+json")
))]
pub async fn healthz(State(state): State<AppState>) -> AppResult<Json<Health>> {
    state.db.ping().await?;
    let database = match state.db.engine() {
        tequio_store::Engine::Sqlite => "sqlite",
        tequio_store::Engine::Postgres => "postgres",
    };
    Ok(Json(Health {
        status: "ok".into(),
        database: database.into(),
    }))
}
