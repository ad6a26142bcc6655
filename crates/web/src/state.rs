//! What every handler can reach: the database, the settings, the page cache, the file store
//! and the background workers' signals. Shared: no domain is imported here.

use crate::config::Settings;
use std::sync::Arc;
use tequio_domain::site::Look;
use tequio_store::Db;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Whole public pages for visitors; `None` turns the cache off (`TEQUIO_PAGE_CACHE=off`).
    pub page_cache: Option<Arc<crate::cache::PageCache>>,
    /// Uploaded files (a folder, or a bucket).
    pub files: crate::files::FileStore,
    /// Wakes the datastore's load worker when an upload queues a load.
    pub loads: Arc<tokio::sync::Notify>,
    /// The key that signs the log's checkpoints (made at first start in the data folder).
    pub audit_key: Arc<tequio_domain::audit::SigningKey>,
    /// Wakes the checkpoint worker after a publication.
    pub checkpoint_wake: Arc<tokio::sync::Notify>,
    /// The portal's identity (name, logo, colour, contact), read from the database on first
    /// use, again after an admin changes it, and every minute (other nodes' changes).
    look: Arc<std::sync::RwLock<Option<Arc<Look>>>>,
}

impl AppState {
    /// The state of a server: files go in the data folder's `files`.
    pub fn new(db: Db, settings: Settings) -> anyhow::Result<AppState> {
        let files =
            crate::files::FileStore::from_url(settings.files_url.as_deref(), &settings.data_dir)?;
        Self::with_files(db, settings, files)
    }

    /// The state of a server whose files go in `files`; the signing key is in the data folder.
    pub fn with_files(
        db: Db,
        settings: Settings,
        files: crate::files::FileStore,
    ) -> anyhow::Result<AppState> {
        let page_cache = settings.page_cache.then(Default::default);
        let audit_key = crate::signing_key::load_or_create_key(&settings.data_dir)?;
        Ok(AppState {
            db,
            settings: Arc::new(settings),
            page_cache,
            files,
            loads: Arc::default(),
            audit_key: Arc::new(audit_key),
            checkpoint_wake: Arc::default(),
            look: Arc::default(),
        })
    }

    /// The portal's identity as last read.
    pub async fn look(&self) -> tequio_store::StoreResult<Arc<Look>> {
        if let Some(look) = self.look.read().ok().and_then(|l| l.clone()) {
            return Ok(look);
        }
        self.reload_look().await
    }

    /// Reads the portal's identity again from the database.
    pub async fn reload_look(&self) -> tequio_store::StoreResult<Arc<Look>> {
        let settings = tequio_store::site::settings(&self.db).await?;
        let look = Arc::new(Look::from_settings(&settings));
        if let Ok(mut slot) = self.look.write() {
            *slot = Some(look.clone());
        }
        Ok(look)
    }
}
