//! Tequio's store: the one place that talks to the database.
//!
//! - [`db`]: the [`Db`] handle (SQLite or PostgreSQL), transactions and the portable query API.
//! - [`migrate`]: schema migrations, one folder per engine.
//! - one module per domain (`accounts`, `subjects`, `audit`, `search`), with the same names as
//!   in the other crates. Every write function takes a [`Tx`] and appends its audit entry to it.

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod bodies;
pub mod calls;
pub mod catalog;
pub mod db;
pub mod error;
pub mod events;
pub mod files;
pub mod instruments;
pub mod migrate;
pub mod participation;
pub mod search;
pub mod site;
pub mod subjects;
pub mod topics;
pub mod transparency;

pub use db::{Db, Engine, Exec, Row, Tx, Value};
pub use error::{StoreError, StoreResult};

/// The current time as stored everywhere: RFC 3339, UTC, fixed width (microseconds), so the
/// text sorts in time order on both engines.
pub fn now() -> String {
    format_time(time::OffsetDateTime::now_utc())
}

/// Formats a time the way the store keeps it.
pub fn format_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    )
}

/// The stored form of `now + seconds`.
pub fn in_seconds(seconds: i64) -> String {
    format_time(time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds))
}

/// Ids made by the database, written into a query as `1,2,3` (for `IN (…)`). Only numbers
/// ever go in, so this is safe from injection.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}
