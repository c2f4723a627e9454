//! Identifiers the fake makes: stable GUIDs derived from a seed, and the synthetic entities' ids,
//! which encode their index so that a lookup parses the id instead of searching.

/// A GUID derived from another value, so the fake's own ids are stable across runs.
pub fn derived_guid(seed: &str, salt: u64) -> String {
    let mut h: u64 = 0xcbf29ce484222325 ^ salt;
    for b in seed.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    let lo = h.rotate_left(17) ^ salt.wrapping_mul(0x9e3779b97f4a7c15);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (h >> 32) as u32,
        (h >> 16) as u16,
        h & 0xfff,
        lo & 0xfff,
        lo >> 16
    )
}

/// A stable 64-bit hash (FNV-1a) of `text`: the same on every machine and in every release.
pub fn fnv(text: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The id of synthetic entity `index` of a kind: `<prefix><index as 12 hex digits>`.
pub fn synthetic(prefix: &str, index: usize) -> String {
    format!("{prefix}{index:012x}")
}

/// The index encoded in a synthetic id of a kind, if `id` is one and below `bound`.
pub fn synthetic_index(id: &str, prefix: &str, bound: usize) -> Option<usize> {
    let rest = id.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).and(id.get(prefix.len()..))?;
    if rest.len() != 12 {
        return None;
    }
    usize::from_str_radix(rest, 16).ok().filter(|i| *i < bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_within_bounds() {
        let id = synthetic("c0000000-0000-4000-c000-", 1049);
        assert_eq!(synthetic_index(&id, "c0000000-0000-4000-c000-", 1050), Some(1049));
        assert_eq!(synthetic_index(&id.to_uppercase(), "c0000000-0000-4000-c000-", 1050), Some(1049));
        assert_eq!(synthetic_index(&id, "c0000000-0000-4000-c000-", 1049), None);
        assert_eq!(synthetic_index("c0000000-0000-4000-c000-00000000000g", "c0000000-0000-4000-c000-", 9), None);
        assert!(crate::odata::path::looks_like_guid(&derived_guid("x", 5)));
    }
}
