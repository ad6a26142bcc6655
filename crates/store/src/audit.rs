//! The audit log: every write appends an entry in the same transaction. Entries are
//! hash-chained (each holds the hash of the one before), the database refuses to change or
//! delete them, and [`verify`] recomputes the chain to prove nothing was rewritten.
//!
//! An entry's hash is the SHA-256, in lowercase hex, of the compact JSON array
//! `[seq, at, actor_id, actor, action, target_kind, target_id, public, summary, prev_hash]`
//! (`summary` as the JSON text stored, `actor_id` null when no account acted). The first
//! entry's `prev_hash` is 64 zeros.

use crate::db::{Db, Exec, Row, Tx};
use crate::error::StoreResult;
use crate::params;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who made a change, as the log records it.
#[derive(Debug, Clone)]
pub struct Who {
    pub user_id: Option<i64>,
    /// A name to show: the person's display name, or `sistema` for the command line.
    pub label: String,
}

impl Who {
    /// Changes made by the platform itself (command line, demo loader, migrations).
    pub fn system() -> Who {
        Who {
            user_id: None,
            label: "sistema".into(),
        }
    }

    pub fn user(id: i64, label: impl Into<String>) -> Who {
        Who {
            user_id: Some(id),
            label: label.into(),
        }
    }
}

/// One entry of the log.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    /// Whether the change concerns public content (shown on the public page).
    pub public: bool,
    /// What changed, as JSON.
    pub summary: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

pub use tequio_domain::audit::{Checkpoint, Head, Link};

const ENTRY_COLUMNS: &str =
    "seq, at, actor_id, actor, action, target_kind, target_id, public, summary, prev_hash, hash";

