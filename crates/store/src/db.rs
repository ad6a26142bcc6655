//! The database handle: SQLite or PostgreSQL, chosen once from the URL at start-up.
//!
//! Every query in Tequio is written once, in a portable SQL subset (`$N` placeholders,
//! `RETURNING`, `ON CONFLICT`), and runs unchanged on both engines through [`Exec`].
//! Values cross the boundary as [`Value`] and come back as [`Row`]s, so the store's code never
//! sees which engine it talks to. Only migrations and the full-text query differ per engine.
//!
//! SQLite reads run inline on the calling task with a pooled connection (a read by primary key
//! takes microseconds; handing it to a blocking thread would cost more than the read). Writes
//! take the single writer connection for the whole transaction.

use crate::error::{StoreError, StoreResult};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::OwnedMutexGuard;

/// Which engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A value bound to a query parameter or read from a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Builds a parameter list: `params![id, name]` → `&[Value]`.
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::db::Value] };
    ($($v:expr),+ $(,)?) => { &[$($crate::db::Value::from($v)),+] };
}

/// Reading a Rust value out of a [`Value`].
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Option<Self>;

    /// Like [`FromValue::from_value`], reusing the value's allocation where it can.
    fn from_owned(v: Value) -> Option<Self> {
        Self::from_value(&v)
    }
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Real(f) => Some(*f),
            #[allow(clippy::cast_precision_loss)]
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(*b),
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn from_owned(v: Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Blob(b) => Some(b.clone()),
            _ => None,
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }

    fn from_owned(v: Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_owned(v).map(Some),
        }
    }
}

/// One result row: its values in the order of the SELECT list.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    /// Moves the value of column `i` out (leaving NULL): no copy of its text. For reading many
    /// rows, where copies add up.
    pub fn take<T: FromValue>(&mut self, i: usize) -> StoreResult<T> {
        let v = self.0.get_mut(i).map(|v| std::mem::replace(v, Value::Null));
        let v = v.ok_or_else(|| StoreError::Decode(format!("no column {i}")))?;
        let held = match &v {
            Value::Null => "NULL",
            Value::Int(_) => "an integer",
            Value::Real(_) => "a real",
            Value::Text(_) => "text",
            Value::Bool(_) => "a boolean",
            Value::Blob(_) => "bytes",
        };
        T::from_owned(v).ok_or_else(|| {
            StoreError::Decode(format!(
                "column {i} holds {held}, not a {}",
                std::any::type_name::<T>()
            ))
        })
    }

    /// The value of column `i` (from 0) as `T`.
    pub fn get<T: FromValue>(&self, i: usize) -> StoreResult<T> {
        let v = self
            .0
            .get(i)
            .ok_or_else(|| StoreError::Decode(format!("no column {i}")))?;
        T::from_value(v).ok_or_else(|| {
            StoreError::Decode(format!(
                "column {i} holds {v:?}, not a {}",
                std::any::type_name::<T>()
            ))
        })
    }

    pub fn values(&self) -> &[Value] {
        &self.0
    }
}

/// Something that runs queries: the [`Db`] itself (outside a transaction) or a [`Tx`].
/// Store functions take `&impl Exec`, so one function serves both.
pub trait Exec: Sync {
    fn engine(&self) -> Engine;

    /// Runs a statement and returns all its rows.
    fn query(
        &self,
        sql: &str,
        params: &[Value],
    ) -> impl Future<Output = StoreResult<Vec<Row>>> + Send;

    /// Runs a statement that returns no rows; gives the number of rows changed.
    fn execute(&self, sql: &str, params: &[Value])
    -> impl Future<Output = StoreResult<u64>> + Send;

    /// The first row, if any.
    fn query_opt(
        &self,
        sql: &str,
        params: &[Value],
    ) -> impl Future<Output = StoreResult<Option<Row>>> + Send {
        async move { Ok(self.query(sql, params).await?.into_iter().next()) }
    }

