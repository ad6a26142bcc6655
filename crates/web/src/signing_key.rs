//! The key that signs the log's checkpoints: a file in the data folder, made at first start.
//! Shared: no domain is imported here.

use anyhow::Context;
use std::path::Path;
use tequio_domain::audit::SigningKey;

/// The file in the data folder that holds the signing key's seed (hex). Keep it secret and
/// back it up: a new key makes witnesses ask why.
pub const KEY_FILE: &str = "audit-signing-key";

/// Loads the signing key from the data folder, making one at first start (readable by its
/// owner only).
pub fn load_or_create_key(data_dir: &Path) -> anyhow::Result<SigningKey> {
    let path = data_dir.join(KEY_FILE);
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the signing key {}", path.display()))?;
        let seed: [u8; 32] = hex::decode(text.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .with_context(|| {
                format!(
                    "{} does not hold a key (64 hexadecimal characters)",
                    path.display()
                )
            })?;
        return SigningKey::from_seed(seed)
            .with_context(|| format!("{} holds an unusable key", path.display()));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating the data folder {}", data_dir.display()))?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness for a key: {e}"))?;
    let key = SigningKey::from_seed(seed).context("an unusable random key")?;
    write_secret(&path, &format!("{}\n", hex::encode(seed)))
        .with_context(|| format!("writing the signing key {}", path.display()))?;
    tracing::info!(public_key = %key.public_key(), file = %path.display(), "made the log's signing key");
    Ok(key)
}

/// Writes a file only its owner may read (on Unix).
fn write_secret(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, text.as_bytes())
}
