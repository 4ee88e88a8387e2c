//! The catalogue in force on the server: the newest published, else the built-in one. Loaded
//! once per published version and shared by the laptops' routes (plan checks), the console
//! (listings, forms, accounts) and the CLI.

use super::ServiceError;
use crate::storage::Storage;
use fieldkit_domain::catalogue::Catalogue;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// How long the console trusts a catalogue it fetched before asking the database again (another
/// node, or the CLI, may have published a newer one).
pub const CONSOLE_MAX_AGE: time::Duration = time::Duration::seconds(30);

/// A cache of the catalogue in force.
#[derive(Default)]
pub struct CatalogueInForce {
    cached: Mutex<Option<Cached>>,
}

struct Cached {
    version: u32,
    fetched: OffsetDateTime,
    catalogue: Arc<Catalogue>,
}

impl CatalogueInForce {
    pub fn new() -> CatalogueInForce {
        CatalogueInForce::default()
    }

    /// The catalogue in force at `now`. One fetched less than `max_age` ago is used as it is;
    /// otherwise the database is asked, and the text is parsed again only if its version changed.
    /// A `max_age` of zero always asks the database.
    pub async fn get<S: Storage>(
        &self,
        storage: &S,
        now: OffsetDateTime,
        max_age: time::Duration,
    ) -> Result<Arc<Catalogue>, ServiceError> {
        if let Ok(cache) = self.cached.lock()
            && let Some(cached) = cache.as_ref()
            && now - cached.fetched < max_age
        {
            return Ok(Arc::clone(&cached.catalogue));
        }
        let (version, catalogue) = match storage.latest_catalogue().await? {
            Some((version, text)) => {
                if let Ok(cache) = self.cached.lock()
                    && let Some(cached) = cache.as_ref()
                    && cached.version == version
                {
                    let catalogue = Arc::clone(&cached.catalogue);
                    drop(cache);
                    self.remember(version, Arc::clone(&catalogue), now);
                    return Ok(catalogue);
                }
                let parsed = Catalogue::parse(&format!("published catalogue {version}"), &text)
                    .map_err(|e| ServiceError::Internal(format!("the published catalogue does not load: {e}")))?;
                (version, Arc::new(parsed))
            }
            None => {
                let built_in = Catalogue::built_in()
                    .map_err(|e| ServiceError::Internal(format!("the built-in catalogue does not load: {e}")))?;
                (0, Arc::new(built_in))
            }
        };
        self.remember(version, Arc::clone(&catalogue), now);
        Ok(catalogue)
    }

    fn remember(&self, version: u32, catalogue: Arc<Catalogue>, fetched: OffsetDateTime) {
        if let Ok(mut cache) = self.cached.lock() {
            *cache = Some(Cached { version, fetched, catalogue });
        }
    }

    /// Forgets the cached catalogue (after publishing one here).
    pub fn changed(&self) {
        if let Ok(mut cache) = self.cached.lock() {
            *cache = None;
        }
    }
}
