//! Server-rendered pages, one module per domain. Handlers are thin: read the request, call the
//! store, fill a template. Every template gets a [`Ctx`] for the layout and the texts.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod bodies;
pub mod calls;
pub mod catalog;
pub mod events;
pub mod instruments;
pub mod organisations;
pub mod subjects;
pub mod topics;
pub mod transparency;

use crate::app::{AppState, typed};
use crate::auth::{LANG_COOKIE, Viewer, set_cookie};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use std::collections::HashMap;
use tequio_domain::search::SearchKind;
use tequio_domain::subjects::SubjectKind;
use tequio_store::{audit as audit_store, search, subjects as subjects_store};

/// What the layout needs on every page.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// The path of this page, for the language switch to come back to.
    pub path: String,
    pub user_name: Option<String>,
    pub is_admin: bool,
    /// The words in the header's search box.
    pub query: String,
    /// A one-line confirmation shown above the content.
    pub notice: Option<String>,
}

impl Ctx {
    pub fn new(viewer: &Viewer, path: &str) -> Ctx {
        Ctx {
            lang: viewer.lang,
            path: path.to_owned(),
            user_name: viewer.user.as_ref().map(|u| u.display_name.clone()),
            is_admin: viewer.is_admin(),
            query: String::new(),
            notice: None,
        }
    }

    /// For pages rendered without a viewer (error pages).
    pub fn bare(lang: Lang, path: &str) -> Ctx {
        Ctx {
            lang,
            path: path.to_owned(),
            user_name: None,
            is_admin: false,
            query: String::new(),
            notice: None,
        }
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Ctx {
        self.notice = notice;
        self
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// A text with one argument: `t1("records-count", "count", 3)`.
    pub fn t1(&self, key: &str, name: &'static str, value: impl ToString) -> String {
        self.lang.t_args(key, &[(name, value.to_string())])
    }

    /// A text with two arguments.
    pub fn t2(
        &self,
        key: &str,
        n1: &'static str,
        v1: impl ToString,
        n2: &'static str,
        v2: impl ToString,
    ) -> String {
        self.lang
            .t_args(key, &[(n1, v1.to_string()), (n2, v2.to_string())])
    }

    /// The text for a value of an enumeration: `label("kind", "municipality")` → `kind-municipality`.
    pub fn label(&self, prefix: &str, value: &str) -> String {
        self.lang
            .t(&format!("{prefix}-{}", value.replace(['_', '.'], "-")))
    }

    /// The date part of a stored time.
    pub fn day(&self, ts: &str) -> String {
        ts.get(..10).unwrap_or(ts).to_owned()
    }

    /// A stored time to the second, in UTC.
    pub fn moment(&self, ts: &str) -> String {
        ts.get(..19)
            .map(|s| format!("{} UTC", s.replace('T', " ")))
            .unwrap_or_else(|| ts.to_owned())
    }
}

/// Renders a template into a response.
pub fn render(t: &impl Template) -> AppResult<Response> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?).into_response())
}

/// Renders a template with a status other than 200 (forms sent back with errors).
pub fn render_status(status: axum::http::StatusCode, t: &impl Template) -> AppResult<Response> {
    Ok((
        status,
        Html(t.render().map_err(|e| AppError::Internal(e.into()))?),
    )
        .into_response())
}

/// A submitted form (`application/x-www-form-urlencoded`), repeated fields kept in order.
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        Form(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of a field, trimmed; empty when missing.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The untrimmed value (long texts keep their layout).
    pub fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every (name, value) pair whose name starts with `prefix`, the prefix removed.
    pub fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0
            .iter()
            .filter_map(move |(k, v)| k.strip_prefix(prefix).map(|rest| (rest, v.as_str())))
    }
}

/// A form's fields as typed, to fill it again when it comes back with errors.
#[derive(Debug, Clone, Default)]
pub struct Filled(pub HashMap<String, String>);

impl Filled {
    pub fn from_body(body: &[u8]) -> Filled {
        Filled(form_urlencoded::parse(body).into_owned().collect())
    }

    /// A field's value; empty when missing.
    pub fn v(&self, key: &str) -> &str {
        self.0.get(key).map_or("", String::as_str)
    }

    /// Whether a field holds `value` (for `selected` and `checked`).
    pub fn is(&self, key: &str, value: &str) -> bool {
        self.v(key) == value
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.0.insert(key.to_owned(), value.into());
    }
}

/// Messages to show beside a form for a refused write; other errors pass through.
pub fn form_errors(e: AppError) -> AppResult<Vec<String>> {
    match e {
        AppError::Invalid(m) | AppError::Conflict(m) | AppError::BadRequest(m) => Ok(vec![m]),
        other => Err(other),
    }
}

