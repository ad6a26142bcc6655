//! Transparency obligations in the API: the framework, each subject's obligations and their
//! status, publications and their records (the same views as the pages), and machine
//! publishing with a subject's API token.

use super::{PublicationOut, obligation_rows};
use crate::error::{AppError, AppResult};
use crate::http::Problem;
use crate::listing::API_NAMES;
use crate::state::AppState;
use crate::transparency::publishing;
use crate::transparency::records::{self, RecordQuery};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tequio_domain::transparency::period::{Compliance, Period};
use tequio_store::audit::Who;
use tequio_store::transparency::{self as store, Published};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/laws", get(list_laws))
        .route("/laws/{id}/framework", get(law_framework))
        .route("/laws/{id}/obligations", get(law_obligations))
        .route("/formats/{id}", get(get_format))
        .route("/subjects/{id}/obligations", get(subject_obligations))
        .route("/publications", get(list_publications))
        .route("/publications/{id}", get(get_publication))
        .route("/publications/{id}/records", get(publication_records))
        .route("/records/search", get(search_records))
        .route("/records/{id}", get(get_record))
}

/// The publishing endpoint, with the larger body limit of file uploads.
pub fn upload_routes() -> Router<AppState> {
    Router::new().route("/publications", axum::routing::post(publish))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_laws,
        law_framework,
        law_obligations,
        get_format,
        subject_obligations,
        list_publications,
        get_publication,
        publication_records,
        search_records,
        get_record,
        publish
    ),
    components(schemas(
        LawOut,
        ObligationOut,
        FormatSummary,
        FormatOut,
        SubjectObligationOut,
        PublicationOut,
        RecordOut,
        RecordList,
        RecordHitOut,
        PublishProblem,
        LocatedOut
    ))
)]
pub struct TransparencyDoc;

/// A law of a guarantor's framework.
#[derive(Serialize, ToSchema)]
pub struct LawOut {
    pub id: i64,
    pub guarantor_id: i64,
    /// Stable code, such as `LGTAIP-2015`.
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub description: String,
    /// ISO dates.
    pub published_on: Option<String>,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub source_url: String,
    pub obligation_count: i64,
}

impl From<store::Law> for LawOut {
    fn from(l: store::Law) -> Self {
        LawOut {
            id: l.id,
            guarantor_id: l.guarantor_id,
            code: l.code,
            name: l.name,
            short_name: l.short_name,
            description: l.description,
            published_on: l.published_on,
            valid_from: l.valid_from,
            valid_until: l.valid_until,
            source_url: l.source_url,
            obligation_count: l.obligation_count,
        }
    }
}

/// Every law loaded, with how many obligations it has.
#[utoipa::path(get, path = "/api/v1/laws", responses((status = 200, description = "The laws", body = Vec<LawOut>)))]
async fn list_laws(State(state): State<AppState>) -> AppResult<Json<Vec<LawOut>>> {
    Ok(Json(
        store::laws(&state.db)
            .await?
            .into_iter()
            .map(LawOut::from)
            .collect(),
    ))
}

/// A law's whole framework file (documented in docs/FRAMEWORK-FILE.md): the file a guarantor
/// loads, with the latest version of each format.
#[utoipa::path(get, path = "/api/v1/laws/{id}/framework", params(("id" = i64, Path, description = "The law's id")), responses(
    (status = 200, description = "The framework file", body = Object),
    (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such law", body = Problem, content_type = "application/problem+json")
))]
async fn law_framework(State(state): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let file = store::export_framework(&state.db, id).await?;
    Ok(Json(file).into_response())
}

/// A format, in short.
#[derive(Serialize, ToSchema)]
pub struct FormatSummary {
    pub id: i64,
    /// Code within the obligation, such as `8` or `28a`.
    pub code: String,
    pub version: i64,
    pub title: String,
    /// `complete` or `provisional`.
    pub status: String,
}

/// An obligation of a law.
#[derive(Serialize, ToSchema)]
pub struct ObligationOut {
    pub id: i64,
    pub law_id: i64,
    /// Code within the law, such as `70-VIII`.
    pub code: String,
    pub article: String,
    pub fraction: String,
    pub title: String,
    pub description: String,
    /// `quarterly`, `half_yearly` or `yearly`.
    pub periodicity: String,
    /// Natural days after a period closes by which it must be published.
    pub deadline_days: i64,
    pub conservation: String,
    /// Subject kinds it applies to; empty means all.
    pub applies_to: Vec<String>,
    /// The latest version of each of its formats.
    pub formats: Vec<FormatSummary>,
}

