//! The JSON API under `/api/v1`, described by OpenAPI 3.1 at `/api/v1/openapi.json`.
//! Handlers use the same store functions as the pages. Every field is documented here, and
//! the documentation feeds the OpenAPI description.

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tequio_domain::search::SearchKind;
use tequio_domain::subjects::SubjectKind;
use tequio_store::{audit, search, subjects};
use utoipa::{IntoParams, OpenApi, ToSchema};

pub mod bodies;
pub mod catalog;
pub mod ckan;
pub mod transparency;

pub use transparency::PublicationOut;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(transparency::routes())
        .merge(catalog::routes())
        .merge(bodies::routes())
        .route("/openapi.json", get(openapi))
        .route("/subjects", get(list_subjects))
        .route("/subjects/{id}", get(get_subject))
        .route("/guarantors", get(list_guarantors))
        .route("/organisations", get(list_organisations))
        .route("/search", get(search_all))
        .route("/audit", get(audit_entries))
        .route("/audit/head", get(audit_head))
        .route("/audit/key", get(audit_key))
        .route("/audit/links", get(audit_links))
        .route("/audit/checkpoints", get(audit_checkpoints))
        .route("/audit/checkpoints/latest", get(latest_checkpoint))
        .route("/audit/cosignatures", axum::routing::post(add_cosignature))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tequio API",
        description = "Open data of the Tequio open-government platform: obligated subjects, search and the tamper-evident change log. Read-only and public; errors are RFC 9457 problem documents.",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(
        healthz,
        list_subjects,
        get_subject,
        list_guarantors,
        list_organisations,
        search_all,
        audit_entries,
        audit_head,
        audit_key,
        audit_links,
        audit_checkpoints,
        latest_checkpoint,
        add_cosignature
    ),
    components(schemas(
        KindParam,
        StatusParam,
        SearchKindParam,
        Problem,
        Health,
        SubjectOut,
        UnitOut,
        SubjectList,
        GuarantorOut,
        OrganisationOut,
        SearchOut,
        HitOut,
        PartOut,
        KindCount,
        EntryOut,
        HeadOut,
        KeyOut,
        LinkOut,
        CheckpointOut,
        CosignatureOut,
        CosignatureIn
    ))
)]
struct ApiDoc;

/// The OpenAPI 3.1 description of this API.
pub fn openapi_json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.merge(transparency::TransparencyDoc::openapi());
    doc.merge(catalog::CatalogDoc::openapi());
    doc.merge(bodies::BodiesDoc::openapi());
    if let Some(components) = doc.components.as_mut() {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A subject's API token, created by its editors on the subject's page.",
                    ))
                    .build(),
            ),
        );
    }
    doc.to_json().unwrap_or_else(|_| "{}".into())
}

async fn openapi() -> Response {
    crate::app::typed("application/json", openapi_json())
}

/// An error, as RFC 9457 describes (`application/problem+json`).
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of error it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short title in the caller's language.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What was wrong and where (field or parameter), when known.
    pub detail: Option<String>,
}

/// Whether the server is up.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answers.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}

/// Liveness and readiness: answers `ok` when the database does.
#[utoipa::path(get, path = "/healthz", responses(
    (status = 200, description = "Up", body = Health),
    (status = 500, description = "The database does not answer", body = Problem, content_type = "application/problem+json")
))]
pub async fn healthz(State(state): State<AppState>) -> AppResult<Json<Health>> {
    use tequio_store::Exec;
    state.db.query("SELECT 1", tequio_store::params![]).await?;
    let database = match state.db.engine() {
        tequio_store::Engine::Sqlite => "sqlite",
        tequio_store::Engine::Postgres => "postgres",
    };
    Ok(Json(Health {
        status: "ok".into(),
        database: database.into(),
    }))
}

/// The transparency unit of a subject (Unidad de Transparencia).
#[derive(Serialize, ToSchema)]
pub struct UnitOut {
    /// Name of the person in charge.
    pub head: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Opening hours, as written by the subject.
    pub hours: Option<String>,
}

/// An obligated subject (sujeto obligado).
#[derive(Serialize, ToSchema)]
pub struct SubjectOut {
    pub id: i64,
    /// Official name.
    pub name: String,
    pub acronym: Option<String>,
    /// One of: executive, legislative, judicial, autonomous, municipality, political_party,
    /// union, trust, university, other.
    pub kind: String,
    pub guarantor_id: Option<i64>,
    /// Name of the guarantor institute that oversees it.
    pub guarantor: Option<String>,
    /// Its id on the national transparency platform.
    pub platform_id: Option<String>,
    /// `active` or `extinct`.
    pub status: String,
    /// Date it ceased to exist (YYYY-MM-DD), if known.
    pub extinct_on: Option<String>,
    /// The subject it was merged into, if any.
    pub merged_into_id: Option<i64>,
    pub unit: UnitOut,
    /// Link to its public page.
    pub url: String,
    /// Last change (RFC 3339, UTC).
    pub updated_at: String,
}

