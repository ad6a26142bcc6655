//! The domain's tests, one binary. `tests/bombs.rs` stays a binary of its own: it installs a
//! capped global allocator to measure what a hostile file costs.

mod import_files;
mod import_fuzz;
