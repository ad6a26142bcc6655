//! Publishing a file of records: the one path shared by the pages, the API and `tequio import`.
//! Read and check the file (off the async workers: it is CPU work), check the period, then
//! publish all or nothing.

use crate::error::AppError;
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

/// Why a file was not published.
#[derive(Debug)]
pub enum Refusal {
    /// The file has problems: every one of them, with its place.
    File(ImportErrors),
    /// The publication itself is refused (period open, obligation not applicable…).
    Refused(String),
    /// Something broke on our side.
    Internal(anyhow::Error),
}

impl From<tequio_store::StoreError> for Refusal {
    fn from(e: tequio_store::StoreError) -> Self {
        match AppError::from(e) {
            AppError::Invalid(m) | AppError::BadRequest(m) | AppError::Conflict(m) => {
                Refusal::Refused(m)
            }
            AppError::NotFound => Refusal::Refused("no existe".into()),
            other => Refusal::Internal(anyhow::anyhow!(other.to_string())),
        }
    }
}

impl Refusal {
    /// Every message, in the person's language.
    pub fn messages(&self, lang: &str) -> Vec<String> {
        match self {
            Refusal::File(e) => {
                let mut out: Vec<String> = e
                    .errors
                    .iter()
                    .map(|l| format!("{}: {}", e.file, l.message(lang)))
                    .collect();
                if e.total > e.errors.len() {
                    out.push(
                        tequio_domain::transparency::values::Problem::More(
                            e.total - e.errors.len(),
                        )
                        .message(lang),
                    );
                }
                out
            }
            Refusal::Refused(m) => vec![m.clone()],
            Refusal::Internal(_) => vec![if lang == "en" {
                "Something failed on our side; nothing was published.".into()
            } else {
                "Algo falló de nuestro lado; no se publicó nada.".into()
            }],
        }
    }
}

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
) -> Result<Checked, Refusal> {
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
) -> Result<Checked, Refusal> {
    let def = format.def.clone();
    let name = file_name.to_owned();
    let periodicity = obligation.periodicity;
    let limits = *limits;
    tokio::task::spawn_blocking(move || {
        let parsed = import::parse_within(&name, &bytes, &def, &limits).map_err(Refusal::File)?;
        let period = match period.or_else(|| import::infer_period(&def, &parsed.records)) {
            Some(p) => p,
            None => {
                return Err(Refusal::Refused(format!(
                    "{name}: no se pudo saber de qué periodo son los registros; indíquelo"
                )));
            }
        };
        acceptance::check_periodicity(periodicity, period)
            .map_err(|r| Refusal::Refused(format!("{name}: {}", r.message)))?;
        import::check_period(&def, &parsed, period, &name).map_err(Refusal::File)?;
        Ok(Checked { parsed, period })
    })
    .await
    .map_err(|e| Refusal::Internal(e.into()))?
}

pub fn too_large(file_name: &str, max_mb: u64) -> Refusal {
    Refusal::File(ImportErrors {
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
) -> Result<Published, Refusal> {
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
) -> Result<Published, Refusal> {
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
) -> Result<Format, Refusal> {
    let formats = store::current_formats(db, obligation.id).await?;
    match code {
        Some(code) => formats.into_iter().find(|f| f.code == code).ok_or_else(|| {
            Refusal::Refused(format!(
                "la obligación {} no tiene el formato «{code}»",
                obligation.code
            ))
        }),
        None => formats.into_iter().next().ok_or_else(|| {
            Refusal::Refused(format!(
                "la obligación {} no tiene formatos",
                obligation.code
            ))
        }),
    }
}