impl From<subjects::Subject> for SubjectOut {
    fn from(s: subjects::Subject) -> Self {
        SubjectOut {
            url: format!("/sujetos/{}", s.id),
            id: s.id,
            name: s.name,
            acronym: s.acronym,
            kind: s.kind.as_str().to_owned(),
            guarantor_id: s.guarantor_id,
            guarantor: s.guarantor_name,
            platform_id: s.platform_id,
            status: s.status,
            extinct_on: s.extinct_on,
            merged_into_id: s.merged_into_id,
            unit: UnitOut {
                head: s.unit.head,
                address: s.unit.address,
                phone: s.unit.phone,
                email: s.unit.email,
                hours: s.unit.hours,
            },
            updated_at: s.updated_at,
        }
    }
}

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

/// A kind of content the search covers.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchKindParam {
    Subject,
    Dataset,
    Topic,
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

pub(crate) fn check_page(
    page: Option<u32>,
    per_page: Option<u32>,
    default: u32,
    max: u32,
) -> AppResult<(u32, u32)> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(default);
    if !(1..=100_000).contains(&page) {
        return Err(AppError::BadRequest(
            "page: must be between 1 and 100000".into(),
        ));
    }
    if !(1..=max).contains(&per_page) {
        return Err(AppError::BadRequest(format!(
            "per_page: must be between 1 and {max}"
        )));
    }
    Ok((page, per_page))
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

/// An organisation that takes part (civil society, academia, private sector, professional college, government).
#[derive(Serialize, ToSchema)]
pub struct OrganisationOut {
    pub id: i64,
    pub name: String,
    /// One of: civil_society, academia, private_sector, professional_college, government.
    pub sector: String,
    pub description: String,
    pub website: Option<String>,
    /// How many people act for it on Tequio.
    pub members: i64,
}

/// Lists organisations.
#[utoipa::path(get, path = "/api/v1/organisations", responses((status = 200, description = "All organisations", body = Vec<OrganisationOut>)))]
async fn list_organisations(
    State(state): State<AppState>,
) -> AppResult<Json<Vec<OrganisationOut>>> {
    let list = tequio_store::accounts::list_organisations(&state.db).await?;
    Ok(Json(
        list.into_iter()
            .map(|o| OrganisationOut {
                id: o.id,
                name: o.name,
                sector: o.sector.as_str().to_owned(),
                description: o.description,
                website: o.website,
                members: o.members,
            })
            .collect(),
    ))
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
                url: h.url,
                title_parts: parts(h.title_parts),
                snippet: parts(h.snippet),
            })
            .collect(),
    }))
}

/// One entry of the change log.
#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// When (RFC 3339, UTC, microseconds).
    pub at: String,
    /// Who, as shown publicly.
    pub actor: String,
    /// The account that acted, if any (null for the platform itself).
    pub actor_id: Option<i64>,
    /// What was done, e.g. `subject.update`.
    pub action: String,
    /// What it was done to, e.g. `subject`.
    pub target_kind: String,
    pub target_id: String,
    /// Whether it concerns public content.
    pub public: bool,
    /// What changed (JSON object).
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 (hex) of the compact JSON array
    /// `[seq, at, actor_id, actor, action, target_kind, target_id, public, summary, prev_hash]`,
    /// with `summary` as its JSON text.
    pub hash: String,
}

/// Paging of the change log.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries older than this `seq` (for the next page).
    #[param(minimum = 0)]
    before: Option<i64>,
    /// How many entries, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// Public entries of the change log, newest first. Private account events are left out, but
/// they keep their place in the chain (the `seq` numbers show the gaps).
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery), responses(
    (status = 200, description = "Entries, newest first", body = Vec<EntryOut>),
    (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json")
))]
async fn audit_entries(
    State(state): State<AppState>,
    Query(p): Query<AuditQuery>,
) -> AppResult<Json<Vec<EntryOut>>> {
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::BadRequest(
            "limit: must be between 1 and 500".into(),
        ));
    }
    if p.before.is_some_and(|b| b < 0) {
        return Err(AppError::BadRequest("before: must not be negative".into()));
    }
    let entries = audit::list(&state.db, true, p.before, limit).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|e| EntryOut {
                seq: e.seq,
                at: e.at,
                actor: e.actor,
                actor_id: e.actor_id,
                action: e.action,
                target_kind: e.target_kind,
                target_id: e.target_id,
                public: e.public,
                summary: e.summary,
                prev_hash: e.prev_hash,
                hash: e.hash,
            })
            .collect(),
    ))
}

