//! [`ReviewStorage`] on the embedded SQLite backend.

use crate::storage::StorageError;
use crate::storage::review::{
    AuditEntry, BatchSummary, ConsoleRole, ConsoleSession, ConsoleUser, DecideOutcome, DeliveryAttempt, DeliveryJob,
    DeliveryResult, NewAudit, Planned, ReviewFilter, ReviewItem, ReviewStatus, ReviewStorage, RevisionState,
    audit_hash, rfc3339,
};
use crate::storage::sqlite::{SqliteStorage, append_event, db};
use fieldkit_protocol::{ApplicationRecord, Event};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};
use time::OffsetDateTime;
use uuid::Uuid;

/// Appends one audit entry inside the caller's transaction.
pub(super) fn append_audit(conn: &Connection, entry: &NewAudit, now: OffsetDateTime) -> Result<(), StorageError> {
    let (prev_seq, prev_hash): (u64, String) = conn
        .query_row("SELECT seq, hash FROM console_audit ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
        })
        .optional()
        .map_err(db)?
        .unwrap_or((0, String::new()));
    let (seq, at) = (prev_seq + 1, rfc3339(now));
    let hash = audit_hash(&prev_hash, seq, &at, entry);
    conn.execute(
        "INSERT INTO console_audit (seq, at, actor, action, subject, detail, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![seq as i64, at, entry.actor, entry.action, entry.subject, entry.detail, hash],
    )
    .map_err(db)?;
    Ok(())
}

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, Option<String>, String, bool)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn to_account(
    (username, display_name, role, mda, password_hash, disabled): (
        String,
        String,
        String,
        Option<String>,
        String,
        bool,
    ),
) -> Result<ConsoleUser, StorageError> {
    let role = ConsoleRole::parse(&role).ok_or_else(|| StorageError::Corrupt(format!("account role {role:?}")))?;
    Ok(ConsoleUser { username, display_name, role, mda, password_hash, disabled })
}

const ACCOUNT_COLUMNS: &str = "username, display_name, role, mda, password_hash, disabled";

/// The latest revision of each application, with its decision; the `WHERE` is appended.
const ITEM_SELECT: &str = "SELECT a.id, a.revision, a.content_hash, a.catalogue_version, a.service_id, a.reference,
        a.body, a.device_id, a.captured_on, a.outreach_id, a.outreach_name, a.received_at,
        d.decision, d.decided_by, d.decided_at
    FROM applications a LEFT JOIN decisions d ON d.application_id = a.id AND d.revision = a.revision";

const LATEST_ONLY: &str = "a.revision = (SELECT max(l.revision) FROM applications l WHERE l.id = a.id)";

fn item_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawItem> {
    Ok(RawItem {
        id: r.get(0)?,
        revision: r.get(1)?,
        content_hash: r.get(2)?,
        catalogue_version: r.get(3)?,
        service_id: r.get(4)?,
        reference: r.get(5)?,
        body: r.get(6)?,
        device_id: r.get(7)?,
        captured_on: r.get(8)?,
        outreach_id: r.get(9)?,
        outreach_name: r.get(10)?,
        received_at: r.get(11)?,
        decision: r.get(12)?,
        decided_by: r.get(13)?,
        decided_at: r.get(14)?,
    })
}

struct RawItem {
    id: String,
    revision: u32,
    content_hash: String,
    catalogue_version: u32,
    service_id: String,
    reference: String,
    body: String,
    device_id: String,
    captured_on: Option<String>,
    outreach_id: Option<String>,
    outreach_name: Option<String>,
    received_at: String,
    decision: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<String>,
}

impl RawItem {
    fn into_item(self) -> Result<ReviewItem, StorageError> {
        let corrupt = |e: &dyn std::fmt::Display| StorageError::Corrupt(e.to_string());
        Ok(ReviewItem {
            record: ApplicationRecord {
                id: Uuid::parse_str(&self.id).map_err(|e| corrupt(&e))?,
                revision: self.revision,
                content_hash: self.content_hash,
                catalogue_version: self.catalogue_version,
                service_id: self.service_id,
                reference: self.reference,
                body: serde_json::from_str(&self.body).map_err(|e| corrupt(&e))?,
            },
            device_id: self.device_id,
            captured_on: self.captured_on.unwrap_or_default(),
            outreach_id: self.outreach_id,
            outreach_name: self.outreach_name,
            received_at: self.received_at,
            decision: self.decision.map(|d| serde_json::from_str(&d)).transpose().map_err(|e| corrupt(&e))?,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
        })
    }
}

