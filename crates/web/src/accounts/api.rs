//! Organisations in `/api/v1`.

use crate::error::AppResult;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new().route("/organisations", get(list_organisations))
}

#[derive(OpenApi)]
#[openapi(paths(list_organisations), components(schemas(OrganisationOut)))]
pub struct AccountsDoc;

/// An organisation that takes part (civil society, academia, private sector, professional college, government).
#[derive(Serialize, ToSchema)]
pub struct OrganisationOut {
    pub id: i64,
    pub name: String,
    /// One of: civil_society, academia, private_sector, professional_college, government.
    pub sector: String,
    pub description: String,
    pub website: Option<String>,
    /// How many people act for it on Tequio.
    pub members: i64,
}

/// Lists organisations.
#[utoipa::path(get, path = "/api/v1/organisations", responses((status = 200, description = "All organisations", body = Vec<OrganisationOut>)))]
async fn list_organisations(
    State(state): State<AppState>,
) -> AppResult<Json<Vec<OrganisationOut>>> {
    let list = tequio_store::accounts::list_organisations(&state.db).await?;
    Ok(Json(
        list.into_iter()
            .map(|o| OrganisationOut {
                id: o.id,
                name: o.name,
                sector: o.sector.as_str().to_owned(),
                description: o.description,
                website: o.website,
                members: o.members,
            })
            .collect(),
    ))
}
