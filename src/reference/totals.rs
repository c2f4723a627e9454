//! The tenant's side of the overlay's `totals`: an integer property that counts the rows of one of
//! the entity's own collection-valued navigations (a run's `totalUsersCount`, its
//! `userProcessingResults`) equals the rows the navigation holds. The parts of the same count
//! (`failedUsersCount`, `successfulUsersCount`) are scaled with it, so they stay within it.

use serde_json::{Map, Value, json};

use crate::metadata::Model;
use crate::schema::overlay::Total;

/// The totals that apply to entities of `type_name` (derived types included).
pub fn of<'t>(model: &Model, totals: &'t [Total], type_name: &str) -> Vec<&'t Total> {
    totals.iter().filter(|t| model.is_a(type_name, &t.type_name)).collect()
}

/// Sets `property` to `n` and scales the integer parts of the same count (the properties that end
/// the way it does after `total`: `UsersCount` for `totalUsersCount`) so they keep their shares.
pub fn set(row: &mut Map<String, Value>, property: &str, n: u64) {
    let old = row.get(property).and_then(Value::as_u64);
    row.insert(property.to_string(), json!(n));
    let Some(noun) = property.strip_prefix("total").filter(|n| !n.is_empty()) else { return };
    let parts: Vec<String> = row
        .keys()
        .filter(|k| k.as_str() != property && k.ends_with(noun) && !k.starts_with("total"))
        .cloned()
        .collect();
    for k in parts {
        let Some(v) = row.get(&k).and_then(Value::as_u64) else { continue };
        let scaled = match old {
            Some(old) if old > 0 => v.min(old) * n / old,
            _ => 0,
        };
        row.insert(k, json!(scaled));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_set_keeps_its_parts_within_it() {
        let mut row = Map::new();
        row.insert("totalUsersCount".into(), json!(5));
        row.insert("failedUsersCount".into(), json!(2));
        row.insert("successfulUsersCount".into(), json!(3));
        row.insert("failedTasksCount".into(), json!(4));
        set(&mut row, "totalUsersCount", 2);
        assert_eq!(row["totalUsersCount"], json!(2));
        let parts = row["failedUsersCount"].as_u64().unwrap() + row["successfulUsersCount"].as_u64().unwrap();
        assert!(parts <= 2, "{row:?}");
        assert_eq!(row["failedTasksCount"], json!(4), "another count is not touched");
        set(&mut row, "totalUsersCount", 0);
        assert_eq!(row["failedUsersCount"], json!(0));
    }
}
