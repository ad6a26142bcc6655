//! `tequio backup` and `tequio restore` (`docs/OPERATIONS.md`). A backup is one zip file:
//!
//! - `tequio-backup.json`, the manifest: format, engine, when, the log's head, every file;
//! - the database: `database.sqlite` (a consistent copy taken with `VACUUM INTO` while the
//!   server runs) or `database.pgdump` (`pg_dump --format=custom` of Tequio's schema);
//! - `files/<key>`, every file of the file store (unless `--without-files`: a bucket is then
//!   backed up on its own), and `audit-signing-key`, the log's signing key.
//!
//! A backup holds password hashes, sessions and the signing key: keep it as secret as the
//! server. `restore` brings it back into an empty database and file store, then checks the
//! log against the head the manifest recorded, and that every file the data points at is
//! there.

use crate::config::DbArgs;
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use tequio_store::audit::Head;
use tequio_store::{Db, Engine, Exec, audit, backup};

/// The first field of a backup's manifest.
const FORMAT: &str = "tequio-backup/1";
const MANIFEST: &str = "tequio-backup.json";
const SQLITE_FILE: &str = "database.sqlite";
const PG_FILE: &str = "database.pgdump";

#[derive(Serialize, Deserialize)]
struct Manifest {
    format: String,
    tequio: String,
    created_at: String,
    /// `sqlite` or `postgres`.
    engine: String,
    /// PostgreSQL: the schema that was dumped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    postgres_schema: Option<String>,
    /// The log's head when the database was copied (restore checks the log reaches it).
    audit_head: Option<Head>,
    /// Every file of the file store when the backup was made.
    files: Vec<FileEntry>,
    /// Whether the files themselves are in the archive.
    files_included: bool,
    /// Whether the log's signing key is in the archive.
    signing_key: bool,
}

#[derive(Serialize, Deserialize)]
struct FileEntry {
    key: String,
    size: u64,
}

fn engine_name(e: Engine) -> &'static str {
    match e {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    }
}

