//! `tequio framework …` and `tequio import`: the legal framework and bulk publishing from the
//! command line, with the same checks as the web.

use crate::error::AppError;
use crate::i18n::Lang;
use crate::transparency::publishing;
use anyhow::{Context, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use tequio_domain::transparency::framework::FrameworkFile;
use tequio_domain::transparency::period::Period;
use tequio_store::Db;
use tequio_store::audit::Who;
use tequio_store::transparency::{self as store, Published};

#[derive(Subcommand)]
pub enum FrameworkCommand {
    /// Load a framework file (a law, its obligations and formats; see docs/FRAMEWORK-FILE.md).
    /// Loading it again only adds what changed: a changed format gets a new version.
    Import {
        file: PathBuf,
        /// The guarantor it belongs to (its id); the only guarantor when there is one.
        #[arg(long)]
        guarantor: Option<i64>,
    },
    /// Write a law's framework file (its obligations and the latest version of each format).
    Export {
        #[arg(long)]
        law: i64,
        /// Where to write it; standard output when missing.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Arguments of `tequio import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// The obligated subject publishing (its id).
    #[arg(long)]
    pub subject: i64,
    /// The obligation, by code (for example 70-VIII).
    #[arg(long)]
    pub obligation: String,
    /// The format code, when the obligation has several (for example 28a).
    #[arg(long)]
    pub format: Option<String>,
    /// The period (2025-T3, 2025-S1, 2025); read from the records when missing.
    #[arg(long)]
    pub period: Option<String>,
    /// The largest file accepted, in MB (the web accepts 50 MB; bulk loads are bigger).
    #[arg(long, default_value_t = 4096)]
    pub max_file_mb: u64,
    /// A note kept with each publication.
    #[arg(long, default_value = "")]
    pub note: String,
    /// CSV, XLSX or JSON files; each becomes one publication.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub async fn framework(db: &Db, command: FrameworkCommand) -> anyhow::Result<ExitCode> {
    match command {
        FrameworkCommand::Import { file, guarantor } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let parsed = match FrameworkFile::parse(&text) {
                Ok(f) => f,
                Err(problems) => {
                    eprintln!("{}: {} problemas", file.display(), problems.len());
                    for p in problems {
                        eprintln!("  {p}");
                    }
                    return Ok(ExitCode::FAILURE);
                }
            };
            let guarantor = match guarantor {
                Some(g) => g,
                None => {
                    let all = tequio_store::subjects::list_guarantors(db).await?;
                    match all.as_slice() {
                        [only] => only.id,
                        [] => bail!("there is no guarantor yet; load the demo or create one first"),
                        _ => bail!("there are several guarantors: say which with --guarantor ID"),
                    }
                }
            };
            let tx = db.begin().await?;
            let r = store::import_framework(&tx, &Who::system(), guarantor, &parsed).await?;
            tx.commit().await?;
            println!(
                "{} ({}): {} obligations added, {} updated; {} formats added, {} new versions, {} unchanged.",
                parsed.law.code,
                r.law_id,
                r.obligations_added,
                r.obligations_updated,
                r.formats_added,
                r.formats_new_version,
                r.formats_unchanged
            );
            Ok(ExitCode::SUCCESS)
        }
        FrameworkCommand::Export { law, out } => {
            let file = store::export_framework(db, law)
                .await
                .map_err(|e| match e {
                    tequio_store::StoreError::NotFound => anyhow::anyhow!("there is no law {law}"),
                    e => e.into(),
                })?;
            let json = serde_json::to_string_pretty(&file)?;
            match out {
                Some(path) => std::fs::write(&path, json + "\n")
                    .with_context(|| format!("writing {}", path.display()))?,
                None => println!("{json}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Publishes each file, showing progress, then a summary. Exits with 1 when any file was
/// refused (the others are still published: each file is its own publication).
/// A line above the progress bar, or plain output when there is no terminal to draw it on.
fn say(bar: &ProgressBar, line: String) {
    if bar.is_hidden() {
        println!("{line}");
    } else {
        bar.println(line);
    }
}

pub async fn import(
    db: &Db,
    args: ImportArgs,
    limits: &tequio_domain::tabular::Limits,
) -> anyhow::Result<ExitCode> {
    let subject = tequio_store::subjects::get(db, args.subject)
        .await?
        .with_context(|| format!("--subject: there is no subject {}", args.subject))?;
    let guarantor = subject.guarantor_id.with_context(|| {
        format!(
            "the subject {} has no guarantor, so no law applies to it",
            subject.id
        )
    })?;
    let obligation = store::obligation_by_code(db, guarantor, &args.obligation)
        .await?
        .with_context(|| {
            format!(
                "--obligation: the guarantor's laws have no obligation {}",
                args.obligation
            )
        })?;
    let period = match &args.period {
        Some(p) => Some(Period::parse(p).with_context(|| {
            format!("--period: «{p}» is not a period like 2025-T3, 2025-S1 or 2025")
        })?),
        None => None,
    };
    let format = publishing::pick_format(db, &obligation, args.format.as_deref())
        .await
        .map_err(|r| anyhow::anyhow!(messages(&r).join("; ")))?;
    let bar = ProgressBar::new(args.files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let (mut published, mut unchanged, mut refused, mut records) = (0, 0, 0, 0i64);
    let started = Instant::now();
    for path in &args.files {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        bar.set_message(format!("{name}: leyendo y revisando"));
        let t0 = Instant::now();
        let target = publishing::Target {
            subject_id: subject.id,
            obligation: &obligation,
            format: &format,
        };
        let outcome = import_one(db, target, period, path, &name, &args, limits, &bar).await;
        let secs = t0.elapsed().as_secs_f64();
        match outcome {
            Ok(Published::New(p)) => {
                published += 1;
                records += p.record_count;
                say(
                    &bar,
                    format!(
                        "✔ {name}: {} {}, versión {}, {} registros ({} filas de subtablas) en {secs:.1} s ({:.0} registros/s); sha256 {}",
                        obligation.code,
                        p.period,
                        p.version,
                        p.record_count,
                        p.sub_row_count,
                        p.record_count as f64 / secs.max(1e-6),
                        p.content_hash
                    ),
                );
            }
            Ok(Published::Unchanged(p)) => {
                unchanged += 1;
                say(
                    &bar,
                    format!(
                        "= {name}: igual a la versión vigente {} de {}; no se guardó nada",
                        p.version, p.period
                    ),
                );
            }
            Err(r) => {
                refused += 1;
                let messages = messages(&r);
                say(
                    &bar,
                    format!("✘ {name}: no se publicó ({} problemas)", messages.len()),
                );
                for m in messages {
                    say(&bar, format!("    {m}"));
                }
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "Resumen: {published} publicados, {unchanged} sin cambios, {refused} rechazados; {records} registros en {:.1} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(if refused > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads, checks and publishes one file of `tequio import`, saying on the bar what it does.
#[allow(clippy::too_many_arguments)]
async fn import_one(
    db: &Db,
    target: publishing::Target<'_>,
    period: Option<Period>,
    path: &std::path::Path,
    name: &str,
    args: &ImportArgs,
    limits: &tequio_domain::tabular::Limits,
    bar: &ProgressBar,
) -> Result<Published, AppError> {
    let unreadable =
        |e: std::io::Error| AppError::Invalid(format!("{name}: no se puede leer: {e}"));
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > args.max_file_mb * 1024 * 1024 {
        return Err(publishing::too_large(name, args.max_file_mb));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let checked = publishing::check_bytes(
        target.format,
        target.obligation,
        period,
        name,
        bytes,
        limits,
    )
    .await?;
    bar.set_message(format!(
        "{name}: publicando {} registros",
        checked.parsed.records.len()
    ));
    publishing::publish_checked(db, &Who::system(), target, &checked, name, &args.note).await
}

/// What a refused file has wrong, in Spanish (the command line's language).
fn messages(e: &AppError) -> Vec<String> {
    e.messages(Lang::Es)
        .unwrap_or_else(|| vec![format!("{e:#}")])
}
