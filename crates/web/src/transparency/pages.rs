//! Transparency obligations in pages: the framework, each subject's obligations and their
//! status, publications (records with filters, search, sort, pages and downloads), their
//! history, record permalinks; and for editors: publishing with a preview, correcting a
//! record, API tokens; for admins: the applicability table and the framework.

use super::{Loaded, ObligationRow, load_publication, obligation, obligation_rows, subject};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::html::{Ctx, render, render_status};
use crate::listing::{FILTER_PREFIX, PAGE_NAMES};
use crate::state::AppState;
use crate::transparency::publishing;
use crate::transparency::records::{self, RecordQuery};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use tequio_domain::accounts::Action;
use tequio_domain::transparency::framework::{FieldDef, FieldType, FormatDef, FrameworkFile};
use tequio_domain::transparency::period::{Compliance, Period};
use tequio_domain::transparency::records::Record;
use tequio_domain::transparency::values::{Cell, normalize};
use tequio_store::subjects::{self, Subject};
use tequio_store::transparency::{
    self as store, Draft, Format, Law, Obligation, Publication, Published, StoredRecord,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/marco", get(laws_page))
        .route("/marco/{law}", get(law_page))
        .route("/marco/{law}/marco.json", get(law_json))
        .route("/marco/formatos/{id}", get(format_page))
        .route("/sujetos/{id}/obligaciones", get(subject_obligations))
        .route("/sujetos/{id}/obligaciones/{ob}", get(obligation_page))
        .route("/publicaciones/{id}", get(publication_page))
        .route("/publicaciones/{id}/historial", get(history_page))
        .route("/registros/{id}", get(record_page))
        .route("/registros/{id}/corregir", get(correct_form).post(correct))
        .route("/publicar/confirmar", post(confirm))
        .route("/sujetos/{id}/aplicabilidad", get(applicability_page))
        .route("/sujetos/{id}/aplicabilidad/{ob}", post(set_applicability))
        .route("/sujetos/{id}/tokens", get(tokens_page).post(create_token))
        .route("/sujetos/{id}/tokens/{token}/revocar", post(revoke_token))
        .route(
            "/admin/marco/formatos/{id}/editar",
            get(format_edit_form).post(format_edit),
        )
        .route(
            "/admin/marco/obligaciones/{id}/editar",
            get(obligation_edit_form).post(obligation_edit),
        )
}

/// Pages that take file uploads, with the larger body limit.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/sujetos/{id}/obligaciones/{ob}/publicar",
            get(publish_form).post(upload),
        )
        .route(
            "/admin/marco/importar",
            get(framework_import_form).post(framework_import),
        )
}

fn periodicity_key(o: &Obligation) -> String {
    format!("periodicity-{}", o.periodicity.as_str().replace('_', "-"))
}

// ---------------------------------------------------------------------------------------------
// The framework

#[derive(Template)]
#[template(path = "transparency/laws.html")]
struct LawsPage {
    c: Ctx,
    laws: Vec<Law>,
}

async fn laws_page(viewer: Viewer, State(state): State<AppState>) -> AppResult<Response> {
    render(&LawsPage {
        c: Ctx::new(&viewer, "/marco"),
        laws: store::laws(&state.db).await?,
    })
}

#[derive(Template)]
#[template(path = "transparency/law.html")]
struct LawPage {
    c: Ctx,
    law: Law,
    obligations: Vec<(Obligation, Vec<Format>)>,
    /// Subjects with a current publication, by obligation id.
    publishing: HashMap<i64, i64>,
}

impl LawPage {
    /// How many subjects publish each obligation (bars). Whether each one is up to date under
    /// its own applicability and deadlines is each subject's page (`/sujetos/{id}/obligaciones`).
    fn chart(&self) -> crate::charts::Chart {
        use crate::charts::{Bar, Chart, Series};
        let c = &self.c;
        let bars: Vec<Bar> = self
            .obligations
            .iter()
            .map(|(o, _)| Bar {
                label: format!("{} {}", o.reference(), o.title),
                values: vec![self.publishing.get(&o.id).copied().unwrap_or(0)],
                href: Some(format!("#ob-{}", o.id)),
            })
            .collect();
        let published = bars.iter().filter(|b| b.total() > 0).count();
        Chart {
            id: "publicacion-por-obligacion".into(),
            title: c.t("chart-law-title"),
            summary: c.t2(
                "chart-law-summary",
                "published",
                published,
                "total",
                bars.len(),
            ),
            series: vec![Series {
                label: c.t("chart-law-subjects"),
            }],
            bars,
            label_header: c.t("obligation"),
            total_header: String::new(),
            decimals: 0,
        }
    }
}

async fn law_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let law = store::law(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let mut obligations = Vec::new();
    for o in store::obligations(&state.db, id).await? {
        let formats = store::current_formats(&state.db, o.id).await?;
        obligations.push((o, formats));
    }
    render(&LawPage {
        c: Ctx::new(&viewer, &format!("/marco/{id}")).with_notice(notice(&viewer, &params)),
        publishing: store::publishing_subjects_by_obligation(&state.db, law.id).await?,
        law,
        obligations,
    })
}

async fn law_json(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let file = store::export_framework(&state.db, id).await?;
    let json = serde_json::to_string_pretty(&file).map_err(|e| AppError::Internal(e.into()))?;
    let name = format!("{}.json", tequio_domain::text::slugify(&file.law.code));
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json".to_owned(),
            ),
            crate::http::attachment(&name),
        ],
        json,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "transparency/format.html")]
