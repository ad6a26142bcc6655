//! The one error type of request handlers.
//!
//! Rule of thumb (as in crates.io): handlers and anything they call in this crate return
//! [`AppError`]; the store returns `StoreError`, converted here; the command line and start-up
//! use `anyhow`. An `AppError` becomes a response carrying [`ErrorInfo`]; the error middleware
//! in [`crate::middleware`] turns that into an HTML page in the visitor's language, or a JSON problem
//! (RFC 9457) under `/api`.

use crate::i18n::Lang;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tequio_domain::transparency::import::ImportErrors;
use tequio_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Not found, saying what was looked for (APIs whose clients read the message).
    #[error("{0}")]
    Missing(String),
    /// Signed in, or not, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Not allowed for anyone, saying why (a read-only API asked to write).
    #[error("{0}")]
    NotAllowed(String),
    /// An API call without valid credentials (an API token).
    #[error("unauthorized")]
    Unauthorized,
    /// The request is malformed; the message says what and where.
    #[error("{0}")]
    BadRequest(String),
    /// The request is well formed but its content is refused (a field's value, a state).
    #[error("{0}")]
    Invalid(String),
    /// The request conflicts with what there is (a filter on a column a table lacks).
    #[error("{0}")]
    Conflict(String),
    /// A unique value is taken: a message of the locale files (`conflict-…`, which names the
    /// field) and its arguments.
    #[error("already exists ({key})")]
    AlreadyExists {
        key: &'static str,
        args: Vec<(&'static str, String)>,
    },
    /// A file whose content is refused: every problem, with its place.
    #[error("{0}")]
    File(ImportErrors),
    /// Too many attempts: try again in `retry_after` seconds (sent as `Retry-After`).
    #[error("too many attempts")]
    TooManyRequests { retry_after: i64 },
    /// The request came from another site or without an origin (CSRF protection).
    #[error("cross-site request refused")]
    CrossSite,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What the error middleware needs to render an error.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// A message key of the locale files for the title, e.g. `error-404`.
    pub title_key: &'static str,
    /// A ready message for the person (already in plain language), if any.
    pub detail: Option<String>,
    /// A message key for the detail, used when `detail` is `None`, and its arguments.
    pub detail_key: Option<&'static str>,
    pub detail_args: Vec<(&'static str, String)>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Missing(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::CrossSite | AppError::NotAllowed(_) => {
                StatusCode::FORBIDDEN
            }
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) | AppError::AlreadyExists { .. } => StatusCode::CONFLICT,
            AppError::File(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn info(&self) -> ErrorInfo {
        let mut detail_args = Vec::new();
        let (title_key, detail, detail_key) = match self {
            AppError::NotFound => ("error-404", None, Some("error-404-detail")),
            AppError::Missing(m) => ("error-404", Some(m.clone()), None),
            AppError::NotAllowed(m) => ("error-403", Some(m.clone()), None),
            AppError::Forbidden => ("error-403", None, Some("error-403-detail")),
            AppError::CrossSite => ("error-403", None, Some("error-csrf")),
            AppError::Unauthorized => ("error-401", None, Some("error-401-detail")),
            AppError::BadRequest(m) => ("error-400", Some(m.clone()), None),
            AppError::Invalid(m) => ("error-422", Some(m.clone()), None),
            AppError::Conflict(m) => ("error-409", Some(m.clone()), None),
            AppError::AlreadyExists { key, args } => {
                detail_args.clone_from(args);
                ("error-409", None, Some(*key))
            }
            AppError::File(e) => ("error-422", Some(e.to_string()), None),
            AppError::TooManyRequests { .. } => ("error-429", None, Some("error-429-detail")),
            AppError::Internal(_) => ("error-500", None, Some("error-500-detail")),
        };
        ErrorInfo {
            title_key,
            detail,
            detail_key,
            detail_args,
        }
    }

    /// What the person can fix, in their language, to show beside a form; `None` for the
    /// errors that are not theirs to fix (missing rights, a failure on our side).
    pub fn messages(&self, lang: Lang) -> Option<Vec<String>> {
        match self {
            AppError::Invalid(m) | AppError::Conflict(m) | AppError::BadRequest(m) => {
                Some(vec![m.clone()])
            }
            AppError::AlreadyExists { key, args } => Some(vec![lang.t_args(key, args)]),
            AppError::File(e) => {
                let code = lang.code();
                let mut out: Vec<String> = e
                    .errors
                    .iter()
                    .map(|l| format!("{}: {}", e.file, l.message(code)))
                    .collect();
                if e.total > e.errors.len() {
                    let more = e.total - e.errors.len();
                    out.push(
                        tequio_domain::transparency::values::Problem::More(more).message(code),
                    );
                }
                Some(out)
            }
            _ => None,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self {
            // The full chain goes to the log, never to the visitor.
            tracing::error!(error = format!("{e:#}"), "request failed");
        }
        let mut res = self.status().into_response();
        if let AppError::TooManyRequests { retry_after } = &self {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(*retry_after),
            );
        }
        res.extensions_mut().insert(self.info());
        res
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Invalid(m) => AppError::Invalid(m),
            StoreError::Conflict { table, columns } => already_exists(&table, &columns),
            StoreError::ForeignKey => {
                AppError::Invalid("Un dato hace referencia a algo que no existe.".into())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

/// The message of a unique key that already holds the value sent (`conflict-…` in the
/// locale files).
fn already_exists(table: &str, columns: &[String]) -> AppError {
    let key = match (table, columns.first().map(String::as_str)) {
        ("users", Some("email")) => "conflict-user-email",
        ("subjects", Some("platform_id")) => "conflict-subject-platform-id",
        ("organisations", Some("name")) => "conflict-organisation-name",
        ("grants", _) => "conflict-grant",
        ("bodies", Some("name")) => "conflict-body-name",
        ("bodies", Some("code")) => "conflict-body-code",
        ("calls", Some("name")) => "conflict-call-name",
        ("guarantors", _) => "conflict-guarantor-name",
        ("datasets", Some("name")) => "conflict-dataset-name",
        ("topics", Some("name")) => "conflict-topic-name",
        _ => {
            let args = vec![("table", table.to_owned()), ("columns", columns.join(", "))];
            return AppError::AlreadyExists {
                key: "conflict-other",
                args,
            };
        }
    };
    AppError::AlreadyExists {
        key,
        args: Vec::new(),
    }
}

pub type AppResult<T> = Result<T, AppError>;
