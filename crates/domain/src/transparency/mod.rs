//! Transparency obligations: the legal framework as data, reporting periods, and the records
//! a subject publishes, read from files and checked against their format.

pub mod acceptance;
pub mod export;
pub mod framework;
pub mod import;
pub mod period;
pub mod records;
pub mod values;