async fn obligation_out(db: &tequio_store::Db, o: store::Obligation) -> AppResult<ObligationOut> {
    let formats = store::current_formats(db, o.id)
        .await?
        .into_iter()
        .map(|f| FormatSummary {
            id: f.id,
            code: f.code,
            version: f.version,
            title: f.def.title,
            status: serde_json::to_value(f.def.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        })
        .collect();
    Ok(ObligationOut {
        id: o.id,
        law_id: o.law_id,
        code: o.code,
        article: o.article,
        fraction: o.fraction,
        title: o.title,
        description: o.description,
        periodicity: o.periodicity.as_str().to_owned(),
        deadline_days: o.deadline_days,
        conservation: o.conservation,
        applies_to: o.applies_to,
        formats,
    })
}

/// The obligations of a law, in order.
#[utoipa::path(get, path = "/api/v1/laws/{id}/obligations", params(("id" = i64, Path, description = "The law's id")), responses(
    (status = 200, description = "The obligations", body = Vec<ObligationOut>),
    (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such law", body = Problem, content_type = "application/problem+json")
))]
async fn law_obligations(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<ObligationOut>>> {
    store::law(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let mut out = Vec::new();
    for o in store::obligations(&state.db, id).await? {
        out.push(obligation_out(&state.db, o).await?);
    }
    Ok(Json(out))
}

/// One version of a format with its whole definition.
#[derive(Serialize, ToSchema)]
pub struct FormatOut {
    pub id: i64,
    pub obligation_id: i64,
    pub code: String,
    pub version: i64,
    pub created_at: String,
    /// Fields (key, label, type, required, catalogue values, sub-table fields) and
    /// verification criteria, as in the framework file.
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

/// One version of a format.
#[utoipa::path(get, path = "/api/v1/formats/{id}", params(("id" = i64, Path, description = "The format version's id")), responses(
    (status = 200, description = "The format", body = FormatOut),
    (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such format", body = Problem, content_type = "application/problem+json")
))]
async fn get_format(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<FormatOut>> {
    let f = store::format(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(FormatOut {
        id: f.id,
        obligation_id: f.obligation_id,
        code: f.code,
        version: f.version,
        created_at: f.created_at,
        definition: serde_json::to_value(&f.def).unwrap_or_default(),
    }))
}

/// An obligation as it stands for one subject.
#[derive(Serialize, ToSchema)]
pub struct SubjectObligationOut {
    pub obligation_id: i64,
    pub code: String,
    pub title: String,
    pub periodicity: String,
    /// Whether it applies to this subject.
    pub applies: bool,
    /// Why not, when it does not.
    pub reason: String,
    /// `up_to_date`, `due`, `overdue` or `not_applicable`.
    pub status: String,
    /// The period that is due or overdue, if any.
    pub pending_period: Option<String>,
    /// Its deadline (ISO date).
    pub pending_deadline: Option<String>,
    /// The newest current publication.
    pub latest: Option<PublicationOut>,
}

/// A subject's obligations: whether each applies, its newest publication and whether it is up
/// to date, due or overdue today.
#[utoipa::path(get, path = "/api/v1/subjects/{id}/obligations", params(("id" = i64, Path, description = "The subject's id")), responses(
    (status = 200, description = "The obligations", body = Vec<SubjectObligationOut>),
    (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such subject", body = Problem, content_type = "application/problem+json")
))]
async fn subject_obligations(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<SubjectObligationOut>>> {
    let rows = obligation_rows(&state.db, id).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| {
                let (status, period, deadline) = match r.compliance {
                    None => ("not_applicable", None, None),
                    Some(
                        c @ (Compliance::Due { period, deadline }
                        | Compliance::Overdue { period, deadline }),
                    ) => (c.as_str(), Some(period.code()), Some(deadline.to_string())),
                    Some(c) => (c.as_str(), None, None),
                };
                let ob = r.applicability.obligation;
                SubjectObligationOut {
                    obligation_id: ob.id,
                    code: ob.code,
                    title: ob.title,
                    periodicity: ob.periodicity.as_str().to_owned(),
                    applies: r.applicability.applies,
                    reason: r.applicability.reason,
                    status: status.to_owned(),
                    pending_period: period,
                    pending_deadline: deadline,
                    latest: r.latest.map(PublicationOut::from),
                }
            })
            .collect(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicationsQuery {
    /// The subject.
    subject_id: i64,
    /// Only this obligation.
    obligation_id: Option<i64>,
    /// Include versions replaced by a correction (default false).
    all_versions: Option<bool>,
}

/// A subject's publications, newest period first.
#[utoipa::path(get, path = "/api/v1/publications", params(PublicationsQuery), responses(
    (status = 200, description = "The publications", body = Vec<PublicationOut>),
    (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such subject", body = Problem, content_type = "application/problem+json")
))]
async fn list_publications(
    State(state): State<AppState>,
    Query(p): Query<PublicationsQuery>,
) -> AppResult<Json<Vec<PublicationOut>>> {
    let obligations: Vec<i64> = match p.obligation_id {
        Some(o) => vec![o],
        None => store::applicability(&state.db, p.subject_id)
            .await?
            .into_iter()
            .map(|a| a.obligation.id)
            .collect(),
    };
    let mut out = Vec::new();
    for o in obligations {
        for publication in store::publications(&state.db, p.subject_id, o).await? {
            if publication.is_current || p.all_versions.unwrap_or(false) {
                out.push(PublicationOut::from(publication));
            }
        }
    }
    Ok(Json(out))
}

