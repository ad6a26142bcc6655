//! The datastore's loads: a tabular resource's file is read, checked, and its rows written to
//! a new table, a chunk per transaction with its progress recorded, then switched in at once
//! (see `tequio_store::catalog`). Every serving node runs one worker; the database hands each
//! queued load to exactly one of them.

use crate::state::AppState;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;
use tequio_domain::catalog::table::{self, Table, TableErrors};
use tequio_domain::search::fold_accents;
use tequio_domain::tabular::Limits;
use tequio_store::audit::Who;
use tequio_store::catalog::{self, LoadJob};
use tequio_store::{Db, Value};

/// Rows written per transaction: big enough to load fast, small enough that other writers
/// (and the progress shown) are not held up for long.
const CHUNK_ROWS: usize = 50_000;
/// A chunk also ends at this many bytes of text, so wide or long rows keep it small: the rows
/// in flight are at most three chunks (one read, one waiting, one written).
const CHUNK_BYTES: usize = 16 * 1024 * 1024;

/// Runs queued loads until the process ends: at once when woken, and every few seconds
/// anyway (another node may have queued one).
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        if let Err(e) = catalog::requeue_interrupted(&state.db).await {
            tracing::error!(error = %e, "cannot requeue interrupted loads");
        }
        loop {
            let limits = state.settings.resource_limits;
            match run_next(&state.db, &state.files, &limits).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::error!(error = format!("{e:#}"), "datastore load failed"),
            }
            let _ = tokio::time::timeout(Duration::from_secs(5), state.loads.notified()).await;
        }
    });
}

/// Runs the oldest queued load, if any. Returns whether there was one.
pub async fn run_next(
    db: &Db,
    files: &crate::files::FileStore,
    limits: &Limits,
) -> anyhow::Result<bool> {
    let Some(job) = catalog::claim_load(db).await? else {
        return Ok(false);
    };
    run(db, files, &job, limits, |_| {}).await?;
    Ok(true)
}

/// Runs one claimed load: reads the resource's file from the file store, checks it, and
/// loads its rows; a file with problems fails the load with them (the resource keeps its
/// previous rows). `progress` hears the rows written so far.
pub async fn run(
    db: &Db,
    files: &crate::files::FileStore,
    job: &LoadJob,
    limits: &Limits,
    progress: impl FnMut(u64),
) -> anyhow::Result<()> {
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
    let bytes = Arc::new(bytes);
    let read = {
        let (name, bytes, limits) = (job.file_name.clone(), bytes.clone(), *limits);
        tokio::task::spawn_blocking(move || table::read(&name, &bytes, &limits)).await?
    };
    match read {
        Ok(t) => load(db, job, &t, bytes, limits, progress).await,
        Err(errors) => {
            catalog::fail_load(db, job.resource_id, job.generation, &errors_json(&errors)).await?;
            Ok(())
        }
    }
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

/// Writes a checked table's rows (read again from `bytes`) into the job's table and switches
/// the resource to it.
async fn load(
    db: &Db,
    job: &LoadJob,
    t: &Table,
    bytes: Arc<Vec<u8>>,
    limits: &Limits,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<()> {
    catalog::create_load_table(db, job, &t.schema).await?;
    let written = match write_rows(db, job, t, bytes, limits, &mut progress).await {
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

/// Reads the rows on a blocking thread, in chunks handed over one at a time, and writes each
/// chunk in a transaction of its own.
async fn write_rows(
    db: &Db,
    job: &LoadJob,
    t: &Table,
    bytes: Arc<Vec<u8>>,
    limits: &Limits,
    progress: &mut impl FnMut(u64),
) -> anyhow::Result<i64> {
    let types: Vec<_> = t.schema.fields.iter().map(|f| f.field_type).collect();
    let (send, mut chunks) = tokio::sync::mpsc::channel::<Vec<Vec<String>>>(1);
    let reader = {
        let (t, name, limits) = (t.clone(), job.file_name.clone(), *limits);
        tokio::task::spawn_blocking(move || {
            let (mut chunk, mut size) = (Vec::new(), 0usize);
            let read = t.each_row(&name, &bytes, &limits, |row| {
                size += row.iter().map(|c| c.len() + 24).sum::<usize>() + 24;
                chunk.push(row);
                if chunk.len() < CHUNK_ROWS && size < CHUNK_BYTES {
                    return ControlFlow::Continue(());
                }
                size = 0;
                match send.blocking_send(std::mem::take(&mut chunk)) {
                    Ok(()) => ControlFlow::Continue(()),
                    // The writer stopped (it failed): stop reading.
                    Err(_) => ControlFlow::Break(()),
                }
            });
            if read.is_ok() && !chunk.is_empty() {
                let _ = send.blocking_send(chunk);
            }
            read
        })
    };
    let mut next_id = 1i64;
    while let Some(chunk) = chunks.recv().await {
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
    reader
        .await?
        .map_err(|e| anyhow::anyhow!("the file changed since it was checked: {e}"))?;
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
