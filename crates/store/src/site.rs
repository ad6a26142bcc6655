//! The portal's settings (`domain::site`): its identity and the texts of its footer pages, as
//! `key → value` rows. Every change is recorded in the public log.

use crate::audit::{self, Change, Who};
use crate::db::{Exec, Tx};
use crate::error::StoreResult;
use crate::{params, summary};
use std::collections::BTreeMap;

/// Every stored setting.
pub async fn settings(db: &impl Exec) -> StoreResult<BTreeMap<String, String>> {
    db.query("SELECT key, value FROM site_settings", params![])
        .await?
        .into_iter()
        .map(|mut r| Ok((r.take(0)?, r.take(1)?)))
        .collect()
}

/// Stores settings (an empty value removes one, so its default applies again). The keys are
/// the caller's, already checked.
pub async fn save(tx: &Tx, who: &Who, changes: &[(String, String)]) -> StoreResult<()> {
    let now = crate::now();
    for (key, value) in changes {
        if value.is_empty() {
            tx.execute("DELETE FROM site_settings WHERE key = $1", params![key])
                .await?;
        } else {
            tx.execute(
                "INSERT INTO site_settings (key, value, updated_at) VALUES ($1, $2, $3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                params![key, value, &now],
            )
            .await?;
        }
    }
    let keys: Vec<&str> = changes.iter().map(|(k, _)| k.as_str()).collect();
    audit::append(
        tx,
        who,
        Change {
            action: "site.settings",
            target_kind: "site",
            target_id: "settings".into(),
            public: true,
            summary: summary! { "keys" => keys.join(", ") },
        },
    )
    .await?;
    Ok(())
}
