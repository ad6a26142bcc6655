//! The public change log (bitácora), and the about page that says how to witness it.

use crate::auth::Viewer;
use crate::error::AppResult;
use crate::html::{Ctx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use tequio_domain::accounts::Action;
use tequio_store::audit::{self, Entry, Head};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bitacora", get(log_page))
        .route("/acerca", get(about_page))
}

#[derive(Deserialize)]
struct LogParams {
    antes: Option<i64>,
    todo: Option<u8>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct LogPage {
    c: Ctx,
    head: Option<Head>,
    entries: Vec<Entry>,
    all: bool,
    next_before: Option<i64>,
    public_key: String,
}

impl LogPage {
    /// What a change was made to, in words (`audit-kind-<kind>`; the kind itself if unknown).
    fn target_label(&self, e: &Entry) -> String {
        let kind = self
            .c
            .lang
            .try_t(&format!("audit-kind-{}", e.target_kind.replace('_', "-")))
            .unwrap_or_else(|| e.target_kind.clone());
        format!("{kind} {}", e.target_id)
    }

    /// The page of what changed, when it has one: by its id, or by the name its summary
    /// recorded.
    fn target_link(&self, e: &Entry) -> Option<String> {
        let name = e.summary.get("name").and_then(|v| v.as_str());
        let id = &e.target_id;
        match (e.target_kind.as_str(), name) {
            ("subject", _) => Some(format!("/sujetos/{id}")),
            ("publication", _) => Some(format!("/publicaciones/{id}")),
            ("organisation", _) => Some(format!("/organizaciones/{id}")),
            ("agreement", _) => Some(format!("/acuerdos/{id}")),
            ("dataset", Some(n)) => Some(format!("/datos/{n}")),
            ("body", Some(n)) => Some(format!("/organos/{n}")),
            ("topic", Some(n)) => Some(format!("/portales/{n}")),
            ("call", Some(n)) => Some(format!("/convocatorias/{n}")),
            ("event", Some(n)) => Some(format!("/eventos/{n}")),
            ("instrument", Some(n)) => Some(format!("/instrumentos/{n}")),
            _ => None,
        }
        .map(|path| path.replace(['"', '<', '>', ' '], ""))
    }

    /// What changed as plain words: `Título: Presupuesto 2025 · Nombre: presupuesto-2025`
    /// (fields named by their labels where the site has one), not JSON.
    fn summary_text(&self, e: &Entry) -> String {
        let Some(fields) = e.summary.as_object() else {
            return e.summary.to_string();
        };
        fields
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let label = self
                    .c
                    .lang
                    .try_t(&format!("field-{k}"))
                    .unwrap_or_else(|| k.replace('_', " "));
                let value = match v {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                };
                format!("{label}: {value}")
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

const PAGE: i64 = 50;

async fn log_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Query(p): Query<LogParams>,
) -> AppResult<Response> {
    // Private account events only for those who may read the whole log.
    let all = p.todo == Some(1) && viewer.actor.can(Action::ReadFullAuditLog);
    let entries = audit::list(&state.db, !all, p.antes, PAGE).await?;
    let next_before = (entries.len() as i64 == PAGE)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let head = audit::head(&state.db).await?;
    render(&LogPage {
        c: Ctx::new(&viewer, "/bitacora"),
        head,
        entries,
        all,
        next_before,
        public_key: state.audit_key.public_key(),
    })
}

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    c: Ctx,
    base_url: String,
    public_key: String,
    witnesses: Vec<audit::Witness>,
}

/// What this portal is, and how anyone can witness its log: the signing key, the
/// checkpoints, and the commands to keep and check them.
async fn about_page(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    render(&AboutPage {
        c: Ctx::new(&viewer, "/acerca"),
        base_url: state.settings.base_url.clone(),
        public_key: state.audit_key.public_key(),
        witnesses: audit::witnesses(&state.db).await?,
    })
}