#[allow(clippy::too_many_arguments)]
fn entry_hash(
    seq: i64,
    at: &str,
    actor_id: Option<i64>,
    actor: &str,
    action: &str,
    target_kind: &str,
    target_id: &str,
    public: bool,
    summary: &str,
    prev_hash: &str,
) -> String {
    let canonical = serde_json::json!([
        seq,
        at,
        actor_id,
        actor,
        action,
        target_kind,
        target_id,
        public,
        summary,
        prev_hash
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

impl Entry {
    fn from_row(r: &Row) -> StoreResult<(Entry, String)> {
        let summary_text: String = r.get(8)?;
        let entry = Entry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor_id: r.get(2)?,
            actor: r.get(3)?,
            action: r.get(4)?,
            target_kind: r.get(5)?,
            target_id: r.get(6)?,
            public: r.get(7)?,
            summary: serde_json::from_str(&summary_text)
                .unwrap_or(serde_json::Value::String(summary_text.clone())),
            prev_hash: r.get(9)?,
            hash: r.get(10)?,
        };
        Ok((entry, summary_text))
    }

    /// The hash this entry should have, recomputed from its fields.
    fn expected_hash(&self, summary_text: &str) -> String {
        entry_hash(
            self.seq,
            &self.at,
            self.actor_id,
            &self.actor,
            &self.action,
            &self.target_kind,
            &self.target_id,
            self.public,
            summary_text,
            &self.prev_hash,
        )
    }
}

/// What an [`append`] records.
pub struct Change<'a> {
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: String,
    pub public: bool,
    pub summary: serde_json::Value,
}

/// Appends an entry to the log inside `tx`. Returns its sequence number.
pub async fn append(tx: &Tx, who: &Who, change: Change<'_>) -> StoreResult<i64> {
    // Bumping the head row takes its lock, so concurrent writers queue here on PostgreSQL
    // (SQLite has one writer anyway) and the chain never forks.
    let head = tx
        .query_one(
            "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
            params![],
        )
        .await?;
    let seq: i64 = head.get(0)?;
    let prev_hash: String = head.get(1)?;
    let at = crate::now();
    let summary = change.summary.to_string();
    let hash = entry_hash(
        seq,
        &at,
        who.user_id,
        &who.label,
        change.action,
        change.target_kind,
        &change.target_id,
        change.public,
        &summary,
        &prev_hash,
    );
    tx.execute(
        &format!("INSERT INTO audit_log ({ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
        params![seq, at, who.user_id, who.label.as_str(), change.action, change.target_kind, change.target_id, change.public, summary, prev_hash, hash.as_str()],
    )
    .await?;
    tx.execute(
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        params![hash],
    )
    .await?;
    Ok(seq)
}

/// The number of the newest entry, read from the one-row `audit_head` (a primary-key read):
/// a version of everything public, which the page cache compares on every request.
pub async fn head_seq(db: &impl Exec) -> StoreResult<i64> {
    db.query_one("SELECT seq FROM audit_head WHERE id = 1", params![])
        .await?
        .get(0)
}

/// The newest entry, or `None` while the log is empty.
pub async fn head(db: &impl Exec) -> StoreResult<Option<Head>> {
    let row = db
        .query_opt(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            params![],
        )
        .await?;
    row.map(|r| {
        Ok(Head {
            seq: r.get(0)?,
            hash: r.get(1)?,
        })
    })
    .transpose()
}

/// A page of the log, newest first. `public_only` leaves out private account events.
pub async fn list(
    db: &impl Exec,
    public_only: bool,
    before_seq: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<Entry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log
         WHERE ($1 = 0 OR public = $2) AND seq < $3
         ORDER BY seq DESC LIMIT $4"
    );
    let rows = db
        .query(
            &sql,
            params![
                i64::from(public_only),
                true,
                before_seq.unwrap_or(i64::MAX),
                limit.clamp(1, 500)
            ],
        )
        .await?;
    rows.iter()
        .map(|r| Entry::from_row(r).map(|(e, _)| e))
        .collect()
}

/// Entries about one target, oldest first (a subject's history).
pub async fn for_target(
    db: &impl Exec,
    target_kind: &str,
    target_id: &str,
    public_only: bool,
) -> StoreResult<Vec<Entry>> {
    let sql = format!(
        "SELECT {ENTRY_COLUMNS} FROM audit_log
         WHERE target_kind = $1 AND target_id = $2 AND ($3 = 0 OR public = $4)
         ORDER BY seq LIMIT 500"
    );
    let rows = db
        .query(
            &sql,
            params![target_kind, target_id, i64::from(public_only), true],
        )
        .await?;
    rows.iter()
        .map(|r| Entry::from_row(r).map(|(e, _)| e))
        .collect()
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// Entries read.
    pub entries: i64,
    /// The newest entry, as recomputed.
    pub head: Option<Head>,
    /// The first problem found, if any: which entry and what is wrong with it.
    pub problem: Option<Problem>,
}

/// A break in the chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub seq: i64,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry {}: {}", self.seq, self.reason)
    }
}