struct FormatPage {
    c: Ctx,
    format: Format,
    obligation: Obligation,
    versions: Vec<Format>,
}

async fn format_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let format = store::format(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let obligation = obligation(&state, format.obligation_id).await?;
    let versions = store::format_versions(&state.db, obligation.id, &format.code).await?;
    render(&FormatPage {
        c: Ctx::new(&viewer, &format!("/marco/formatos/{id}"))
            .with_notice(notice(&viewer, &params)),
        format,
        obligation,
        versions,
    })
}

// ---------------------------------------------------------------------------------------------
// A subject's obligations

#[derive(Template)]
#[template(path = "transparency/obligations.html")]
struct ObligationsPage {
    c: Ctx,
    s: Subject,
    rows: Vec<ObligationRow>,
    up_to_date: usize,
    applicable: usize,
    can_publish: bool,
}

impl ObligationsPage {
    fn status(&self, row: &ObligationRow) -> (&'static str, String) {
        let c = &self.c;
        match row.compliance {
            None => ("na", c.t("status-not-applicable")),
            Some(Compliance::UpToDate) => ("ok", c.t("status-up-to-date")),
            Some(Compliance::Due { period, deadline }) => (
                "due",
                c.lang.t_args(
                    "status-due",
                    &[
                        ("period", period.code()),
                        ("date", c.day(&deadline.to_string())),
                    ],
                ),
            ),
            Some(Compliance::Overdue { period, deadline }) => (
                "overdue",
                c.lang.t_args(
                    "status-overdue",
                    &[
                        ("period", period.code()),
                        ("date", c.day(&deadline.to_string())),
                    ],
                ),
            ),
        }
    }
}

impl ObligationsPage {
    /// The subject's obligations by status (a bar each), linking to its rows.
    fn chart(&self) -> crate::charts::Chart {
        use crate::charts::{Bar, Chart, Series};
        let c = &self.c;
        let count = |want: &str| {
            let n = self
                .rows
                .iter()
                .filter(|r| r.compliance.map_or("na", |x| x.as_str()) == want)
                .count();
            i64::try_from(n).unwrap_or(i64::MAX)
        };
        let bars = [
            ("up_to_date", "status-up-to-date-short"),
            ("due", "status-due-short"),
            ("overdue", "status-overdue-short"),
            ("na", "status-not-applicable"),
        ]
        .into_iter()
        .map(|(status, key)| Bar {
            label: c.t(key),
            values: vec![count(status)],
            href: None,
        })
        .collect();
        Chart {
            id: "obligaciones-por-estado".into(),
            title: c.t("chart-obligations-title"),
            summary: c.t2(
                "obligations-summary",
                "up",
                self.up_to_date.to_string(),
                "total",
                self.applicable.to_string(),
            ),
            series: vec![Series {
                label: c.t("chart-obligations"),
            }],
            bars,
            label_header: c.t("status"),
            total_header: String::new(),
            decimals: 0,
        }
    }
}

async fn subject_obligations(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = subject(&state, id).await?;
    let rows = obligation_rows(&state.db, id).await?;
    let applicable = rows.iter().filter(|r| r.compliance.is_some()).count();
    let up_to_date = rows
        .iter()
        .filter(|r| r.compliance == Some(Compliance::UpToDate))
        .count();
    render(&ObligationsPage {
        c: Ctx::new(&viewer, &format!("/sujetos/{id}/obligaciones")),
        can_publish: viewer.actor.can(Action::PublishForSubject(id)),
        s,
        rows,
        up_to_date,
        applicable,
    })
}

#[derive(Template)]
#[template(path = "transparency/obligation.html")]
struct ObligationPage {
    c: Ctx,
    s: Subject,
    o: Obligation,
    formats: Vec<Format>,
    /// Current publications, newest period first, with how many versions each period has.
    current: Vec<(Publication, usize)>,
    applies: bool,
    reason: String,
    can_publish: bool,
}

async fn obligation_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((id, ob)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let s = subject(&state, id).await?;
    let table = store::applicability(&state.db, id).await?;
    let entry = table
        .into_iter()
        .find(|a| a.obligation.id == ob)
        .ok_or(AppError::NotFound)?;
    let all = store::publications(&state.db, id, ob).await?;
    let mut current: Vec<(Publication, usize)> = Vec::new();
    for p in &all {
        if p.is_current {
            let versions = all
                .iter()
                .filter(|q| q.period == p.period && q.format_code == p.format_code)
                .count();
            current.push((p.clone(), versions));
        }
    }
    render(&ObligationPage {
        c: Ctx::new(&viewer, &format!("/sujetos/{id}/obligaciones/{ob}")),
        formats: store::current_formats(&state.db, ob).await?,
        can_publish: viewer.actor.can(Action::PublishForSubject(id)) && entry.applies,
        applies: entry.applies,
        reason: entry.reason,
        o: entry.obligation,
        s,
        current,
    })
}

// ---------------------------------------------------------------------------------------------
// A publication and its records

#[derive(Template)]
#[template(path = "transparency/publication.html")]
struct PublicationPage {
    c: Ctx,
    l: Loaded,
    q: RecordQuery,
    total: i64,
    rows: Vec<StoredRecord>,
    /// The view's query string without the page (for links), starting with `&` when not empty.
    view_qs: String,
    /// The same without the sort (for the column headers).
    unsorted_qs: String,
    pager: crate::listing::Pager,
    current_id: Option<i64>,
    can_correct: bool,
}

impl PublicationPage {
    fn columns(&self) -> Vec<(usize, &FieldDef)> {
        self.l.format.def.fields.iter().enumerate().collect()
    }

