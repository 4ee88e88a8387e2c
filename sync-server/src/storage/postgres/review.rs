//! [`ReviewStorage`] on the PostgreSQL backend: what `sqlite/review.rs` does, held to the same
//! conformance suite, and safe with several server nodes on one database:
//! - every transaction that appends to the audit log first takes one advisory lock, so entries
//!   are numbered and chained one after another (a fork would also break `seq`'s primary key);
//!   it is taken before any other lock, so it orders those transactions without deadlocks;
//! - a bulk decision locks the revisions it decides (in one order) before reading whether they
//!   are decided or superseded, and a push bringing a new revision share-locks the earlier ones
//!   (`postgres.rs`), so "superseded" is judged against every resubmission that committed;
//! - delivery jobs are claimed with `FOR UPDATE SKIP LOCKED`: two nodes never claim one job, and
//!   neither waits for the other.
//!
//! Instants the trait hands out are RFC 3339 in UTC with whole seconds, as SQLite stores them
//! (`received_at` with milliseconds, as SQLite's default writes it). Bodies and decisions are read
//! as `json`, not `jsonb`, which refuses a `\u0000` escape anywhere in a citizen's answers.

use crate::storage::StorageError;
use crate::storage::postgres::{PostgresStorage, append_event, db, revision};
use crate::storage::review::{
    AuditEntry, BatchSummary, ConsoleRole, ConsoleSession, ConsoleUser, DecideOutcome, DeliveryAttempt, DeliveryJob,
    DeliveryResult, NewAudit, Planned, ReviewFilter, ReviewItem, ReviewStatus, ReviewStorage, RevisionState,
    audit_hash, rfc3339,
};
use crate::storage::sqlite::review::like_pattern;
use fieldkit_protocol::{ApplicationRecord, Event};
use time::OffsetDateTime;
use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::{GenericClient, IsolationLevel, Row};
use uuid::Uuid;

/// The key of the advisory lock that serialises audit appenders on every node.
const AUDIT_LOCK: i64 = 0x4855_444d_4155_4454; // "HUDMAUDT"

/// A column, or a [`StorageError`] when the row does not hold what the query promised.
fn get<'a, T: FromSql<'a>>(row: &'a Row, index: usize) -> Result<T, StorageError> {
    row.try_get(index).map_err(db)
}

fn unsigned(value: i32, what: &str) -> Result<u32, StorageError> {
    u32::try_from(value).map_err(|_| StorageError::Corrupt(format!("{what} {value}")))
}

fn count(value: i64) -> Result<u64, StorageError> {
    u64::try_from(value).map_err(|_| StorageError::Corrupt(format!("count {value}")))
}

/// Counters stored as `integer` (attempts); they never approach `i32::MAX`.
fn small(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Takes the audit lock until the caller's transaction ends: before anything else the
/// transaction locks, see the module comment.
pub(super) async fn lock_audit(tx: &impl GenericClient) -> Result<(), StorageError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&AUDIT_LOCK]).await.map_err(db)?;
    Ok(())
}

/// Appends one audit entry inside the caller's transaction, which holds [`lock_audit`].
pub(super) async fn append_audit(
    tx: &impl GenericClient,
    entry: &NewAudit,
    now: OffsetDateTime,
) -> Result<(), StorageError> {
    let last = tx.query_opt("SELECT seq, hash FROM console_audit ORDER BY seq DESC LIMIT 1", &[]).await.map_err(db)?;
    let (prev_seq, prev_hash) = match &last {
        Some(row) => (get::<i64>(row, 0)?, get::<String>(row, 1)?),
        None => (0, String::new()),
    };
    let prev_seq = u64::try_from(prev_seq).map_err(|_| StorageError::Corrupt(format!("audit seq {prev_seq}")))?;
    let (seq, at) = (prev_seq + 1, rfc3339(now));
    let hash = audit_hash(&prev_hash, seq, &at, entry);
    let seq = i64::try_from(seq).map_err(|_| StorageError::Corrupt(format!("audit seq {seq}")))?;
    tx.execute(
        "INSERT INTO console_audit (seq, at, actor, action, subject, detail, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&seq, &at, &entry.actor, &entry.action, &entry.subject, &entry.detail, &hash],
    )
    .await
    .map_err(db)?;
    Ok(())
}

