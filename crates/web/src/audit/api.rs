//! The tamper-evident change log in `/api/v1`: its entries, head, links, signed checkpoints
//! and witnesses' co-signatures.

use crate::error::{AppError, AppResult};
use crate::http::Problem;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tequio_store::audit;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn routes() -> Router<AppState> {
    Router::new()
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
    paths(
        audit_entries,
        audit_head,
        audit_key,
        audit_links,
        audit_checkpoints,
        latest_checkpoint,
        add_cosignature
    ),
    components(schemas(
        EntryOut,
        HeadOut,
        KeyOut,
        LinkOut,
        CheckpointOut,
        CosignatureOut,
        CosignatureIn
    ))
)]
pub struct AuditDoc;

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
