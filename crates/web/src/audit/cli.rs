//! `tequio witness URL`: run by someone outside an instance (another guarantor, a
//! civil-society organisation, a journalist, another Tequio), it keeps the instance's signed
//! checkpoints in a file and checks, each time, that the log only grew since: every new
//! checkpoint is signed by the key first seen, and the chain joins the last head kept to the
//! new ones (`tequio_domain::audit::contains_all`). A rewind or a fork is reported with its
//! evidence, and the file is left as it was. With `--cosign`, this instance's own key co-signs
//! the checkpoints it checked and sends the co-signatures back to be published.

use anyhow::{Context, bail};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tequio_domain::audit::{Break, Checkpoint, Head, Link, contains_all, verify};

#[derive(Args)]
pub struct WitnessArgs {
    /// The instance's public address, e.g. `https://transparencia.example.mx`.
    pub url: String,
    /// The file that keeps what was seen. Default: `witness/<host>.json` in the data folder.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Co-sign the checkpoints checked with this instance's key (from the data folder) and
    /// send the co-signatures to be published; the witnessed instance must have registered
    /// this key (`tequio admin add-witness`).
    #[arg(long)]
    pub cosign: bool,
}

/// What a witness keeps of one instance.
#[derive(Serialize, Deserialize)]
pub struct Kept {
    pub url: String,
    pub origin: String,
    /// The signing key first seen: every later checkpoint must carry it.
    pub public_key: String,
    /// Checkpoints checked, oldest first.
    pub checkpoints: Vec<KeptCheckpoint>,
    /// The live head seen at the last run, checked to extend the checkpoints: not signed,
    /// but a later log must still contain it (so a rewind between checkpoints shows too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<SeenHead>,
}

/// A head seen, and when.
#[derive(Serialize, Deserialize, Clone)]
pub struct SeenHead {
    #[serde(flatten)]
    pub head: Head,
    pub at: String,
}

/// A checkpoint as kept: what was signed, and the signature.
#[derive(Serialize, Deserialize, Clone)]
pub struct KeptCheckpoint {
    pub id: i64,
    #[serde(flatten)]
    pub checkpoint: Checkpoint,
    pub signature: String,
}

impl Kept {
    /// The newest head kept.
    pub fn head(&self) -> Option<Head> {
        self.checkpoints.last().map(|c| c.checkpoint.head())
    }