    fn sort_link(&self, i: usize) -> String {
        let key = &self.l.format.def.fields[i].key;
        let desc = self.q.sort == Some((i, false));
        format!(
            "?{}={}{key}{}",
            PAGE_NAMES.sort,
            if desc { "-" } else { "" },
            self.unsorted_qs
        )
    }

    fn sort_state(&self, i: usize) -> &'static str {
        match self.q.sort {
            Some((j, false)) if j == i => "ascending",
            Some((j, true)) if j == i => "descending",
            _ => "none",
        }
    }

    fn cell(&self, r: &StoredRecord, i: usize) -> String {
        let f = &self.l.format.def.fields[i];
        if f.kind == FieldType::Table {
            let slot = self.l.format.def.fields[..i]
                .iter()
                .filter(|f| f.kind == FieldType::Table)
                .count();
            let n = r.record.table(slot).len();
            if n == 0 {
                String::new()
            } else {
                self.c
                    .lang
                    .t_args("subrows-count", &[("count", n.to_string())])
            }
        } else {
            display(f, r.record.value(i))
        }
    }

    /// Numbers and money are right-aligned so their digits line up.
    fn cell_class(&self, i: usize) -> &'static str {
        match self.l.format.def.fields[i].kind {
            FieldType::Money | FieldType::Number => "num",
            _ => "",
        }
    }

    fn first_shown(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            (self.q.page - 1) * self.q.per_page + 1
        }
    }

    fn last_shown(&self) -> i64 {
        ((self.q.page - 1) * self.q.per_page + self.rows.len() as i64).min(self.total)
    }
}

/// A stored value as people read it: dates as dd/mm/aaaa.
pub fn display(f: &FieldDef, v: &str) -> String {
    match f.kind {
        FieldType::Money => crate::format::money(v),
        FieldType::Number => crate::format::number(v),
        FieldType::Date | FieldType::UpdateDate => {
            tequio_domain::transparency::period::Date::parse_iso(v)
                .map_or_else(|| v.to_owned(), |d| d.dmy())
        }
        _ => v.to_owned(),
    }
}

/// A stored value as the correction form takes it back: dates as dd/mm/aaaa (the national
/// platform's way), everything else as stored (no thousands separators or `$` to undo).
fn editable(f: &FieldDef, v: &str) -> String {
    match f.kind {
        FieldType::Date | FieldType::UpdateDate => display(f, v),
        _ => v.to_owned(),
    }
}

async fn publication_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let l = load_publication(&state, id).await?;
    let q = RecordQuery::parse(&l.format.def, &params, &PAGE_NAMES, 50)?;
    let (total, rows) = records::page(&state.db, &l.publication, &l.format.def, &q).await?;
    let qs = q.query_string(&l.format.def, &PAGE_NAMES);
    let unsorted = RecordQuery {
        sort: None,
        ..q.clone()
    }
    .query_string(&l.format.def, &PAGE_NAMES);
    let last_page = ((total + q.per_page - 1) / q.per_page).max(1);
    let current_id = if l.publication.is_current {
        None
    } else {
        store::current_publication(
            &state.db,
            l.publication.subject_id,
            l.publication.obligation_id,
            &l.publication.format_code,
            &l.publication.period,
        )
        .await?
        .map(|p| p.id)
    };
    render(&PublicationPage {
        c: Ctx::new(&viewer, &format!("/publicaciones/{id}")).with_notice(notice(&viewer, &params)),
        can_correct: l.publication.is_current
            && viewer
                .actor
                .can(Action::PublishForSubject(l.publication.subject_id)),
        pager: crate::listing::Pager::new(
            q.page,
            last_page,
            &format!("/publicaciones/{id}?{qs}"),
            "pagina",
        ),
        view_qs: if qs.is_empty() { qs } else { format!("&{qs}") },
        unsorted_qs: if unsorted.is_empty() {
            unsorted
        } else {
            format!("&{unsorted}")
        },
        current_id,
        l,
        q,
        total,
        rows,
    })
}

#[derive(Template)]
#[template(path = "transparency/history.html")]
struct HistoryPage {
    c: Ctx,
    l: Loaded,
    /// Each version, newest first, with what changed from the version before it.
    versions: Vec<(Publication, Option<DiffView>)>,
}

struct DiffView {
    added: Vec<String>,
    removed: Vec<String>,
    added_total: usize,
    removed_total: usize,
    unchanged: usize,
}

/// A record in one line: its first few text values.
fn summary_line(def: &FormatDef, r: &Record) -> String {
    let parts: Vec<&str> = def
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind.is_searchable() || f.kind == FieldType::Money)
        .map(|(i, _)| r.value(i))
        .filter(|v| !v.is_empty())
        .take(6)
        .collect();
    parts.join(" · ")
}

async fn history_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let l = load_publication(&state, id).await?;
    let mut all: Vec<Publication> = store::publications(
        &state.db,
        l.publication.subject_id,
        l.publication.obligation_id,
    )
    .await?
    .into_iter()
    .filter(|p| p.period == l.publication.period && p.format_code == l.publication.format_code)
    .collect();
    all.sort_by_key(|p| std::cmp::Reverse(p.version));
    const SHOWN: usize = 50;
    let mut versions = Vec::new();
    for (i, p) in all.iter().enumerate() {
        let diff = match all.get(i + 1) {
            Some(older) => {
                let d = store::diff(&state.db, older, p).await?;
                let def = &l.format.def;
                Some(DiffView {
                    added_total: d.added.len(),
                    removed_total: d.removed.len(),
                    added: d
                        .added
                        .iter()
                        .take(SHOWN)
                        .map(|r| summary_line(def, r))
                        .collect(),
                    removed: d
                        .removed
                        .iter()
                        .take(SHOWN)
                        .map(|r| summary_line(def, r))
                        .collect(),
                    unchanged: d.unchanged,
                })
            }
            None => None,
        };
        versions.push((p.clone(), diff));
    }
    render(&HistoryPage {
        c: Ctx::new(&viewer, &format!("/publicaciones/{id}/historial")),
        l,
        versions,
    })
}

