//! Request ids (`client-request-id`, `request-id`): random version-4 UUIDs from a fast per-thread
//! generator. They tell requests apart in logs; they guard nothing, so they need no system call
//! per request (`Uuid::new_v4` asks the kernel each time).

/// A fresh version-4 UUID, hyphenated.
pub fn fresh() -> String {
    let mut bytes = [0u8; 16];
    fastrand::fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_version_4_uuids_and_differ() {
        let (a, b) = (super::fresh(), super::fresh());
        assert_ne!(a, b);
        let u = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(u.get_version_num(), 4);
        assert_eq!(u.get_variant(), uuid::Variant::RFC4122);
    }
}