    /// Reads a witness's file.
    pub fn read(path: &Path) -> anyhow::Result<Kept> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not a witness's file", path.display()))
    }

    /// Checks that every kept checkpoint carries a valid signature of the pinned key.
    pub fn check_signatures(&self) -> anyhow::Result<()> {
        for c in &self.checkpoints {
            if !verify(&self.public_key, &c.checkpoint.signed_text(), &c.signature) {
                bail!(
                    "checkpoint {} (entry {}) is not signed by the key {}",
                    c.id,
                    c.checkpoint.seq,
                    self.public_key
                );
            }
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct KeyIn {
    public_key: String,
    origin: String,
}

#[derive(Deserialize)]
struct CheckpointIn {
    id: i64,
    origin: String,
    seq: i64,
    hash: String,
    at: String,
    public_key: String,
    signature: String,
}

impl CheckpointIn {
    fn kept(self) -> (KeptCheckpoint, String) {
        (
            KeptCheckpoint {
                id: self.id,
                checkpoint: Checkpoint {
                    origin: self.origin,
                    seq: self.seq,
                    hash: self.hash,
                    at: self.at,
                },
                signature: self.signature,
            },
            self.public_key,
        )
    }
}

/// The instance's API, as a witness reads it.
struct Remote {
    base: String,
    http: reqwest13::Client,
}

impl Remote {
    async fn get<T: for<'de> Deserialize<'de>>(&self, path: &str) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.base);
        let res = self
            .http
            .get(&url)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        let status = res.status();
        let text = res.text().await.with_context(|| format!("GET {url}"))?;
        if !status.is_success() {
            bail!("GET {url}: {status}: {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("GET {url}: unexpected answer"))
    }

    /// Every link from entry `from` to `to`, a thousand at a time.
    async fn links(&self, from: i64, to: i64) -> anyhow::Result<Vec<Link>> {
        let mut out: Vec<Link> = Vec::new();
        let mut next = from.max(1);
        while next <= to {
            let page: Vec<Link> = self
                .get(&format!("/api/v1/audit/links?from={next}&to={to}"))
                .await?;
            let Some(last) = page.last() else { break };
            next = last.seq + 1;
            out.extend(page);
        }
        Ok(out)
    }
}

/// What a run found wrong, with the evidence to show.
struct Finding {
    what: String,
    evidence: serde_json::Value,
}

pub async fn run(args: WitnessArgs, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let base = args.url.trim_end_matches('/').to_owned();
    let host = base
        .split_once("://")
        .map_or(base.as_str(), |(_, h)| h)
        .replace([':', '/'], "_");
    let path = args
        .state
        .clone()
        .unwrap_or_else(|| data_dir.join("witness").join(format!("{host}.json")));
    let remote = Remote {
        base: base.clone(),
        http: reqwest13::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()?,
    };
    let key: KeyIn = remote.get("/api/v1/audit/key").await?;
    let mut kept = if path.exists() {
        let kept = Kept::read(&path)?;
        if kept.public_key != key.public_key || kept.origin != key.origin {
            return report(
                &path,
                &Finding {
                    what: format!(
                        "KEY CHANGED: {base} signed with {} for {}, and now says {} for {}",
                        kept.public_key, kept.origin, key.public_key, key.origin
                    ),
                    evidence: serde_json::json!({
                        "kept": {"public_key": kept.public_key, "origin": kept.origin},
                        "now": {"public_key": key.public_key, "origin": key.origin},
                    }),
                },
            );
        }
        kept
    } else {
        Kept {
            url: base.clone(),
            origin: key.origin.clone(),
            public_key: key.public_key.clone(),
            checkpoints: Vec::new(),
            seen: None,
        }
    };

    let fresh = fresh_checkpoints(&remote, &base, &kept).await?;
    let head: Head = remote.get("/api/v1/audit/head").await?;

    let known = known_heads(&kept, &fresh);
    let lowest = known.iter().map(|(_, h)| h.seq).min().unwrap_or(head.seq);
    let links = if head.seq >= lowest {
        remote.links(lowest, head.seq).await?
    } else {
        Vec::new()
    };
    let heads: Vec<Head> = known.iter().map(|(_, h)| h.clone()).collect();
    if let Err(b) = contains_all(&heads, &head, &links) {
        let at = match &b {
            Break::Rewind { kept, .. } => kept.seq,
            Break::Fork { seq, .. } | Break::Unjoined { seq } => *seq,
        };
        let (what, _) = known
            .iter()
            .find(|(_, h)| h.seq == at)
            .cloned()
            .unwrap_or_else(|| ("the head now".into(), head.clone()));
        return report(
            &path,
            &Finding {
                what: format!("{b} (against {what}, at {base})"),
                evidence: serde_json::json!({
                    "instance": base,
                    "kept": kept.checkpoints.last().map(|c| serde_json::to_value(c).unwrap_or_default()),
                    "seen": kept.seen.as_ref().map(|s| serde_json::to_value(s).unwrap_or_default()),
                    "new_checkpoints": fresh.iter().map(|c| serde_json::to_value(c).unwrap_or_default()).collect::<Vec<_>>(),
                    "head_now": head,
                    "link_now_at": links.iter().find(|l| l.seq == at),
                    "public_key": kept.public_key,
                    "kind": match b {
                        Break::Rewind { .. } => "rewind",
                        Break::Fork { .. } => "fork",
                        Break::Unjoined { .. } => "unjoined",
                    },
                }),
            },
        );
    }

    let added = fresh.len();
    let first_run = kept.checkpoints.is_empty();
    kept.checkpoints.extend(fresh.iter().cloned());
    kept.seen = Some(SeenHead {
        head: head.clone(),
        at: tequio_store::now(),
    });
    save(&path, &kept)?;
    if args.cosign {
        cosign(&remote, data_dir, &fresh).await?;
    }
    println!(
        "OK: {base}: {added} new checkpoint(s) checked{}; the log is at entry {} ({}); kept in {}",
        if first_run {
            " (first run: this one is the starting point)"
        } else {
            ""
        },
        head.seq,
        head.hash,
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The checkpoints signed since the last one kept; on a first run, the newest alone.
async fn fresh_checkpoints(
    remote: &Remote,
    base: &str,
    kept: &Kept,
) -> anyhow::Result<Vec<KeptCheckpoint>> {
    let mut fresh: Vec<KeptCheckpoint> = Vec::new();
    match kept.checkpoints.last() {
        None => {
            let newest: CheckpointIn = remote
                .get("/api/v1/audit/checkpoints/latest")
                .await
                .with_context(|| format!("{base} has no signed checkpoint yet?"))?;
            fresh.push(signed_by(newest, kept)?);
        }
        Some(last) => {
            let mut after = last.id;
            loop {
                let page: Vec<CheckpointIn> = remote
                    .get(&format!(
                        "/api/v1/audit/checkpoints?after={after}&limit=500"
                    ))
                    .await?;
                let Some(tail) = page.last() else { break };
                after = tail.id;
                for c in page {
                    fresh.push(signed_by(c, kept)?);
                }
            }
        }
    }
    Ok(fresh)
}

/// Every head known — the last checkpoint kept, the head seen last time, each new
/// checkpoint — with where it comes from: each must be in the chain that ends at the live head.
fn known_heads(kept: &Kept, fresh: &[KeptCheckpoint]) -> Vec<(String, Head)> {
    let mut known: Vec<(String, Head)> = Vec::new();
    if let Some(c) = kept.checkpoints.last() {
        known.push((format!("checkpoint {} kept", c.id), c.checkpoint.head()));
    }
    if let Some(seen) = &kept.seen {
        known.push((format!("the head seen at {}", seen.at), seen.head.clone()));
    }
    for c in fresh {
        known.push((format!("checkpoint {}", c.id), c.checkpoint.head()));
    }
    known
}

/// A fetched checkpoint, checked: the pinned key and origin, and a valid signature.
fn signed_by(c: CheckpointIn, kept: &Kept) -> anyhow::Result<KeptCheckpoint> {
    let (c, key) = c.kept();
    if key != kept.public_key || c.checkpoint.origin != kept.origin {
        bail!(
            "checkpoint {} is signed by {key} for {}, not by the key kept ({}) for {}",
            c.id,
            c.checkpoint.origin,
            kept.public_key,
            kept.origin
        );
    }
    if !verify(&key, &c.checkpoint.signed_text(), &c.signature) {
        bail!(
            "checkpoint {} (entry {}): its signature does not verify",
            c.id,
            c.checkpoint.seq
        );
    }
    Ok(c)
}

/// Writes the file whole, by a rename, so a crash never leaves half of it.
fn save(path: &Path, kept: &Kept) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(kept)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Prints a finding and keeps its evidence beside the witness's file; exit status 2.
fn report(path: &Path, finding: &Finding) -> anyhow::Result<ExitCode> {
    let stamp = tequio_store::now().replace([':', '.'], "-");
    let evidence = path.with_extension(format!("evidence-{stamp}.json"));
    if let Some(dir) = evidence.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&evidence, serde_json::to_vec_pretty(&finding.evidence)?)
        .with_context(|| format!("writing {}", evidence.display()))?;
    println!("{}", finding.what);
    println!("Evidence: {}", evidence.display());
    println!("The witness's file was not changed: it still holds the last good checkpoint.");
    Ok(ExitCode::from(2))
}

/// Co-signs checked checkpoints with this instance's key and sends each co-signature.
async fn cosign(
    remote: &Remote,
    data_dir: &Path,
    checked: &[KeptCheckpoint],
) -> anyhow::Result<()> {
    let key = crate::signing_key::load_or_create_key(data_dir)?;
    for c in checked {
        let body = serde_json::json!({
            "checkpoint": c.id,
            "public_key": key.public_key(),
            "signature": key.sign(&c.checkpoint.signed_text()),
        });
        let url = format!("{}/api/v1/audit/cosignatures", remote.base);
        let res = remote
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .with_context(|| format!("POST {url}"))?;
        match res.status().as_u16() {
            201 => {}
            403 => bail!(
                "{} does not know this witness: ask its administrators to run `tequio admin add-witness --name <you> --public-key {}`",
                remote.base,
                key.public_key()
            ),
            s => bail!("POST {url}: {s}: {}", res.text().await.unwrap_or_default()),
        }
    }
    Ok(())
}

/// `tequio verify-log`: recomputes the chain, against a head given as `SEQ:HASH` or the newest
/// checkpoint a witness kept. Exits 1 when the chain is broken.
pub async fn verify_log(
    db_args: &crate::config::DbArgs,
    head: Option<&str>,
    witness: Option<&std::path::Path>,
) -> anyhow::Result<std::process::ExitCode> {
    use std::process::ExitCode;
    let saved = match witness {
        Some(file) => {
            let kept = Kept::read(file)?;
            kept.check_signatures()?;
            let head = kept
                .head()
                .with_context(|| format!("{} keeps no checkpoint", file.display()))?;
            println!(
                "Checking against {}'s checkpoint of entry {} ({})",
                file.display(),
                head.seq,
                kept.url
            );
            Some(head)
        }
        None => head.map(parse_head).transpose()?,
    };
    let db = db_args.open().await?;
    let v = tequio_store::audit::verify(&db, saved.as_ref()).await?;
    match &v.problem {
        None => {
            match &v.head {
                Some(h) => println!("OK: {} entries; head {}:{}", v.entries, h.seq, h.hash),
                None => println!("OK: the log is empty"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(p) => {
            println!("BROKEN: {p}");
            Ok(ExitCode::from(1))
        }
    }
}

fn parse_head(s: &str) -> anyhow::Result<tequio_store::audit::Head> {
    let (seq, hash) = s
        .split_once(':')
        .context("--head must be SEQ:HASH, e.g. 42:3f…")?;
    let seq = seq.trim().parse().context("--head: SEQ must be a number")?;
    let hash = hash.trim().to_ascii_lowercase();
    if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!("--head: HASH must be 64 hexadecimal characters");
    }
    Ok(tequio_store::audit::Head { seq, hash })
}
