//! The file store: every uploaded file goes through here. A local folder by default, an
//! S3-compatible bucket when configured (several app nodes share it). Files are stored by
//! content (the key is their SHA-256), so the same file uploaded twice is kept once, a key
//! never changes meaning, and a half-written file is never visible under its key.

use crate::error::{AppError, AppResult};
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tequio_store::Db;
use tequio_store::catalog::{self, StoredFile};

/// Where files live.
#[derive(Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
    /// Said at start-up and in errors; never holds a secret.
    pub description: String,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileStore({})", self.description)
    }
}

impl FileStore {
    /// Files in a local folder (created if missing).
    pub fn local(dir: &std::path::Path) -> anyhow::Result<FileStore> {
        std::fs::create_dir_all(dir)?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
        Ok(FileStore {
            inner: Arc::new(store),
            description: format!("folder {}", dir.display()),
        })
    }

    /// The key of a file with this digest.
    pub fn key_for(sha256: &str) -> String {
        format!("sha256/{}/{sha256}", &sha256[..2])
    }

    /// Stores `bytes` under their digest (once: a file already there is kept).
    pub async fn put(&self, name: &str, bytes: Vec<u8>) -> AppResult<StoredFile> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let key = Self::key_for(&sha256);
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let path = StorePath::from(key.as_str());
        if self.inner.head(&path).await.is_err() {
            self.inner
                .put(&path, PutPayload::from(bytes))
                .await
                .map_err(|e| self.error("put", &e))?;
        }
        Ok(StoredFile {
            key,
            name: tequio_domain::catalog::safe_file_name(name),
            size,
            sha256,
        })
    }

    /// A file's whole content.
    pub async fn get(&self, key: &str) -> AppResult<Vec<u8>> {
        let path = StorePath::from(key);
        let got = self.inner.get(&path).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => AppError::NotFound,
            e => self.error("get", &e),
        })?;
        let bytes = got.bytes().await.map_err(|e| self.error("get", &e))?;
        Ok(bytes.to_vec())
    }

    /// A file's content as a stream of chunks, for downloads.
    pub async fn stream(
        &self,
        key: &str,
    ) -> AppResult<impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + use<>>
    {
        use futures_util::TryStreamExt;
        let path = StorePath::from(key);
        let got = self.inner.get(&path).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => AppError::NotFound,
            e => self.error("get", &e),
        })?;
        Ok(got.into_stream().map_err(std::io::Error::other))
    }

    /// Whether a key holds a file.
    pub async fn exists(&self, key: &str) -> bool {
        self.inner.head(&StorePath::from(key)).await.is_ok()
    }

    /// Deletes a file once no resource points at it any more (call after the transaction
    /// that dropped the last reference commits).
    pub async fn delete_if_unused(&self, db: &Db, key: &str) -> AppResult<()> {
        if catalog::file_in_use(db, key).await? {
            return Ok(());
        }
        match self.inner.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error("delete", &e)),
        }
    }

    fn error(&self, what: &str, e: &object_store::Error) -> AppError {
        AppError::Internal(anyhow::anyhow!(
            "file store ({}): {what}: {e}",
            self.description
        ))
    }
}