/// The head of the change log.
#[derive(Serialize, ToSchema)]
pub struct HeadOut {
    /// The newest entry's number (0 while the log is empty).
    pub seq: i64,
    /// The newest entry's hash. Keep a copy: `tequio verify-log --head SEQ:HASH` later proves
    /// that history up to it was not rewritten.
    pub hash: String,
}

/// The newest entry of the change log: its number and hash.
#[utoipa::path(get, path = "/api/v1/audit/head", responses((status = 200, description = "The chain head", body = HeadOut)))]
async fn audit_head(State(state): State<AppState>) -> AppResult<Response> {
    let head = audit::head(&state.db).await?;
    let out = head.map_or(
        HeadOut {
            seq: 0,
            hash: audit::GENESIS_HASH.into(),
        },
        |h| HeadOut {
            seq: h.seq,
            hash: h.hash,
        },
    );
    Ok(Json(out).into_response())
}

/// The key that signs this instance's checkpoints.
#[derive(Serialize, ToSchema)]
pub struct KeyOut {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The public key, 64 hexadecimal characters.
    pub public_key: String,
    /// Which log the checkpoints speak of: this instance's public address, the second line of
    /// every signed text.
    pub origin: String,
    /// The first line of every signed text: `tequio-checkpoint/1`. A checkpoint's signed text
    /// is its format, origin, seq, hash and at, each followed by a line break.
    pub checkpoint_format: String,
}

/// The public key that signs this instance's checkpoints. Keep it: a witness checks every
/// checkpoint against the key it first saw.
#[utoipa::path(get, path = "/api/v1/audit/key", responses((status = 200, description = "The signing key", body = KeyOut)))]
async fn audit_key(State(state): State<AppState>) -> Json<KeyOut> {
    Json(KeyOut {
        algorithm: "Ed25519".into(),
        public_key: state.audit_key.public_key(),
        origin: state.settings.base_url.clone(),
        checkpoint_format: tequio_domain::audit::CHECKPOINT_FORMAT.into(),
    })
}

/// One link of the chain: enough to check that the chain joins, without the content of
/// private entries.
#[derive(Serialize, ToSchema)]
pub struct LinkOut {
    pub seq: i64,
    /// The hash of the entry before.
    pub prev_hash: String,
    pub hash: String,
}

/// The entries to link, `from` to `to` inclusive.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinksQuery {
    /// The first entry's number.
    #[param(minimum = 1)]
    from: i64,
    /// The last entry's number (before `from`, no links); at most 1,000 links are given per
    /// call (ask again from the last one given).
    #[param(minimum = 1)]
    to: i64,
}

/// The links of the chain between two entries, oldest first: with them a witness checks that
/// a newer head extends one it kept (`tequio witness`).
#[utoipa::path(get, path = "/api/v1/audit/links", params(LinksQuery), responses(
    (status = 200, description = "Links, oldest first", body = Vec<LinkOut>),
    (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json")
))]
async fn audit_links(
    State(state): State<AppState>,
    Query(p): Query<LinksQuery>,
) -> AppResult<Json<Vec<LinkOut>>> {
    if p.from < 1 || p.to < 1 {
        return Err(AppError::BadRequest(
            "from, to: entry numbers start at 1".into(),
        ));
    }
    // `to` before `from` names no entry: an empty list.
    let links = audit::links(&state.db, p.from, p.to, 1000).await?;
    Ok(Json(
        links
            .into_iter()
            .map(|l| LinkOut {
                seq: l.seq,
                prev_hash: l.prev_hash,
                hash: l.hash,
            })
            .collect(),
    ))
}

/// A witness's signature of a checkpoint it checked.
#[derive(Serialize, ToSchema)]
pub struct CosignatureOut {
    /// The witness's name, as registered by this instance's administrators.
    pub witness: String,
    /// Its public key (hex).
    pub public_key: String,
    /// Its Ed25519 signature (hex) of the same signed text.
    pub signature: String,
    pub at: String,
}

/// A signed checkpoint of the log.
#[derive(Serialize, ToSchema)]
pub struct CheckpointOut {
    /// Its number here, to ask for the ones after it.
    pub id: i64,
    pub origin: String,
    /// The head's entry number.
    pub seq: i64,
    /// The head's hash.
    pub hash: String,
    /// When it was signed.
    pub at: String,
    /// The key that signed it (hex).
    pub public_key: String,
    /// The Ed25519 signature (hex) of `tequio-checkpoint/1\n{origin}\n{seq}\n{hash}\n{at}\n`.
    pub signature: String,
    pub cosignatures: Vec<CosignatureOut>,
}

