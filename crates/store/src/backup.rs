//! What backups need from the database (`tequio backup`, `tequio restore`): a consistent copy
//! of a SQLite file while others keep writing, the PostgreSQL schema to dump and the server's
//! version, whether a database is still empty, and every file key the data points at.

use crate::db::{Db, Engine, Exec};
use crate::error::StoreResult;
use crate::params;
use std::path::Path;

/// Writes a consistent copy of a SQLite database to `to` (`VACUUM INTO`: one read
/// transaction, so writers elsewhere carry on and the copy is of one moment).
pub async fn sqlite_snapshot(db: &Db, to: &Path) -> StoreResult<()> {
    let to = to.display().to_string();
    db.execute("VACUUM INTO $1", params![to]).await?;
    Ok(())
}

/// The schema Tequio's tables live in and the server's version number (`150004` for 15.4).
pub async fn postgres_place(db: &Db) -> StoreResult<(String, i64)> {
    let row = db
        .query_one(
            "SELECT current_schema(), current_setting('server_version_num')::bigint",
            params![],
        )
        .await?;
    Ok((row.get(0)?, row.get(1)?))
}

/// Whether the database holds no table yet (a restore only goes into an empty one).
pub async fn is_empty(db: &Db) -> StoreResult<bool> {
    let sql = match db.engine() {
        Engine::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
        Engine::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        }
    };
    let n: i64 = db.query_one(sql, params![]).await?.get(0)?;
    Ok(n == 0)
}

/// Every file store key that resources and attachments point at.
pub async fn referenced_files(db: &impl Exec) -> StoreResult<Vec<String>> {
    db.query(
        "SELECT file_key FROM resources WHERE file_key IS NOT NULL
         UNION SELECT file_key FROM attachments
         ORDER BY 1",
        params![],
    )
    .await?
    .into_iter()
    .map(|mut r| r.take(0))
    .collect()
}