    /// Exactly one row: `NotFound` when there is none.
    fn query_one(
        &self,
        sql: &str,
        params: &[Value],
    ) -> impl Future<Output = StoreResult<Row>> + Send {
        async move {
            self.query_opt(sql, params)
                .await?
                .ok_or(StoreError::NotFound)
        }
    }
}

/// The database: one of the two engines behind one type. Cheap to clone.
#[derive(Clone)]
pub enum Db {
    Sqlite(Arc<SqliteDb>),
    Postgres(deadpool_postgres::Pool),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Db::Sqlite(s) => write!(f, "Db::Sqlite({})", s.path.display()),
            Db::Postgres(_) => write!(f, "Db::Postgres"),
        }
    }
}

/// A SQLite database file: a small pool of read connections and one writer.
pub struct SqliteDb {
    path: PathBuf,
    readers: Mutex<Vec<rusqlite::Connection>>,
    writer: Arc<Mutex<rusqlite::Connection>>,
    /// Held for a whole write transaction, across awaits; the writer mutex itself is only
    /// held while one statement runs.
    write_lock: Arc<tokio::sync::Mutex<()>>,
}

const SQLITE_READERS_KEPT: usize = 8;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves a usable connection; carry on.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl SqliteDb {
    fn open(path: &Path) -> StoreResult<SqliteDb> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Connect(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let writer = Self::connect(path)?;
        writer.execute_batch("PRAGMA journal_mode = WAL;")?;
        Ok(SqliteDb {
            path: path.to_owned(),
            readers: Mutex::new(Vec::new()),
            writer: Arc::new(Mutex::new(writer)),
            write_lock: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    fn connect(path: &Path) -> StoreResult<rusqlite::Connection> {
        let conn = rusqlite::Connection::open(path)
            .map_err(|e| StoreError::Connect(format!("cannot open {}: {e}", path.display())))?;
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;",
        )?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(conn)
    }

    fn with_reader<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let conn = lock(&self.readers).pop();
        let conn = match conn {
            Some(c) => c,
            None => Self::connect(&self.path)?,
        };
        let out = f(&conn);
        let mut readers = lock(&self.readers);
        if readers.len() < SQLITE_READERS_KEPT {
            readers.push(conn);
        }
        out
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn sqlite_bind(stmt: &mut rusqlite::Statement<'_>, params: &[Value]) -> StoreResult<()> {
    for i in 1..=stmt.parameter_count() {
        let n = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| StoreError::Query(format!("parameter {i} is not of the form $N")))?;
        let v = params
            .get(n.wrapping_sub(1))
            .ok_or_else(|| StoreError::Query(format!("no value for parameter ${n}")))?;
        stmt.raw_bind_parameter(i, v)?;
    }
    Ok(())
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> StoreResult<Value> {
    use rusqlite::types::ValueRef;
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(
            std::str::from_utf8(t)
                .map_err(|e| StoreError::Decode(e.to_string()))?
                .to_owned(),
        ),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

fn sqlite_query(conn: &rusqlite::Connection, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>> {
    let mut stmt = conn.prepare_cached(sql)?;
    sqlite_bind(&mut stmt, params)?;
    let ncols = stmt.column_count();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut values = Vec::with_capacity(ncols);
        for i in 0..ncols {
            values.push(sqlite_value(r.get_ref(i)?)?);
        }
        out.push(Row(values));
    }
    Ok(out)
}

fn sqlite_execute(conn: &rusqlite::Connection, sql: &str, params: &[Value]) -> StoreResult<u64> {
    let mut stmt = conn.prepare_cached(sql)?;
    sqlite_bind(&mut stmt, params)?;
    Ok(stmt.raw_execute()? as u64)
}

// The two helpers below keep the std mutex guard inside a plain function, so it can never be
// held across an `.await` of the async code that calls them.
fn sqlite_query_locked(
    conn: &Mutex<rusqlite::Connection>,
    sql: &str,
    params: &[Value],
) -> StoreResult<Vec<Row>> {
    let conn = lock(conn);
    sqlite_query(&conn, sql, params)
}

fn sqlite_execute_locked(
    conn: &Mutex<rusqlite::Connection>,
    sql: &str,
    params: &[Value],
) -> StoreResult<u64> {
    let conn = lock(conn);
    sqlite_execute(&conn, sql, params)
}

fn sqlite_batch_locked(conn: &Mutex<rusqlite::Connection>, sql: &str) -> StoreResult<()> {
    let conn = lock(conn);
    Ok(conn.execute_batch(sql)?)
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Bool(b) => ValueRef::Integer(i64::from(*b)),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

mod pg {
    use super::{Row, Value};
    use crate::error::{StoreError, StoreResult};
    use bytes::BytesMut;
    use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

    type BoxError = Box<dyn std::error::Error + Sync + Send>;

    /// Values adapt to the parameter type PostgreSQL inferred, so the same portable query
    /// works whether a column is `BIGINT`, `INTEGER` or `TEXT`.
    impl ToSql for Value {
        fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
            match self {
                Value::Null => Ok(IsNull::Yes),
                Value::Int(i) => match *ty {
                    Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                    Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                    Type::BOOL => (*i != 0).to_sql(ty, out),
                    #[allow(clippy::cast_precision_loss)]
                    Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                    Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                    _ => i.to_sql(ty, out),
                },
                Value::Real(f) => f.to_sql(ty, out),
                Value::Text(s) => s.as_str().to_sql(ty, out),
                Value::Bool(b) => match *ty {
                    Type::INT8 => i64::from(*b).to_sql(ty, out),
                    Type::INT4 => i32::from(*b).to_sql(ty, out),
                    _ => b.to_sql(ty, out),
                },
                Value::Blob(b) => b.as_slice().to_sql(ty, out),
            }
        }

        fn accepts(_ty: &Type) -> bool {
            true
        }

        to_sql_checked!();
    }

    pub(super) fn row(r: &tokio_postgres::Row) -> StoreResult<Row> {
        let mut values = Vec::with_capacity(r.len());
        for (i, col) in r.columns().iter().enumerate() {
            let v = match *col.type_() {
                Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
                Type::INT4 => r
                    .try_get::<_, Option<i32>>(i)?
                    .map(|v| Value::Int(v.into())),
                Type::INT2 => r
                    .try_get::<_, Option<i16>>(i)?
                    .map(|v| Value::Int(v.into())),
                Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(Value::Bool),
                Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Value::Real),
                Type::FLOAT4 => r
                    .try_get::<_, Option<f32>>(i)?
                    .map(|v| Value::Real(v.into())),
                Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                    r.try_get::<_, Option<String>>(i)?.map(Value::Text)
                }
                ref other => {
                    return Err(StoreError::Decode(format!(
                        "column {} has type {other}, which the store does not read",
                        col.name()
                    )));
                }
            };
            values.push(v.unwrap_or(Value::Null));
        }
        Ok(Row(values))
    }

    pub(super) async fn query(
        client: &deadpool_postgres::ClientWrapper,
        sql: &str,
        params: &[Value],
    ) -> StoreResult<Vec<Row>> {
        let stmt = client.prepare_cached(sql).await?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        let rows = client.query(&stmt, &refs).await?;
        rows.iter().map(row).collect()
    }

    /// Sends the rows in pipelined batches: tokio-postgres keeps many statements in flight on
    /// one connection, so a bulk load does not wait a round trip per row.
    pub(super) async fn execute_each(
        client: &deadpool_postgres::ClientWrapper,
        sqls: &[&str],
        rows: &mut (dyn Iterator<Item = Vec<Value>> + Send),
    ) -> StoreResult<u64> {
        const BATCH: usize = 500;
        let mut statements = Vec::with_capacity(sqls.len());
        for sql in sqls {
            statements.push(client.prepare_cached(sql).await?);
        }
        let mut n = 0u64;
        let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH);
        loop {
            batch.clear();
            batch.extend((&mut *rows).take(BATCH));
            if batch.is_empty() {
                break;
            }
            for stmt in &statements {
                let futures = batch.iter().map(|params| {
                    let refs: Vec<&(dyn ToSql + Sync)> =
                        params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                    async move { client.execute(stmt, &refs).await }
                });
                futures_util::future::try_join_all(futures).await?;
            }
            n += batch.len() as u64;
        }
        Ok(n)
    }

    pub(super) async fn execute(
        client: &deadpool_postgres::ClientWrapper,
        sql: &str,
        params: &[Value],
    ) -> StoreResult<u64> {
        let stmt = client.prepare_cached(sql).await?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            params.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        Ok(client.execute(&stmt, &refs).await?)
    }
}

/// Options for opening a database.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// PostgreSQL only: run every connection with this `search_path` (tests use one schema each).
    pub pg_schema: Option<String>,
    /// PostgreSQL only: the most connections kept open.
    pub pg_max_connections: Option<usize>,
}

