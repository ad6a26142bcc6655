//! Publishing a file of records: the one path shared by the pages, the API and `tequio import`.
//! Read and check the file (off the async workers: it is CPU work), check the period, then
//! publish all or nothing. A refusal is an [`AppError`]: `File` with every located problem
//! of the file, `Invalid` for the publication itself; [`AppError::messages`] gives them in
//! the person's language to every face.

use crate::error::{AppError, AppResult};
use tequio_domain::tabular::Limits;
use tequio_domain::transparency::acceptance;
use tequio_domain::transparency::import::{self, ImportErrors, Parsed};
use tequio_domain::transparency::period::Period;
use tequio_store::Db;
use tequio_store::audit::Who;
use tequio_store::transparency::{self as store, Format, NewPublication, Obligation, Published};

/// The largest publication file accepted, in MB. Bigger ones are refused before reading.
pub const MAX_FILE_MB: u64 = 50;
pub const MAX_FILE_BYTES: usize = (MAX_FILE_MB as usize) * 1024 * 1024;

/// A file read and checked, with the period it is for.
pub struct Checked {
    pub parsed: Parsed,
    pub period: Period,
}

/// Reads and checks a file against a format and a period (inferred from the records when not
/// given). Runs on a blocking thread.
pub async fn check_file(
    format: &Format,
    obligation: &Obligation,
    period: Option<Period>,
    file_name: &str,
    bytes: Vec<u8>,
    limits: &Limits,
) -> AppResult<Checked> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(file_name, MAX_FILE_MB));
    }
    check_bytes(format, obligation, period, file_name, bytes, limits).await
}

/// Like [`check_file`] without the web's size limit (the command line sets its own).
pub async fn check_bytes(
    format: &Format,
    obligation: &Obligation,
    period: Option<Period>,
    file_name: &str,
    bytes: Vec<u8>,
    limits: &Limits,
) -> AppResult<Checked> {
    let def = format.def.clone();
    let name = file_name.to_owned();
    let periodicity = obligation.periodicity;
    let limits = *limits;
    tokio::task::spawn_blocking(move || {
        let parsed = import::parse_within(&name, &bytes, &def, &limits).map_err(AppError::File)?;
        let period = match period.or_else(|| import::infer_period(&def, &parsed.records)) {
            Some(p) => p,
            None => {
                return Err(AppError::Invalid(format!(
                    "{name}: no se pudo saber de qué periodo son los registros; indíquelo"
                )));
            }
        };
        acceptance::check_periodicity(periodicity, period)
            .map_err(|r| AppError::Invalid(format!("{name}: {}", r.message)))?;
        import::check_period(&def, &parsed, period, &name).map_err(AppError::File)?;
        Ok(Checked { parsed, period })
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
}

/// The refusal of a file larger than `max_mb`, located like any problem of a file.
pub fn too_large(file_name: &str, max_mb: u64) -> AppError {
    AppError::File(ImportErrors {
        file: file_name.to_owned(),
        errors: vec![import::Located {
            sheet: None,
            row: None,
            column: None,
            field: None,
            problem: tequio_domain::transparency::values::Problem::TooLarge { max_mb },
        }],
        total: 1,
    })
}

/// Where records are published: a subject's obligation, in one format.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    pub subject_id: i64,
    pub obligation: &'a Obligation,
    pub format: &'a Format,
}

/// Publishes a checked file in one transaction.
pub async fn publish_checked(
    db: &Db,
    who: &Who,
    target: Target<'_>,
    checked: &Checked,
    source_name: &str,
    note: &str,
) -> AppResult<Published> {
    let new = NewPublication {
        subject_id: target.subject_id,
        obligation: target.obligation,
        format: target.format,
        period: checked.period,
        source_name,
        source_kind: checked.parsed.kind.as_str(),
        note,
        today: crate::clock::today(),
    };
    let tx = db.begin().await?;
    let published = store::publish(&tx, who, &new, &checked.parsed.records).await?;
    tx.commit().await?;
    Ok(published)
}

/// Checks and publishes a file: the whole path.
#[allow(clippy::too_many_arguments)]
pub async fn publish_file(
    db: &Db,
    who: &Who,
    target: Target<'_>,
    period: Option<Period>,
    file_name: &str,
    bytes: Vec<u8>,
    note: &str,
    limits: &Limits,
) -> AppResult<Published> {
    let checked = check_file(
        target.format,
        target.obligation,
        period,
        file_name,
        bytes,
        limits,
    )
    .await?;
    publish_checked(db, who, target, &checked, file_name, note).await
}

/// The format to publish with: the named code, or the obligation's only (or first) format.
pub async fn pick_format(
    db: &Db,
    obligation: &Obligation,
    code: Option<&str>,
) -> AppResult<Format> {
    let formats = store::current_formats(db, obligation.id).await?;
    match code {
        Some(code) => formats.into_iter().find(|f| f.code == code).ok_or_else(|| {
            AppError::Invalid(format!(
                "la obligación {} no tiene el formato «{code}»",
                obligation.code
            ))
        }),
        None => formats.into_iter().next().ok_or_else(|| {
            AppError::Invalid(format!(
                "la obligación {} no tiene formatos",
                obligation.code
            ))
        }),
    }
}
