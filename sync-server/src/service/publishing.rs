//! What headquarters publishes to laptops — catalogues, rosters, outreach plans — checked with
//! the laptops' own rules ([`crate::publish`]) and published with its audit entry in the same
//! transaction.

use super::catalogue::CatalogueInForce;
use super::{Actor, ServiceError};
use crate::publish;
use crate::storage::review::NewAudit;
use crate::storage::{Storage, StorageError};
use fieldkit_domain::Catalogue;
use fieldkit_protocol::Event;
use time::OffsetDateTime;
use uuid::Uuid;

/// A catalogue published: its version and how many laptops it went to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CataloguePublished {
    pub version: u32,
    pub laptops: usize,
}

/// Checks catalogue `text` (read from `file`, for messages) as a laptop would and publishes it
/// to every unrevoked laptop and laptops enrolled later; audited as `catalogue.published`.
/// Refused whole when it does not check or is not newer than the one in force.
pub async fn catalogue<S: Storage>(
    storage: &S,
    in_force: &CatalogueInForce,
    actor: &Actor,
    file: &str,
    text: &str,
    now: OffsetDateTime,
) -> Result<CataloguePublished, ServiceError> {
    let version = publish::catalogue(file, text)?;
    let actor = actor.as_str().to_string();
    let audit = move |laptops: usize| {
        NewAudit::new(&actor, "catalogue.published", format!("catalogue:{version}"), format!("{laptops} laptops"))
    };
    let laptops = match storage.publish_catalogue(version, text, audit, now).await {
        Ok(laptops) => laptops,
        Err(e @ StorageError::StaleCatalogue { .. }) => return Err(ServiceError::Refused(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    in_force.changed();
    Ok(CataloguePublished { version, laptops })
}

/// Checks a roster file and publishes it to `laptops`, all or none; audited as
/// `roster.published`. Says how many officers it lists.
pub async fn roster<S: Storage>(
    storage: &S,
    actor: &Actor,
    file: &str,
    text: &str,
    laptops: &[String],
    now: OffsetDateTime,
) -> Result<usize, ServiceError> {
    let officers = publish::roster(file, text)?;
    let count = officers.len();
    let audit = NewAudit::new(
        actor.as_str(),
        "roster.published",
        format!("laptops:{}", laptops.join(",")),
        format!("{count} officers"),
    );
    storage.publish(laptops, Event::Roster { officers }, audit, now).await?;
    Ok(count)
}

/// An outreach plan published: which, and to which laptops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutreachPublished {
    pub id: Uuid,
    pub revision: u32,
    pub laptops: Vec<String>,
}

/// Checks an outreach plan file against `catalogue` (the one in force) and publishes it to the
/// laptops it names, all or none; audited as `outreach.published`.
pub async fn outreach<S: Storage>(
    storage: &S,
    catalogue: &Catalogue,
    actor: &Actor,
    file: &str,
    text: &str,
    now: OffsetDateTime,
) -> Result<OutreachPublished, ServiceError> {
    let (plan, laptops) = publish::outreach(file, text, catalogue)?;
    let (id, revision) = (plan.id, plan.revision);
    let audit = NewAudit::new(
        actor.as_str(),
        "outreach.published",
        format!("outreach:{id}/{revision}"),
        format!("laptops {}", laptops.join(",")),
    );
    storage.publish(&laptops, Event::Outreach { plan: Box::new(plan) }, audit, now).await?;
    Ok(OutreachPublished { id, revision, laptops })
}