/// One publication.
#[utoipa::path(get, path = "/api/v1/publications/{id}", params(("id" = i64, Path, description = "The publication's id")), responses(
    (status = 200, description = "The publication", body = PublicationOut),
    (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such publication", body = Problem, content_type = "application/problem+json")
))]
async fn get_publication(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<PublicationOut>> {
    Ok(Json(
        store::publication(&state.db, id)
            .await?
            .ok_or(AppError::NotFound)?
            .into(),
    ))
}

/// A record: its values by field key; sub-tables as lists of objects.
#[derive(Serialize, ToSchema)]
pub struct RecordOut {
    pub id: i64,
    pub publication_id: i64,
    /// 1-based place in the publication.
    pub number: i64,
    /// The id the publishing file gave it (the national platform's ID), if any.
    pub source_id: String,
    #[schema(value_type = Object)]
    pub values: serde_json::Map<String, serde_json::Value>,
    pub url: String,
}

pub fn record_out(
    def: &tequio_domain::transparency::framework::FormatDef,
    r: store::StoredRecord,
) -> RecordOut {
    RecordOut {
        url: format!("/registros/{}", r.id),
        id: r.id,
        publication_id: r.publication_id,
        number: r.position + 1,
        values: tequio_domain::transparency::export::json_object(def, &r.record),
        source_id: r.record.source_id,
    }
}

/// A page of records.
#[derive(Serialize, ToSchema)]
pub struct RecordList {
    /// Records matching the filters.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    /// The field keys, in the format's order.
    pub columns: Vec<String>,
    pub items: Vec<RecordOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RecordsQuery {
    /// Words that must all appear in the record's text fields (accents and case do not matter).
    q: Option<String>,
    /// A field key to sort by; prefix `-` for descending. Column filters are `f_<field key>=text`
    /// (text fields contain it; catalogue fields equal it).
    sort: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 100000)]
    page: Option<u32>,
    /// Records per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    per_page: Option<u32>,
}

