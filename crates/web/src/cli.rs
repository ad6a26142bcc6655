//! The command line. Errors here are `anyhow` errors, printed once with their causes.

use crate::app::router;
use crate::config::{DbArgs, LimitArgs, ServeArgs, Settings, redact_url};
use crate::state::AppState;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::process::ExitCode;
use tequio_store::Db;

/// Tequio: an open-government platform for transparency, participation and collaboration.
#[derive(Parser)]
#[command(name = "tequio", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (pages and API). Creates the database and applies migrations first.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo data (Oaxaca's guarantor, its 202 obligated subjects, organisations and
    /// one account per role). Safe to run twice: the second run changes nothing.
    Demo,
    /// Manage accounts from the command line (for the first admin, or a lost password).
    Admin {
        #[command(subcommand)]
        command: crate::accounts::cli::AdminCommand,
    },
    /// Load or export the legal framework (laws, obligations, formats).
    Framework {
        #[command(subcommand)]
        command: crate::transparency::cli::FrameworkCommand,
    },
    /// Publish transparency records from CSV, XLSX or JSON files, with the same checks as
    /// the web; each file becomes one publication (all or nothing).
    Import(crate::transparency::cli::ImportArgs),
    /// The open-data catalogue: add files to datasets, loading tabular ones.
    Dataset {
        #[command(subcommand)]
        command: crate::catalog::cli::DatasetCommand,
    },
    /// Load made-up collegiate bodies, sessions and agreements at scale (for benchmarks).
    #[command(hide = true)]
    SyntheticBodies {
        #[arg(long, default_value_t = 200)]
        bodies: usize,
        #[arg(long, default_value_t = 5000)]
        sessions: usize,
        #[arg(long, default_value_t = 50000)]
        agreements: usize,
    },
    /// Recompute the audit log's hash chain and report the first bad entry, if any.
    /// Exits with status 1 when the chain is broken.
    VerifyLog {
        /// A head saved earlier from /api/v1/audit/head, as SEQ:HASH; the check then also
        /// proves that history up to it was not rewritten.
        #[arg(long, conflicts_with = "witness")]
        head: Option<String>,
        /// A witness's file (`tequio witness`): its newest checkpoint is the saved head.
        #[arg(long)]
        witness: Option<std::path::PathBuf>,
    },
    /// Keep another instance's signed checkpoints and check that its log only grows: exit 0
    /// when it does, 2 with the evidence of a rewind or a fork. Run it every hour.
    Witness(crate::audit::cli::WitnessArgs),
    /// Write a backup while the server runs: a consistent copy of the database, every file
    /// of the file store and the log's signing key, in one zip file (keep it secret).
    Backup {
        /// Where to write it (e.g. `tequio-2026-12-02.zip`).
        #[arg(long)]
        out: std::path::PathBuf,
        /// List the files in the backup without copying them (a bucket backed up on its own).
        #[arg(long)]
        without_files: bool,
    },
    /// Restore a backup into an empty database and data folder, then check the log and the
    /// files. Exit 1 when something does not check.
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("TEQUIO_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("TEQUIO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(serve) => serve_forever(&cli.db, &cli.limits, serve).await,
        Command::Migrate => {
            let url = cli.db.url();
            let db = Db::connect(&url)
                .await
                .with_context(|| format!("opening {}", redact_url(&url)))?;
            let applied = tequio_store::migrate::run(&db).await?;
            if applied.is_empty() {
                println!("The database is up to date.");
            }
            for m in applied {
                println!("applied {m}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let db = cli.db.open().await?;
            let files = cli.db.files()?;
            print_demo(&crate::demo::load(&db, &files).await?);
            Ok(ExitCode::SUCCESS)
        }
        Command::SyntheticBodies {
            bodies,
            sessions,
            agreements,
        } => {
            let db = cli.db.open().await?;
            let first =
                crate::demo::synthetic_bodies::load(&db, bodies, sessions, agreements).await?;
            println!("{first}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin { command } => {
            let db = cli.db.open().await?;
            crate::accounts::cli::admin(&db, command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Framework { command } => {
            let db = cli.db.open().await?;
            crate::transparency::cli::framework(&db, command).await
        }
        Command::Dataset { command } => {
            let db = cli.db.open().await?;
            let files = cli.db.files()?;
            crate::catalog::cli::dataset(&db, &files, &cli.limits.resources(), command).await
        }
        Command::Import(args) => {
            let db = cli.db.open().await?;
            crate::transparency::cli::import(&db, args, &cli.limits.publications()).await
        }
        Command::Witness(args) => crate::audit::cli::run(args, &cli.db.data_dir).await,
        Command::Backup { out, without_files } => {
            crate::backup::backup(&cli.db, &out, without_files).await
        }
        Command::Restore { file } => crate::backup::restore(&cli.db, &file).await,
        Command::VerifyLog { head, witness } => {
            crate::audit::cli::verify_log(&cli.db, head.as_deref(), witness.as_deref()).await
        }
    }
}

/// `tequio serve`: migrates, loads the demo when asked, says where everything is, and serves
/// until Ctrl-C.
async fn serve_forever(
    db_args: &DbArgs,
    limits: &LimitArgs,
    serve: ServeArgs,
) -> anyhow::Result<ExitCode> {
    let db = db_args.open().await?;
    let settings = Settings::new(&serve, db_args, limits);
    if serve.demo {
        let files = db_args.files()?;
        print_demo(&crate::demo::load(&db, &files).await?);
    }
    println!("Tequio {}", env!("CARGO_PKG_VERSION"));
    println!("  database:  {}", redact_url(&db_args.url()));
    println!("  data dir:  {}", settings.data_dir.display());
    println!("  bind:      {}", serve.bind);
    println!("  base URL:  {}", settings.base_url);
    match &settings.smtp_url {
        Some(u) => println!(
            "  e-mail:    SMTP {} (from {})",
            redact_url(u),
            settings.smtp_from
        ),
        None => {
            println!("  e-mail:    no SMTP; messages stay in the outbox (/admin/correo)")
        }
    }
    let listener = tokio::net::TcpListener::bind(&serve.bind)
        .await
        .with_context(|| format!("binding {}", serve.bind))?;
    println!(
        "  page cache: {}",
        if settings.page_cache { "on" } else { "off" }
    );
    println!("\nOpen {}/ in your browser.", settings.base_url);
    let state = AppState::new(db, settings)?;
    println!("  files:     {}", state.files.description);
    crate::app::start_workers(&state);
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

fn print_demo(report: &crate::demo::DemoReport) {
    println!(
        "Demo data loaded: {} new obligated subjects, {} new publications.",
        report.subjects_added, report.publications
    );
    if report.accounts.is_empty() {
        println!(
            "The demo accounts already existed; their passwords were shown when they were created."
        );
        println!("Set a new one with: tequio admin reset-password --email admin@tequio.demo");
        return;
    }
    println!("Demo accounts (passwords are generated now and shown only once):");
    for a in &report.accounts {
        println!("  {:<40} {:<16} {}", a.email, a.role, a.password);
    }
    println!("Log in as admin at /entrar with admin@tequio.demo and the password above.");
}
