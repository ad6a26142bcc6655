//! Tequio's server and command line.
//!
//! - [`cli`]: the subcommands (`serve`, `migrate`, `demo`, `admin`, `verify-log`).
//! - [`config`]: flags and `TEQUIO_*` environment variables.
//! - [`app`]: the router, shared state and middleware (security headers, CSRF, errors).
//! - [`error`]: [`error::AppError`], the one error type of handlers (see docs/ARCHITECTURE.md).
//! - [`auth`]: passwords, sessions, the current viewer.
//! - [`pages`]: server-rendered HTML, one module per domain; [`api`]: JSON under `/api/v1`.

pub mod api;
pub mod app;
pub mod attachments;
pub mod auth;
pub mod bodies_data;
pub mod cache;
pub mod catalog_formats;
pub mod catalog_load;
pub mod catalog_view;
pub mod checkpoints;
pub mod cli;
pub mod cli_backup;
pub mod cli_catalog;
pub mod cli_transparency;
pub mod cli_witness;
pub mod config;
pub mod csv_out;
pub mod demo;
pub mod demo_bodies;
pub mod downloads;
pub mod error;
pub mod feeds;
pub mod files;
pub mod i18n;
pub mod mail;
pub mod markdown;
pub mod ocds;
pub mod pages;
pub mod publishing;
pub mod records_view;
pub mod synthetic;
pub mod synthetic_bodies;
pub mod upload;
