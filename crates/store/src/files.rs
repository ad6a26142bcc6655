//! Stored files and what points at them: a dataset's resources and the documents attached to
//! bodies, sessions, applications, agreements, events and instruments. Files are kept by their
//! content (SHA-256), so several owners may share one; a file is removed only when nothing
//! points at it.

use crate::audit::{self, Change, Who};
use crate::db::{Exec, Row, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{id_list, params, summary};
use serde::Serialize;
use std::collections::HashMap;
use tequio_domain::accounts::DocumentOwner;

/// A file as the file store keeps it.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub key: String,
    pub name: String,
    pub size: i64,
    pub sha256: String,
}

/// Whether any resource points at this file store key (files are stored by content, so two
/// resources can share one).
pub async fn file_in_use(db: &impl Exec, key: &str) -> StoreResult<bool> {
    Ok(db
        .query_opt("SELECT 1 FROM resources WHERE file_key = $1", params![key])
        .await?
        .is_some()
        || attachment_uses(db, key).await?)
}

/// Every file key resources point at.
pub async fn file_keys(db: &impl Exec) -> StoreResult<Vec<String>> {
    db.query(
        "SELECT DISTINCT file_key FROM resources WHERE file_key IS NOT NULL",
        params![],
    )
    .await?
    .into_iter()
    .map(|mut r| r.take(0))
    .collect()
}

/// A file attached to a body, session, application or agreement follow-up.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub owner_kind: String,
    pub owner_id: i64,
    pub title: String,
    #[serde(skip)]
    pub file_key: String,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub media_type: String,
    pub public: bool,
    pub created_at: String,
}

const ATTACHMENT_SELECT: &str = "SELECT id, owner_kind, owner_id, title, file_key, file_name,
    size, sha256, media_type, public, created_at FROM attachments";

fn attachment_from_row(mut r: Row) -> StoreResult<Attachment> {
    Ok(Attachment {
        id: r.take(0)?,
        owner_kind: r.take(1)?,
        owner_id: r.take(2)?,
        title: r.take(3)?,
        file_key: r.take(4)?,
        file_name: r.take(5)?,
        size: r.take(6)?,
        sha256: r.take(7)?,
        media_type: r.take(8)?,
        public: r.take(9)?,
        created_at: r.take(10)?,
    })
}

/// Records a stored file as attached to `owner_kind`/`owner_id`.
#[allow(clippy::too_many_arguments)]
pub async fn add_attachment(
    tx: &Tx,
    who: &Who,
    owner_kind: &str,
    owner_id: i64,
    title: &str,
    file: &StoredFile,
    media_type: &str,
    public: bool,
) -> StoreResult<i64> {
    let id: i64 = tx
        .query_one(
            "INSERT INTO attachments (owner_kind, owner_id, title, file_key, file_name, size, sha256,
                media_type, public, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            params![
                owner_kind,
                owner_id,
                title,
                &file.key,
                &file.name,
                file.size,
                &file.sha256,
                media_type,
                public,
                who.user_id,
                crate::now()
            ],
        )
        .await?
        .get(0)?;
    audit::append(
        tx,
        who,
        Change {
            action: "attachment.add",
            target_kind: owner_kind,
            target_id: owner_id.to_string(),
            public,
            summary: summary! {
                "attachment_id" => id, "title" => title, "file" => &file.name, "sha256" => &file.sha256
            },
        },
    )
    .await?;
    Ok(id)
}

pub async fn attachment(db: &impl Exec, id: i64) -> StoreResult<Attachment> {
    db.query_opt(&format!("{ATTACHMENT_SELECT} WHERE id = $1"), params![id])
        .await?
        .map(attachment_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// The attachments of many owners of one kind, by owner id, in one query.
pub async fn attachments_of(
    db: &impl Exec,
    owner_kind: &str,
    owner_ids: &[i64],
) -> StoreResult<HashMap<i64, Vec<Attachment>>> {
    let mut out: HashMap<i64, Vec<Attachment>> = HashMap::new();
    if owner_ids.is_empty() {
        return Ok(out);
    }
    for r in db
        .query(
            &format!(
                "{ATTACHMENT_SELECT} WHERE owner_kind = $1 AND owner_id IN ({}) ORDER BY id",
                id_list(owner_ids)
            ),
            params![owner_kind],
        )
        .await?
    {
        let a = attachment_from_row(r)?;
        out.entry(a.owner_id).or_default().push(a);
    }
    Ok(out)
}

/// Whether an attachment points at this file key.
pub async fn attachment_uses(db: &impl Exec, key: &str) -> StoreResult<bool> {
    Ok(db
        .query_opt(
            "SELECT 1 FROM attachments WHERE file_key = $1",
            params![key],
        )
        .await?
        .is_some())
}

/// What a non-public document belongs to, with the facts that decide who may read it, for
/// the person `reader` (see `Action::ReadDocument`).
pub async fn document_owner(
    db: &impl Exec,
    a: &Attachment,
    reader: i64,
) -> StoreResult<DocumentOwner> {
    Ok(match a.owner_kind.as_str() {
        "application" => {
            let row = db
                .query_opt(
                    "SELECT a.user_id, c.subject_id, c.body_id,
                        EXISTS (SELECT 1 FROM call_reviewers r WHERE r.call_id = c.id AND r.user_id = $2)
                     FROM applications a JOIN calls c ON c.id = a.call_id WHERE a.id = $1",
                    params![a.owner_id, reader],
                )
                .await?;
            match row {
                Some(mut r) => DocumentOwner::Application {
                    applicant: r.take(0)?,
                    call_subject: r.take(1)?,
                    call_body: r.take(2)?,
                    reader_reviews: r.take(3)?,
                },
                None => DocumentOwner::Other,
            }
        }
        "body" => DocumentOwner::Body(a.owner_id),
        "adhesion" => {
            let row = db
                .query_opt(
                    "SELECT user_id, body_id FROM adhesion_requests WHERE id = $1",
                    params![a.owner_id],
                )
                .await?;
            match row {
                Some(mut r) => DocumentOwner::Adhesion {
                    applicant: r.take(0)?,
                    body_id: r.take(1)?,
                },
                None => DocumentOwner::Other,
            }
        }
        _ => DocumentOwner::Other,
    })
}
