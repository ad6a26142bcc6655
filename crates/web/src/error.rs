//! The one error type of request handlers.
//!
//! Rule of thumb (as in crates.io): handlers and anything they call in this crate return
//! [`AppError`]; the store returns `StoreError`, converted here; the command line and start-up
//! use `anyhow`. An `AppError` becomes a response carrying [`ErrorInfo`]; the error middleware
//! in [`crate::middleware`] turns that into an HTML page in the visitor's language, or a JSON problem
//! (RFC 9457) under `/api`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tequio_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Signed in, or not, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// An API call without valid credentials (an API token).
    #[error("unauthorized")]
    Unauthorized,
    /// The request is malformed; the message says what and where.
    #[error("{0}")]
    BadRequest(String),
    /// The request is well formed but its content is refused (a field's value, a state).
    #[error("{0}")]
    Invalid(String),
    /// The thing already exists.
    #[error("{0}")]
    Conflict(String),
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
    /// A message key for the detail, used when `detail` is `None`.
    pub detail_key: Option<&'static str>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn info(&self) -> ErrorInfo {
        let (title_key, detail, detail_key) = match self {
            AppError::NotFound => ("error-404", None, Some("error-404-detail")),
            AppError::Forbidden => ("error-403", None, Some("error-403-detail")),
            AppError::CrossSite => ("error-403", None, Some("error-csrf")),
            AppError::Unauthorized => ("error-401", None, Some("error-401-detail")),
            AppError::BadRequest(m) => ("error-400", Some(m.clone()), None),
            AppError::Invalid(m) => ("error-422", Some(m.clone()), None),
            AppError::Conflict(m) => ("error-409", Some(m.clone()), None),
            AppError::TooManyRequests { .. } => ("error-429", None, Some("error-429-detail")),
            AppError::Internal(_) => ("error-500", None, Some("error-500-detail")),
        };
        ErrorInfo {
            title_key,
            detail,
            detail_key,
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
            StoreError::Conflict { table, columns } => {
                AppError::Conflict(conflict_message(&table, &columns))
            }
            StoreError::ForeignKey => {
                AppError::Invalid("Un dato hace referencia a algo que no existe.".into())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

/// Friendly words for a unique key that already holds the value sent.
fn conflict_message(table: &str, columns: &[String]) -> String {
    match (table, columns.first().map(String::as_str)) {
        ("users", Some("email")) => "email: ya existe una cuenta con ese correo.".into(),
        ("subjects", Some("platform_id")) => "platform_id: otro sujeto obligado ya tiene ese identificador de la Plataforma Nacional.".into(),
        ("organisations", Some("name")) => "name: ya existe una organización con ese nombre.".into(),
        ("grants", _) => "role: la persona ya tiene ese rol.".into(),
        ("bodies", Some("name")) => "name: ya existe un órgano con ese nombre en la dirección.".into(),
        ("bodies", Some("code")) => "code: otro órgano ya numera sus acuerdos con esa clave.".into(),
        ("calls", Some("name")) => "name: ya existe una convocatoria con ese nombre en la dirección.".into(),
        ("guarantors", _) => "name: ya existe un órgano garante con ese nombre.".into(),
        _ => format!("{table}: ya existe un registro con esos datos ({}).", columns.join(", ")),
    }
}

pub type AppResult<T> = Result<T, AppError>;