/// The `WHERE` clause and its parameters for `filter` (always bounded by its services).
fn filter_sql(filter: &ReviewFilter) -> Result<(String, Vec<Value>), StorageError> {
    let services = serde_json::to_string(&filter.services).map_err(db)?;
    let mut clauses = vec![LATEST_ONLY.to_string(), "a.service_id IN (SELECT value FROM json_each(?))".to_string()];
    let mut values = vec![Value::Text(services)];
    match filter.status {
        None => {}
        Some(ReviewStatus::Pending) => clauses.push("d.decision IS NULL".into()),
        Some(status) => {
            clauses.push("json_extract(d.decision, '$.decision') = ?".into());
            values.push(Value::Text(status.as_str().into()));
        }
    }
    if let Some(device) = &filter.device_id {
        clauses.push("a.device_id = ?".into());
        values.push(Value::Text(device.clone()));
    }
    if let Some(day) = &filter.captured_on {
        clauses.push("a.captured_on = ?".into());
        values.push(Value::Text(day.clone()));
    }
    match filter.outreach_id.as_deref() {
        None => {}
        Some("") => clauses.push("a.outreach_id IS NULL".into()),
        Some(outreach) => {
            clauses.push("a.outreach_id = ?".into());
            values.push(Value::Text(outreach.into()));
        }
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        clauses.push("(lower(a.reference) LIKE ? ESCAPE '\\' OR lower(a.body) LIKE ? ESCAPE '\\')".into());
        let pattern = like_pattern(search);
        values.push(Value::Text(pattern.clone()));
        values.push(Value::Text(pattern));
    }
    Ok((clauses.join(" AND "), values))
}

/// What a decision on `id`/`revision` must know, or `None` if it was never pushed.
fn revision_state(conn: &Connection, id: Uuid, revision: u32) -> Result<Option<RevisionState>, StorageError> {
    conn.query_row(
        "SELECT device_id, service_id,
            (SELECT max(l.revision) FROM applications l WHERE l.id = a.id),
            EXISTS (SELECT 1 FROM decisions d WHERE d.application_id = a.id AND d.revision = a.revision)
         FROM applications a WHERE a.id = ?1 AND a.revision = ?2",
        params![id.to_string(), revision],
        |r| {
            Ok(RevisionState {
                device_id: r.get(0)?,
                service_id: r.get(1)?,
                latest_revision: r.get(2)?,
                decided: r.get(3)?,
            })
        },
    )
    .optional()
    .map_err(db)
}