const ACCOUNT_SELECT: &str = "SELECT username, display_name, role, mda, password_hash, disabled FROM console_accounts";

fn account(row: &Row) -> Result<ConsoleUser, StorageError> {
    let role: String = get(row, 2)?;
    let role = ConsoleRole::parse(&role).ok_or_else(|| StorageError::Corrupt(format!("account role {role:?}")))?;
    Ok(ConsoleUser {
        username: get(row, 0)?,
        display_name: get(row, 1)?,
        role,
        mda: get(row, 3)?,
        password_hash: get(row, 4)?,
        disabled: get(row, 5)?,
    })
}

const AUDIT_SELECT: &str = "SELECT seq, at, actor, action, subject, detail, hash FROM console_audit";

fn audit_entry(row: &Row) -> Result<AuditEntry, StorageError> {
    let seq: i64 = get(row, 0)?;
    Ok(AuditEntry {
        seq: u64::try_from(seq).map_err(|_| StorageError::Corrupt(format!("audit seq {seq}")))?,
        at: get(row, 1)?,
        actor: get(row, 2)?,
        action: get(row, 3)?,
        subject: get(row, 4)?,
        detail: get(row, 5)?,
        hash: get(row, 6)?,
    })
}

/// Revisions with their decisions, as [`item`] reads them; the `WHERE` is appended.
const ITEM_SELECT: &str = r#"SELECT a.id, a.revision, a.content_hash, a.catalogue_version, a.service_id, a.reference,
        a.body, a.device_id, a.captured_on, a.outreach_id, a.outreach_name,
        to_char(a.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        d.decision, d.decided_by,
        to_char(d.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    FROM applications a LEFT JOIN decisions d ON d.application_id = a.id AND d.revision = a.revision"#;

const FROM_ITEMS: &str =
    "FROM applications a LEFT JOIN decisions d ON d.application_id = a.id AND d.revision = a.revision";

const LATEST_ONLY: &str = "a.revision = (SELECT max(l.revision) FROM applications l WHERE l.id = a.id)";

fn item(row: &Row) -> Result<ReviewItem, StorageError> {
    let corrupt = |e: serde_json::Error| StorageError::Corrupt(e.to_string());
    let catalogue_version: i64 = get(row, 3)?;
    let body: &str = get(row, 6)?;
    let decision: Option<&str> = get(row, 12)?;
    Ok(ReviewItem {
        record: ApplicationRecord {
            id: get(row, 0)?,
            revision: unsigned(get(row, 1)?, "revision")?,
            content_hash: get(row, 2)?,
            catalogue_version: u32::try_from(catalogue_version)
                .map_err(|_| StorageError::Corrupt(format!("catalogue version {catalogue_version}")))?,
            service_id: get(row, 4)?,
            reference: get(row, 5)?,
            body: serde_json::from_str(body).map_err(corrupt)?,
        },
        device_id: get(row, 7)?,
        captured_on: get::<Option<String>>(row, 8)?.unwrap_or_default(),
        outreach_id: get(row, 9)?,
        outreach_name: get(row, 10)?,
        received_at: get(row, 11)?,
        decision: decision.map(serde_json::from_str).transpose().map_err(corrupt)?,
        decided_by: get(row, 13)?,
        decided_at: get(row, 14)?,
    })
}

/// A query's parameters, numbered as they are bound.
#[derive(Default)]
struct Params(Vec<Box<dyn ToSql + Sync + Send>>);

impl Params {
    /// Binds `value` and returns its placeholder.
    fn bind(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.0.push(Box::new(value));
        format!("${}", self.0.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.0.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
    }
}

/// The `WHERE` clause for `filter` (always bounded by its services), binding into `params`.
fn filter_sql(filter: &ReviewFilter, params: &mut Params) -> String {
    let mut clauses =
        vec![LATEST_ONLY.to_string(), format!("a.service_id = ANY({})", params.bind(filter.services.clone()))];
    match filter.status {
        None => {}
        Some(ReviewStatus::Pending) => clauses.push("d.decision IS NULL".into()),
        Some(status) => {
            clauses.push(format!("d.decision::json ->> 'decision' = {}", params.bind(status.as_str().to_string())))
        }
    }
    if let Some(device) = &filter.device_id {
        clauses.push(format!("a.device_id = {}", params.bind(device.clone())));
    }
    if let Some(day) = &filter.captured_on {
        clauses.push(format!("a.captured_on = {}", params.bind(day.clone())));
    }
    match filter.outreach_id.as_deref() {
        None => {}
        Some("") => clauses.push("a.outreach_id IS NULL".into()),
        Some(outreach) => clauses.push(format!("a.outreach_id = {}", params.bind(outreach.to_string()))),
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = params.bind(like_pattern(search));
        clauses.push(format!(
            "(lower(a.reference) LIKE {pattern} ESCAPE '\\' OR lower(a.body) LIKE {pattern} ESCAPE '\\')"
        ));
    }
    clauses.join(" AND ")
}

impl ReviewStorage for PostgresStorage {
    async fn create_account(
        &self,
        user: ConsoleUser,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        lock_audit(&*tx).await?;
        let inserted = tx
            .execute(
                "INSERT INTO console_accounts (username, display_name, role, mda, password_hash, disabled, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, to_timestamp($7::bigint)) ON CONFLICT (username) DO NOTHING",
                &[
                    &user.username,
                    &user.display_name,
                    &user.role.as_str(),
                    &user.mda,
                    &user.password_hash,
                    &user.disabled,
                    &now.unix_timestamp(),
                ],
            )
            .await
            .map_err(db)?;
        if inserted == 0 {
            return Err(StorageError::AccountExists(user.username));
        }
        append_audit(&*tx, &audit, now).await?;
        tx.commit().await.map_err(db)
    }

    async fn account(&self, username: &str) -> Result<Option<ConsoleUser>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let row = client.query_opt(&format!("{ACCOUNT_SELECT} WHERE username = $1"), &[&username]).await.map_err(db)?;
        row.as_ref().map(account).transpose()
    }

    async fn accounts(&self) -> Result<Vec<ConsoleUser>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let rows =
            client.query(&format!(r#"{ACCOUNT_SELECT} ORDER BY username COLLATE "C""#), &[]).await.map_err(db)?;
        rows.iter().map(account).collect()
    }

    async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        lock_audit(&*tx).await?;
        let changed = tx
            .execute("UPDATE console_accounts SET password_hash = $2 WHERE username = $1", &[&username, &password_hash])
            .await
            .map_err(db)?;
        if changed == 0 {
            return Err(StorageError::UnknownAccount(username.to_string()));
        }
        tx.execute("DELETE FROM console_sessions WHERE username = $1", &[&username]).await.map_err(db)?;
        append_audit(&*tx, &audit, now).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_disabled(
        &self,
        username: &str,
        disabled: bool,
        audit: NewAudit,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        lock_audit(&*tx).await?;
        let changed = tx
            .execute("UPDATE console_accounts SET disabled = $2 WHERE username = $1", &[&username, &disabled])
            .await
            .map_err(db)?;
        if changed == 0 {
            return Err(StorageError::UnknownAccount(username.to_string()));
        }
        if disabled {
            tx.execute("DELETE FROM console_sessions WHERE username = $1", &[&username]).await.map_err(db)?;
        }
        append_audit(&*tx, &audit, now).await?;
        tx.commit().await.map_err(db)
    }

    async fn create_session(&self, token_hash: &str, session: ConsoleSession) -> Result<(), StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        client
            .execute(
                "INSERT INTO console_sessions (token_hash, username, csrf_token, created_at, last_seen_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&token_hash, &session.username, &session.csrf_token, &session.created_at, &session.last_seen_at],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<ConsoleSession>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let row = client
            .query_opt(
                "SELECT username, csrf_token, created_at, last_seen_at FROM console_sessions WHERE token_hash = $1",
                &[&token_hash],
            )
            .await
            .map_err(db)?;
        row.map(|row| {
            Ok(ConsoleSession {
                username: get(&row, 0)?,
                csrf_token: get(&row, 1)?,
                created_at: get(&row, 2)?,
                last_seen_at: get(&row, 3)?,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        client
            .execute(
                "UPDATE console_sessions SET last_seen_at = greatest(last_seen_at, $2) WHERE token_hash = $1",
                &[&token_hash, &now],
            )
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        client.execute("DELETE FROM console_sessions WHERE token_hash = $1", &[&token_hash]).await.map_err(db)?;
        Ok(())
    }

    async fn record_login_failure(&self, key: &str, now: i64) -> Result<(), StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        client.execute("INSERT INTO login_failures (key, at) VALUES ($1, $2)", &[&key, &now]).await.map_err(db)?;
        Ok(())
    }

    async fn forget_stale(&self, failures_before: i64, sessions_before: i64) -> Result<(u64, u64), StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let failures =
            client.execute("DELETE FROM login_failures WHERE at < $1", &[&failures_before]).await.map_err(db)?;
        let sessions = client
            .execute("DELETE FROM console_sessions WHERE last_seen_at < $1", &[&sessions_before])
            .await
            .map_err(db)?;
        Ok((failures, sessions))
    }

    async fn login_failures(&self, key: &str, since: i64) -> Result<u32, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let row = client
            .query_one("SELECT count(*) FROM login_failures WHERE key = $1 AND at >= $2", &[&key, &since])
            .await
            .map_err(db)?;
        let n: i64 = get(&row, 0)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn clear_login_failures(&self, key: &str) -> Result<(), StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        client.execute("DELETE FROM login_failures WHERE key = $1", &[&key]).await.map_err(db)?;
        Ok(())
    }

    async fn append_audit(&self, entry: NewAudit, now: OffsetDateTime) -> Result<(), StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        lock_audit(&*tx).await?;
        append_audit(&*tx, &entry, now).await?;
        tx.commit().await.map_err(db)
    }

    async fn audit_log(&self, limit: u32, offset: u32) -> Result<Vec<AuditEntry>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let rows = client
            .query(
                &format!("{AUDIT_SELECT} ORDER BY seq DESC LIMIT $1 OFFSET $2"),
                &[&i64::from(limit), &i64::from(offset)],
            )
            .await
            .map_err(db)?;
        rows.iter().map(audit_entry).collect()
    }

    async fn audit_chain(&self) -> Result<Vec<AuditEntry>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let rows = client.query(&format!("{AUDIT_SELECT} ORDER BY seq"), &[]).await.map_err(db)?;
        rows.iter().map(audit_entry).collect()
    }

    async fn batches(&self, filter: &ReviewFilter) -> Result<Vec<BatchSummary>, StorageError> {
        let mut params = Params::default();
        let clause = filter_sql(filter, &mut params);
        // Byte order and SQLite's placement of NULLs, so both backends list batches alike.
        let sql = format!(
            r#"SELECT a.device_id, a.captured_on, a.outreach_id, max(a.outreach_name COLLATE "C"), count(*),
                count(*) FILTER (WHERE d.decision IS NULL),
                count(*) FILTER (WHERE d.decision::json ->> 'decision' = 'accepted'),
                count(*) FILTER (WHERE d.decision::json ->> 'decision' = 'rejected'),
                count(*) FILTER (WHERE d.decision::json ->> 'decision' = 'queried')
             {FROM_ITEMS}
             WHERE {clause}
             GROUP BY a.device_id, a.captured_on, a.outreach_id
             ORDER BY a.captured_on COLLATE "C" DESC NULLS LAST, a.device_id COLLATE "C",
                a.outreach_id COLLATE "C" NULLS FIRST"#
        );
        let client = self.pool.get().await.map_err(db)?;
        let rows = client.query(&sql, &params.refs()).await.map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(BatchSummary {
                    device_id: get(row, 0)?,
                    captured_on: get::<Option<String>>(row, 1)?.unwrap_or_default(),
                    outreach_id: get(row, 2)?,
                    outreach_name: get(row, 3)?,
                    total: count(get(row, 4)?)?,
                    pending: count(get(row, 5)?)?,
                    accepted: count(get(row, 6)?)?,
                    rejected: count(get(row, 7)?)?,
                    queried: count(get(row, 8)?)?,
                })
            })
            .collect()
    }

    async fn review_items(
        &self,
        filter: &ReviewFilter,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<ReviewItem>, u64), StorageError> {
        let mut params = Params::default();
        let clause = filter_sql(filter, &mut params);
        let count_sql = format!("SELECT count(*) {FROM_ITEMS} WHERE {clause}");
        let (limit, offset) = (params.bind(i64::from(limit)), params.bind(i64::from(offset)));
        let page_sql = format!(
            r#"{ITEM_SELECT} WHERE {clause}
               ORDER BY a.captured_on COLLATE "C" DESC NULLS LAST, a.reference COLLATE "C"
               LIMIT {limit} OFFSET {offset}"#
        );
        let refs = params.refs();
        let mut client = self.pool.get().await.map_err(db)?;
        // One snapshot for the total and the page, so they agree.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(db)?;
        // The count binds only the filter's parameters, the page also its limit and offset.
        let total = tx.query_one(&count_sql, &refs[..refs.len() - 2]).await.map_err(db)?;
        let total = count(get(&total, 0)?)?;
        let rows = tx.query(&page_sql, &refs).await.map_err(db)?;
        let items = rows.iter().map(item).collect::<Result<Vec<_>, _>>()?;
        tx.commit().await.map_err(db)?;
        Ok((items, total))
    }

    async fn review_item(
        &self,
        services: &[String],
        application_id: Uuid,
        revision_number: u32,
    ) -> Result<Option<ReviewItem>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let row = client
            .query_opt(
                &format!("{ITEM_SELECT} WHERE a.id = $1 AND a.revision = $2 AND a.service_id = ANY($3)"),
                &[&application_id, &revision(revision_number), &services],
            )
            .await
            .map_err(db)?;
        row.as_ref().map(item).transpose()
    }

    async fn same_answer(
        &self,
        service_id: &str,
        field: &str,
        value: &str,
        except: Uuid,
    ) -> Result<Vec<ReviewItem>, StorageError> {
        // The field id is a parameter, never SQL; only string answers match, as in SQLite.
        let sql = format!(
            "{ITEM_SELECT} WHERE {LATEST_ONLY} AND a.service_id = $1 AND a.id <> $2
                AND json_typeof(a.body::json -> 'application' -> 'form' -> $3::text) = 'string'
                AND a.body::json -> 'application' -> 'form' ->> $3::text = $4
             ORDER BY a.received_at, a.id"
        );
        let client = self.pool.get().await.map_err(db)?;
        let rows = client.query(&sql, &[&service_id, &except, &field, &value]).await.map_err(db)?;
        rows.iter().map(item).collect()
    }

    async fn record_decisions(
        &self,
        revisions: Vec<(Uuid, u32)>,
        plan: impl FnOnce(Vec<Option<RevisionState>>) -> Vec<Planned> + Send + 'static,
        now: OffsetDateTime,
    ) -> Result<Vec<DecideOutcome>, StorageError> {
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        lock_audit(&*tx).await?;
        // Lock every revision of these applications, in one order: a resubmission through another
        // node either committed before (and is seen below) or waits until this commits.
        let ids: Vec<Uuid> = revisions.iter().map(|(id, _)| *id).collect();
        tx.query("SELECT 1 FROM applications WHERE id = ANY($1) ORDER BY id, revision FOR NO KEY UPDATE", &[&ids])
            .await
            .map_err(db)?;
        let mut states = Vec::with_capacity(revisions.len());
        for (id, revision_number) in &revisions {
            let row = tx
                .query_opt(
                    "SELECT device_id, service_id, (SELECT max(l.revision) FROM applications l WHERE l.id = a.id),
                        EXISTS (SELECT 1 FROM decisions d WHERE d.application_id = a.id AND d.revision = a.revision)
                     FROM applications a WHERE a.id = $1 AND a.revision = $2",
                    &[id, &revision(*revision_number)],
                )
                .await
                .map_err(db)?;
            states.push(match row {
                None => None,
                Some(row) => Some(RevisionState {
                    device_id: get(&row, 0)?,
                    service_id: get(&row, 1)?,
                    latest_revision: unsigned(get(&row, 2)?, "revision")?,
                    decided: get(&row, 3)?,
                }),
            });
        }
        let mut outcomes = Vec::with_capacity(revisions.len());
        let mut events = Vec::new();
        for planned in plan(states) {
            let write = match planned {
                Planned::Outcome(outcome) => {
                    outcomes.push(outcome);
                    continue;
                }
                Planned::Write(write) => write,
            };
            let (id, rev) = (write.application_id, revision(write.revision));
            let text = serde_json::to_string(&write.decision).map_err(db)?;
            // `Storage::decide` takes no locks: a decision it is committing is met here.
            let inserted = tx
                .execute(
                    "INSERT INTO decisions (application_id, revision, decision, decided_by, decided_at)
                     VALUES ($1, $2, $3, $4, to_timestamp($5::bigint)) ON CONFLICT DO NOTHING",
                    &[&id, &rev, &text, &write.decided_by, &now.unix_timestamp()],
                )
                .await
                .map_err(db)?;
            if inserted == 0 {
                outcomes.push(DecideOutcome::AlreadyDecided);
                continue;
            }
            append_audit(&*tx, &write.audit, now).await?;
            if let Some(mda) = &write.delivery_to {
                tx.execute(
                    "INSERT INTO deliveries (application_id, revision, mda, state, next_attempt_at)
                     VALUES ($1, $2, $3, 'pending', $4)",
                    &[&id, &rev, mda, &now.unix_timestamp()],
                )
                .await
                .map_err(db)?;
            }
            let event = Event::Review { application_id: id, revision: write.revision, decision: write.decision };
            events.push((write.device_id, event));
            outcomes.push(DecideOutcome::Decided);
        }
        // The devices' event counters last and in byte order (each device's events keep their
        // order), as a catalogue publication takes them: no deadlock between the two.
        events.sort_by(|a, b| a.0.cmp(&b.0));
        for (device, event) in &events {
            append_event(&*tx, device, event).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(outcomes)
    }

    async fn touch_device(&self, device_id: &str, now: OffsetDateTime) -> Result<(), StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        // Never backwards: nodes' clocks differ a little, and their requests commit in any order.
        // Every request touches its device, so: a cached statement, and no write (no commit to
        // flush) when the time stored is already this second or later.
        let statement = client
            .prepare_cached(
                "UPDATE devices SET last_seen_at = to_timestamp($2::bigint)
                 WHERE id = $1 AND (last_seen_at IS NULL OR last_seen_at < to_timestamp($2::bigint))",
            )
            .await
            .map_err(db)?;
        client.execute(&statement, &[&device_id, &now.unix_timestamp()]).await.map_err(db)?;
        Ok(())
    }

    async fn devices_last_seen(&self) -> Result<Vec<(String, Option<String>)>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let rows = client
            .query(
                r#"SELECT id, to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                   FROM devices ORDER BY id COLLATE "C""#,
                &[],
            )
            .await
            .map_err(db)?;
        rows.iter().map(|row| Ok((get(row, 0)?, get(row, 1)?))).collect()
    }

    async fn claim_deliveries(
        &self,
        mdas: &[String],
        now: i64,
        lease: i64,
        limit: u32,
    ) -> Result<Vec<DeliveryJob>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        // Rows another node is claiming are skipped, not waited for; one it has claimed and
        // committed is re-read and no longer due.
        let rows = client
            .query(
                "WITH due AS (
                     SELECT application_id, revision, next_attempt_at FROM deliveries
                     WHERE state = 'pending' AND next_attempt_at <= $1 AND mda = ANY($2)
                     ORDER BY next_attempt_at, application_id, revision LIMIT $3
                     FOR UPDATE SKIP LOCKED
                 ), claimed AS (
                     UPDATE deliveries d SET next_attempt_at = $4 FROM due
                     WHERE d.application_id = due.application_id AND d.revision = due.revision
                     RETURNING d.application_id, d.revision, d.mda, d.attempts, due.next_attempt_at AS due_at
                 )
                 SELECT application_id, revision, mda, attempts FROM claimed
                 ORDER BY due_at, application_id, revision",
                &[&now, &mdas, &i64::from(limit), &now.saturating_add(lease)],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                Ok(DeliveryJob {
                    application_id: get(row, 0)?,
                    revision: unsigned(get(row, 1)?, "revision")?,
                    mda: get(row, 2)?,
                    attempts: unsigned(get(row, 3)?, "attempts")?,
                })
            })
            .collect()
    }

    async fn record_delivery(
        &self,
        job: &DeliveryJob,
        result: DeliveryResult,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let attempt = small(job.attempts.saturating_add(1));
        let (state, next, status, outcome, error) = match result {
            DeliveryResult::Delivered { status } => {
                ("delivered", now.unix_timestamp(), Some(status), "delivered", None)
            }
            DeliveryResult::Failed { status, error, retry_at: Some(at) } => {
                ("pending", at, status, "retrying", Some(error))
            }
            DeliveryResult::Failed { status, error, retry_at: None } => {
                ("failed", now.unix_timestamp(), status, "failed", Some(error))
            }
        };
        let status = status.map(i32::from);
        let rev = revision(job.revision);
        let mut client = self.pool.get().await.map_err(db)?;
        let tx = client.transaction().await.map_err(db)?;
        tx.execute(
            "UPDATE deliveries SET state = $3, attempts = $4, next_attempt_at = $5
             WHERE application_id = $1 AND revision = $2",
            &[&job.application_id, &rev, &state, &attempt, &next],
        )
        .await
        .map_err(db)?;
        tx.execute(
            "INSERT INTO delivery_attempts (application_id, revision, mda, attempt, at, status, outcome, error)
             VALUES ($1, $2, $3, $4, to_timestamp($5::bigint), $6, $7, $8)",
            &[&job.application_id, &rev, &job.mda, &attempt, &now.unix_timestamp(), &status, &outcome, &error],
        )
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn delivery_log(&self, mda: &str, limit: u32) -> Result<Vec<DeliveryAttempt>, StorageError> {
        let client = self.pool.get().await.map_err(db)?;
        let rows = client
            .query(
                r#"SELECT t.application_id, t.revision, coalesce(a.reference, ''), t.mda, t.attempt,
                       to_char(t.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), t.status, t.outcome, t.error
                   FROM delivery_attempts t
                   LEFT JOIN applications a ON a.id = t.application_id AND a.revision = t.revision
                   WHERE t.mda = $1 ORDER BY t.id DESC LIMIT $2"#,
                &[&mda, &i64::from(limit)],
            )
            .await
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let status: Option<i32> = get(row, 6)?;
                Ok(DeliveryAttempt {
                    application_id: get(row, 0)?,
                    revision: unsigned(get(row, 1)?, "revision")?,
                    reference: get(row, 2)?,
                    mda: get(row, 3)?,
                    attempt: unsigned(get(row, 4)?, "attempt")?,
                    at: get(row, 5)?,
                    status: status
                        .map(|s| u16::try_from(s).map_err(|_| StorageError::Corrupt(format!("delivery status {s}"))))
                        .transpose()?,
                    outcome: get(row, 7)?,
                    error: get(row, 8)?,
                })
            })
            .collect()
    }
}