/// Recomputes the whole chain, oldest first, and stops at the first bad entry. With `saved`,
/// also checks that the entry at the saved head still has the saved hash (so a chain that was
/// rewritten and re-hashed from some point on is caught too).
pub async fn verify(db: &Db, saved: Option<&Head>) -> StoreResult<Verification> {
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut entries = 0;
    let mut saved_seen = false;
    let problem = |seq, reason: String| Some(Problem { seq, reason });
    loop {
        let rows = db
            .query(
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT 1000"
                ),
                params![expected_seq],
            )
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let (entry, summary_text) = Entry::from_row(r)?;
            let bad = if entry.seq != expected_seq {
                problem(
                    expected_seq,
                    format!("missing; the next entry is {}", entry.seq),
                )
            } else if entry.prev_hash != prev_hash {
                problem(
                    entry.seq,
                    "its prev_hash does not match the hash of the entry before".into(),
                )
            } else if entry.expected_hash(&summary_text) != entry.hash {
                problem(
                    entry.seq,
                    "its content does not match its hash (it was altered)".into(),
                )
            } else if let Some(s) = saved.filter(|s| s.seq == entry.seq)
                && s.hash != entry.hash
            {
                problem(
                    entry.seq,
                    format!(
                        "its hash {} differs from the saved head {}",
                        entry.hash, s.hash
                    ),
                )
            } else {
                None
            };
            if bad.is_some() {
                return Ok(Verification {
                    entries,
                    head: None,
                    problem: bad,
                });
            }
            saved_seen |= saved.is_some_and(|s| s.seq == entry.seq);
            prev_hash = entry.hash;
            expected_seq += 1;
            entries += 1;
        }
    }
    let head = (entries > 0).then(|| Head {
        seq: expected_seq - 1,
        hash: prev_hash.clone(),
    });
    if let Some(s) = saved
        && !saved_seen
    {
        return Ok(Verification {
            entries,
            head,
            problem: problem(
                s.seq,
                format!(
                    "the saved head is entry {}, but the log ends at {}",
                    s.seq,
                    expected_seq - 1
                ),
            ),
        });
    }
    let stored_head = db
        .query_one("SELECT seq, hash FROM audit_head WHERE id = 1", params![])
        .await?;
    let (stored_seq, stored_hash): (i64, String) = (stored_head.get(0)?, stored_head.get(1)?);
    if stored_seq != expected_seq - 1 || (entries > 0 && stored_hash != prev_hash) {
        return Ok(Verification {
            entries,
            head,
            problem: problem(
                stored_seq,
                "the head record does not match the last entry (entries were removed)".into(),
            ),
        });
    }
    Ok(Verification {
        entries,
        head,
        problem: None,
    })
}

// ---------------------------------------------------------------------------------------------
// Links, checkpoints and witnesses

/// The links of entries `from ..= to` (at most `limit`), oldest first: what a witness needs to
/// check that a newer head extends an older one, without the content of private entries.
pub async fn links(db: &impl Exec, from: i64, to: i64, limit: i64) -> StoreResult<Vec<Link>> {
    let rows = db
        .query(
            "SELECT seq, prev_hash, hash FROM audit_log WHERE seq >= $1 AND seq <= $2
             ORDER BY seq LIMIT $3",
            params![from, to, limit.clamp(1, 1000)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Link {
                seq: r.get(0)?,
                prev_hash: r.get(1)?,
                hash: r.get(2)?,
            })
        })
        .collect()
}

/// A checkpoint as signed and kept, with the co-signatures of the witnesses who checked it.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedCheckpoint {
    pub id: i64,
    pub checkpoint: Checkpoint,
    pub public_key: String,
    pub signature: String,
    pub cosignatures: Vec<Cosignature>,
}

/// A witness's signature of a checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Cosignature {
    pub witness: String,
    pub public_key: String,
    pub signature: String,
    pub at: String,
}

/// Keeps a signed checkpoint. Not in the log itself (signing it would move the head it
/// states); returns its id.
pub async fn add_checkpoint(
    db: &impl Exec,
    checkpoint: &Checkpoint,
    public_key: &str,
    signature: &str,
) -> StoreResult<i64> {
    db.query_one(
        "INSERT INTO audit_checkpoints (origin, seq, hash, at, public_key, signature)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        params![
            checkpoint.origin.as_str(),
            checkpoint.seq,
            checkpoint.hash.as_str(),
            checkpoint.at.as_str(),
            public_key,
            signature
        ],
    )
    .await?
    .get(0)
}