#[derive(Template)]
#[template(path = "transparency/record.html")]
struct RecordPage {
    c: Ctx,
    l: Loaded,
    r: StoredRecord,
    can_correct: bool,
}

impl RecordPage {
    fn table_rows(&self, i: usize) -> &[Vec<String>] {
        let slot = self.l.format.def.fields[..i]
            .iter()
            .filter(|f| f.kind == FieldType::Table)
            .count();
        self.r.record.table(slot)
    }
}

async fn record_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let r = store::record(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let l = load_publication(&state, r.publication_id).await?;
    render(&RecordPage {
        c: Ctx::new(&viewer, &format!("/registros/{id}")),
        can_correct: l.publication.is_current
            && viewer
                .actor
                .can(Action::PublishForSubject(l.publication.subject_id)),
        l,
        r,
    })
}

// ---------------------------------------------------------------------------------------------
// Publishing: upload, preview, confirm

#[derive(Template)]
#[template(path = "transparency/publish.html")]
struct PublishPage {
    c: Ctx,
    s: Subject,
    o: Obligation,
    formats: Vec<Format>,
    periods: Vec<Period>,
    chosen_format: String,
    chosen_period: String,
    note: String,
    errors: Vec<String>,
    max_mb: u64,
}

/// The periods offered in the form: the last closed ones, newest first.
fn recent_periods(o: &Obligation) -> Vec<Period> {
    let mut p = Period::last_closed(o.periodicity, crate::clock::today());
    let mut out = Vec::new();
    for _ in 0..8 {
        out.push(p);
        p = p.previous();
    }
    out
}

async fn publish_context(
    viewer: &Viewer,
    state: &AppState,
    id: i64,
    ob: i64,
) -> AppResult<(Subject, Obligation, Vec<Format>)> {
    viewer.require(Action::PublishForSubject(id))?;
    let s = subject(state, id).await?;
    let o = obligation(state, ob).await?;
    Ok((s, o, store::current_formats(&state.db, ob).await?))
}

async fn publish_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((id, ob)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (s, o, formats) = publish_context(&viewer, &state, id, ob).await?;
    render(&PublishPage {
        c: Ctx::new(
            &viewer,
            &format!("/sujetos/{id}/obligaciones/{ob}/publicar"),
        ),
        periods: recent_periods(&o),
        chosen_format: formats.first().map(|f| f.code.clone()).unwrap_or_default(),
        chosen_period: String::new(),
        note: String::new(),
        errors: Vec::new(),
        max_mb: publishing::MAX_FILE_MB,
        s,
        o,
        formats,
    })
}

#[derive(Template)]
#[template(path = "transparency/preview.html")]
struct PreviewPage {
    c: Ctx,
    s: Subject,
    o: Obligation,
    format: Format,
    period: Period,
    file_name: String,
    note: String,
    draft: String,
    records: usize,
    sub_rows: usize,
    sample: Vec<Record>,
    /// The current version it would replace, and whether the content is the same.
    replaces: Option<Publication>,
    same_content: bool,
    content_hash: String,
}

/// A publication's file: checked, kept as a draft and shown for confirmation. Nothing is
/// published until the editor confirms (`/publicar/confirmar`).
async fn upload(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((id, ob)): Path<(i64, i64)>,
    form: Multipart,
) -> AppResult<Response> {
    let (s, o, formats) = publish_context(&viewer, &state, id, ob).await?;
    let form = crate::upload::read_form(form, publishing::MAX_FILE_BYTES).await?;
    let field = |name: &str| form.fields.get(name).cloned().unwrap_or_default();
    let (chosen_format, chosen_period, note) = (field("format"), field("period"), field("note"));
    let lang = viewer.lang.code();
    let path = format!("/sujetos/{id}/obligaciones/{ob}/publicar");
    let back = |errors: Vec<String>| PublishPage {
        c: Ctx::new(&viewer, &path),
        s: s.clone(),
        o: o.clone(),
        formats: formats.clone(),
        periods: recent_periods(&o),
        chosen_format: chosen_format.clone(),
        chosen_period: chosen_period.clone(),
        note: note.clone(),
        errors,
        max_mb: publishing::MAX_FILE_MB,
    };
    let refuse = |errors| render_status(StatusCode::UNPROCESSABLE_ENTITY, &back(errors));
    let (file_name, bytes) = match publication_file(form.file, viewer.lang) {
        Ok(file) => file,
        Err(errors) => return refuse(errors),
    };
    let chosen = formats.iter().find(|f| f.code == chosen_format);
    let format = chosen.or(formats.first()).ok_or(AppError::NotFound)?;
    let period = match chosen_period.trim() {
        "" => None,
        p => match Period::parse(p) {
            Some(p) => Some(p),
            None => return refuse(vec![format!("period: «{p}»")]),
        },
    };
    let limits = &state.settings.publication_limits;
    let checked =
        match publishing::check_file(format, &o, period, &file_name, bytes.clone(), limits).await {
            Ok(c) => c,
            Err(r) => return refusal_page(r, lang, back),
        };
    let draft = Draft {
        id: 0,
        subject_id: id,
        obligation_id: ob,
        format_id: format.id,
        period: checked.period.code(),
        file_name,
        content: bytes,
        created_by: viewer.user()?.id,
    };
    let c = Ctx::new(&viewer, &path);
    preview(&state, c, (s, o, format.clone()), draft, checked, note).await
}

