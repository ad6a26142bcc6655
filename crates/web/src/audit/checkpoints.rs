//! The log's signed checkpoints (`docs/AUDIT.md`): the instance's Ed25519 key, made at first
//! start and kept in the data folder, and the worker that signs the log's head soon after
//! every publication and at least every hour, so that witnesses can keep them.

use crate::state::AppState;
use std::time::Duration;
use tequio_domain::audit::{Checkpoint, SigningKey};
use tequio_store::Db;
use tequio_store::audit;

/// A checkpoint is signed at least this often, even when the head did not move (so a witness
/// knows the instance is alive and still states the same head).
pub const AT_LEAST_EVERY: Duration = Duration::from_secs(3600);

/// How often the worker looks at the head between publications.
const LOOK_EVERY: Duration = Duration::from_secs(60);

/// Signs and keeps a checkpoint of the head when one is due: the head moved since the newest
/// checkpoint (`on_move`), or the newest is older than [`AT_LEAST_EVERY`]. Returns its id.
pub async fn sign_if_due(
    db: &Db,
    key: &SigningKey,
    origin: &str,
    on_move: bool,
) -> anyhow::Result<Option<i64>> {
    let Some(head) = audit::head(db).await? else {
        return Ok(None);
    };
    let newest = audit::checkpoints(db, None, 1, true)
        .await?
        .into_iter()
        .next();
    let due = match &newest {
        None => true,
        Some(c) => {
            let moved = c.checkpoint.seq != head.seq || c.checkpoint.hash != head.hash;
            (on_move && moved) || older_than(&c.checkpoint.at, AT_LEAST_EVERY)
        }
    };
    if !due {
        return Ok(None);
    }
    Ok(Some(sign(db, key, origin).await?))
}

/// Signs and keeps a checkpoint of the current head now.
pub async fn sign(db: &Db, key: &SigningKey, origin: &str) -> anyhow::Result<i64> {
    let head = audit::head(db).await?.unwrap_or(audit::Head {
        seq: 0,
        hash: audit::GENESIS_HASH.into(),
    });
    let checkpoint = Checkpoint {
        origin: origin.to_owned(),
        seq: head.seq,
        hash: head.hash,
        at: tequio_store::now(),
    };
    let signature = key.sign(&checkpoint.signed_text());
    Ok(audit::add_checkpoint(db, &checkpoint, &key.public_key(), &signature).await?)
}

fn older_than(at: &str, age: Duration) -> bool {
    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).map_or(
        true,
        |t| {
            time::OffsetDateTime::now_utc() - t >= time::Duration::try_from(age).unwrap_or_default()
        },
    )
}

/// Runs until the process ends: signs when woken after a publication (if the head moved),
/// and looks every minute for an hourly one.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let mut on_move = true;
        loop {
            let signed = sign_if_due(
                &state.db,
                &state.audit_key,
                &state.settings.base_url,
                on_move,
            )
            .await;
            if let Err(e) = signed {
                tracing::error!(error = format!("{e:#}"), "cannot sign a checkpoint");
            }
            on_move = tokio::time::timeout(LOOK_EVERY, state.checkpoint_wake.notified())
                .await
                .is_ok();
        }
    });
}