/// The records of a publication: the same filters, words, sort and pages as its page.
#[utoipa::path(get, path = "/api/v1/publications/{id}/records", params(("id" = i64, Path, description = "The publication's id"), RecordsQuery), responses(
    (status = 200, description = "A page of records", body = RecordList),
    (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such publication", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The publication's format has no such column (in `sort` or a filter)", body = Problem, content_type = "application/problem+json")
))]
async fn publication_records(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> AppResult<Json<RecordList>> {
    let p = store::publication(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = store::format(&state.db, p.format_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let q = RecordQuery::parse(&f.def, &params, &API_NAMES, 50)?;
    let (total, rows) = records::page(&state.db, &p, &f.def, &q).await?;
    Ok(Json(RecordList {
        total,
        page: q.page,
        per_page: q.per_page,
        columns: f.def.fields.iter().map(|f| f.key.clone()).collect(),
        items: rows.into_iter().map(|r| record_out(&f.def, r)).collect(),
    }))
}

/// One record.
#[utoipa::path(get, path = "/api/v1/records/{id}", params(("id" = i64, Path, description = "The record's id")), responses(
    (status = 200, description = "The record", body = RecordOut),
    (status = 400, description = "The id is not a number", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such record", body = Problem, content_type = "application/problem+json")
))]
async fn get_record(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<RecordOut>> {
    let r = store::record(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = store::publication(&state.db, r.publication_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = store::format(&state.db, p.format_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(record_out(&f.def, r)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordSearchQuery {
    /// Words to find (all of them) in records of current publications.
    q: String,
    /// Only this subject's records.
    subject_id: Option<i64>,
    /// At most this many hits, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// A record found by search.
#[derive(Serialize, ToSchema)]
pub struct RecordHitOut {
    pub record_id: i64,
    pub publication_id: i64,
    pub subject_id: i64,
    pub subject_name: String,
    pub obligation_code: String,
    pub obligation_title: String,
    pub period: String,
    /// The record's text fields.
    pub text: String,
    pub url: String,
}

/// Full-text search across the records of every subject's current publications, best first.
#[utoipa::path(get, path = "/api/v1/records/search", params(RecordSearchQuery), responses(
    (status = 200, description = "Hits", body = Vec<RecordHitOut>),
    (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json")
))]
async fn search_records(
    State(state): State<AppState>,
    Query(p): Query<RecordSearchQuery>,
) -> AppResult<Json<Vec<RecordHitOut>>> {
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(AppError::BadRequest(
            "limit: must be between 1 and 100".into(),
        ));
    }
    let (_, hits) = store::search_records(&state.db, &p.q, p.subject_id, None).await?;
    Ok(Json(
        hits.into_iter()
            .take(limit as usize)
            .map(|h| RecordHitOut {
                url: format!("/registros/{}", h.record_id),
                record_id: h.record_id,
                publication_id: h.publication_id,
                subject_id: h.subject_id,
                subject_name: h.subject_name,
                obligation_code: h.obligation_code,
                obligation_title: h.obligation_title,
                period: h.period,
                text: h.text,
            })
            .collect(),
    ))
}

/// The form of a machine publication.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PublishForm {
    /// The obligation's code, such as `70-VIII`.
    obligation: String,
    /// The format's code, when the obligation has several (such as `28a`).
    format: Option<String>,
    /// The period (`2025-T3`, `2025-S1`, `2025`); read from the records when missing.
    period: Option<String>,
    /// A note kept with the publication.
    note: Option<String>,
    /// The CSV, XLSX or JSON file.
    #[schema(value_type = String, format = Binary)]
    file: String,
}

/// A problem of a publishing file, with its place.
#[derive(Serialize, ToSchema)]
pub struct LocatedOut {
    pub sheet: Option<String>,
    /// 1-based row as a spreadsheet numbers them (for JSON, the record's number).
    pub row: Option<usize>,
    /// Column letter, CSV column or JSON key.
    pub column: Option<String>,
    /// The field's title.
    pub field: Option<String>,
    /// What is wrong, in the caller's language, with its place.
    pub message: String,
}

/// A refused publication: an RFC 9457 problem with every problem of the file.
#[derive(Serialize, ToSchema)]
pub struct PublishProblem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: Option<String>,
    /// Every problem found (up to 500), each with its place.
    pub errors: Vec<LocatedOut>,
    /// How many problems there are in all.
    pub total_errors: usize,
}

/// A refused publication (422) as the problem the API documents, listing every problem of
/// the file; any other error as its own answer (400, 401, 404…).
fn refusal_response(e: AppError, lang: &str) -> Response {
    let (detail, errors, total) = match &e {
        AppError::File(f) => {
            let list: Vec<LocatedOut> = f
                .errors
                .iter()
                .map(|l| LocatedOut {
                    sheet: l.sheet.clone(),
                    row: l.row,
                    column: l.column.clone(),
                    field: l.field.clone(),
                    message: l.message(lang),
                })
                .collect();
            (format!("{}: {} problems", f.file, f.total), list, f.total)
        }
        other if other.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let lang = crate::i18n::Lang::parse(lang).unwrap_or_default();
            let messages = other.messages(lang).unwrap_or_default();
            (messages.join(" "), Vec::new(), 0)
        }
        _ => return e.into_response(),
    };
    let body = PublishProblem {
        kind: "about:blank".into(),
        title: "Not published".into(),
        status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
        detail: Some(detail),
        errors,
        total_errors: total,
    };
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::to_string(&body).unwrap_or_default(),
    )
        .into_response()
}

/// Publishes a file for the subject of the API token (`Authorization: Bearer <token>`), with
/// the same checks as the web: multipart fields `obligation` (code), `format` (code, when
/// several), `period` (read from the records when missing), `note`, and `file`. Answers 201
/// with the new version, 200 when the content equals the current version (nothing saved), or
/// 422 listing every problem of the file.
#[utoipa::path(post, path = "/api/v1/publications", request_body(content = PublishForm, content_type = "multipart/form-data"), responses(
    (status = 201, description = "Published as a new version", body = PublicationOut),
    (status = 400, description = "The body is not a well-formed multipart form, or a field is missing", body = Problem, content_type = "application/problem+json"),
    (status = 200, description = "Same content as the current version; nothing saved", body = PublicationOut),
    (status = 401, description = "No valid API token", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "The file is too large", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Refused, with every problem", body = PublishProblem, content_type = "application/problem+json")
), security(("api_token" = [])))]
async fn publish(State(state): State<AppState>, headers: HeaderMap, form: Multipart) -> Response {
    let lang = api_lang(&headers);
    match publish_with_token(&state, &headers, form).await {
        Ok(response) => response,
        Err(e) => refusal_response(e, lang),
    }
}

