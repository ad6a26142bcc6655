//! The transparency benchmark (issue: import rate, ranked search, streamed download).
//!
//! `cargo bench -p tequio --bench transparency -- [--engine sqlite|postgres] [--records N] [--queries N]`
//!
//! 1. Generates N realistic Formato 8 records (main columns) as a CSV file.
//! 2. **Baseline**, in the same run: the same rows read from the CSV and inserted with one
//!    prepared statement in one transaction into a plain table of the same columns, plus the
//!    same full-text index over their text columns (SQLite FTS5 fed in the same loop;
//!    PostgreSQL a GIN index over `to_tsvector`).
//! 3. **Tequio**: `tequio import` (the release binary) publishes the file: reading, checking
//!    every value, period checks, content hash, versions, search indexing, audit.
//! 4. Ranked search, top 20, single and two-word queries drawn with Zipf frequencies from the
//!    generator's vocabulary (so very common words too): Tequio's search against a naive
//!    bm25 / ts_rank top 20 measured on the same data.
//! 5. The CSV download of all records from a running `tequio serve`: bytes, time and the
//!    server's peak memory growth.
//!
//! Results are printed as a table and saved to `target/bench-transparency/<engine>.json`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use tequio::demo::synthetic;
use tequio_domain::transparency::export;
use tequio_domain::transparency::framework::FrameworkFile;
use tequio_domain::transparency::period::Period;
use tequio_store::{Db, Exec, Value};

const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const PG_BENCH_DB: &str = "tequio_bench";

struct Args {
    engine: String,
    records: usize,
    queries: usize,
}

