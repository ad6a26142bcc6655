//! The store's tests, one binary (each file under `tests/` would link the whole crate again):
//! every store function against SQLite, and against PostgreSQL when `TEQUIO_TEST_POSTGRES_URL`
//! is set.

mod bodies;
mod catalog;
mod participation;
mod story;
mod transparency;