/// Publishing for the token's subject: every refusal comes back as an error, which
/// [`refusal_response`] writes as the API documents it.
async fn publish_with_token(
    state: &AppState,
    headers: &HeaderMap,
    form: Multipart,
) -> AppResult<Response> {
    let token = token_of(state, headers).await?;
    let form = crate::upload::read_form(form, publishing::MAX_FILE_BYTES).await?;
    let field = |name: &str| {
        form.fields
            .get(name)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    };
    let (file_name, bytes) = match form.file {
        crate::upload::FileField::Present { name, bytes } => (name, bytes),
        crate::upload::FileField::TooLarge { name } => {
            return Err(publishing::too_large(&name, publishing::MAX_FILE_MB));
        }
        crate::upload::FileField::Missing => {
            return Err(AppError::BadRequest("file: falta el archivo".into()));
        }
    };
    let code = field("obligation").ok_or_else(|| {
        AppError::BadRequest("obligation: falta el código de la obligación".into())
    })?;
    let (subject_id, obligation) = token_obligation(state, &token, code).await?;
    let period = field("period").map(period_field).transpose()?;
    let format = publishing::pick_format(&state.db, &obligation, field("format")).await?;
    let who = Who {
        label: format!("API: {}", token.name),
        user_id: None,
    };
    let target = publishing::Target {
        subject_id,
        obligation: &obligation,
        format: &format,
    };
    let note = field("note").unwrap_or_default();
    let limits = &state.settings.publication_limits;
    let published = publishing::publish_file(
        &state.db, &who, target, period, &file_name, bytes, note, limits,
    )
    .await?;
    Ok(match published {
        Published::New(p) => {
            state.checkpoint_wake.notify_one();
            (StatusCode::CREATED, Json(PublicationOut::from(p))).into_response()
        }
        Published::Unchanged(p) => (StatusCode::OK, Json(PublicationOut::from(p))).into_response(),
    })
}

/// The `period` field: `2025-T3`, `2025-S1` or `2025`.
fn period_field(p: &str) -> AppResult<Period> {
    Period::parse(p).ok_or_else(|| {
        AppError::BadRequest(format!(
            "period: «{p}» no es un periodo como 2025-T3, 2025-S1 o 2025"
        ))
    })
}

/// The language of an API answer's messages: English when the caller asks for it.
fn api_lang(headers: &HeaderMap) -> &'static str {
    let english = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("en"));
    if english { "en" } else { "es" }
}

/// The API token of `Authorization: Bearer <token>`, if it is one and not revoked.
async fn token_of(state: &AppState, headers: &HeaderMap) -> AppResult<store::ApiToken> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthorized)?;
    store::use_token(&state.db, &crate::auth::token_hash(token))
        .await?
        .ok_or(AppError::Unauthorized)
}

/// The token's subject and the obligation `code` of its guarantor's law.
async fn token_obligation(
    state: &AppState,
    token: &store::ApiToken,
    code: &str,
) -> AppResult<(i64, store::Obligation)> {
    let subject = tequio_store::subjects::get(&state.db, token.subject_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let guarantor = subject
        .guarantor_id
        .ok_or_else(|| AppError::Invalid("el sujeto obligado no tiene órgano garante".into()))?;
    let obligation = store::obligation_by_code(&state.db, guarantor, code)
        .await?
        .ok_or_else(|| {
            AppError::Invalid(format!("obligation: no existe la obligación «{code}»"))
        })?;
    Ok((subject.id, obligation))
}
