//! What the laptop remembers about syncing (cursor, last success, last failure, revocation) and
//! its enrolment, kept only inside the encrypted store.

use super::*;

impl Store {
    /// The persisted sync state.
    pub fn sync_state(&self) -> Result<SyncState> {
        let row = self.conn.query_row(
            "SELECT pull_cursor, last_success_at, last_attempt_at, last_error, revoked_at FROM sync_state",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            },
        )?;
        let (cursor, success, attempt, last_error, revoked) = row;
        Ok(SyncState {
            pull_cursor: u64::try_from(cursor).map_err(|_| conversion_error("pull cursor"))?,
            last_success_at: success.as_deref().map(parse_time).transpose()?,
            last_attempt_at: attempt.as_deref().map(parse_time).transpose()?,
            last_error: last_error.as_deref().map(SyncFailure::from_column),
            revoked_at: revoked.as_deref().map(parse_time).transpose()?,
        })
    }

    /// Records a sync attempt: its time, and either success (with the new pull cursor) or the
    /// error the officer should see. The cursor only moves forward.
    pub(crate) fn record_sync_attempt(
        &mut self,
        at: OffsetDateTime,
        outcome: std::result::Result<u64, &SyncFailure>,
    ) -> Result<SyncState> {
        let at = format_time(at)?;
        match outcome {
            Ok(cursor) => {
                let cursor = i64::try_from(cursor).map_err(|_| CoreError::invalid("cursor", Reason::TimestampRange))?;
                self.conn.execute(
                    "UPDATE sync_state SET pull_cursor = max(pull_cursor, ?1), last_success_at = ?2,
                                           last_attempt_at = ?2, last_error = NULL",
                    params![cursor, at],
                )?;
            }
            Err(failure) => {
                let stored = serde_json::to_string(failure).map_err(|_| conversion_error("sync failure"))?;
                self.conn
                    .execute("UPDATE sync_state SET last_attempt_at = ?1, last_error = ?2", params![at, stored])?;
            }
        }
        self.sync_state()
    }

    /// The laptop's enrolment for sync, if it has one.
    pub fn enrolment(&self) -> Result<Option<fieldkit_protocol::Enrolment>> {
        Ok(self
            .conn
            .query_row("SELECT device_id, server_url, ca_pem, cert_pem, key_pem, import_key FROM enrolment", [], |r| {
                Ok(fieldkit_protocol::Enrolment {
                    device_id: r.get(0)?,
                    server_url: r.get(1)?,
                    ca_pem: r.get(2)?,
                    cert_pem: r.get(3)?,
                    key_pem: r.get(4)?,
                    import_key: r.get(5)?,
                })
            })
            .optional()?)
    }

    /// Stores (or replaces, on re-enrolment) the laptop's enrolment, audited. The caller has
    /// checked it; the private key never leaves the encrypted store again.
    pub(crate) fn set_enrolment(
        &mut self,
        enrolment: &fieldkit_protocol::Enrolment,
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR REPLACE INTO enrolment (singleton, device_id, server_url, ca_pem, cert_pem, key_pem, enrolled_by, enrolled_at, import_key)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                enrolment.device_id,
                enrolment.server_url,
                enrolment.ca_pem,
                enrolment.cert_pem,
                enrolment.key_pem,
                by.as_str(),
                at,
                enrolment.import_key
            ],
        )?;
        // A new certificate starts with a clean slate.
        tx.execute("UPDATE sync_state SET revoked_at = NULL, last_error = NULL", [])?;
        let certificate = fieldkit_protocol::content_hash(&serde_json::Value::String(enrolment.cert_pem.clone()));
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action: "device.enrolled",
                entity: "device",
                entity_id: &enrolment.device_id,
                before_hash: None,
                after_hash: Some(certificate),
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// What the laptop remembers about syncing, across restarts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncState {
    /// Where the next pull starts (server-issued).
    pub pull_cursor: u64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_success_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_attempt_at: Option<OffsetDateTime>,
    /// Why the last attempt failed, when it did.
    pub last_error: Option<SyncFailure>,
    /// When the server refused this laptop as revoked; cleared by a new enrolment.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// A failed sync attempt as the officer reads it: the error's stable code and the values its
/// message needs, kept rather than a rendered sentence so that it reads in whichever language the
/// officer has chosen when they look (`messages::failure`). Stored as JSON in `sync_state`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncFailure {
    pub code: String,
    /// `error.<code>`; empty for failures recorded before codes were kept.
    pub message_key: String,
    #[serde(default)]
    pub params: std::collections::BTreeMap<String, String>,
    /// In English, for logs and the CLI's plain output.
    pub message: String,
}

impl SyncFailure {
    pub fn from_error(error: &CoreError) -> SyncFailure {
        let report = error.to_report();
        SyncFailure {
            code: report.code.to_string(),
            message_key: report.message_key,
            params: report.params.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            message: report.message,
        }
    }

    /// Reads the column: JSON since schema 5's app release; a plain English sentence before.
    fn from_column(text: &str) -> SyncFailure {
        serde_json::from_str(text).unwrap_or_else(|_| SyncFailure {
            code: "unknown".into(),
            message_key: String::new(),
            params: Default::default(),
            message: text.to_string(),
        })
    }
}
