//! The store's error type. The web crate maps it to HTTP statuses and friendly messages;
//! the command line wraps it in `anyhow`.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique key already holds this value: `table` and its `columns`, the same on both engines.
    #[error("{table}({}) already exists", columns.join(", "))]
    Conflict { table: String, columns: Vec<String> },
    /// A row points at a row that does not exist, or is still pointed at.
    #[error("a referenced row does not exist or is still in use")]
    ForeignKey,
    /// Input the store refuses, with a message for the person who sent it.
    #[error("{0}")]
    Invalid(String),
    /// The database could not be reached or opened.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// A query failed for another reason (a bug, or the database is unwell).
    #[error("database error: {0}")]
    Query(String),
    /// A value came back in a shape the code did not expect.
    #[error("cannot read a value from the database: {0}")]
    Decode(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(code, Some(msg)) = &e {
            match code.extended_code {
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    // "UNIQUE constraint failed: users.email, users.x"
                    let cols = msg.rsplit(": ").next().unwrap_or_default();
                    let mut table = String::new();
                    let columns = cols
                        .split(", ")
                        .map(|tc| match tc.split_once('.') {
                            Some((t, c)) => {
                                t.clone_into(&mut table);
                                c.to_owned()
                            }
                            None => tc.to_owned(),
                        })
                        .collect();
                    return StoreError::Conflict { table, columns };
                }
                rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::ForeignKey,
                _ => {}
            }
        }
        StoreError::Query(e.to_string())
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        if let Some(db) = e.as_db_error() {
            use tokio_postgres::error::SqlState;
            if *db.code() == SqlState::UNIQUE_VIOLATION {
                // detail: "Key (email)=(ana@x.mx) already exists."
                let columns = db
                    .detail()
                    .and_then(|d| d.strip_prefix("Key ("))
                    .and_then(|d| d.split_once(")="))
                    .map(|(cols, _)| cols.split(", ").map(str::to_owned).collect())
                    .unwrap_or_default();
                return StoreError::Conflict {
                    table: db.table().unwrap_or_default().to_owned(),
                    columns,
                };
            }
            if *db.code() == SqlState::FOREIGN_KEY_VIOLATION {
                return StoreError::ForeignKey;
            }
            return StoreError::Query(format!("{}: {}", db.code().code(), db.message()));
        }
        if e.is_closed() {
            return StoreError::Connect(with_causes(&e));
        }
        StoreError::Query(with_causes(&e))
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::Connect(with_causes(&e))
    }
}

/// An error and every cause under it, `outer: inner: innermost`, leaving out a cause whose
/// words are already in the one above (libraries often repeat them).
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

/// Whether a pool could not connect because the database does not exist.
pub(crate) fn is_missing_database(e: &deadpool_postgres::PoolError) -> bool {
    matches!(e, deadpool_postgres::PoolError::Backend(b)
        if b.as_db_error().is_some_and(|d| *d.code() == tokio_postgres::error::SqlState::INVALID_CATALOG_NAME))
}

/// `host:port` of a PostgreSQL configuration, for messages.
pub(crate) fn server_of(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
}

/// Creates the database a configuration names, connecting to the server's `postgres`
/// database as the same user. When the server does not allow it, says what to do.
pub(crate) async fn create_database(config: &tokio_postgres::Config) -> StoreResult<()> {
    let name = config.get_dbname().unwrap_or_default().to_owned();
    let user = config.get_user().unwrap_or_default().to_owned();
    let place = server_of(config);
    let mut admin = config.clone();
    admin.dbname("postgres");
    let (client, connection) = admin
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|e| StoreError::Connect(format!("{place}: {}", with_causes(&e))))?;
    let driver = tokio::spawn(connection);
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    let created = client
        .batch_execute(&format!("CREATE DATABASE {quoted}"))
        .await;
    drop(client);
    let _ = driver.await;
    match created {
        Ok(()) => {
            tracing::info!(database = %name, server = %place, "created the database");
            Ok(())
        }
        // Another node created it meanwhile: it exists now, which is what was wanted.
        Err(e)
            if e.as_db_error().is_some_and(|d| {
                *d.code() == tokio_postgres::error::SqlState::DUPLICATE_DATABASE
            }) =>
        {
            Ok(())
        }
        Err(e) => Err(StoreError::Connect(format!(
            "{place}: the database «{name}» does not exist and user «{user}» cannot create it ({}); create it with `createdb -h {} -p {} -U <a user who may> {name}`, or let {user} create databases (ALTER ROLE {user} CREATEDB)",
            with_causes(&e),
            place.rsplit_once(':').map_or(place.as_str(), |(h, _)| h),
            place.rsplit_once(':').map_or("5432", |(_, p)| p),
        ))),
    }
}