fn args() -> Args {
    let mut a = Args {
        engine: "sqlite".into(),
        records: 1_000_000,
        queries: 2000,
    };
    let argv: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < argv.len() {
        match argv[i].as_str() {
            "--engine" => a.engine = argv[i + 1].clone(),
            "--records" => a.records = argv[i + 1].parse().unwrap(),
            "--queries" => a.queries = argv[i + 1].parse().unwrap(),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

fn rss_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn fresh_db(engine: &str, dir: &std::path::Path, name: &str) -> (Db, String) {
    match engine {
        "postgres" => {
            let admin = Db::connect(PG_ADMIN_URL).await.unwrap();
            let db_name = format!("{PG_BENCH_DB}_{name}");
            admin
                .batch(&format!("DROP DATABASE IF EXISTS {db_name}"))
                .await
                .unwrap();
            admin
                .batch(&format!("CREATE DATABASE {db_name}"))
                .await
                .unwrap();
            admin.close();
            let url = format!("postgres://postgres@127.0.0.1:5432/{db_name}");
            (Db::connect(&url).await.unwrap(), url)
        }
        _ => {
            let path = dir.join(format!("{name}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            let url = format!("sqlite://{}", path.display());
            (Db::connect(&url).await.unwrap(), url)
        }
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-transparency");
    std::fs::create_dir_all(&dir).unwrap();
    let fw =
        FrameworkFile::parse(include_str!("../../../frameworks/lgtaip2015-art70.json")).unwrap();
    let f8 = fw
        .obligations
        .iter()
        .find(|o| o.code == "70-VIII")
        .unwrap()
        .formats[0]
        .clone();
    let period = Period::parse("2025-T3").unwrap();

    // 1. The file.
    let csv_path = dir.join(format!("formato8-{}.csv", a.records));
    if !csv_path.exists() {
        let t = Instant::now();
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(
            std::fs::File::create(&csv_path).unwrap(),
        ));
        w.write_record(export::csv_header(&f8)).unwrap();
        let mut rng = synthetic::Rng::new(42);
        for i in 0..a.records {
            let r = synthetic::record(&f8, period, i, &mut rng, false);
            w.write_record(export::csv_row(&f8, &r)).unwrap();
        }
        w.flush().unwrap();
        eprintln!(
            "generated {} in {:.1} s",
            csv_path.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let file_mb = std::fs::metadata(&csv_path).unwrap().len() as f64 / 1e6;

    // 2. Baseline.
    let searchable: Vec<usize> = f8
        .fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind.is_searchable())
        .map(|(i, _)| i)
        .collect();
    let ncols = f8.fields.len();
    let (base, _) = fresh_db(&a.engine, &dir, "baseline").await;
    let cols: Vec<String> = (1..=ncols).map(|i| format!("c{i} TEXT")).collect();
    let t = Instant::now();
    match a.engine.as_str() {
        "postgres" => base.batch(&format!("CREATE TABLE plain (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, {}, body TEXT)", cols.join(", "))).await.unwrap(),
        _ => base
            .batch(&format!(
                "CREATE TABLE plain (id INTEGER PRIMARY KEY, {}, body TEXT);
                 CREATE VIRTUAL TABLE plain_fts USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2');",
                cols.join(", ")
            ))
            .await
            .unwrap(),
    }
    let placeholders: Vec<String> = (1..=ncols + 1).map(|i| format!("${i}")).collect();
    let names: Vec<String> = (1..=ncols).map(|i| format!("c{i}")).collect();
    let insert = format!(
        "INSERT INTO plain ({}, body) VALUES ({})",
        names.join(", "),
        placeholders.join(", ")
    );
    let fts_insert = format!(
        "INSERT INTO plain_fts (rowid, body) VALUES (last_insert_rowid(), ${})",
        ncols + 1
    );
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let mut rows = reader.records().map(|r| {
        let r = r.unwrap();
        let body: Vec<&str> = searchable.iter().map(|i| r.get(*i).unwrap_or("")).collect();
        let mut v: Vec<Value> = r.iter().map(|s| Value::Text(s.to_owned())).collect();
        v.push(Value::Text(body.join(" ")));
        v
    });
    let tx = base.begin().await.unwrap();
    match a.engine.as_str() {
        "postgres" => tx.execute_each(&[&insert], &mut rows).await.unwrap(),
        _ => tx
            .execute_each(&[&insert, &fts_insert], &mut rows)
            .await
            .unwrap(),
    };
    tx.commit().await.unwrap();
    if a.engine == "postgres" {
        base.batch("CREATE INDEX plain_tsv ON plain USING GIN (to_tsvector('simple', body))")
            .await
            .unwrap();
    }
    let base_secs = t.elapsed().as_secs_f64();
    let base_rate = a.records as f64 / base_secs;
    eprintln!("baseline: {base_rate:.0} rows/s ({base_secs:.1} s)");

    // 3. Tequio.
    let (db, url) = fresh_db(&a.engine, &dir, "tequio").await;
    tequio_store::migrate::run(&db).await.unwrap();
    let sys = tequio_store::audit::Who::system();
    let tx = db.begin().await.unwrap();
    let g = tequio_store::subjects::ensure_guarantor(
        &tx,
        &sys,
        "Órgano Garante de Oaxaca",
        "OGAIPO",
        None,
        None,
    )
    .await
    .unwrap();
    let subject = tequio_store::subjects::create(
        &tx,
        &sys,
        tequio_store::subjects::SubjectInput {
            name: "Universidad de prueba".into(),
            guarantor_id: Some(g),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tequio_store::transparency::import_framework(&tx, &sys, g, &fw)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let bin = env!("CARGO_BIN_EXE_tequio");
    let t = Instant::now();
    let out = std::process::Command::new(bin)
        .args([
            "--database-url",
            &url,
            // A million records is past a publication's default limits (500,000 rows,
            // 256 MB held): the bench raises them, as an instance that needs it would.
            "--max-publication-rows",
            &(a.records + 1).to_string(),
            "--memory-budget-mb",
            "4096",
            "import",
            "--subject",
            &subject.id.to_string(),
            "--obligation",
            "70-VIII",
            "--period",
            "2025-T3",
        ])
        .arg(&csv_path)
        .env("TEQUIO_LOG", "warn")
        .output()
        .unwrap();
    let import_secs = t.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "tequio import failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let import_rate = a.records as f64 / import_secs;
    eprintln!("tequio import: {import_rate:.0} rows/s ({import_secs:.1} s)");
    let publication = tequio_store::transparency::latest_by_obligation(&db, subject.id)
        .await
        .unwrap()
        .into_values()
        .next()
        .unwrap();
    assert_eq!(publication.record_count as usize, a.records);

    // 4. Search.
    let vocab = synthetic::vocabulary();
    let mut rng = synthetic::Rng::new(7);
    let queries: Vec<String> = (0..a.queries)
        .map(|i| {
            if i % 2 == 0 {
                rng.zipf(&vocab).to_owned()
            } else {
                format!("{} {}", rng.zipf(&vocab), rng.zipf(&vocab))
            }
        })
        .collect();
    let mut ours = Vec::with_capacity(queries.len());
    let mut hits_total = 0usize;
    for q in &queries {
        let t = Instant::now();
        let (_, hits) = tequio_store::transparency::search_records(&db, q, None, None)
            .await
            .unwrap();
        let top: Vec<_> = hits.into_iter().take(20).collect();
        ours.push(t.elapsed().as_secs_f64() * 1000.0);
        hits_total += top.len();
    }
    let naive_sql = match a.engine.as_str() {
        "postgres" => {
            "SELECT id FROM plain WHERE to_tsvector('simple', body) @@ plainto_tsquery('simple', $1) ORDER BY ts_rank(to_tsvector('simple', body), plainto_tsquery('simple', $1)) DESC LIMIT 20"
        }
        _ => {
            "SELECT rowid FROM plain_fts WHERE plain_fts MATCH $1 ORDER BY bm25(plain_fts) LIMIT 20"
        }
    };
    let mut naive = Vec::new();
    // The naive ranking is slow on common words: a sample is enough for its percentiles.
    for q in queries.iter().take(a.queries.min(300)) {
        let expr = match a.engine.as_str() {
            "postgres" => q.clone(),
            _ => q
                .split(' ')
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(" "),
        };
        let t = Instant::now();
        base.query(naive_sql, &[Value::Text(expr)]).await.unwrap();
        naive.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ours.sort_by(|a, b| a.partial_cmp(b).unwrap());
    naive.sort_by(|a, b| a.partial_cmp(b).unwrap());

    // 5. Download from a running server.
    let port = 18_181;
    let mut server = std::process::Command::new(bin)
        .args([
            "--database-url",
            &url,
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--page-cache",
            "off",
        ])
        .env("TEQUIO_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base_url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if client
            .get(format!("{base_url}/healthz"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let rss_before = rss_kb(server.id(), "VmRSS:");
    let t = Instant::now();
    let mut res = client
        .get(format!(
            "{base_url}/publicaciones/{}/registros.csv",
            publication.id
        ))
        .send()
        .await
        .unwrap();
    let mut bytes = 0usize;
    while let Some(chunk) = res.chunk().await.unwrap() {
        bytes += chunk.len();
    }
    let download_secs = t.elapsed().as_secs_f64();
    let peak = rss_kb(server.id(), "VmHWM:");
    let _ = server.kill();
    let _ = server.wait();
    let growth_mb = (peak.saturating_sub(rss_before)) as f64 / 1024.0;

    let result = serde_json::json!({
        "engine": a.engine, "records": a.records, "file_mb": file_mb,
        "baseline_rows_per_s": base_rate, "import_rows_per_s": import_rate, "import_ratio": import_rate / base_rate,
        "search_queries": ours.len(), "search_hits_shown": hits_total,
        "search_p50_ms": percentile(&ours, 0.5), "search_p99_ms": percentile(&ours, 0.99), "search_max_ms": ours.last().copied().unwrap_or(0.0),
        "naive_p50_ms": percentile(&naive, 0.5), "naive_p99_ms": percentile(&naive, 0.99),
        "download_mb": bytes as f64 / 1e6, "download_s": download_secs, "server_rss_before_mb": rss_before as f64 / 1024.0,
        "server_peak_growth_mb": growth_mb,
    });
    std::fs::write(
        dir.join(format!("{}.json", a.engine)),
        serde_json::to_string_pretty(&result).unwrap(),
    )
    .unwrap();
    let mut out = std::io::stdout();
    writeln!(
        out,
        "\n| {} · {} records ({file_mb:.0} MB CSV) | value |\n|---|---|",
        a.engine, a.records
    )
    .unwrap();
    writeln!(
        out,
        "| baseline insert + full-text index | {base_rate:.0} rows/s |"
    )
    .unwrap();
    writeln!(out, "| `tequio import` (checks, hash, versions, index, audit) | {import_rate:.0} rows/s = **{:.2}** of baseline |", import_rate / base_rate).unwrap();
    writeln!(
        out,
        "| search top 20, {} Zipf queries: p50 / p99 / max | {:.1} / **{:.1}** / {:.1} ms |",
        ours.len(),
        percentile(&ours, 0.5),
        percentile(&ours, 0.99),
        ours.last().copied().unwrap_or(0.0)
    )
    .unwrap();
    writeln!(
        out,
        "| naive ranked top 20 ({} queries): p50 / p99 | {:.1} / {:.1} ms |",
        naive.len(),
        percentile(&naive, 0.5),
        percentile(&naive, 0.99)
    )
    .unwrap();
    writeln!(out, "| CSV download of all records | {:.0} MB in {download_secs:.1} s; server memory growth **{growth_mb:.1} MB** (RSS before {:.0} MB) |", bytes as f64 / 1e6, rss_before as f64 / 1024.0).unwrap();
}
