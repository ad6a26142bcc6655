//! Search of all public content in `/api/v1`.

use crate::error::AppResult;
use crate::http::Problem;
use crate::listing::check_page;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tequio_domain::search::SearchKind;
use tequio_store::search;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search_all))
}

#[derive(OpenApi)]
#[openapi(
    paths(search_all),
    components(schemas(SearchKindParam, SearchOut, HitOut, PartOut, KindCount))
)]
pub struct SearchDoc;

/// A kind of content the search covers.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchKindParam {
    Subject,
    Dataset,
    Topic,
}

/// Search parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The words to find. Accents, case and plural do not matter (`informacion` finds `Información`).
    q: Option<String>,
    /// Only this kind of content.
    kind: Option<SearchKindParam>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
    /// Results per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
}

/// A piece of a title or snippet; `hit` marks a word that matched.
#[derive(Serialize, ToSchema)]
pub struct PartOut {
    pub text: String,
    pub hit: bool,
}

/// One search result.
#[derive(Serialize, ToSchema)]
pub struct HitOut {
    /// The kind of content: `subject`.
    pub kind: String,
    pub id: i64,
    pub title: String,
    /// Link to the item's page.
    pub url: String,
    /// The title cut into parts, matching words marked.
    pub title_parts: Vec<PartOut>,
    /// Text around the first match, matching words marked.
    pub snippet: Vec<PartOut>,
}

/// How many results a kind of content has.
#[derive(Serialize, ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub count: usize,
}

/// Search results.
#[derive(Serialize, ToSchema)]
pub struct SearchOut {
    /// All matches (at most 2000 are counted).
    pub total: usize,
    /// Matches per kind, before the kind filter.
    pub by_kind: Vec<KindCount>,
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<HitOut>,
}

fn parts(p: Vec<tequio_domain::search::SnippetPart>) -> Vec<PartOut> {
    p.into_iter()
        .map(|p| PartOut {
            text: p.text,
            hit: p.hit,
        })
        .collect()
}

/// Searches all public content.
#[utoipa::path(get, path = "/api/v1/search", params(SearchQuery), responses(
    (status = 200, description = "Results, best first", body = SearchOut),
    (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json")
))]
async fn search_all(
    State(state): State<AppState>,
    Query(p): Query<SearchQuery>,
) -> AppResult<Json<SearchOut>> {
    let (page, per_page) = check_page(p.page, p.per_page, 20, 100)?;
    let kinds = match p.kind {
        None => Vec::new(),
        Some(SearchKindParam::Subject) => vec![SearchKind::Subject],
        Some(SearchKindParam::Dataset) => vec![SearchKind::Dataset],
        Some(SearchKindParam::Topic) => vec![SearchKind::Topic],
    };
    let offset = usize::try_from(page - 1).unwrap_or(0) * per_page as usize;
    let query = search::Query {
        text: p.q.unwrap_or_default(),
        kinds,
        limit: per_page as usize,
        offset,
    };
    let r = search::search(&state.db, &query).await?;
    Ok(Json(SearchOut {
        total: r.total,
        by_kind: r
            .by_kind
            .into_iter()
            .map(|(k, n)| KindCount {
                kind: k.as_str().to_owned(),
                count: n,
            })
            .collect(),
        page,
        per_page,
        items: r
            .hits
            .into_iter()
            .map(|h| HitOut {
                kind: h.kind.as_str().to_owned(),
                id: h.ref_id,
                title: h.title,
                url: super::link(h.kind, &h.key),
                title_parts: parts(h.title_parts),
                snippet: parts(h.snippet),
            })
            .collect(),
    }))
}
