//! What passes between the laptop and the server outside the application lifecycle: what the
//! server publishes and the laptop keeps (catalogue versions, the roster of officers assigned to
//! it, outreach plans, the fact that it was revoked), each kept idempotently (the same event
//! applied twice changes nothing the second time); and the audit of what leaves the laptop
//! otherwise: outbox exports, printed slips and day reports.

use super::audit::{self, Change};
use super::{Store, conversion_error, format_time, parse_time};
use crate::error::Result;
use crate::officer::OfficerNumber;
use fieldkit_protocol::{OutreachPlan, RosterOfficer, content_hash};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use time::OffsetDateTime;

/// An officer on the laptop's roster as the server sent it, and whether they are set up here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RosterEntry {
    #[serde(flatten)]
    pub officer: RosterOfficer,
    /// Whether the officer can sign in on this laptop (added here with a PIN, not removed).
    pub on_laptop: bool,
}

fn hash_of(value: &impl serde::Serialize) -> Result<String> {
    Ok(content_hash(&serde_json::to_value(value).map_err(|_| conversion_error("published record"))?))
}

impl Store {
    /// The newest catalogue received from the server: its version and text.
    pub fn received_catalogue(&self) -> Result<Option<(u32, String)>> {
        Ok(self
            .conn
            .query_row("SELECT version, text FROM catalogues ORDER BY version DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// Keeps a catalogue the caller has checked. Returns `false`, changing nothing, when this
    /// version or a newer one is already kept.
    pub(crate) fn keep_catalogue(
        &mut self,
        version: u32,
        text: &str,
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let newest: Option<u32> = tx.query_row("SELECT max(version) FROM catalogues", [], |r| r.get(0))?;
        if newest.is_some_and(|newest| newest >= version) {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO catalogues (version, text, received_at) VALUES (?1, ?2, ?3)",
            params![version, text, at],
        )?;
        let version_text = version.to_string();
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action: "catalogue.received",
                entity: "catalogue",
                entity_id: &version_text,
                before_hash: None,
                after_hash: Some(content_hash(&serde_json::Value::String(text.to_string()))),
            },
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Records the roster the server sent (each officer named replaces what was kept for them).
    pub(crate) fn keep_roster(
        &mut self,
        officers: &[RosterOfficer],
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for officer in officers {
            tx.execute(
                "INSERT OR REPLACE INTO roster (number, display_name, role, active, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![officer.number, officer.name, officer.role, officer.active, at],
            )?;
        }
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action: "roster.received",
                entity: "roster",
                entity_id: "laptop",
                before_hash: None,
                after_hash: Some(hash_of(&officers)?),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The roster as last received, by officer number.
    pub fn roster(&self) -> Result<Vec<RosterEntry>> {
        let mut statement = self.conn.prepare(
            "SELECT r.number, r.display_name, r.role, r.active,
                    EXISTS (SELECT 1 FROM officers o WHERE o.number = r.number AND o.removed_at IS NULL)
             FROM roster r ORDER BY r.number",
        )?;
        let rows = statement.query_map([], |r| {
            Ok(RosterEntry {
                officer: RosterOfficer { number: r.get(0)?, name: r.get(1)?, role: r.get(2)?, active: r.get(3)? },
                on_laptop: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Keeps an outreach plan unless a revision at least as new is kept; says whether it did.
    pub(crate) fn keep_outreach(
        &mut self,
        plan: &OutreachPlan,
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let at = format_time(now)?;
        let id = plan.id.to_string();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kept: Option<u32> =
            tx.query_row("SELECT revision FROM outreaches WHERE id = ?1", [&id], |r| r.get(0)).optional()?;
        if kept.is_some_and(|kept| kept >= plan.revision) {
            return Ok(false);
        }
        let text = serde_json::to_string(plan).map_err(|_| conversion_error("outreach plan"))?;
        tx.execute(
            "INSERT OR REPLACE INTO outreaches (id, revision, plan, received_at) VALUES (?1, ?2, ?3, ?4)",
            params![id, plan.revision, text, at],
        )?;
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action: "outreach.received",
                entity: "outreach",
                entity_id: &id,
                before_hash: None,
                after_hash: Some(hash_of(plan)?),
            },
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Keeps a plan the centre manager made or changed here, to be uploaded at the next sync
    /// (the server publishes it to the laptops it names). The caller has checked it and set its
    /// revision above any kept.
    pub(crate) fn save_plan(&mut self, plan: &OutreachPlan, by: &OfficerNumber, now: OffsetDateTime) -> Result<()> {
        let at = format_time(now)?;
        let id = plan.id.to_string();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before: Option<String> =
            tx.query_row("SELECT plan FROM outreaches WHERE id = ?1", [&id], |r| r.get(0)).optional()?;
        let before_hash = match before {
            Some(text) => Some(hash_of(
                &serde_json::from_str::<OutreachPlan>(&text).map_err(|_| conversion_error("outreach plan"))?,
            )?),
            None => None,
        };
        let text = serde_json::to_string(plan).map_err(|_| conversion_error("outreach plan"))?;
        tx.execute(
            "INSERT OR REPLACE INTO outreaches (id, revision, plan, received_at, upload_pending) VALUES (?1, ?2, ?3, ?4, 1)",
            params![id, plan.revision, text, at],
        )?;
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action: "outreach.planned",
                entity: "outreach",
                entity_id: &id,
                before_hash,
                after_hash: Some(hash_of(plan)?),
            },
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Plans made here that the server has not acknowledged yet.
    pub fn plans_waiting_upload(&self) -> Result<Vec<OutreachPlan>> {
        let mut statement = self.conn.prepare("SELECT plan FROM outreaches WHERE upload_pending = 1 ORDER BY id")?;
        let rows = statement.query_map([], |r| r.get::<_, String>(0))?;
        let mut plans = Vec::new();
        for text in rows {
            plans.push(serde_json::from_str::<OutreachPlan>(&text?).map_err(|_| conversion_error("outreach plan"))?);
        }
        Ok(plans)
    }

    /// The server answered for this revision: it is no longer waiting (a later revision saved
    /// meanwhile still is). Says whether anything changed.
    pub(crate) fn plan_uploaded(&mut self, id: uuid::Uuid, revision: u32) -> Result<bool> {
        let changed = self.conn.execute(
            "UPDATE outreaches SET upload_pending = 0 WHERE id = ?1 AND revision = ?2 AND upload_pending = 1",
            params![id.to_string(), revision],
        )?;
        Ok(changed == 1)
    }

    /// Outreach plans this laptop is assigned to, soonest first.
    pub fn outreaches(&self) -> Result<Vec<OutreachPlan>> {
        let mut statement = self.conn.prepare("SELECT plan FROM outreaches")?;
        let rows = statement.query_map([], |r| r.get::<_, String>(0))?;
        let mut plans = Vec::new();
        for text in rows {
            plans.push(serde_json::from_str::<OutreachPlan>(&text?).map_err(|_| conversion_error("outreach plan"))?);
        }
        plans.sort_by(|a, b| (&a.starts_on, &a.name).cmp(&(&b.starts_on, &b.name)));
        Ok(plans)
    }

    /// Records that the server refused this laptop as revoked (the first time only).
    pub(crate) fn record_revocation(&mut self, by: &OfficerNumber, now: OffsetDateTime) -> Result<()> {
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute("UPDATE sync_state SET revoked_at = ?1 WHERE revoked_at IS NULL", [&at])?;
        if changed == 1 {
            let device: String = tx.query_row("SELECT laptop_prefix FROM device", [], |r| r.get(0))?;
            audit::append(
                &tx,
                Change {
                    at: &at,
                    officer: by.as_str(),
                    action: "device.revoked",
                    entity: "device",
                    entity_id: &device,
                    before_hash: None,
                    after_hash: None,
                },
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// When the server said this laptop is revoked, if it has.
    pub fn revoked_at(&self) -> Result<Option<OffsetDateTime>> {
        let text: Option<String> = self.conn.query_row("SELECT revoked_at FROM sync_state", [], |r| r.get(0))?;
        Ok(text.as_deref().map(parse_time).transpose()?)
    }

    /// Audits an export: how many records left the laptop in a bundle, and the bundle's hash.
    pub(crate) fn record_export(
        &mut self,
        bundle: &crate::sync::export::ExportedBundle,
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<()> {
        self.record_document("outbox.exported", "bundle", &bundle.file_name(), &bundle.bytes, by, now)
    }

    /// Audits a document made from citizens' data (`action` such as `slip.printed` on entity
    /// `slip`): who made it, when, of what, and the SHA-256 of its content. The entity is never
    /// `application` or `citizen`, whose entries the verifier holds against the live records.
    pub(crate) fn record_document(
        &mut self,
        action: &str,
        entity: &str,
        entity_id: &str,
        content: &[u8],
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<()> {
        use sha2::Digest;
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action,
                entity,
                entity_id,
                before_hash: None,
                after_hash: Some(hex::encode(sha2::Sha256::digest(content))),
            },
        )?;
        tx.commit()?;
        Ok(())
    }
}
