//! Configuration: command-line flags, each with a `TEQUIO_*` environment fallback.

use clap::Args;
use std::path::PathBuf;
use tequio_domain::tabular::Limits;

/// Settings shared by every subcommand that opens the database.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Folder for Tequio's data (the SQLite file, uploaded files). Created if missing.
    #[arg(long, env = "TEQUIO_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Database URL: `postgres://user@host/db` for PostgreSQL, `sqlite://path` for SQLite.
    /// Default: a SQLite file `tequio.db` inside the data folder.
    #[arg(long, env = "TEQUIO_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Where uploaded files go: `s3://BUCKET[/PREFIX]?endpoint=URL&region=R` for an
    /// S3-compatible bucket shared by several nodes (keys in `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY`), or a folder. Default: `files` inside the data folder.
    #[arg(long, env = "TEQUIO_FILES_URL", global = true)]
    pub files_url: Option<String>,
}

/// The prefix of every `ocid` Tequio makes (OCDS asks publishers for a registered prefix;
/// an installation sets its own with `TEQUIO_OCID_PREFIX`).
pub const DEFAULT_OCID_PREFIX: &str = "ocds-tequio";

impl DbArgs {
    /// Opens the database named by the arguments and applies pending migrations.
    pub async fn open(&self) -> anyhow::Result<tequio_store::Db> {
        use anyhow::Context;
        let url = self.url();
        let db = tequio_store::Db::connect(&url)
            .await
            .with_context(|| format!("opening {}", redact_url(&url)))?;
        tequio_store::migrate::run(&db)
            .await
            .context("applying migrations")?;
        Ok(db)
    }

    /// The file store in effect.
    pub fn files(&self) -> anyhow::Result<crate::files::FileStore> {
        crate::files::FileStore::from_url(self.files_url.as_deref(), &self.data_dir)
    }
}

impl DbArgs {
    /// The database URL in effect.
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(u) if !u.is_empty() => u.clone(),
            _ => format!("sqlite://{}", self.data_dir.join("tequio.db").display()),
        }
    }
}

/// Limits on reading uploaded tables: publication files and dataset resources, from the web,
/// the API and the command line alike (`docs/PUBLICATIONS.md`, `docs/OPEN-DATA.md`).
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Most rows of a dataset resource's table (CSV or XLSX), its header included.
    #[arg(long, env = "TEQUIO_MAX_ROWS", global = true, hide_short_help = true,
          default_value_t = Limits::default().max_rows)]
    pub max_rows: usize,

    /// Most rows of a publication file (its records are all held until it is saved).
    #[arg(long, env = "TEQUIO_MAX_PUBLICATION_ROWS", global = true, hide_short_help = true,
          default_value_t = tequio_domain::transparency::import::default_limits().max_rows)]
    pub max_publication_rows: usize,

    /// Most columns of a dataset resource's table. A publication may have its format's fields
    /// and ten more.
    #[arg(long, env = "TEQUIO_MAX_COLUMNS", global = true, hide_short_help = true,
          default_value_t = Limits::default().max_columns)]
    pub max_columns: usize,

    /// Longest cell, in characters (Excel's own limit by default).
    #[arg(long, env = "TEQUIO_MAX_CELL_CHARS", global = true, hide_short_help = true,
          default_value_t = Limits::default().max_cell_chars)]
    pub max_cell_chars: usize,

    /// Longest CSV line (one record), in KB.
    #[arg(long, env = "TEQUIO_MAX_LINE_KB", global = true, hide_short_help = true,
          default_value_t = Limits::default().max_line_bytes / 1024)]
    pub max_line_kb: usize,

    /// How many times its size (counted as at least 1 MB) an XLSX file may unzip to.
    #[arg(long, env = "TEQUIO_MAX_INFLATION", global = true, hide_short_help = true,
          default_value_t = Limits::default().max_inflation)]
    pub max_inflation: u64,

    /// MB that reading one file may hold besides the rows in flight: an XLSX's shared strings
    /// and styles, a publication's records.
    #[arg(long, env = "TEQUIO_MEMORY_BUDGET_MB", global = true, hide_short_help = true,
          default_value_t = Limits::default().memory_budget / (1024 * 1024))]
    pub memory_budget_mb: usize,
}

