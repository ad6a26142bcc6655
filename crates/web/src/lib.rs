//! Tequio's server and command line. One folder per domain, each with its pages, `/api/v1`
//! part, downloads and CLI side by side (`pages.rs`, `api.rs`, `data.rs`, `cli.rs`) and what
//! they share in its `mod.rs`; shared modules beside them never name a domain. The map and the
//! rules are in docs/ARCHITECTURE.md.

// Assemblers: they name every domain.
pub mod app;
pub mod cli;
pub mod openapi;

// Domains.
pub mod accounts;
pub mod audit;
pub mod bodies;
pub mod calls;
pub mod catalog;
pub mod demo;
pub mod events;
pub mod instruments;
pub mod search;
pub mod site;
pub mod subjects;
pub mod topics;
pub mod transparency;

// Shared by every domain.
pub mod attachments;
pub mod auth;
pub mod backup;
pub mod cache;
pub mod charts;
pub mod clock;
pub mod config;
pub mod csv_out;
pub mod error;
pub mod files;
pub mod format;
pub mod html;
pub mod http;
pub mod i18n;
pub mod listing;
pub mod mail;
pub mod markdown;
pub mod middleware;
pub mod signing_key;
pub mod state;
pub mod tables;
pub mod upload;