/// Writes a backup of the database, the file store and the signing key to `out`.
pub async fn backup(db_args: &DbArgs, out: &Path, without_files: bool) -> anyhow::Result<ExitCode> {
    let url = db_args.url();
    let db = Db::connect(&url)
        .await
        .with_context(|| format!("opening {}", crate::config::redact_url(&url)))?;
    let files = db_args.files()?;
    let work = tempfile_dir(out)?;
    let engine = db.engine();
    // The database first: the files listed after it are all those it can point at.
    let head = audit::head(&db).await?;
    let (db_file, db_entry, schema) = match engine {
        Engine::Sqlite => {
            let path = work.join(SQLITE_FILE);
            backup::sqlite_snapshot(&db, &path)
                .await
                .context("copying the SQLite database")?;
            (path, SQLITE_FILE, None)
        }
        Engine::Postgres => {
            let (schema, server) = backup::postgres_place(&db).await?;
            let path = work.join(PG_FILE);
            pg_dump(&url, &schema, server, &path)?;
            (path, PG_FILE, Some(schema))
        }
    };
    let listed = files.list().await.map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let key_path = db_args.data_dir.join(crate::signing_key::KEY_FILE);
    let manifest = Manifest {
        format: FORMAT.into(),
        tequio: env!("CARGO_PKG_VERSION").into(),
        created_at: tequio_store::now(),
        engine: engine_name(engine).into(),
        postgres_schema: schema,
        audit_head: head.clone(),
        files: listed
            .iter()
            .map(|(key, size)| FileEntry {
                key: key.clone(),
                size: *size,
            })
            .collect(),
        files_included: !without_files,
        signing_key: key_path.exists(),
    };

    let partial = out.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("creating {}", partial.display()))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(MANIFEST, deflated)?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
    zip.start_file(db_entry, deflated)?;
    std::io::copy(&mut std::fs::File::open(&db_file)?, &mut zip)
        .context("writing the database into the backup")?;
    if manifest.signing_key {
        zip.start_file(crate::signing_key::KEY_FILE, stored)?;
        zip.write_all(&std::fs::read(&key_path)?)?;
    }
    if !without_files {
        use futures_util::StreamExt;
        for (key, _) in &listed {
            zip.start_file(format!("files/{key}"), stored)?;
            let mut chunks = files
                .stream(key)
                .await
                .map_err(|e| anyhow::anyhow!("{key}: {e:#}"))?;
            while let Some(chunk) = chunks.next().await {
                zip.write_all(&chunk.with_context(|| format!("reading {key}"))?)?;
            }
        }
    }
    zip.finish()?.flush()?;
    std::fs::rename(&partial, out).with_context(|| format!("writing {}", out.display()))?;
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "Backup written to {}: {} database, log at entry {}, {} file(s){}{}.",
        out.display(),
        engine_name(engine),
        head.map_or(0, |h| h.seq),
        listed.len(),
        if without_files {
            " listed (not included)"
        } else {
            " included"
        },
        if manifest.signing_key {
            ", the signing key"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// A temporary folder beside the backup (same disk: the database copy may be large).
fn tempfile_dir(out: &Path) -> anyhow::Result<std::path::PathBuf> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = parent.join(format!(
        ".tequio-backup-{}",
        &crate::auth::new_token().map_err(|e| anyhow::anyhow!("{e}"))?[..12]
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Runs `pg_dump` on one schema, after checking it is installed and not older than the server.
fn pg_dump(url: &str, schema: &str, server: i64, to: &Path) -> anyhow::Result<()> {
    let version = std::process::Command::new("pg_dump")
        .arg("--version")
        .output()
        .context("pg_dump is needed to back up PostgreSQL: install the PostgreSQL client (Debian: postgresql-client)")?;
    let text = String::from_utf8_lossy(&version.stdout);
    let major: i64 = text
        .split_whitespace()
        .find_map(|w| w.split('.').next()?.parse().ok())
        .context("cannot read pg_dump's version")?;
    if major < server / 10_000 {
        bail!(
            "pg_dump {major} is older than the server ({}): install the PostgreSQL {} client",
            server / 10_000,
            server / 10_000
        );
    }
    let out = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--no-privileges"])
        .arg(format!("--schema={schema}"))
        .arg(format!("--file={}", to.display()))
        .arg(format!("--dbname={url}"))
        .output()
        .context("running pg_dump")?;
    if !out.status.success() {
        bail!("pg_dump failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// Restores a backup into an empty database and file store, then checks it.
pub async fn restore(db_args: &DbArgs, from: &Path) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(from).with_context(|| format!("opening {}", from.display()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .with_context(|| format!("{} is not a Tequio backup (not a zip)", from.display()))?;
    let manifest: Manifest = {
        let entry = zip
            .by_name(MANIFEST)
            .with_context(|| format!("{} is not a Tequio backup (no manifest)", from.display()))?;
        serde_json::from_reader(entry).context("the backup's manifest cannot be read")?
    };
    if manifest.format != FORMAT {
        bail!(
            "this backup's format is {}; this Tequio reads {FORMAT}",
            manifest.format
        );
    }
    let url = db_args.url();
    let target = Db::connect(&url)
        .await
        .with_context(|| format!("opening {}", crate::config::redact_url(&url)))?;
    if engine_name(target.engine()) != manifest.engine {
        bail!(
            "the backup is of a {} database, and {} is {}",
            manifest.engine,
            crate::config::redact_url(&url),
            engine_name(target.engine())
        );
    }
    if !backup::is_empty(&target).await? {
        bail!(
            "{} already holds data: restore into an empty database (and data folder)",
            crate::config::redact_url(&url)
        );
    }
    let work = tempfile_dir(&db_args.data_dir.join("x"))?;
    match target.engine() {
        Engine::Sqlite => {
            drop(target);
            let path = sqlite_path(&url);
            let tmp = work.join(SQLITE_FILE);
            extract(&mut zip, SQLITE_FILE, &tmp)?;
            // The empty database just opened is replaced whole, with its journal files.
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            std::fs::rename(&tmp, &path)
                .or_else(|_| std::fs::copy(&tmp, &path).map(|_| ()))
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Engine::Postgres => {
            target.close();
            let tmp = work.join(PG_FILE);
            extract(&mut zip, PG_FILE, &tmp)?;
            let out = std::process::Command::new("pg_restore")
                .args(["--no-owner", "--no-privileges", "--exit-on-error"])
                .arg(format!("--dbname={url}"))
                .arg(&tmp)
                .output()
                .context("pg_restore is needed to restore PostgreSQL: install the PostgreSQL client (Debian: postgresql-client)")?;
            if !out.status.success() {
                bail!(
                    "pg_restore failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);

    // The signing key, so witnesses keep recognising this instance.
    let key_path = db_args.data_dir.join(crate::signing_key::KEY_FILE);
    if manifest.signing_key {
        if key_path.exists() {
            println!(
                "kept the signing key already in {} (the backup's was not restored)",
                key_path.display()
            );
        } else {
            std::fs::create_dir_all(&db_args.data_dir)?;
            extract(&mut zip, crate::signing_key::KEY_FILE, &key_path)?;
            #[cfg(unix)]
            std::fs::set_permissions(
                &key_path,
                std::os::unix::fs::PermissionsExt::from_mode(0o600),
            )?;
        }
    }

    // The files, each stored by its content: the key it gets back must be the key it had.
    let files = db_args.files()?;
    let restored = if manifest.files_included {
        restore_files(&mut zip, &manifest, &files).await?
    } else {
        0
    };

    // Check: migrations (a backup of an older Tequio), the whole chain up to the head the
    // manifest recorded, and every file the data points at.
    let db = db_args.open().await?;
    let v = audit::verify(&db, manifest.audit_head.as_ref()).await?;
    if let Some(p) = &v.problem {
        println!("BROKEN: {p}");
        return Ok(ExitCode::from(1));
    }
    let mut missing = Vec::new();
    for key in backup::referenced_files(&db).await? {
        if !files.exists(&key).await {
            missing.push(key);
        }
    }
    println!(
        "Restored {} into {}: the log verifies ({} entries{}); {restored} file(s) restored.",
        from.display(),
        crate::config::redact_url(&url),
        v.entries,
        v.head
            .as_ref()
            .map(|h| format!(", head {}:{}", h.seq, h.hash))
            .unwrap_or_default(),
    );
    if !missing.is_empty() {
        println!(
            "MISSING: {} file(s) the data points at are not in the file store ({}): restore them from the bucket's own backup",
            missing.len(),
            files.description
        );
        for key in &missing {
            println!("  {key}");
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Puts every file of a backup back in the file store; each must get back the key it had
/// (files are stored by their content, so a damaged one would not).
async fn restore_files<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    manifest: &Manifest,
    files: &crate::files::FileStore,
) -> anyhow::Result<usize> {
    let mut restored = 0;
    for entry in &manifest.files {
        let mut bytes = Vec::new();
        zip.by_name(&format!("files/{}", entry.key))
            .with_context(|| format!("the backup lacks the file {}", entry.key))?
            .read_to_end(&mut bytes)?;
        let put = files
            .put("archivo", bytes)
            .await
            .map_err(|e| anyhow::anyhow!("{e:#}"))?;
        if put.key != entry.key {
            bail!(
                "the file {} in the backup is damaged (its content is {})",
                entry.key,
                put.key
            );
        }
        restored += 1;
    }
    Ok(restored)
}

/// The file a SQLite URL names.
fn sqlite_path(url: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(
        url.strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url),
    )
}

/// Writes one archive entry to a file.
fn extract<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    to: &Path,
) -> anyhow::Result<()> {
    let mut entry = zip
        .by_name(name)
        .with_context(|| format!("the backup lacks {name}"))?;
    let mut out = std::fs::File::create(to).with_context(|| format!("writing {}", to.display()))?;
    std::io::copy(&mut entry, &mut out).with_context(|| format!("writing {}", to.display()))?;
    Ok(())
}
