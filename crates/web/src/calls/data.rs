//! Open data of calls: every call, and a call's results once published, as CSV and JSON.
//! Citizens who applied on their own and were not accepted are not named.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tables::{ExactParam, kind, one_page};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use tequio_domain::calls::{CallStatus, Decision};
use tequio_store::calls::{self, Call};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/convocatorias.{ext}", get(calls_table))
        .route("/convocatorias/{name}/resultados.{ext}", get(results_table))
}

async fn calls_table(
    State(state): State<AppState>,
    Path(ext): Path<String>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let rows = calls::list(&state.db)
        .await?
        .into_iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.title.clone(),
                c.objective.clone(),
                c.eligibility.to_stored(),
                c.required_documents.join("; "),
                c.opens_at.clone(),
                c.closes_at.clone(),
                c.places.to_string(),
                c.subject_name.clone().unwrap_or_default(),
                c.status.as_str().into(),
                c.results_published_at.clone().unwrap_or_default(),
                c.constituted_body_name.clone().unwrap_or_default(),
            ]
        })
        .collect();
    Ok(one_page(
        kind,
        "convocatorias",
        &[
            "name",
            "title",
            "objective",
            "eligibility",
            "required_documents",
            "opens_at",
            "closes_at",
            "places",
            "convener",
            "status",
            "results_published_at",
            "constituted_body",
        ],
        rows,
    ))
}

async fn results_table(
    State(state): State<AppState>,
    Path((name, ext)): Path<(String, String)>,
    Query(exact): Query<ExactParam>,
) -> AppResult<Response> {
    let kind = kind(&ext, &exact)?;
    let call = Call::by_name(&state.db, &name).await?;
    if call.status == CallStatus::Published {
        return Err(AppError::NotFound);
    }
    let rows = calls::applications(&state.db, call.id)
        .await?
        .into_iter()
        .map(|a| {
            let named = a.organisation_id.is_some() || a.decision == Decision::Accepted;
            vec![
                call.name.clone(),
                if named {
                    a.applicant_name
                } else {
                    String::new()
                },
                a.sector
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_else(|| "citizen".into()),
                a.score.map(|s| s.to_string()).unwrap_or_default(),
                a.decision.as_str().into(),
                a.reason,
            ]
        })
        .collect();
    Ok(one_page(
        kind,
        &format!("{}_resultados", call.name),
        &["call", "applicant", "sector", "score", "decision", "reason"],
        rows,
    ))
}
