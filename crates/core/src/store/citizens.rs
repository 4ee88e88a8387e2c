//! The citizens table: registration (one citizen per ID number), look-up and search.

use super::*;

impl Store {
    pub(crate) fn register_citizen(
        &mut self,
        details: CitizenDetails,
        by: &OfficerNumber,
        now: OffsetDateTime,
    ) -> Result<Citizen> {
        let citizen = Citizen {
            id: Uuid::now_v7(),
            details,
            registered_by: by.to_string(),
            registered_at: truncate_to_millis(now),
        };
        let at = format_time(now)?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(id_number) = &citizen.details.id_number {
            let existing: Option<String> =
                tx.query_row("SELECT id FROM citizens WHERE id_number = ?1", [id_number], |r| r.get(0)).optional()?;
            if let Some(citizen_id) = existing {
                return Err(CoreError::CitizenExists { id_number: id_number.clone(), citizen_id });
            }
        }
        let d = &citizen.details;
        tx.execute(
            "INSERT INTO citizens (id, id_number, surname, given_names, date_of_birth, sex, phone, county_code, registered_by, registered_at, sub_county, kra_pin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                citizen.id.to_string(),
                d.id_number,
                d.surname,
                d.given_names,
                d.date_of_birth.to_string(),
                d.sex.as_str(),
                d.phone,
                d.county_code,
                citizen.registered_by,
                at,
                d.sub_county,
                d.kra_pin
            ],
        )?;
        audit::append(
            &tx,
            Change {
                at: &at,
                officer: by.as_str(),
                action: "citizen.registered",
                entity: "citizen",
                entity_id: &citizen.id.to_string(),
                before_hash: None,
                after_hash: Some(record_hash(&citizen)?),
            },
        )?;
        tx.commit()?;
        Ok(citizen)
    }

    pub fn citizen(&self, id: Uuid) -> Result<Citizen> {
        self.conn
            .query_row(&format!("{CITIZEN_COLUMNS} WHERE id = ?1"), [id.to_string()], citizen_from_row)
            .optional()?
            .ok_or_else(|| CoreError::CitizenNotFound(id.to_string()))
    }

    /// Finds citizens by ID number, phone (any written form) or part of a name.
    pub fn find_citizens(&self, query: &str) -> Result<Vec<Citizen>> {
        let query = query.trim();
        if query.is_empty() {
            return Err(CoreError::invalid("query", Reason::Required));
        }
        let phone = crate::validate::kenyan_phone("query", query).ok();
        // A reference read off a slip or over the phone, in any case and spacing, finds the
        // citizen it was issued to.
        let reference = Reference::parse(query).ok().map(|r| r.as_str().to_string());
        let pattern = format!("%{}%", query.replace(['%', '_'], ""));
        let mut statement = self.conn.prepare(&format!(
            "{CITIZEN_COLUMNS} WHERE id_number = ?1 OR phone = ?2
               OR surname LIKE ?3 OR given_names LIKE ?3 OR (given_names || ' ' || surname) LIKE ?3
               OR id IN (SELECT citizen_id FROM applications WHERE reference = ?4)
             ORDER BY surname, given_names LIMIT 50"
        ))?;
        let rows = statement.query_map(params![query, phone, pattern, reference], citizen_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

pub(super) const CITIZEN_COLUMNS: &str = "SELECT id, id_number, surname, given_names, date_of_birth, sex, phone, county_code, registered_by, registered_at, sub_county, kra_pin FROM citizens";

pub(super) fn citizen_from_row(row: &Row<'_>) -> rusqlite::Result<Citizen> {
    let id: String = row.get(0)?;
    let dob: String = row.get(4)?;
    let sex: String = row.get(5)?;
    let registered_at: String = row.get(9)?;
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    Ok(Citizen {
        id: Uuid::parse_str(&id).map_err(|_| conversion_error("citizen id"))?,
        details: CitizenDetails {
            id_number: row.get(1)?,
            surname: row.get(2)?,
            given_names: row.get(3)?,
            date_of_birth: time::Date::parse(&dob, date_format).map_err(|_| conversion_error("date of birth"))?,
            sex: Sex::parse(&sex).map_err(|_| conversion_error("sex"))?,
            phone: row.get(6)?,
            county_code: row.get(7)?,
            sub_county: row.get(10)?,
            kra_pin: row.get(11)?,
        },
        registered_by: row.get(8)?,
        registered_at: parse_time(&registered_at)?,
    })
}