/// The uploaded file, or why there is none to check.
fn publication_file(
    file: crate::upload::FileField,
    lang: crate::i18n::Lang,
) -> Result<(String, Vec<u8>), Vec<String>> {
    match file {
        crate::upload::FileField::Present { name, bytes } => Ok((name, bytes)),
        crate::upload::FileField::TooLarge { name } => {
            Err(publishing::too_large(&name, publishing::MAX_FILE_MB)
                .messages(lang)
                .unwrap_or_default())
        }
        crate::upload::FileField::Missing => Err(vec![lang.t("publish-choose-file")]),
    }
}

/// Keeps a checked file as a draft (its token goes in the confirmation form) and shows what
/// would be published: counts, a sample, and the current version it would replace.
async fn preview(
    state: &AppState,
    c: Ctx,
    (s, o, format): (Subject, Obligation, Format),
    draft: Draft,
    checked: publishing::Checked,
    note: String,
) -> AppResult<Response> {
    let records = &checked.parsed.records;
    let def = &format.def;
    let hash = tequio_domain::transparency::records::content_hash(
        def,
        records.iter().map(|r| r.digest(def)).collect(),
    );
    let replaces = store::current_publication(
        &state.db,
        draft.subject_id,
        draft.obligation_id,
        &format.code,
        &draft.period,
    )
    .await?;
    let token = crate::auth::new_token()?;
    let tx = state.db.begin().await?;
    store::save_draft(&tx, &crate::auth::token_hash(&token), &draft).await?;
    tx.commit().await?;
    render(&PreviewPage {
        c,
        records: records.len(),
        sub_rows: records.iter().map(Record::sub_row_count).sum(),
        sample: records.iter().take(20).cloned().collect(),
        same_content: replaces
            .as_ref()
            .is_some_and(|p| p.content_hash == hash && p.format_id == format.id),
        content_hash: hash,
        replaces,
        period: checked.period,
        draft: token,
        file_name: draft.file_name,
        note,
        format,
        s,
        o,
    })
}

/// The publishing form again with what the file has wrong; other errors pass through.
fn refusal_page(
    e: AppError,
    lang: &str,
    back: impl FnOnce(Vec<String>) -> PublishPage,
) -> AppResult<Response> {
    let lang = crate::i18n::Lang::parse(lang).unwrap_or_default();
    let messages = e.messages(lang).ok_or(e)?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &back(messages))
}

#[derive(Deserialize)]
struct ConfirmForm {
    draft: String,
    note: Option<String>,
}