/// `%term%`, lower-cased, with LIKE's wildcards in the term escaped.
pub(crate) fn like_pattern(term: &str) -> String {
    let mut pattern = String::from("%");
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl ReviewStorage for SqliteStorage {
    async fn create_account(
        &self,
        user: ConsoleUser,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let taken = tx
                .query_row("SELECT 1 FROM console_accounts WHERE username = ?1", [&user.username], |_| Ok(()))
                .optional()
                .map_err(db)?
                .is_some();
            if taken {
                return Err(StorageError::AccountExists(user.username));
            }
            tx.execute(
                "INSERT INTO console_accounts (username, display_name, role, mda, password_hash, disabled, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    user.username,
                    user.display_name,
                    user.role.as_str(),
                    user.mda,
                    user.password_hash,
                    user.disabled,
                    rfc3339(now)
                ],
            )
            .map_err(db)?;
            append_audit(&tx, &audit, now)?;
            tx.commit().map_err(db)
        })
        .await
    }

    async fn account(&self, username: &str) -> Result<Option<ConsoleUser>, StorageError> {
        let username = username.to_string();
        self.with(move |conn| {
            conn.query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM console_accounts WHERE username = ?1"),
                [&username],
                account_row,
            )
            .optional()
            .map_err(db)?
            .map(to_account)
            .transpose()
        })
        .await
    }

    async fn accounts(&self) -> Result<Vec<ConsoleUser>, StorageError> {
        self.with(|conn| {
            let mut statement = conn
                .prepare(&format!("SELECT {ACCOUNT_COLUMNS} FROM console_accounts ORDER BY username"))
                .map_err(db)?;
            let rows = statement.query_map([], account_row).map_err(db)?;
            rows.map(|r| r.map_err(db).and_then(to_account)).collect()
        })
        .await
    }

    async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let (username, password_hash) = (username.to_string(), password_hash.to_string());
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let changed = tx
                .execute(
                    "UPDATE console_accounts SET password_hash = ?2 WHERE username = ?1",
                    params![username, password_hash],
                )
                .map_err(db)?;
            if changed == 0 {
                return Err(StorageError::UnknownAccount(username));
            }
            tx.execute("DELETE FROM console_sessions WHERE username = ?1", [&username]).map_err(db)?;
            append_audit(&tx, &audit, now)?;
            tx.commit().map_err(db)
        })
        .await
    }

    async fn set_disabled(
        &self,
        username: &str,
        disabled: bool,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let username = username.to_string();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let changed = tx
                .execute("UPDATE console_accounts SET disabled = ?2 WHERE username = ?1", params![username, disabled])
                .map_err(db)?;
            if changed == 0 {
                return Err(StorageError::UnknownAccount(username));
            }
            if disabled {
                tx.execute("DELETE FROM console_sessions WHERE username = ?1", [&username]).map_err(db)?;
            }
            append_audit(&tx, &audit, now)?;
            tx.commit().map_err(db)
        })
        .await
    }

    async fn create_session(&self, token_hash: &str, session: ConsoleSession) -> Result<(), StorageError> {
        let token_hash = token_hash.to_string();
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO console_sessions (token_hash, username, csrf_token, created_at, last_seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, session.username, session.csrf_token, session.created_at, session.last_seen_at],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn session(&self, token_hash: &str) -> Result<Option<ConsoleSession>, StorageError> {
        let token_hash = token_hash.to_string();
        self.with(move |conn| {
            conn.query_row(
                "SELECT username, csrf_token, created_at, last_seen_at FROM console_sessions WHERE token_hash = ?1",
                [&token_hash],
                |r| {
                    Ok(ConsoleSession {
                        username: r.get(0)?,
                        csrf_token: r.get(1)?,
                        created_at: r.get(2)?,
                        last_seen_at: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(db)
        })
        .await
    }

    async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), StorageError> {
        let token_hash = token_hash.to_string();
        self.with(move |conn| {
            conn.execute(
                "UPDATE console_sessions SET last_seen_at = max(last_seen_at, ?2) WHERE token_hash = ?1",
                params![token_hash, now],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StorageError> {
        let token_hash = token_hash.to_string();
        self.with(move |conn| {
            conn.execute("DELETE FROM console_sessions WHERE token_hash = ?1", [&token_hash]).map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn record_login_failure(&self, key: &str, now: i64) -> Result<(), StorageError> {
        let key = key.to_string();
        self.with(move |conn| {
            conn.execute("INSERT INTO login_failures (key, at) VALUES (?1, ?2)", params![key, now]).map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn login_failures(&self, key: &str, since: i64) -> Result<u32, StorageError> {
        let key = key.to_string();
        self.with(move |conn| {
            conn.query_row(
                "SELECT count(*) FROM login_failures WHERE key = ?1 AND at >= ?2",
                params![key, since],
                |r| r.get::<_, u32>(0),
            )
            .map_err(db)
        })
        .await
    }

    async fn clear_login_failures(&self, key: &str) -> Result<(), StorageError> {
        let key = key.to_string();
        self.with(move |conn| {
            conn.execute("DELETE FROM login_failures WHERE key = ?1", [&key]).map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn forget_stale(&self, failures_before: i64, sessions_before: i64) -> Result<(u64, u64), StorageError> {
        self.with(move |conn| {
            let failures = conn.execute("DELETE FROM login_failures WHERE at < ?1", [failures_before]).map_err(db)?;
            let sessions =
                conn.execute("DELETE FROM console_sessions WHERE last_seen_at < ?1", [sessions_before]).map_err(db)?;
            Ok((failures as u64, sessions as u64))
        })
        .await
    }

    async fn append_audit(&self, entry: NewAudit, now: OffsetDateTime) -> Result<(), StorageError> {
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            append_audit(&tx, &entry, now)?;
            tx.commit().map_err(db)
        })
        .await
    }

    async fn audit_log(&self, limit: u32, offset: u32) -> Result<Vec<AuditEntry>, StorageError> {
        self.with(move |conn| audit_entries(conn, "ORDER BY seq DESC LIMIT ?1 OFFSET ?2", params![limit, offset])).await
    }

    async fn audit_chain(&self) -> Result<Vec<AuditEntry>, StorageError> {
        self.with(|conn| audit_entries(conn, "ORDER BY seq", params![])).await
    }

    async fn batches(&self, filter: &ReviewFilter) -> Result<Vec<BatchSummary>, StorageError> {
        let (clause, values) = filter_sql(filter)?;
        self.with(move |conn| {
            let sql = format!(
                "SELECT a.device_id, a.captured_on, a.outreach_id, max(a.outreach_name), count(*),
                    sum(d.decision IS NULL),
                    sum(json_extract(d.decision, '$.decision') = 'accepted'),
                    sum(json_extract(d.decision, '$.decision') = 'rejected'),
                    sum(json_extract(d.decision, '$.decision') = 'queried')
                 FROM applications a LEFT JOIN decisions d ON d.application_id = a.id AND d.revision = a.revision
                 WHERE {clause}
                 GROUP BY a.device_id, a.captured_on, a.outreach_id
                 ORDER BY a.captured_on DESC, a.device_id, a.outreach_id"
            );
            let mut statement = conn.prepare(&sql).map_err(db)?;
            let rows = statement
                .query_map(params_from_iter(values), |r| {
                    Ok(BatchSummary {
                        device_id: r.get(0)?,
                        captured_on: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                        outreach_id: r.get(2)?,
                        outreach_name: r.get(3)?,
                        total: r.get::<_, i64>(4)? as u64,
                        pending: r.get::<_, Option<i64>>(5)?.unwrap_or(0) as u64,
                        accepted: r.get::<_, Option<i64>>(6)?.unwrap_or(0) as u64,
                        rejected: r.get::<_, Option<i64>>(7)?.unwrap_or(0) as u64,
                        queried: r.get::<_, Option<i64>>(8)?.unwrap_or(0) as u64,
                    })
                })
                .map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)
        })
        .await
    }

    async fn review_items(
        &self,
        filter: &ReviewFilter,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<ReviewItem>, u64), StorageError> {
        let (clause, values) = filter_sql(filter)?;
        self.with(move |conn| {
            let total: i64 = conn
                .query_row(
                    &format!(
                        "SELECT count(*) FROM applications a LEFT JOIN decisions d
                         ON d.application_id = a.id AND d.revision = a.revision WHERE {clause}"
                    ),
                    params_from_iter(values.iter()),
                    |r| r.get(0),
                )
                .map_err(db)?;
            let sql = format!(
                "{ITEM_SELECT} WHERE {clause} ORDER BY a.captured_on DESC, a.reference LIMIT {limit} OFFSET {offset}"
            );
            let mut statement = conn.prepare(&sql).map_err(db)?;
            let rows = statement.query_map(params_from_iter(values.iter()), item_row).map_err(db)?;
            let items = rows.map(|r| r.map_err(db).and_then(RawItem::into_item)).collect::<Result<Vec<_>, _>>()?;
            Ok((items, total as u64))
        })
        .await
    }

    async fn review_item(
        &self,
        services: &[String],
        application_id: Uuid,
        revision: u32,
    ) -> Result<Option<ReviewItem>, StorageError> {
        let services = serde_json::to_string(services).map_err(db)?;
        self.with(move |conn| {
            conn.query_row(
                &format!(
                    "{ITEM_SELECT} WHERE a.id = ?1 AND a.revision = ?2
                     AND a.service_id IN (SELECT value FROM json_each(?3))"
                ),
                params![application_id.to_string(), revision, services],
                item_row,
            )
            .optional()
            .map_err(db)?
            .map(RawItem::into_item)
            .transpose()
        })
        .await
    }

    async fn same_answer(
        &self,
        service_id: &str,
        field: &str,
        value: &str,
        except: Uuid,
    ) -> Result<Vec<ReviewItem>, StorageError> {
        let (service_id, value) = (service_id.to_string(), value.to_string());
        // A JSON path quoting the field id, so no id can escape into the path syntax.
        let path = format!("$.application.form.{}", serde_json::to_string(field).map_err(db)?);
        self.with(move |conn| {
            let sql = format!(
                "{ITEM_SELECT} WHERE {LATEST_ONLY} AND a.service_id = ?1 AND a.id <> ?2
                 AND json_extract(a.body, ?3) = ?4 ORDER BY a.received_at"
            );
            let mut statement = conn.prepare(&sql).map_err(db)?;
            let rows =
                statement.query_map(params![service_id, except.to_string(), path, value], item_row).map_err(db)?;
            rows.map(|r| r.map_err(db).and_then(RawItem::into_item)).collect()
        })
        .await
    }

    async fn record_decisions(
        &self,
        revisions: Vec<(Uuid, u32)>,
        plan: impl FnOnce(Vec<Option<RevisionState>>) -> Vec<Planned> + Send + 'static,
        now: OffsetDateTime,
    ) -> Result<Vec<DecideOutcome>, StorageError> {
        self.with(move |conn| {
            // IMMEDIATE: the write lock from the first read, so nothing changes between the
            // states read and the decisions written.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let mut states = Vec::with_capacity(revisions.len());
            for (id, revision) in &revisions {
                states.push(revision_state(&tx, *id, *revision)?);
            }
            let at = rfc3339(now);
            let mut outcomes = Vec::with_capacity(revisions.len());
            for planned in plan(states) {
                let write = match planned {
                    Planned::Outcome(outcome) => {
                        outcomes.push(outcome);
                        continue;
                    }
                    Planned::Write(write) => write,
                };
                let (id, revision) = (write.application_id.to_string(), write.revision);
                let text = serde_json::to_string(&write.decision).map_err(db)?;
                tx.execute(
                    "INSERT INTO decisions (application_id, revision, decision, decided_by, decided_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, revision, text, write.decided_by, at],
                )
                .map_err(db)?;
                append_audit(&tx, &write.audit, now)?;
                if let Some(mda) = &write.delivery_to {
                    tx.execute(
                        "INSERT INTO deliveries (application_id, revision, mda, state, next_attempt_at)
                         VALUES (?1, ?2, ?3, 'pending', ?4)",
                        params![id, revision, mda, now.unix_timestamp()],
                    )
                    .map_err(db)?;
                }
                let event = Event::Review { application_id: write.application_id, revision, decision: write.decision };
                append_event(&tx, &write.device_id, &event)?;
                outcomes.push(DecideOutcome::Decided);
            }
            tx.commit().map_err(db)?;
            Ok(outcomes)
        })
        .await
    }

    async fn touch_device(&self, device_id: &str, now: OffsetDateTime) -> Result<(), StorageError> {
        let device_id = device_id.to_string();
        self.with(move |conn| {
            // RFC 3339 in UTC with whole seconds sorts as text, so the later time wins. Every
            // request touches its device: no write (no commit to sync) when nothing would change.
            conn.execute(
                "UPDATE devices SET last_seen_at = ?2 WHERE id = ?1 AND coalesce(last_seen_at, '') < ?2",
                params![device_id, rfc3339(now)],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn devices_last_seen(&self) -> Result<Vec<(String, Option<String>)>, StorageError> {
        self.with(|conn| {
            let mut statement = conn.prepare("SELECT id, last_seen_at FROM devices ORDER BY id").map_err(db)?;
            let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)
        })
        .await
    }

    async fn claim_deliveries(
        &self,
        mdas: &[String],
        now: i64,
        lease: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryJob>, StorageError> {
        let mdas = serde_json::to_string(mdas).map_err(db)?;
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let jobs = {
                let mut statement = tx
                    .prepare(
                        "SELECT application_id, revision, mda, attempts FROM deliveries
                         WHERE state = 'pending' AND next_attempt_at <= ?1 AND mda IN (SELECT value FROM json_each(?2))
                         ORDER BY next_attempt_at, application_id LIMIT ?3",
                    )
                    .map_err(db)?;
                let rows = statement
                    .query_map(params![now, mdas, limit], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?, r.get::<_, String>(2)?, r.get::<_, u32>(3)?))
                    })
                    .map_err(db)?;
                let mut jobs = Vec::new();
                for row in rows {
                    let (id, revision, mda, attempts) = row.map_err(db)?;
                    let application_id = Uuid::parse_str(&id).map_err(|e| StorageError::Corrupt(e.to_string()))?;
                    jobs.push(DeliveryJob { application_id, revision, mda, attempts });
                }
                jobs
            };
            for job in &jobs {
                tx.execute(
                    "UPDATE deliveries SET next_attempt_at = ?3 WHERE application_id = ?1 AND revision = ?2",
                    params![job.application_id.to_string(), job.revision, now + lease],
                )
                .map_err(db)?;
            }
            tx.commit().map_err(db)?;
            Ok(jobs)
        })
        .await
    }

    async fn record_delivery(
        &self,
        job: &DeliveryJob,
        result: DeliveryResult,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let job = job.clone();
        self.with(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let attempt = job.attempts + 1;
            let (state, next, status, outcome, error) = match &result {
                DeliveryResult::Delivered { status } => {
                    ("delivered", now.unix_timestamp(), Some(*status), "delivered", None)
                }
                DeliveryResult::Failed { status, error, retry_at: Some(at) } => {
                    ("pending", *at, *status, "retrying", Some(error.clone()))
                }
                DeliveryResult::Failed { status, error, retry_at: None } => {
                    ("failed", now.unix_timestamp(), *status, "failed", Some(error.clone()))
                }
            };
            tx.execute(
                "UPDATE deliveries SET state = ?3, attempts = ?4, next_attempt_at = ?5
                 WHERE application_id = ?1 AND revision = ?2",
                params![job.application_id.to_string(), job.revision, state, attempt, next],
            )
            .map_err(db)?;
            tx.execute(
                "INSERT INTO delivery_attempts (application_id, revision, mda, attempt, at, status, outcome, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    job.application_id.to_string(),
                    job.revision,
                    job.mda,
                    attempt,
                    rfc3339(now),
                    status,
                    outcome,
                    error
                ],
            )
            .map_err(db)?;
            tx.commit().map_err(db)
        })
        .await
    }

    async fn delivery_log(&self, mda: &str, limit: u32) -> Result<Vec<DeliveryAttempt>, StorageError> {
        let mda = mda.to_string();
        self.with(move |conn| {
            let mut statement = conn
                .prepare(
                    "SELECT t.application_id, t.revision, coalesce(a.reference, ''), t.mda, t.attempt, t.at, t.status,
                        t.outcome, t.error
                     FROM delivery_attempts t
                     LEFT JOIN applications a ON a.id = t.application_id AND a.revision = t.revision
                     WHERE t.mda = ?1 ORDER BY t.id DESC LIMIT ?2",
                )
                .map_err(db)?;
            let rows = statement
                .query_map(params![mda, limit], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        DeliveryAttempt {
                            application_id: Uuid::nil(),
                            revision: r.get(1)?,
                            reference: r.get(2)?,
                            mda: r.get(3)?,
                            attempt: r.get(4)?,
                            at: r.get(5)?,
                            status: r.get(6)?,
                            outcome: r.get(7)?,
                            error: r.get(8)?,
                        },
                    ))
                })
                .map_err(db)?;
            let mut log = Vec::new();
            for row in rows {
                let (id, mut attempt) = row.map_err(db)?;
                attempt.application_id = Uuid::parse_str(&id).map_err(|e| StorageError::Corrupt(e.to_string()))?;
                log.push(attempt);
            }
            Ok(log)
        })
        .await
    }
}

fn audit_entries(
    conn: &Connection,
    tail: &str,
    values: impl rusqlite::Params,
) -> Result<Vec<AuditEntry>, StorageError> {
    let mut statement = conn
        .prepare(&format!("SELECT seq, at, actor, action, subject, detail, hash FROM console_audit {tail}"))
        .map_err(db)?;
    let rows = statement
        .query_map(values, |r| {
            Ok(AuditEntry {
                seq: r.get::<_, i64>(0)? as u64,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                subject: r.get(4)?,
                detail: r.get(5)?,
                hash: r.get(6)?,
            })
        })
        .map_err(db)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db)
}
