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
            return StoreError::Connect(e.to_string());
        }
        StoreError::Query(e.to_string())
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::Connect(e.to_string())
    }
}