impl Db {
    /// Opens the database named by `url`: `postgres://…` or `postgresql://…` selects PostgreSQL;
    /// `sqlite://PATH`, `sqlite:PATH` or a bare path selects a SQLite file (created if missing).
    pub async fn connect(url: &str) -> StoreResult<Db> {
        Self::connect_with(url, &ConnectOptions::default()).await
    }

    pub async fn connect_with(url: &str, options: &ConnectOptions) -> StoreResult<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut config: tokio_postgres::Config = url
                .parse()
                .map_err(|e| StoreError::Connect(format!("bad PostgreSQL URL: {e}")))?;
            if let Some(schema) = &options.pg_schema {
                config.options(format!("-c search_path={schema}"));
            }
            let manager = deadpool_postgres::Manager::from_config(
                config.clone(),
                tokio_postgres::NoTls,
                deadpool_postgres::ManagerConfig {
                    recycling_method: deadpool_postgres::RecyclingMethod::Fast,
                },
            );
            let pool = deadpool_postgres::Pool::builder(manager)
                .max_size(options.pg_max_connections.unwrap_or(16))
                .build()
                .map_err(|e| StoreError::Connect(crate::error::with_causes(&e)))?;
            // Fail now, with a clear message, rather than at the first request; a database
            // that does not exist yet is created when the server lets this user.
            match pool.get().await {
                Ok(client) => drop(client),
                Err(e) if crate::error::is_missing_database(&e) => {
                    crate::error::create_database(&config).await?;
                    drop(
                        pool.get()
                            .await
                            .map_err(|e| postgres_unreachable(&config, &e))?,
                    );
                }
                Err(e) => return Err(postgres_unreachable(&config, &e)),
            }
            return Ok(Db::Postgres(pool));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err(StoreError::Connect("the SQLite path is empty".into()));
        }
        Ok(Db::Sqlite(Arc::new(SqliteDb::open(Path::new(path))?)))
    }

    /// Whether the database answers (the health check).
    pub async fn ping(&self) -> StoreResult<()> {
        self.query("SELECT 1", crate::params![]).await.map(|_| ())
    }

    /// Starts a write transaction. Dropping it without [`Tx::commit`] rolls it back.
    pub async fn begin(&self) -> StoreResult<Tx> {
        match self {
            Db::Sqlite(s) => {
                let guard = s.write_lock.clone().lock_owned().await;
                sqlite_batch_locked(&s.writer, "BEGIN IMMEDIATE")?;
                Ok(Tx {
                    inner: Some(TxInner::Sqlite {
                        conn: s.writer.clone(),
                        _guard: guard,
                    }),
                    failed: Default::default(),
                })
            }
            Db::Postgres(pool) => {
                let client = pool.get().await?;
                client.batch_execute("BEGIN").await?;
                Ok(Tx {
                    inner: Some(TxInner::Postgres(Box::new(client))),
                    failed: Default::default(),
                })
            }
        }
    }

    /// Runs several statements separated by semicolons, with no parameters (DDL, pragmas).
    pub async fn batch(&self, sql: &str) -> StoreResult<()> {
        match self {
            Db::Sqlite(s) => {
                let _guard = s.write_lock.lock().await;
                sqlite_batch_locked(&s.writer, sql)
            }
            Db::Postgres(pool) => Ok(pool.get().await?.batch_execute(sql).await?),
        }
    }

    /// Closes every connection (PostgreSQL pools; SQLite closes when the last clone drops).
    pub fn close(&self) {
        if let Db::Postgres(pool) = self {
            pool.close();
        }
    }
}

