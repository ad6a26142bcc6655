//! The web crate's tests, one binary (each file under `tests/` would link the whole crate
//! again): the server over real HTTP on SQLite, and on PostgreSQL too when
//! `TEQUIO_TEST_POSTGRES_URL` is set; the command line as a real process.

mod common;

mod bodies;
mod catalog;
mod cli;
mod files_s3;
mod hardening;
mod http;
mod mail;
mod site;
mod topics;
mod transparency;