impl From<audit::SignedCheckpoint> for CheckpointOut {
    fn from(c: audit::SignedCheckpoint) -> Self {
        CheckpointOut {
            id: c.id,
            origin: c.checkpoint.origin,
            seq: c.checkpoint.seq,
            hash: c.checkpoint.hash,
            at: c.checkpoint.at,
            public_key: c.public_key,
            signature: c.signature,
            cosignatures: c
                .cosignatures
                .into_iter()
                .map(|w| CosignatureOut {
                    witness: w.witness,
                    public_key: w.public_key,
                    signature: w.signature,
                    at: w.at,
                })
                .collect(),
        }
    }
}

/// Paging of checkpoints.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointsQuery {
    /// Only checkpoints after this id (the newest one kept).
    #[param(minimum = 0)]
    after: Option<i64>,
    /// How many, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// The log's signed checkpoints, oldest first, with their witnesses' co-signatures. One is
/// signed soon after every publication and at least every hour.
#[utoipa::path(get, path = "/api/v1/audit/checkpoints", params(CheckpointsQuery), responses(
    (status = 200, description = "Checkpoints, oldest first", body = Vec<CheckpointOut>),
    (status = 400, description = "A parameter is wrong", body = Problem, content_type = "application/problem+json")
))]
async fn audit_checkpoints(
    State(state): State<AppState>,
    Query(p): Query<CheckpointsQuery>,
) -> AppResult<Json<Vec<CheckpointOut>>> {
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) || p.after.is_some_and(|a| a < 0) {
        return Err(AppError::BadRequest(
            "after ≥ 0, limit between 1 and 500".into(),
        ));
    }
    let list = audit::checkpoints(&state.db, p.after, limit, false).await?;
    Ok(Json(list.into_iter().map(CheckpointOut::from).collect()))
}

/// The newest signed checkpoint.
#[utoipa::path(get, path = "/api/v1/audit/checkpoints/latest", responses(
    (status = 200, description = "The newest checkpoint", body = CheckpointOut),
    (status = 404, description = "None signed yet", body = Problem, content_type = "application/problem+json")
))]
async fn latest_checkpoint(State(state): State<AppState>) -> AppResult<Json<CheckpointOut>> {
    let newest = audit::checkpoints(&state.db, None, 1, true)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    Ok(Json(newest.into()))
}

/// A witness's co-signature of a checkpoint.
#[derive(Deserialize, ToSchema)]
pub struct CosignatureIn {
    /// The checkpoint's id (a whole number; `12.0` is read as 12, as JSON Schema has it).
    #[schema(value_type = i64)]
    pub checkpoint: serde_json::Number,
    /// The witness's public key (hex), registered here by an administrator.
    pub public_key: String,
    /// The witness's Ed25519 signature (hex) of the checkpoint's signed text.
    pub signature: String,
}

/// Publishes a witness's co-signature of a checkpoint: the witness must be registered here
/// (`tequio admin add-witness`) and its signature must verify.
#[utoipa::path(post, path = "/api/v1/audit/cosignatures", request_body = CosignatureIn, responses(
    (status = 201, description = "Published"),
    (status = 400, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not a registered witness", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "The body is not sent as application/json", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such checkpoint", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A field is missing, or the signature does not verify", body = Problem, content_type = "application/problem+json")
))]
async fn add_cosignature(
    State(state): State<AppState>,
    Json(c): Json<CosignatureIn>,
) -> AppResult<Response> {
    let witness = audit::witnesses(&state.db)
        .await?
        .into_iter()
        .find(|w| w.public_key == c.public_key.trim().to_ascii_lowercase())
        .ok_or(AppError::Forbidden)?;
    let id = c
        .checkpoint
        .as_i64()
        .or_else(|| {
            c.checkpoint
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        })
        .ok_or_else(|| {
            AppError::Invalid("checkpoint: a checkpoint's id is a whole number".into())
        })?;
    let checkpoint = audit::checkpoint(&state.db, id).await?;
    let text = checkpoint.checkpoint.signed_text();
    if !tequio_domain::audit::verify(&witness.public_key, &text, c.signature.trim()) {
        return Err(AppError::Invalid(
            "signature: it is not this witness's signature of that checkpoint".into(),
        ));
    }
    audit::add_cosignature(&state.db, checkpoint.id, witness.id, c.signature.trim()).await?;
    Ok(axum::http::StatusCode::CREATED.into_response())
}