/// Commits `tx` when the write worked; otherwise drops it (nothing is saved) and gives the
/// messages to show beside the form, or the error itself when it is not the person's to fix.
pub async fn committed<T>(
    tx: tequio_store::Tx,
    result: tequio_store::StoreResult<T>,
) -> AppResult<Result<T, Vec<String>>> {
    match result {
        Ok(value) => {
            tx.commit().await?;
            Ok(Ok(value))
        }
        Err(e) => {
            drop(tx);
            form_errors(e.into()).map(Err)
        }
    }
}

/// Percent-encodes a value for a query string.
pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A page number from the query string: 1 when missing.
pub fn page_number(p: Option<u32>) -> i64 {
    i64::from(p.unwrap_or(1).clamp(1, 100_000))
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub c: &'a Ctx,
    pub status: u16,
    pub title: &'a str,
    pub detail: Option<&'a str>,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/buscar", get(search_page))
        .route("/idioma/{lang}", get(switch_language))
        .route("/static/tequio.css", get(stylesheet))
        .route("/robots.txt", get(robots))
        .merge(subjects::routes())
        .merge(transparency::routes())
        .merge(catalog::routes())
        .merge(topics::routes())
        .merge(bodies::routes())
        .merge(calls::routes())
        .merge(events::routes())
        .merge(instruments::routes())
        .merge(accounts::routes())
        .merge(organisations::routes())
        .merge(audit::routes())
        .merge(admin::routes())
}

async fn stylesheet() -> Response {
    let mut res = typed(
        "text/css; charset=utf-8",
        include_str!("../../static/tequio.css"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=3600"),
    );
    res
}

/// Crawlers may read everything public; the account and admin areas are of no use to them.
/// Also the static baseline of `bench/run.sh`.
async fn robots() -> Response {
    typed(
        "text/plain; charset=utf-8",
        "User-agent: *\nDisallow: /admin\nDisallow: /cuenta\nAllow: /\n",
    )
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only paths on this site: never send people to another host after a switch or a log-in.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

async fn switch_language(
    Path(lang): Path<String>,
    Query(q): Query<NextQuery>,
    State(state): State<AppState>,
) -> AppResult<Response> {
    let lang = Lang::parse(&lang).ok_or(AppError::NotFound)?;
    let cookie = set_cookie(
        LANG_COOKIE,
        lang.code(),
        365 * 24 * 3600,
        state.settings.secure_cookies,
    );
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_next(q.next.as_deref())),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Ctx,
    active_total: i64,
    by_kind: Vec<(SubjectKind, i64)>,
    entries: Vec<audit_store::Entry>,
    topics: Vec<tequio_store::topics::Topic>,
}

async fn home(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    let by_kind = subjects_store::count_by_kind(&state.db).await?;
    let entries = audit_store::list(&state.db, true, None, 5).await?;
    let mut topics = tequio_store::topics::list(&state.db).await?;
    topics.truncate(6);
    render(&HomePage {
        topics,
        c: Ctx::new(&viewer, "/"),
        active_total: by_kind.iter().map(|(_, n)| n).sum(),
        by_kind,
        entries,
    })
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
    prev_page: Option<i64>,
    next_page: Option<i64>,
    record_total: usize,
    record_hits: Vec<(
        tequio_store::transparency::RecordHit,
        Vec<tequio_domain::search::SnippetPart>,
    )>,
}

const SEARCH_PAGE_SIZE: usize = 20;

/// Published records shown on the search page.
const RECORD_HITS_SHOWN: usize = 10;

async fn search_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(p): Query<SearchParams>,
) -> AppResult<Response> {
    let q = p.q.unwrap_or_default().trim().to_owned();
    let kind = p.tipo.unwrap_or_default();
    let kinds = match kind.as_str() {
        "" => Vec::new(),
        k => vec![SearchKind::parse(k).ok_or_else(|| {
            AppError::BadRequest(format!("tipo: «{k}» no es un tipo de contenido"))
        })?],
    };
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
        let (terms, hits) =
            tequio_store::transparency::search_records(&state.db, &q, None, None).await?;
        let total = hits.len();
        let shown = hits
            .into_iter()
            .take(RECORD_HITS_SHOWN)
            .map(|h| {
                let snippet = tequio_domain::search::snippet(&h.text, &terms, 200);
                (h, snippet)
            })
            .collect();
        (total, shown)
    } else {
        (0, Vec::new())
    };
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
        prev_page: (page > 1).then_some(page - 1),
        next_page: (offset + results.hits.len() < results.total).then_some(page + 1),
        hits: results.hits,
        record_total: record_hits.0,
        record_hits: record_hits.1,
    })
}