/// Why a PostgreSQL server cannot be used, with every cause and what to check.
fn postgres_unreachable(
    config: &tokio_postgres::Config,
    e: &deadpool_postgres::PoolError,
) -> StoreError {
    let place = crate::error::server_of(config);
    let causes = crate::error::with_causes(e);
    let hint = if causes.contains("Connection refused") {
        format!(" (no PostgreSQL server answers at {place}: is it running?)")
    } else if causes.contains("password authentication failed") {
        " (check the user and password in the URL)".to_owned()
    } else {
        String::new()
    };
    StoreError::Connect(format!("{place}: {causes}{hint}"))
}

impl Exec for Db {
    fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    async fn query(&self, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>> {
        match self {
            Db::Sqlite(s) => s.with_reader(|c| sqlite_query(c, sql, params)),
            Db::Postgres(pool) => {
                let client = pool.get().await?;
                pg::query(&client, sql, params).await
            }
        }
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> StoreResult<u64> {
        match self {
            Db::Sqlite(s) => {
                let _guard = s.write_lock.lock().await;
                sqlite_execute_locked(&s.writer, sql, params)
            }
            Db::Postgres(pool) => {
                let client = pool.get().await?;
                pg::execute(&client, sql, params).await
            }
        }
    }
}

enum TxInner {
    Sqlite {
        conn: Arc<Mutex<rusqlite::Connection>>,
        _guard: OwnedMutexGuard<()>,
    },
    Postgres(Box<deadpool_postgres::Object>),
}

/// A write transaction. Every write in Tequio happens inside one, together with its audit entry.
pub struct Tx {
    inner: Option<TxInner>,
    /// Set when a statement failed. PostgreSQL aborts the whole transaction then, SQLite does
    /// not; Tequio makes both behave like PostgreSQL, so no engine commits half a change.
    failed: std::sync::atomic::AtomicBool,
}

impl Tx {
    fn inner(&self) -> StoreResult<&TxInner> {
        self.inner
            .as_ref()
            .ok_or_else(|| StoreError::Query("transaction already finished".into()))
    }

    fn note<T>(&self, result: StoreResult<T>) -> StoreResult<T> {
        if result.is_err() {
            self.failed
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        result
    }

    fn check_usable(&self) -> StoreResult<&TxInner> {
        if self.failed.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(StoreError::Query(
                "the transaction was aborted by an earlier error".into(),
            ));
        }
        self.inner()
    }

    /// Makes every change of the transaction permanent. Fails, and rolls back, when a statement
    /// of the transaction failed before.
    pub async fn commit(mut self) -> StoreResult<()> {
        if self.failed.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(StoreError::Query(
                "the transaction was aborted by an earlier error; nothing was saved".into(),
            ));
        }
        match self.inner.take() {
            Some(TxInner::Sqlite { conn, _guard }) => {
                let committed = sqlite_batch_locked(&conn, "COMMIT");
                if committed.is_err() {
                    // Leave the writer clean for the next transaction.
                    let _ = sqlite_batch_locked(&conn, "ROLLBACK");
                }
                committed
            }
            Some(TxInner::Postgres(client)) => Ok(client.batch_execute("COMMIT").await?),
            None => Ok(()),
        }
    }

    /// Runs several statements separated by semicolons, with no parameters (DDL in migrations).
    pub async fn batch(&self, sql: &str) -> StoreResult<()> {
        let result = match self.check_usable()? {
            TxInner::Sqlite { conn, .. } => sqlite_batch_locked(conn, sql),
            TxInner::Postgres(client) => client.batch_execute(sql).await.map_err(StoreError::from),
        };
        self.note(result)
    }
}

impl Tx {
    /// Runs the statements `sqls`, in order, once per parameter list of `rows`, preparing each
    /// statement once: the fast path for bulk loads. Every statement reads its own `$N` from
    /// the same list (on PostgreSQL use one statement that names every parameter). Returns
    /// the rows given.
    ///
    /// The rows come as a trait object: a generic iterator holding borrowed data would make
    /// callers' futures fail the `Send` check of the web server.
    pub async fn execute_each(
        &self,
        sqls: &[&str],
        rows: &mut (dyn Iterator<Item = Vec<Value>> + Send),
    ) -> StoreResult<u64> {
        let result = match self.check_usable()? {
            TxInner::Sqlite { conn, .. } => {
                // A bulk load keeps the thread busy for seconds: on the server's multi-thread
                // runtime, let other tasks move off this worker meanwhile.
                let mut run = move || {
                    let conn = lock(conn);
                    sqlite_execute_each(&conn, sqls, rows)
                };
                match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
                    Ok(tokio::runtime::RuntimeFlavor::MultiThread) => {
                        tokio::task::block_in_place(run)
                    }
                    _ => run(),
                }
            }
            TxInner::Postgres(client) => pg::execute_each(client, sqls, rows).await,
        };
        self.note(result)
    }
}

