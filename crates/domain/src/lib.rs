//! Pure types and rules of Tequio. Nothing here does I/O, so every rule can be tested alone
//! and shared by the store, the pages, the API and the command line.
//!
//! One module per domain, with the same name in every crate (see `docs/ARCHITECTURE.md`).

pub mod accounts;
pub mod audit;
pub mod bodies;
pub mod calls;
pub mod catalog;
pub mod events;
pub mod instruments;
pub mod participation;
pub mod search;
pub mod site;
pub mod subjects;
pub mod tabular;
pub mod text;
pub mod transparency;