impl LimitArgs {
    /// The limits of a dataset resource.
    pub fn resources(&self) -> Limits {
        Limits {
            max_rows: self.max_rows,
            max_columns: self.max_columns,
            max_cell_chars: self.max_cell_chars,
            max_line_bytes: self.max_line_kb.saturating_mul(1024),
            max_inflation: self.max_inflation,
            memory_budget: self.memory_budget_mb.saturating_mul(1024 * 1024),
        }
    }

    /// The limits of a publication file (its width comes from its format).
    pub fn publications(&self) -> Limits {
        Limits {
            max_rows: self.max_publication_rows,
            ..self.resources()
        }
    }
}

/// Settings of the web server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "TEQUIO_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// The public address people use to reach this server; used in e-mails and to decide
    /// whether cookies are marked Secure (https). Default: http:// plus the bind address.
    #[arg(long, env = "TEQUIO_BASE_URL")]
    pub base_url: Option<String>,

    /// SMTP server for outgoing e-mail, as `smtp://user:pass@host:587` (STARTTLS),
    /// `smtps://…` (TLS) or `smtp+plain://host:25` (no encryption, for local relays).
    /// Without it, messages stay in the outbox, readable by admins at /admin/correo.
    #[arg(long, env = "TEQUIO_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// The From address of outgoing e-mail.
    #[arg(
        long,
        env = "TEQUIO_SMTP_FROM",
        default_value = "Tequio <no-responder@tequio.local>"
    )]
    pub smtp_from: String,

    /// Load the demo data before serving (does nothing if it is already loaded).
    #[arg(long)]
    pub demo: bool,

    /// Keep rendered public pages in memory for visitors without a session, served while
    /// nothing was written since (`off` to render every request).
    #[arg(long, env = "TEQUIO_PAGE_CACHE", default_value = "on", value_parser = ["on", "off"])]
    pub page_cache: String,

    /// The prefix of the OCDS ids (`ocid`) of procurement releases; register one with the
    /// Open Contracting Partnership for real publication.
    #[arg(long, env = "TEQUIO_OCID_PREFIX", default_value = DEFAULT_OCID_PREFIX)]
    pub ocid_prefix: String,
}

/// Settings the running server needs after start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    pub base_url: String,
    pub secure_cookies: bool,
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    pub data_dir: PathBuf,
    pub files_url: Option<String>,
    pub page_cache: bool,
    pub ocid_prefix: String,
    /// Limits on reading a dataset resource's table.
    pub resource_limits: Limits,
    /// Limits on reading a publication file.
    pub publication_limits: Limits,
}

impl Settings {
    pub fn new(serve: &ServeArgs, db: &DbArgs, limits: &LimitArgs) -> Settings {
        let base_url = serve
            .base_url
            .clone()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| format!("http://{}", serve.bind))
            .trim_end_matches('/')
            .to_owned();
        Settings {
            secure_cookies: base_url.starts_with("https://"),
            base_url,
            smtp_url: serve.smtp_url.clone().filter(|u| !u.is_empty()),
            smtp_from: serve.smtp_from.clone(),
            data_dir: db.data_dir.clone(),
            files_url: db.files_url.clone(),
            page_cache: serve.page_cache == "on",
            ocid_prefix: serve.ocid_prefix.clone(),
            resource_limits: limits.resources(),
            publication_limits: limits.publications(),
        }
    }

    /// Settings for tests: no SMTP, plain http.
    pub fn for_tests(base_url: &str) -> Settings {
        Settings {
            base_url: base_url.to_owned(),
            secure_cookies: false,
            smtp_url: None,
            smtp_from: "Tequio <no-responder@tequio.local>".into(),
            // Each test server its own folder: files are stored by content, and one test
            // deleting a file it no longer uses must not touch another's.
            data_dir: std::env::temp_dir().join(format!(
                "tequio-test-{}",
                crate::auth::new_token().map_or_else(|_| "x".into(), |t| t[..12].to_owned())
            )),
            files_url: None,
            page_cache: true,
            ocid_prefix: DEFAULT_OCID_PREFIX.to_owned(),
            resource_limits: Limits::default(),
            publication_limits: tequio_domain::transparency::import::default_limits(),
        }
    }
}

/// Hides the password of a URL: `postgres://u:secret@h/db` → `postgres://u:***@h/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact_url("smtp://a%40b:p@ss@mail:587"),
            "smtp://a%40b:***@mail:587"
        );
        assert_eq!(
            redact_url("sqlite://data/tequio.db"),
            "sqlite://data/tequio.db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