/// Checkpoints after the one numbered `after_id`, oldest first (at most `limit`), or the
/// newest one alone when `after_id` is `None` and `newest` is true.
pub async fn checkpoints(
    db: &impl Exec,
    after_id: Option<i64>,
    limit: i64,
    newest: bool,
) -> StoreResult<Vec<SignedCheckpoint>> {
    let sql = if newest {
        "SELECT id, origin, seq, hash, at, public_key, signature FROM audit_checkpoints
         WHERE id > $1 ORDER BY id DESC LIMIT $2"
    } else {
        "SELECT id, origin, seq, hash, at, public_key, signature FROM audit_checkpoints
         WHERE id > $1 ORDER BY id LIMIT $2"
    };
    let rows = db
        .query(sql, params![after_id.unwrap_or(0), limit.clamp(1, 500)])
        .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            Ok(SignedCheckpoint {
                id: r.get(0)?,
                checkpoint: Checkpoint {
                    origin: r.get(1)?,
                    seq: r.get(2)?,
                    hash: r.get(3)?,
                    at: r.get(4)?,
                },
                public_key: r.get(5)?,
                signature: r.get(6)?,
                cosignatures: Vec::new(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    if out.is_empty() {
        return Ok(out);
    }
    let ids = crate::id_list(&out.iter().map(|c| c.id).collect::<Vec<_>>());
    let rows = db
        .query(
            &format!(
                "SELECT c.checkpoint_id, w.name, w.public_key, c.signature, c.at
                 FROM cosignatures c JOIN witnesses w ON w.id = c.witness_id
                 WHERE c.checkpoint_id IN ({ids}) ORDER BY c.at"
            ),
            params![],
        )
        .await?;
    for r in &rows {
        let id: i64 = r.get(0)?;
        if let Some(c) = out.iter_mut().find(|c| c.id == id) {
            c.cosignatures.push(Cosignature {
                witness: r.get(1)?,
                public_key: r.get(2)?,
                signature: r.get(3)?,
                at: r.get(4)?,
            });
        }
    }
    Ok(out)
}

/// One checkpoint by id.
pub async fn checkpoint(db: &impl Exec, id: i64) -> StoreResult<SignedCheckpoint> {
    checkpoints(db, Some(id - 1), 1, false)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(crate::StoreError::NotFound)
}

/// A witness: who may co-sign checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    pub id: i64,
    pub name: String,
    pub public_key: String,
}

/// Registers a witness (in the log: who witnesses is public).
pub async fn add_witness(tx: &Tx, who: &Who, name: &str, public_key: &str) -> StoreResult<i64> {
    let id: i64 = tx
        .query_one(
            "INSERT INTO witnesses (name, public_key, created_at) VALUES ($1, $2, $3) RETURNING id",
            params![name, public_key, crate::now()],
        )
        .await?
        .get(0)?;
    append(
        tx,
        who,
        Change {
            action: "audit.witness",
            target_kind: "witness",
            target_id: id.to_string(),
            public: true,
            summary: crate::summary! {"name" => name, "public_key" => public_key},
        },
    )
    .await?;
    Ok(id)
}

/// Every registered witness, by name.
pub async fn witnesses(db: &impl Exec) -> StoreResult<Vec<Witness>> {
    let rows = db
        .query(
            "SELECT id, name, public_key FROM witnesses ORDER BY name",
            params![],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Witness {
                id: r.get(0)?,
                name: r.get(1)?,
                public_key: r.get(2)?,
            })
        })
        .collect()
}

/// Keeps a witness's co-signature of a checkpoint (once per witness and checkpoint). Like
/// checkpoints, not in the log.
pub async fn add_cosignature(
    db: &impl Exec,
    checkpoint_id: i64,
    witness_id: i64,
    signature: &str,
) -> StoreResult<()> {
    db.execute(
        "INSERT INTO cosignatures (checkpoint_id, witness_id, signature, at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (checkpoint_id, witness_id) DO NOTHING",
        params![checkpoint_id, witness_id, signature, crate::now()],
    )
    .await?;
    Ok(())
}

/// Short-hand for a change's summary: `summary!{"name" => name, …}`.
#[macro_export]
macro_rules! summary {
    ($($k:literal => $v:expr),* $(,)?) => {
        serde_json::json!({ $($k: $v),* })
    };
}