fn sqlite_execute_each(
    conn: &rusqlite::Connection,
    sqls: &[&str],
    rows: &mut (dyn Iterator<Item = Vec<Value>> + Send),
) -> StoreResult<u64> {
    let mut statements = sqls
        .iter()
        .map(|sql| conn.prepare_cached(sql))
        .collect::<Result<Vec<_>, _>>()?;
    let mut n = 0;
    for params in rows {
        for stmt in &mut statements {
            sqlite_bind(stmt, &params)?;
            stmt.raw_execute()?;
        }
        n += 1;
    }
    Ok(n)
}

impl Drop for Tx {
    fn drop(&mut self) {
        match self.inner.take() {
            Some(TxInner::Sqlite { conn, _guard }) => {
                if let Err(e) = sqlite_batch_locked(&conn, "ROLLBACK") {
                    tracing::error!(error = %e, "rollback failed");
                }
            }
            Some(TxInner::Postgres(client)) => match tokio::runtime::Handle::try_current() {
                Ok(rt) => {
                    rt.spawn(async move {
                        if client.batch_execute("ROLLBACK").await.is_err() {
                            // Never hand a connection with an open transaction back to the pool.
                            drop(deadpool_postgres::Object::take(*client));
                        }
                    });
                }
                Err(_) => drop(deadpool_postgres::Object::take(*client)),
            },
            None => {}
        }
    }
}

impl Exec for Tx {
    fn engine(&self) -> Engine {
        match self.inner {
            Some(TxInner::Postgres(_)) => Engine::Postgres,
            _ => Engine::Sqlite,
        }
    }

    async fn query(&self, sql: &str, params: &[Value]) -> StoreResult<Vec<Row>> {
        let result = match self.check_usable()? {
            TxInner::Sqlite { conn, .. } => sqlite_query_locked(conn, sql, params),
            TxInner::Postgres(client) => pg::query(client, sql, params).await,
        };
        self.note(result)
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> StoreResult<u64> {
        let result = match self.check_usable()? {
            TxInner::Sqlite { conn, .. } => sqlite_execute_locked(conn, sql, params),
            TxInner::Postgres(client) => pg::execute(client, sql, params).await,
        };
        self.note(result)
    }
}
