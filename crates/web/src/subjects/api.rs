//! Obligated subjects and guarantor institutes in `/api/v1`.

use super::{SubjectOut, UnitOut};
use crate::error::{AppError, AppResult};
use crate::http::Problem;
use crate::listing::check_page;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tequio_domain::subjects::SubjectKind;
use tequio_store::subjects;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/subjects", get(list_subjects))
        .route("/subjects/{id}", get(get_subject))
        .route("/guarantors", get(list_guarantors))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_subjects, get_subject, list_guarantors),
    components(schemas(KindParam, StatusParam, SubjectOut, UnitOut, SubjectList, GuarantorOut))
)]
pub struct SubjectsDoc;

/// A page of subjects.
#[derive(Serialize, ToSchema)]
pub struct SubjectList {
    /// How many subjects match, in all pages.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<SubjectOut>,
}

/// A kind of obligated subject, as the API names it.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KindParam {
    Executive,
    Legislative,
    Judicial,
    Autonomous,
    Municipality,
    PoliticalParty,
    Union,
    Trust,
    University,
    Other,
}

impl KindParam {
    fn kind(self) -> SubjectKind {
        match self {
            KindParam::Executive => SubjectKind::Executive,
            KindParam::Legislative => SubjectKind::Legislative,
            KindParam::Judicial => SubjectKind::Judicial,
            KindParam::Autonomous => SubjectKind::Autonomous,
            KindParam::Municipality => SubjectKind::Municipality,
            KindParam::PoliticalParty => SubjectKind::PoliticalParty,
            KindParam::Union => SubjectKind::Union,
            KindParam::Trust => SubjectKind::Trust,
            KindParam::University => SubjectKind::University,
            KindParam::Other => SubjectKind::Other,
        }
    }
}

/// Whether a subject still exists.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusParam {
    Active,
    Extinct,
}

/// Filters and paging of the subject list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubjectsQuery {
    /// Words to find in names, acronyms and transparency units (accents and case do not matter).
    q: Option<String>,
    /// Only this kind.
    kind: Option<KindParam>,
    /// Only active or only extinct subjects.
    status: Option<StatusParam>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    per_page: Option<u32>,
}

/// Lists obligated subjects in name order.
#[utoipa::path(get, path = "/api/v1/subjects", params(SubjectsQuery), responses(
    (status = 200, description = "A page of subjects", body = SubjectList),
    (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json")
))]
async fn list_subjects(
    State(state): State<AppState>,
    Query(p): Query<SubjectsQuery>,
) -> AppResult<Json<SubjectList>> {
    let (page, per_page) = check_page(p.page, p.per_page, 50, 500)?;
    let kind = p.kind.map(KindParam::kind);
    let status = p.status.map(|s| match s {
        StatusParam::Active => "active".to_owned(),
        StatusParam::Extinct => "extinct".to_owned(),
    });
    let filter = subjects::Filter {
        q: p.q.filter(|q| !q.trim().is_empty()),
        kind,
        status,
        guarantor_id: None,
        limit: i64::from(per_page),
        offset: i64::from(page - 1) * i64::from(per_page),
    };
    let (total, items) = subjects::list(&state.db, &filter).await?;
    Ok(Json(SubjectList {
        total,
        page,
        per_page,
        items: items.into_iter().map(SubjectOut::from).collect(),
    }))
}

/// One obligated subject.
#[utoipa::path(get, path = "/api/v1/subjects/{id}", params(("id" = i64, Path, description = "The subject's id")), responses(
    (status = 200, description = "The subject", body = SubjectOut),
    (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such subject", body = Problem, content_type = "application/problem+json")
))]
async fn get_subject(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<SubjectOut>> {
    let s = subjects::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(s.into()))
}

/// A guarantor institute (órgano garante).
#[derive(Serialize, ToSchema)]
pub struct GuarantorOut {
    pub id: i64,
    pub name: String,
    pub acronym: String,
    /// The state it serves, when it is a state guarantor.
    pub state: Option<String>,
    pub website: Option<String>,
}

/// Lists guarantor institutes.
#[utoipa::path(get, path = "/api/v1/guarantors", responses((status = 200, description = "All guarantors", body = Vec<GuarantorOut>)))]
async fn list_guarantors(State(state): State<AppState>) -> AppResult<Json<Vec<GuarantorOut>>> {
    let list = subjects::list_guarantors(&state.db).await?;
    Ok(Json(
        list.into_iter()
            .map(|g| GuarantorOut {
                id: g.id,
                name: g.name,
                acronym: g.acronym,
                state: g.state,
                website: g.website,
            })
            .collect(),
    ))
}
