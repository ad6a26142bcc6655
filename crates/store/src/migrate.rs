//! Schema migrations. Each engine has its own folder of SQL files with the same names
//! (`migrations/sqlite/0001_x.sql` and `migrations/postgres/0001_x.sql`); a test checks that
//! the two folders and the list below agree. Applied migrations are recorded with a checksum,
//! so an edited migration is caught instead of silently skipped.

use crate::db::{Db, Engine, Exec};
use crate::error::{StoreError, StoreResult};
use crate::params;
use sha2::{Digest, Sha256};

/// A migration: its name and its SQL for each engine.
pub struct Migration {
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! migration {
    ($name:literal) => {
        Migration {
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

/// Every migration, in order. Add new ones at the end; never edit one that has shipped.
pub const MIGRATIONS: &[Migration] = &[
    migration!("0001_foundation"),
    migration!("0002_transparency"),
    migration!("0003_catalog"),
    migration!("0004_topics"),
    migration!("0005_bodies"),
    migration!("0006_hardening"),
    migration!("0007_search_keys"),
    migration!("0008_site_settings"),
    migration!("0009_participation"),
];

impl Migration {
    fn sql(&self, engine: Engine) -> &'static str {
        match engine {
            Engine::Sqlite => self.sqlite,
            Engine::Postgres => self.postgres,
        }
    }

    fn checksum(&self, engine: Engine) -> String {
        hex::encode(Sha256::digest(self.sql(engine).as_bytes()))
    }
}

/// Applies the migrations not yet applied; returns their names.
pub async fn run(db: &Db) -> StoreResult<Vec<&'static str>> {
    db.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .await?;
    let engine = db.engine();
    let mut applied = Vec::new();
    for m in MIGRATIONS {
        let tx = db.begin().await?;
        if engine == Engine::Postgres {
            // Several app nodes may start at once: one migrates, the others wait.
            tx.execute("SELECT pg_advisory_xact_lock(74282001)", params![])
                .await?;
        }
        let done = tx
            .query_opt(
                "SELECT checksum FROM schema_migrations WHERE name = $1",
                params![m.name],
            )
            .await?;
        let checksum = m.checksum(engine);
        if let Some(row) = done {
            let recorded: String = row.get(0)?;
            if recorded != checksum {
                return Err(StoreError::Invalid(format!(
                    "migration {} was changed after it was applied (checksum {recorded} in the database, {checksum} in the code)",
                    m.name
                )));
            }
            continue;
        }
        tx.batch(m.sql(engine)).await?;
        tx.execute(
            "INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ($1, $2, $3)",
            params![m.name, checksum, crate::now()],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(migration = m.name, "applied");
        applied.push(m.name);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;
    use std::collections::BTreeSet;

    fn names(dir: &str) -> BTreeSet<String> {
        let path = format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_dir(&path)
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .trim_end_matches(".sql")
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn both_engines_have_the_same_migrations() {
        let sqlite = names("sqlite");
        let postgres = names("postgres");
        assert_eq!(sqlite, postgres, "migration folders differ");
        let listed: BTreeSet<String> = MIGRATIONS.iter().map(|m| m.name.to_owned()).collect();
        assert_eq!(
            listed, sqlite,
            "MIGRATIONS does not list exactly the files in migrations/"
        );
        let mut sorted: Vec<_> = MIGRATIONS.iter().map(|m| m.name).collect();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            MIGRATIONS.iter().map(|m| m.name).collect::<Vec<_>>(),
            "not in order"
        );
    }
}
