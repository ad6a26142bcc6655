//! `tequio dataset …`: the catalogue from the command line, for bulk loads too big or too
//! many for the web form. The same checks and the same datastore load as the web.

use anyhow::{Context, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::process::ExitCode;
use tequio_domain::catalog::table;
use tequio_domain::catalog::{DatasetInput, FileFormat};
use tequio_domain::tabular::Limits;
use tequio_store::Db;
use tequio_store::audit::Who;
use tequio_store::catalog::{self as store, ResourceInput};

#[derive(Subcommand)]
pub enum DatasetCommand {
    /// Adds a file as a new resource of a dataset (created when missing, owned by `--subject`)
    /// and, for CSV and XLSX, loads its rows into the datastore with a progress bar.
    AddFile {
        /// The dataset's name (its address: `/datos/NAME`).
        #[arg(long)]
        dataset: String,
        /// The obligated subject that owns a new dataset.
        #[arg(long)]
        subject: Option<i64>,
        /// The title of a new dataset (default: its name).
        #[arg(long)]
        title: Option<String>,
        /// The resource's name (default: the file name).
        #[arg(long)]
        name: Option<String>,
        file: PathBuf,
    },
}

pub async fn dataset(
    db: &Db,
    files: &crate::files::FileStore,
    limits: &Limits,
    command: DatasetCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        DatasetCommand::AddFile {
            dataset,
            subject,
            title,
            name,
            file,
        } => add_file(db, files, limits, &dataset, subject, title, name, &file).await,
    }
}

#[allow(clippy::too_many_arguments)]
async fn add_file(
    db: &Db,
    files: &crate::files::FileStore,
    limits: &Limits,
    dataset: &str,
    subject: Option<i64>,
    title: Option<String>,
    name: Option<String>,
    file: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let sys = Who::system();
    let mut bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let file_name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "archivo".into());
    let format =
        FileFormat::detect(&file_name, &bytes).map_err(|e| anyhow::anyhow!(e.message("es")))?;
    let started = std::time::Instant::now();
    let table = if format.tabular {
        let (name, limits) = (file_name.clone(), *limits);
        let (read, returned) = tokio::task::spawn_blocking(move || {
            let read = table::read(&name, &bytes, &limits);
            (read, bytes)
        })
        .await?;
        bytes = returned;
        match read {
            Ok(t) => Some(t),
            Err(errors) => {
                eprintln!("{errors}");
                return Ok(ExitCode::FAILURE);
            }
        }
    } else {
        None
    };
    println!(
        "{file_name}: {} ({} bytes){}, read in {:.1} s",
        format.label,
        bytes.len(),
        table
            .as_ref()
            .map(|t| format!(", {} rows × {} columns", t.row_count, t.schema.fields.len()))
            .unwrap_or_default(),
        started.elapsed().as_secs_f64()
    );
    let dataset_id = match store::dataset(db, dataset).await {
        Ok(d) => d.id,
        Err(tequio_store::StoreError::NotFound) => {
            let Some(subject) = subject else {
                bail!("the dataset «{dataset}» does not exist: give --subject to create it");
            };
            let input = DatasetInput {
                name: dataset.to_owned(),
                title: title.unwrap_or_else(|| dataset.to_owned()),
                ..Default::default()
            }
            .clean()
            .map_err(|e| {
                anyhow::anyhow!(
                    "{}",
                    e.iter()
                        .map(|e| e.message("es"))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            })?;
            let tx = db.begin().await?;
            let id = store::create_dataset(&tx, &sys, subject, &input).await?;
            tx.commit().await?;
            id
        }
        Err(e) => return Err(e.into()),
    };
    let stored = files
        .put(&file_name, bytes)
        .await
        .map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let input = ResourceInput {
        name: name.unwrap_or_else(|| file_name.clone()),
        file: Some(stored),
        format: format.label.to_owned(),
        media_type: format.media_type.to_owned(),
        schema: table.as_ref().map(|t| t.schema.clone()),
        rows: table.as_ref().map(|t| t.row_count as i64),
        ..Default::default()
    };
    let tx = db.begin().await?;
    let rid = store::add_resource(&tx, &sys, dataset_id, &input).await?;
    tx.commit().await?;
    println!("resource {rid} added to «{dataset}»");
    if let Some(t) = table {
        // Take this load ourselves (a running server would otherwise pick it up).
        let Some(job) = store::claim_load_of(db, rid).await? else {
            bail!("the load of resource {rid} was taken by a running server");
        };
        let bar = ProgressBar::new(t.row_count as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} rows ({per_sec})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let started = std::time::Instant::now();
        crate::catalog::load::run(db, files, &job, limits, |done| bar.set_position(done)).await?;
        bar.finish_and_clear();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{} rows loaded in {secs:.1} s ({:.0} rows/s)",
            t.row_count,
            t.row_count as f64 / secs.max(1e-9)
        );
    }
    Ok(ExitCode::SUCCESS)
}
