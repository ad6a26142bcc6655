//! The datastore's loads: a tabular resource's file is read, checked, and its rows written to
//! a new table, a chunk per transaction with its progress recorded, then switched in at once
//! (see `tequio_store::catalog`). Every serving node runs one worker; the database hands each
//! queued load to exactly one of them.

use crate::app::AppState;
use std::time::Duration;
use tequio_domain::catalog::table::{self, Table, TableErrors};
use tequio_domain::search::fold_accents;
use tequio_store::audit::Who;
use tequio_store::catalog::{self, LoadJob};
use tequio_store::{Db, Value};

/// Rows written per transaction: big enough to load fast, small enough that other writers
/// (and the progress shown) are not held up for long.
const CHUNK_ROWS: usize = 50_000;

/// Runs queued loads until the process ends: at once when woken, and every few seconds
/// anyway (another node may have queued one).
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        if let Err(e) = catalog::requeue_interrupted(&state.db).await {
            tracing::error!(error = %e, "cannot requeue interrupted loads");
        }
        loop {
            match run_next(&state.db, &state.files).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::error!(error = format!("{e:#}"), "datastore load failed"),
            }
            let _ = tokio::time::timeout(Duration::from_secs(5), state.loads.notified()).await;
        }
    });
}

/// Runs the oldest queued load, if any. Returns whether there was one.
pub async fn run_next(db: &Db, files: &crate::files::FileStore) -> anyhow::Result<bool> {
    let Some(job) = catalog::claim_load(db).await? else {
        return Ok(false);
    };
    let bytes = match files.get(&job.file_key).await {
        Ok(b) => b,
        Err(e) => {
            let problem = serde_json::json!({
                "es": ["el archivo del recurso no está en el almacén de archivos"],
                "en": ["the resource's file is missing from the file store"],
            });
            catalog::fail_load(db, job.resource_id, job.generation, &problem.to_string()).await?;
            return Err(anyhow::anyhow!("resource {}: {e}", job.resource_id));
        }
    };
    let name = job.file_name.clone();
    let read = tokio::task::spawn_blocking(move || table::read(&name, &bytes)).await?;
    match read {
        Ok(t) => load(db, &job, &t, |_| {}).await?,
        Err(errors) => {
            catalog::fail_load(db, job.resource_id, job.generation, &errors_json(&errors)).await?;
        }
    }
    Ok(true)
}

/// The problems of a file as stored with a failed load: every message in both languages.
pub fn errors_json(errors: &TableErrors) -> String {
    serde_json::json!({ "es": errors.messages("es"), "en": errors.messages("en") }).to_string()
}

/// The messages of a failed load in one language.
pub fn error_messages(json: &str, lang: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get(lang).cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Writes a checked table's rows into the job's table and switches the resource to it.
/// `progress` hears the rows written so far (the command line draws a bar with it).
pub async fn load(
    db: &Db,
    job: &LoadJob,
    t: &Table,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<()> {
    catalog::create_load_table(db, job, &t.schema).await?;
    let written = match write_rows(db, job, t, &mut progress).await {
        Ok(rows) => catalog::index_load_table(db, job, &indexed_columns(t))
            .await
            .map(|()| rows)
            .map_err(anyhow::Error::from),
        Err(e) => Err(e),
    };
    let finished = match written {
        Ok(rows) => finish(db, job, rows).await,
        Err(e) => Err(e),
    };
    match finished {
        Ok(unused) => {
            if let Some(old) = unused {
                catalog::drop_table(db, &old).await?;
            }
            Ok(())
        }
        Err(e) => {
            // Nothing of this attempt stays: the resource keeps its previous rows.
            let _ = catalog::drop_table(db, &job.table_name()).await;
            let problem = serde_json::json!({
                "es": ["no se pudieron guardar los datos; inténtalo de nuevo"],
                "en": ["the data could not be saved; try again"],
            });
            let _ =
                catalog::fail_load(db, job.resource_id, job.generation, &problem.to_string()).await;
            Err(e)
        }
    }
}

async fn write_rows(
    db: &Db,
    job: &LoadJob,
    t: &Table,
    progress: &mut impl FnMut(u64),
) -> anyhow::Result<i64> {
    let types: Vec<_> = t.schema.fields.iter().map(|f| f.field_type).collect();
    let mut rows = t.rows();
    let mut next_id = 1i64;
    loop {
        let chunk: Vec<Vec<String>> = (&mut rows).take(CHUNK_ROWS).collect();
        if chunk.is_empty() {
            break;
        }
        let first = next_id;
        next_id += i64::try_from(chunk.len())?;
        let types = types.clone();
        let mut values = chunk.into_iter().enumerate().map(move |(i, row)| {
            let mut text = String::new();
            let mut out = Vec::with_capacity(row.len() + 2);
            out.push(Value::Int(first + i64::try_from(i).unwrap_or(0)));
            out.push(Value::Null);
            for (cell, ty) in row.into_iter().zip(&types) {
                if !cell.is_empty() {
                    text.push_str(&cell);
                    text.push(' ');
                }
                out.push(catalog::value_of(
                    ty.convert(&cell)
                        .unwrap_or(tequio_domain::catalog::table::Typed::Null),
                ));
            }
            out[1] = Value::Text(fold_accents(&text.to_lowercase()));
            out
        });
        let tx = db.begin().await?;
        catalog::insert_load_rows(&tx, job, types_len(&t.schema), &mut values).await?;
        tx.commit().await?;
        let done = next_id - 1;
        catalog::load_progress(db, job, done).await?;
        progress(u64::try_from(done).unwrap_or(0));
    }
    Ok(next_id - 1)
}

/// Most columns indexed per table, and the longest values worth an index.
const MAX_INDEXED: usize = 32;
const MAX_INDEXED_LEN: usize = 200;

/// The columns to index: short values only (codes, names, numbers, dates), not long texts.
fn indexed_columns(t: &Table) -> Vec<usize> {
    t.max_lengths
        .iter()
        .enumerate()
        .filter(|(_, len)| **len > 0 && **len <= MAX_INDEXED_LEN)
        .map(|(i, _)| i)
        .take(MAX_INDEXED)
        .collect()
}

fn types_len(schema: &tequio_domain::catalog::table::TableSchema) -> usize {
    schema.fields.len()
}

async fn finish(db: &Db, job: &LoadJob, rows: i64) -> anyhow::Result<Option<String>> {
    let tx = db.begin().await?;
    let unused = catalog::finish_load(&tx, &Who::system(), job, rows).await?;
    tx.commit().await?;
    Ok(unused)
}