async fn confirm(
    viewer: Viewer,
    State(state): State<AppState>,
    axum::Form(f): axum::Form<ConfirmForm>,
) -> AppResult<Response> {
    let user = viewer.user()?.clone();
    let tx = state.db.begin().await?;
    let draft = store::take_draft(&tx, &crate::auth::token_hash(f.draft.trim())).await?;
    tx.commit().await?;
    let draft = draft.ok_or_else(|| AppError::Invalid(viewer.lang.t("publish-draft-gone")))?;
    viewer.require(Action::PublishForSubject(draft.subject_id))?;
    if draft.created_by != user.id {
        return Err(AppError::Forbidden);
    }
    let o = obligation(&state, draft.obligation_id).await?;
    let format = store::format(&state.db, draft.format_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let period = Period::parse(&draft.period);
    let note = f.note.unwrap_or_default();
    match publishing::publish_file(
        &state.db,
        &viewer.who(),
        publishing::Target {
            subject_id: draft.subject_id,
            obligation: &o,
            format: &format,
        },
        period,
        &draft.file_name,
        draft.content,
        note.trim(),
        &state.settings.publication_limits,
    )
    .await
    {
        Ok(Published::New(p)) => {
            state.checkpoint_wake.notify_one();
            Ok(Redirect::to(&format!("/publicaciones/{}?aviso=publicado", p.id)).into_response())
        }
        Ok(Published::Unchanged(p)) => {
            Ok(Redirect::to(&format!("/publicaciones/{}?aviso=sin-cambios", p.id)).into_response())
        }
        Err(e) => Err(match e.messages(viewer.lang) {
            Some(m) => AppError::Invalid(m.join(" ")),
            None => e,
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Correcting one record with a form (a new version)

/// A field of the correction form: (field index, field, value shown, error).
type FieldInput = (usize, FieldDef, String, Option<String>);

#[derive(Template)]
#[template(path = "transparency/correct.html")]
struct CorrectPage {
    c: Ctx,
    l: Loaded,
    r: StoredRecord,
    inputs: Vec<FieldInput>,
    note: String,
}

async fn correct_context(
    viewer: &Viewer,
    state: &AppState,
    id: i64,
) -> AppResult<(Loaded, StoredRecord)> {
    let r = store::record(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let l = load_publication(state, r.publication_id).await?;
    viewer.require(Action::PublishForSubject(l.publication.subject_id))?;
    if !l.publication.is_current {
        return Err(AppError::Invalid(viewer.lang.t("correct-not-current")));
    }
    Ok((l, r))
}

/// The correction form's fields with the record's stored values.
fn stored_inputs(l: &Loaded, r: &StoredRecord) -> Vec<FieldInput> {
    l.format
        .def
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind != FieldType::Table)
        .map(|(i, f)| (i, f.clone(), editable(f, r.record.value(i)), None))
        .collect()
}

async fn correct_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (l, r) = correct_context(&viewer, &state, id).await?;
    let inputs = stored_inputs(&l, &r);
    render(&CorrectPage {
        c: Ctx::new(&viewer, &format!("/registros/{id}/corregir")),
        l,
        r,
        inputs,
        note: String::new(),
    })
}

/// The correction form again: with each field's problem, or with a notice.
fn correct_page(
    viewer: &Viewer,
    l: Loaded,
    r: StoredRecord,
    inputs: Vec<FieldInput>,
    note: String,
    notice: Option<String>,
) -> CorrectPage {
    CorrectPage {
        c: Ctx::new(viewer, &format!("/registros/{}/corregir", r.id)).with_notice(notice),
        l,
        r,
        inputs,
        note,
    }
}

/// A record corrected with the form: the publication's records again with this one changed,
/// published as a new version (the same checks as any publication).
async fn correct(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let (l, r) = correct_context(&viewer, &state, id).await?;
    let note = form.get("note").cloned().unwrap_or_default();
    let corrected = match corrected_record(&l.format.def, &r, &form, viewer.lang.code()) {
        Ok(record) => record,
        Err(inputs) => {
            let page = correct_page(&viewer, l, r, inputs, note, None);
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    // Nothing changed: say so, and publish no new version.
    if (0..l.format.def.fields.len()).all(|i| corrected.value(i) == r.record.value(i)) {
        let inputs = stored_inputs(&l, &r);
        let unchanged = Some(viewer.lang.t("correct-unchanged"));
        return render(&correct_page(&viewer, l, r, inputs, note, unchanged));
    }
    let mut records = store::all_records(&state.db, l.publication.id).await?;
    let position = usize::try_from(r.position).map_err(|_| AppError::NotFound)?;
    *records.get_mut(position).ok_or(AppError::NotFound)? = corrected;
    let period = Period::parse(&l.publication.period).ok_or(AppError::NotFound)?;
    let note = if note.trim().is_empty() {
        let number = (r.position + 1).to_string();
        viewer
            .lang
            .t_args("correct-default-note", &[("number", number)])
    } else {
        note.trim().to_owned()
    };
    let new = store::NewPublication {
        subject_id: l.publication.subject_id,
        obligation: &l.obligation,
        format: &l.format,
        period,
        source_name: "formulario",
        source_kind: "form",
        note: &note,
        today: crate::clock::today(),
    };
    let tx = state.db.begin().await?;
    let published = store::publish(&tx, &viewer.who(), &new, &records).await?;
    tx.commit().await?;
    state.checkpoint_wake.notify_one();
    let p = published.publication();
    Ok(Redirect::to(&format!("/publicaciones/{}?aviso=corregido", p.id)).into_response())
}

/// The record with the form's values (its sub-tables kept), or every field again with the
/// problems of those that do not fit their type.
fn corrected_record(
    def: &FormatDef,
    r: &StoredRecord,
    form: &HashMap<String, String>,
    lang: &str,
) -> Result<Record, Vec<FieldInput>> {
    let mut b = Record::builder(def.fields.len());
    let mut inputs = Vec::new();
    let mut failed = false;
    for (i, f) in def.fields.iter().enumerate() {
        if f.kind == FieldType::Table {
            b.push(r.record.value(i));
            continue;
        }
        let raw = form
            .get(&format!("{FILTER_PREFIX}{}", f.key))
            .cloned()
            .unwrap_or_default();
        match normalize(f, &Cell::Text(raw.clone())) {
            Ok(v) => {
                b.push(&v);
                inputs.push((i, f.clone(), raw, None));
            }
            Err(p) => {
                failed = true;
                b.push("");
                inputs.push((i, f.clone(), raw, Some(p.message(lang))));
            }
        }
    }
    if failed {
        return Err(inputs);
    }
    for (slot, _) in def.tables().enumerate() {
        b.set_table(slot, r.record.table(slot).to_vec());
    }
    Ok(b.finish(r.record.source_id.clone(), r.record.row))
}

// ---------------------------------------------------------------------------------------------
// Applicability (admins)

#[derive(Template)]
#[template(path = "transparency/applicability.html")]
struct ApplicabilityPage {
    c: Ctx,
    s: Subject,
    table: Vec<store::Applicability>,
    history: Vec<tequio_store::audit::Entry>,
}

async fn applicability_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    viewer.require(Action::ManageFramework)?;
    let s = subject(&state, id).await?;
    let history = tequio_store::audit::for_target(&state.db, "subject", &id.to_string(), false)
        .await?
        .into_iter()
        .filter(|e| e.action == "applicability.set")
        .collect();
    render(&ApplicabilityPage {
        c: Ctx::new(&viewer, &format!("/sujetos/{id}/aplicabilidad"))
            .with_notice(notice(&viewer, &params)),
        table: store::applicability(&state.db, id).await?,
        s,
        history,
    })
}

#[derive(Deserialize)]
struct ApplicabilityForm {
    applies: String,
    reason: Option<String>,
}

async fn set_applicability(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((id, ob)): Path<(i64, i64)>,
    axum::Form(f): axum::Form<ApplicabilityForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageFramework)?;
    let applies = match f.applies.as_str() {
        "si" => true,
        "no" => false,
        other => {
            return Err(AppError::BadRequest(format!(
                "applies: «{other}» no es si ni no"
            )));
        }
    };
    let tx = state.db.begin().await?;
    store::set_applicability(
        &tx,
        &viewer.who(),
        id,
        ob,
        applies,
        f.reason.as_deref().unwrap_or(""),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/sujetos/{id}/aplicabilidad?aviso=guardado#ob-{ob}"
    ))
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// API tokens (subject editors)

#[derive(Template)]
#[template(path = "transparency/tokens.html")]
struct TokensPage {
    c: Ctx,
    s: Subject,
    tokens: Vec<store::ApiToken>,
    /// A token just created: shown once.
    new_token: Option<String>,
}

async fn tokens_page(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    viewer.require(Action::PublishForSubject(id))?;
    let s = subject(&state, id).await?;
    render(&TokensPage {
        c: Ctx::new(&viewer, &format!("/sujetos/{id}/tokens"))
            .with_notice(notice(&viewer, &params)),
        tokens: store::tokens(&state.db, id).await?,
        s,
        new_token: None,
    })
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
}

async fn create_token(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<TokenForm>,
) -> AppResult<Response> {
    viewer.require(Action::PublishForSubject(id))?;
    let s = subject(&state, id).await?;
    let token = format!("tqo_{}", crate::auth::new_token()?);
    let tx = state.db.begin().await?;
    store::create_token(
        &tx,
        &viewer.who(),
        id,
        &f.name,
        &crate::auth::token_hash(&token),
    )
    .await?;
    tx.commit().await?;
    render(&TokensPage {
        c: Ctx::new(&viewer, &format!("/sujetos/{id}/tokens")),
        tokens: store::tokens(&state.db, id).await?,
        s,
        new_token: Some(token),
    })
}

async fn revoke_token(
    viewer: Viewer,
    State(state): State<AppState>,
    Path((id, token)): Path<(i64, i64)>,
) -> AppResult<Response> {
    viewer.require(Action::PublishForSubject(id))?;
    let tx = state.db.begin().await?;
    store::revoke_token(&tx, &viewer.who(), id, token).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/sujetos/{id}/tokens?aviso=revocado")).into_response())
}

// ---------------------------------------------------------------------------------------------
// The framework (admins)

/// The largest framework file accepted (the shipped one is 180 KB).
const MAX_FRAMEWORK_BYTES: usize = 4 * 1024 * 1024;

#[derive(Template)]
#[template(path = "transparency/framework_import.html")]
struct FrameworkImportPage {
    c: Ctx,
    guarantors: Vec<tequio_store::subjects::Guarantor>,
    errors: Vec<String>,
    report: Option<store::FrameworkReport>,
}

async fn framework_import_form(
    viewer: Viewer,
    State(state): State<AppState>,
) -> AppResult<Response> {
    viewer.require(Action::ManageFramework)?;
    render(&FrameworkImportPage {
        c: Ctx::new(&viewer, "/admin/marco/importar"),
        guarantors: subjects::list_guarantors(&state.db).await?,
        errors: Vec::new(),
        report: None,
    })
}

async fn framework_import(
    viewer: Viewer,
    State(state): State<AppState>,
    form: Multipart,
) -> AppResult<Response> {
    viewer.require(Action::ManageFramework)?;
    let form = crate::upload::read_form(form, MAX_FRAMEWORK_BYTES).await?;
    let guarantor = form.text("guarantor_id").parse::<i64>().ok();
    let mut errors = Vec::new();
    let text = match crate::upload::text_file(&form.file, MAX_FRAMEWORK_BYTES >> 20) {
        Ok(t) => Some(t),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let guarantors = subjects::list_guarantors(&state.db).await?;
    let page = |errors, report| FrameworkImportPage {
        c: Ctx::new(&viewer, "/admin/marco/importar"),
        guarantors: guarantors.clone(),
        errors,
        report,
    };
    let Some(guarantor) = guarantor.filter(|g| guarantors.iter().any(|x| x.id == *g)) else {
        errors.push("guarantor_id: elige el órgano garante".into());
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(errors, None));
    };
    let Some((name, text)) = text else {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(errors, None));
    };
    let file = match FrameworkFile::parse(&text) {
        Ok(f) => f,
        Err(problems) => {
            let errors = problems
                .into_iter()
                .map(|p| format!("{name}: {p}"))
                .collect();
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(errors, None));
        }
    };
    let tx = state.db.begin().await?;
    let report = store::import_framework(&tx, &viewer.who(), guarantor, &file).await?;
    tx.commit().await?;
    render(&page(Vec::new(), Some(report)))
}

#[derive(Template)]
#[template(path = "transparency/format_edit.html")]
struct FormatEditPage {
    c: Ctx,
    format: Format,
    json: String,
    errors: Vec<String>,
}

async fn format_edit_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    viewer.require(Action::ManageFramework)?;
    let format = store::format(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let json =
        serde_json::to_string_pretty(&format.def).map_err(|e| AppError::Internal(e.into()))?;
    render(&FormatEditPage {
        c: Ctx::new(&viewer, &format!("/admin/marco/formatos/{id}/editar")),
        format,
        json,
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
struct FormatEditForm {
    definition: String,
}

async fn format_edit(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<FormatEditForm>,
) -> AppResult<Response> {
    viewer.require(Action::ManageFramework)?;
    let format = store::format(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let back = |errors: Vec<String>, format: Format, json: String| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &FormatEditPage {
                c: Ctx::new(&viewer, &format!("/admin/marco/formatos/{id}/editar")),
                format,
                json,
                errors,
            },
        )
    };
    let def: FormatDef = match serde_json::from_str(&f.definition) {
        Ok(d) => d,
        Err(e) => {
            return back(
                vec![format!(
                    "definition: línea {}, columna {}: {e}",
                    e.line(),
                    e.column()
                )],
                format,
                f.definition,
            );
        }
    };
    if def.code != format.code {
        return back(
            vec![format!(
                "code: el código del formato es «{}» y no puede cambiar",
                format.code
            )],
            format,
            f.definition,
        );
    }
    let tx = state.db.begin().await?;
    let saved = match store::save_format(&tx, &viewer.who(), format.obligation_id, &def).await {
        Ok(s) => s,
        Err(tequio_store::StoreError::Invalid(m)) => return back(vec![m], format, f.definition),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(Redirect::to(&format!("/marco/formatos/{}?aviso=guardado", saved.id)).into_response())
}

/// The periodicity's message key, for templates.
pub fn periodicity_label(c: &Ctx, o: &Obligation) -> String {
    c.t(&periodicity_key(o))
}

/// `complete` or `provisional`, for templates.
pub fn format_status(f: &Format) -> &'static str {
    match f.def.status {
        tequio_domain::transparency::framework::FormatStatus::Complete => "complete",
        tequio_domain::transparency::framework::FormatStatus::Provisional => "provisional",
    }
}

/// `substantive` or `adjective`, for templates.
pub fn criterion_kind(k: &tequio_domain::transparency::framework::CriterionDef) -> &'static str {
    match k.kind {
        tequio_domain::transparency::framework::CriterionKind::Substantive => "substantive",
        tequio_domain::transparency::framework::CriterionKind::Adjective => "adjective",
    }
}

/// The confirmation line for `?aviso=…` after a redirect.
fn notice(viewer: &Viewer, params: &HashMap<String, String>) -> Option<String> {
    let key = match params.get("aviso").map(String::as_str) {
        Some("publicado") => "notice-published",
        Some("sin-cambios") => "notice-unchanged",
        Some("corregido") => "notice-corrected",
        Some("guardado") => "notice-saved",
        Some("revocado") => "notice-revoked",
        _ => return None,
    };
    Some(viewer.lang.t(key))
}

#[derive(Template)]
#[template(path = "transparency/obligation_edit.html")]
struct ObligationEditPage {
    c: Ctx,
    o: Obligation,
    kinds: &'static [tequio_domain::subjects::SubjectKind],
    errors: Vec<String>,
}

impl ObligationEditPage {
    fn applies(&self, kind: &tequio_domain::subjects::SubjectKind) -> bool {
        self.o.applies_to.iter().any(|k| k == kind.as_str())
    }
}

async fn obligation_edit_form(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    viewer.require(Action::ManageFramework)?;
    let o = obligation(&state, id).await?;
    render(&ObligationEditPage {
        c: Ctx::new(&viewer, &format!("/admin/marco/obligaciones/{id}/editar")),
        o,
        kinds: tequio_domain::subjects::SubjectKind::ALL,
        errors: Vec::new(),
    })
}

async fn obligation_edit(
    viewer: Viewer,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    viewer.require(Action::ManageFramework)?;
    let mut o = obligation(&state, id).await?;
    let (edit, mut errors) = obligation_edit_input(&form, &o);
    if errors.is_empty() {
        let tx = state.db.begin().await?;
        match store::update_obligation(&tx, &viewer.who(), id, &edit).await {
            Ok(_) => {
                tx.commit().await?;
                return Ok(
                    Redirect::to(&format!("/marco/{}?aviso=guardado#ob-{id}", o.law_id))
                        .into_response(),
                );
            }
            Err(tequio_store::StoreError::Invalid(m)) => errors.push(m),
            Err(e) => return Err(e.into()),
        }
    }
    o.title = edit.title;
    o.description = edit.description;
    o.periodicity = edit.periodicity;
    o.deadline_days = edit.deadline_days;
    o.conservation = edit.conservation;
    o.applies_to = edit.applies_to;
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &ObligationEditPage {
            c: Ctx::new(&viewer, &format!("/admin/marco/obligaciones/{id}/editar")),
            o,
            kinds: tequio_domain::subjects::SubjectKind::ALL,
            errors,
        },
    )
}

/// The obligation's new details as the form gives them, and the problems of those that are
/// not what they should be (the obligation's own values are kept for them).
fn obligation_edit_input(
    form: &[(String, String)],
    o: &Obligation,
) -> (store::ObligationEdit, Vec<String>) {
    let get = |k: &str| {
        form.iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let periodicity = match get("periodicity").as_str() {
        "quarterly" => tequio_domain::transparency::period::Periodicity::Quarterly,
        "half_yearly" => tequio_domain::transparency::period::Periodicity::HalfYearly,
        "yearly" => tequio_domain::transparency::period::Periodicity::Yearly,
        other => {
            errors.push(format!("periodicity: «{other}» no es una periodicidad"));
            o.periodicity
        }
    };
    let deadline = get("deadline_days");
    let deadline_days = deadline.trim().parse::<i64>().unwrap_or_else(|_| {
        errors.push(format!(
            "deadline_days: «{deadline}» no es un número de días"
        ));
        o.deadline_days
    });
    let edit = store::ObligationEdit {
        title: get("title"),
        description: get("description"),
        periodicity,
        deadline_days,
        conservation: get("conservation"),
        applies_to: form
            .iter()
            .filter(|(k, _)| k == "applies_to")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    (edit, errors)
}
