//! Transparency obligations: the legal framework, each subject's obligations and whether
//! they apply, publications of records with their history, and publishing (pages, API with a
//! subject's token, and `tequio import`). A publication is checked in [`publishing`], its
//! records are viewed through [`records`]; its pages, API, downloads and CLI are side by side.

pub mod api;
pub mod cli;
pub mod data;
pub mod pages;
pub mod publishing;
pub mod records;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::Router;
use serde::Serialize;
use tequio_domain::transparency::period::{Compliance, Period};
use tequio_store::subjects::{self, Subject};
use tequio_store::transparency::{self as store, Format, Law, Obligation, Publication};
use utoipa::ToSchema;

/// The pages and downloads (small requests).
pub fn routes() -> Router<AppState> {
    pages::routes().merge(data::routes())
}

/// `/api/v1` routes (small requests), nested by the app.
pub fn api_routes() -> Router<AppState> {
    api::routes()
}

/// Pages that take a publication's file.
pub fn upload_routes() -> Router<AppState> {
    pages::upload_routes()
}

/// `/api/v1` routes that take a publication's file, nested by the app.
pub fn api_upload_routes() -> Router<AppState> {
    api::upload_routes()
}

/// One row of a subject's obligations table, shared by the page and the API.
pub struct ObligationRow {
    pub applicability: store::Applicability,
    pub latest: Option<Publication>,
    /// `None` when the obligation does not apply.
    pub compliance: Option<Compliance>,
}

pub async fn obligation_rows(
    db: &tequio_store::Db,
    subject_id: i64,
) -> AppResult<Vec<ObligationRow>> {
    let table = store::applicability(db, subject_id).await?;
    let mut latest = store::latest_by_obligation(db, subject_id).await?;
    let today = crate::clock::today();
    Ok(table
        .into_iter()
        .map(|a| {
            let latest = latest.remove(&a.obligation.id);
            let compliance = a.applies.then(|| {
                let last = latest.as_ref().and_then(|p| Period::parse(&p.period));
                Compliance::of(
                    a.obligation.periodicity,
                    u32::try_from(a.obligation.deadline_days).unwrap_or(0),
                    last,
                    today,
                )
            });
            ObligationRow {
                applicability: a,
                latest,
                compliance,
            }
        })
        .collect())
}

/// A publication: one version of the records of (subject, obligation, format, period).
#[derive(Serialize, ToSchema, Clone)]
pub struct PublicationOut {
    pub id: i64,
    pub subject_id: i64,
    pub obligation_id: i64,
    /// The format version the records follow.
    pub format_id: i64,
    pub format_code: String,
    pub format_version: i64,
    /// `2025-T3`, `2025-S1` or `2025`.
    pub period: String,
    pub period_start: String,
    pub period_end: String,
    /// 1 for the first publication of the period; each correction adds one.
    pub version: i64,
    /// False once a correction replaced it.
    pub is_current: bool,
    /// SHA-256 of the records' canonical form (docs/PUBLICATIONS.md).
    pub content_hash: String,
    pub record_count: i64,
    pub sub_row_count: i64,
    /// The file it came from and its kind (`csv`, `xlsx`, `json` or `form`).
    pub source_name: String,
    pub source_kind: String,
    pub note: String,
    pub published_by: String,
    pub published_at: String,
    pub superseded_at: Option<String>,
    /// Its page, and downloads of all its records.
    pub url: String,
    pub csv_url: String,
    pub json_url: String,
    pub xlsx_url: String,
}

impl From<Publication> for PublicationOut {
    fn from(p: Publication) -> Self {
        let url = format!("/publicaciones/{}", p.id);
        PublicationOut {
            csv_url: format!("{url}/registros.csv"),
            json_url: format!("{url}/registros.json"),
            xlsx_url: format!("{url}/registros.xlsx"),
            url,
            id: p.id,
            subject_id: p.subject_id,
            obligation_id: p.obligation_id,
            format_id: p.format_id,
            format_code: p.format_code,
            format_version: p.format_version,
            period: p.period,
            period_start: p.period_start,
            period_end: p.period_end,
            version: p.version,
            is_current: p.is_current,
            content_hash: p.content_hash,
            record_count: p.record_count,
            sub_row_count: p.sub_row_count,
            source_name: p.source_name,
            source_kind: p.source_kind,
            note: p.note,
            published_by: p.published_by,
            published_at: p.published_at,
            superseded_at: p.superseded_at,
        }
    }
}

// Loading what the pages and downloads need.

pub async fn subject(state: &AppState, id: i64) -> AppResult<Subject> {
    subjects::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn obligation(state: &AppState, id: i64) -> AppResult<Obligation> {
    store::obligation(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A publication with everything around it.
pub struct Loaded {
    pub publication: Publication,
    pub subject: Subject,
    pub obligation: Obligation,
    pub format: Format,
    pub law: Law,
}

pub async fn load_publication(state: &AppState, id: i64) -> AppResult<Loaded> {
    let publication = store::publication(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let subject = subject(state, publication.subject_id).await?;
    let obligation = obligation(state, publication.obligation_id).await?;
    let format = store::format(&state.db, publication.format_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let law = store::law(&state.db, obligation.law_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Loaded {
        publication,
        subject,
        obligation,
        format,
        law,
    })
}
