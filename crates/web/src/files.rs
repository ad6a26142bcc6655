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
use tequio_store::files::{self as stored, StoredFile};

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

    /// The store named by `url`: `s3://BUCKET[/PREFIX]?endpoint=URL&region=R` for an
    /// S3-compatible bucket (credentials from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`,
    /// never in the URL), `file:///PATH` or a plain path for a folder. Without a URL, the
    /// data folder's `files`.
    pub fn from_url(url: Option<&str>, data_dir: &std::path::Path) -> anyhow::Result<FileStore> {
        Self::from_url_with_keys(url, data_dir, None)
    }

    /// Like [`FileStore::from_url`], with the bucket's keys given here (tests, embedding).
    pub fn from_url_with_keys(
        url: Option<&str>,
        data_dir: &std::path::Path,
        keys: Option<(&str, &str)>,
    ) -> anyhow::Result<FileStore> {
        let Some(url) = url.filter(|u| !u.trim().is_empty()) else {
            return Self::local(&data_dir.join("files"));
        };
        if let Some(rest) = url.strip_prefix("s3://") {
            let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
            let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
            if bucket.is_empty() {
                anyhow::bail!("the files URL names no bucket: s3://BUCKET[/PREFIX]?endpoint=…");
            }
            let mut builder =
                object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
            if let Some((key, secret)) = keys {
                builder = builder
                    .with_access_key_id(key)
                    .with_secret_access_key(secret);
            }
            let mut endpoint = String::from("AWS");
            for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                match k.as_ref() {
                    "endpoint" => {
                        // A custom endpoint (MinIO, Garage, a cloud's S3 API): path-style
                        // requests, plain http allowed when the endpoint says so.
                        builder = builder
                            .with_endpoint(v.as_ref())
                            .with_virtual_hosted_style_request(false)
                            .with_allow_http(v.starts_with("http://"));
                        endpoint = v.into_owned();
                    }
                    "region" => builder = builder.with_region(v.as_ref()),
                    other => anyhow::bail!("the files URL has an unknown option «{other}»"),
                }
            }
            let store = builder.build()?;
            let inner: Arc<dyn ObjectStore> = if prefix.is_empty() {
                Arc::new(store)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
            };
            return Ok(FileStore {
                inner,
                description: format!("S3 bucket {bucket}/{prefix} at {endpoint}"),
            });
        }
        let path = url.strip_prefix("file://").unwrap_or(url);
        Self::local(std::path::Path::new(path))
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
        // Without a copy when the store handed over the only reference (a local file).
        Ok(Vec::from(bytes))
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

    /// Every file kept: its key and size, by key.
    pub async fn list(&self) -> AppResult<Vec<(String, u64)>> {
        use futures_util::TryStreamExt;
        let mut all: Vec<(String, u64)> = self
            .inner
            .list(None)
            .map_ok(|meta| (meta.location.to_string(), meta.size))
            .try_collect()
            .await
            .map_err(|e| self.error("list", &e))?;
        all.sort();
        Ok(all)
    }

    /// Whether a key holds a file.
    pub async fn exists(&self, key: &str) -> bool {
        self.inner.head(&StorePath::from(key)).await.is_ok()
    }

    /// Deletes a file once no resource points at it any more (call after the transaction
    /// that dropped the last reference commits).
    pub async fn delete_if_unused(&self, db: &Db, key: &str) -> AppResult<()> {
        if stored::file_in_use(db, key).await? {
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
