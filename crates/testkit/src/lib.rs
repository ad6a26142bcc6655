//! Test helpers. [`databases`] gives a fresh, migrated database for every engine under test:
//! SQLite always, PostgreSQL too when `TEQUIO_TEST_POSTGRES_URL` is set (each in a schema of
//! its own, dropped afterwards), so each store and API test runs on both.

pub mod bombs;

use std::path::PathBuf;
use tequio_store::Db;

/// A database made for one test; cleaned up when dropped.
pub struct TestDb {
    /// `sqlite` or `postgres`, for assertion messages.
    pub name: &'static str,
    pub db: Db,
    /// The URL the database was opened with (for the CLI and server tests).
    pub url: String,
    /// PostgreSQL only: the test's schema.
    pub schema: Option<String>,
    dir: Option<PathBuf>,
    pg_admin_url: Option<String>,
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).unwrap_or_default();
    hex::encode(buf)
}

/// A new empty folder under the system's temporary folder, removed with the [`TempDir`].
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("tequio-test-{}", random_hex(8)));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        TempDir(dir)
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The PostgreSQL server for tests, if configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEQUIO_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A fresh migrated SQLite database in a temporary folder.
pub async fn sqlite() -> TestDb {
    let dir = TempDir::new();
    let path = dir.0.join("tequio.db");
    let url = format!("sqlite://{}", path.display());
    let db = Db::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    tequio_store::migrate::run(&db)
        .await
        .unwrap_or_else(|e| panic!("migrate sqlite: {e}"));
    let dir_path = dir.0.clone();
    std::mem::forget(dir); // removed by TestDb's Drop instead
    TestDb {
        name: "sqlite",
        db,
        url,
        schema: None,
        dir: Some(dir_path),
        pg_admin_url: None,
    }
}

/// A fresh migrated PostgreSQL schema, if `TEQUIO_TEST_POSTGRES_URL` is set.
pub async fn postgres() -> Option<TestDb> {
    let url = postgres_url()?;
    let schema = format!("t_{}", random_hex(6));
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("TEQUIO_TEST_POSTGRES_URL={url}: {e}"));
    tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap_or_else(|e| panic!("create schema: {e}"));
    let options = tequio_store::db::ConnectOptions {
        pg_schema: Some(schema.clone()),
        pg_max_connections: Some(4),
    };
    let db = Db::connect_with(&url, &options)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    tequio_store::migrate::run(&db)
        .await
        .unwrap_or_else(|e| panic!("migrate postgres: {e}"));
    let sep = if url.contains('?') { '&' } else { '?' };
    let schema_url = format!("{url}{sep}options=-c%20search_path%3D{schema}");
    Some(TestDb {
        name: "postgres",
        db,
        url: schema_url,
        schema: Some(schema),
        dir: None,
        pg_admin_url: Some(url),
    })
}

/// One fresh database per engine under test: SQLite, then PostgreSQL when configured.
pub async fn databases() -> Vec<TestDb> {
    let mut out = vec![sqlite().await];
    match postgres().await {
        Some(pg) => out.push(pg),
        None => eprintln!(
            "note: TEQUIO_TEST_POSTGRES_URL is not set; the PostgreSQL half of this test is skipped"
        ),
    }
    out
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.db.close();
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let (Some(url), Some(schema)) = (self.pg_admin_url.take(), self.schema.take()) {
            // Drop is synchronous: drop the schema from a short-lived thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok((client, conn)) =
                        tokio_postgres::connect(&url, tokio_postgres::NoTls).await
                    {
                        tokio::spawn(conn);
                        let _ = client
                            .batch_execute(&format!(
                                "SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS {schema} CASCADE"
                            ))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}
