//! Open calls in `/api/v1`, with their results. Citizens who applied on their own and were
//! not accepted are not named.

use crate::error::AppResult;
use crate::html::HasPage;
use crate::http::Problem;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tequio_domain::calls::{CallStatus, Decision};
use tequio_store::calls::{self, Call};
use utoipa::{OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calls", get(list_calls))
        .route("/calls/{name}", get(get_call))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_calls, get_call),
    components(schemas(CallOut, CriterionOut, ResultOut))
)]
pub struct CallsDoc;

/// An evaluation criterion.
#[derive(Serialize, ToSchema)]
pub struct CriterionOut {
    name: String,
    weight: i64,
}

/// A published result.
#[derive(Serialize, ToSchema)]
pub struct ResultOut {
    /// Organisations by name; a citizen who applied on their own only if accepted.
    applicant: Option<String>,
    /// The organisation's sector; empty for citizens.
    sector: Option<String>,
    /// Weighted score, 0 to 100.
    score: Option<f64>,
    /// `accepted` or `rejected`.
    decision: String,
    reason: String,
}

/// An open call.
#[derive(Serialize, ToSchema)]
pub struct CallOut {
    name: String,
    title: String,
    objective: String,
    /// Sectors admitted, and `citizens` when people may apply on their own.
    eligibility: Vec<String>,
    requirements: String,
    required_documents: Vec<String>,
    /// Local time, `YYYY-MM-DDTHH:MM`.
    opens_at: String,
    closes_at: String,
    places: i64,
    /// `published`, `results` or `constituted`.
    status: String,
    /// The body the accepted joined, once constituted.
    constituted_body: Option<String>,
    criteria: Vec<CriterionOut>,
    /// After the results are published.
    results: Vec<ResultOut>,
    url: String,
}

fn call_out(c: Call, results: Vec<ResultOut>, base: &str) -> CallOut {
    let mut eligibility: Vec<String> = c
        .eligibility
        .sectors
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    if c.eligibility.citizens {
        eligibility.push("citizens".into());
    }
    CallOut {
        url: format!("{base}{}", c.path()),
        name: c.name,
        title: c.title,
        objective: c.objective,
        eligibility,
        requirements: c.requirements,
        required_documents: c.required_documents,
        opens_at: c.opens_at,
        closes_at: c.closes_at,
        places: c.places,
        status: c.status.as_str().into(),
        constituted_body: c.constituted_body_name,
        criteria: c
            .criteria
            .into_iter()
            .map(|k| CriterionOut {
                name: k.name,
                weight: k.weight,
            })
            .collect(),
        results,
    }
}

/// Every call, the latest to close first (without criteria or results).
#[utoipa::path(get, path = "/api/v1/calls", responses(
    (status = 200, description = "Every call", body = [CallOut])
))]
async fn list_calls(State(state): State<AppState>) -> AppResult<Json<Vec<CallOut>>> {
    let base = &state.settings.base_url;
    Ok(Json(
        calls::list(&state.db)
            .await?
            .into_iter()
            .map(|c| call_out(c, Vec::new(), base))
            .collect(),
    ))
}

/// A call by name, with its criteria and, once published, its results.
#[utoipa::path(get, path = "/api/v1/calls/{name}", params(("name" = String, Path, description = "The call's name")), responses(
    (status = 200, description = "The call", body = CallOut),
    (status = 404, description = "No such call", body = Problem, content_type = "application/problem+json")
))]
async fn get_call(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> AppResult<Json<CallOut>> {
    let c = Call::by_name(&state.db, &name).await?;
    let results = if c.status == CallStatus::Published {
        Vec::new()
    } else {
        calls::applications(&state.db, c.id)
            .await?
            .into_iter()
            .map(|a| {
                let named = a.organisation_id.is_some() || a.decision == Decision::Accepted;
                ResultOut {
                    applicant: named.then_some(a.applicant_name),
                    sector: a.sector.map(|s| s.as_str().to_owned()),
                    score: a.score,
                    decision: a.decision.as_str().into(),
                    reason: a.reason,
                }
            })
            .collect()
    };
    Ok(Json(call_out(c, results, &state.settings.base_url)))
}
