//! The search page: every kind of content, and published records.

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::html::{Ctx, render, url_encode};
use crate::listing::page_number;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use tequio_domain::search::SearchKind;
use tequio_store::search;

pub fn routes() -> Router<AppState> {
    Router::new().route("/buscar", get(search_page))
}

#[derive(Deserialize)]
pub struct SearchParams {
    pub q: Option<String>,
    pub tipo: Option<String>,
    pub pagina: Option<u32>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    c: Ctx,
    q: String,
    q_enc: String,
    kind: String,
    summary: String,
    by_kind: Vec<(SearchKind, usize)>,
    hits: Vec<search::Hit>,
    pager: crate::listing::Pager,
    record_total: usize,
    record_hits: Vec<RecordHit>,
}

impl SearchPage {
    /// The page of a result.
    fn link(&self, h: &search::Hit) -> String {
        super::link(h.kind, &h.key)
    }
}

const SEARCH_PAGE_SIZE: usize = 20;

/// The kinds of content asked for: every kind when `tipo` is empty.
fn kinds_of(kind: &str) -> AppResult<Vec<SearchKind>> {
    match kind {
        "" => Ok(Vec::new()),
        k => SearchKind::parse(k)
            .map(|k| vec![k])
            .ok_or_else(|| AppError::BadRequest(format!("tipo: «{k}» no es un tipo de contenido"))),
    }
}

/// Published records shown on the search page.
const RECORD_HITS_SHOWN: usize = 10;

/// A matching record with its snippet.
type RecordHit = (
    tequio_store::transparency::RecordHit,
    Vec<tequio_domain::search::SnippetPart>,
);

/// The records that match the words: how many, and the first few with a snippet each.
async fn record_hits(state: &AppState, q: &str) -> AppResult<(usize, Vec<RecordHit>)> {
    let (terms, hits) =
        tequio_store::transparency::search_records(&state.db, q, None, None).await?;
    let total = hits.len();
    let shown = hits
        .into_iter()
        .take(RECORD_HITS_SHOWN)
        .map(|h| {
            let snippet = tequio_domain::search::snippet(&h.text, &terms, 200);
            (h, snippet)
        })
        .collect();
    Ok((total, shown))
}

async fn search_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(p): Query<SearchParams>,
) -> AppResult<Response> {
    let q = p.q.unwrap_or_default().trim().to_owned();
    let kind = p.tipo.unwrap_or_default();
    let kinds = kinds_of(&kind)?;
    let page = page_number(p.pagina);
    let offset = usize::try_from(page - 1).unwrap_or(0) * SEARCH_PAGE_SIZE;
    let results = search::search(
        &state.db,
        &search::Query {
            text: q.clone(),
            kinds,
            limit: SEARCH_PAGE_SIZE,
            offset,
        },
    )
    .await?;
    // Published records are searched too (first page only): the top hits, with a snippet.
    let record_hits = if page == 1 && !q.is_empty() {
        record_hits(&state, &q).await?
    } else {
        (0, Vec::new())
    };
    let (c_query, kind_query) = (q.clone(), kind.clone());
    let mut c = Ctx::new(&viewer, &format!("/buscar?q={}", url_encode(&q)));
    c.query.clone_from(&q);
    let summary = viewer.lang.t_args(
        "search-summary",
        &[("count", results.total.to_string()), ("query", q.clone())],
    );
    render(&SearchPage {
        c,
        q_enc: url_encode(&q),
        q,
        kind,
        summary,
        by_kind: results.by_kind,
        pager: crate::listing::Pager::new(
            page,
            i64::try_from(results.total.div_ceil(SEARCH_PAGE_SIZE)).unwrap_or(1),
            &format!(
                "/buscar?q={}&tipo={}",
                url_encode(&c_query),
                url_encode(&kind_query)
            ),
            "pagina",
        ),
        hits: results.hits,
        record_total: record_hits.0,
        record_hits: record_hits.1,
    })
}
