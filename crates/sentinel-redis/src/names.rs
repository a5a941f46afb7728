//! Redis key names: `<prefix>{<brand hash>}:token` and `<prefix>{<brand hash>}:lease`.
//!
//! The brand hash is the first 16 bytes of SHA-256 over the account and
//! client id (length-prefixed), in hex: ids do not appear in the keyspace
//! (`KEYS`, `MONITOR`, a dump), though anyone who can list candidate ids can
//! recompute the hash. It does not depend on the encryption key, so that
//! instances with different keys (a key rotation under way) still share the
//! brand's lease, and read each other's values as corrupt rather than missing.
//! The braces are a Redis Cluster hash tag: both keys of a brand live in one
//! slot.

use aws_lc_rs::digest::{SHA256, digest};
use sentinel_client::BrandKey;

/// The hex of a brand's hash.
fn brand_hash(brand: &BrandKey) -> String {
    let mut input = Vec::with_capacity(64);
    input.extend_from_slice(b"sentinel-rs/brand/v1");
    for part in [brand.account().as_str(), brand.client_id().as_str()] {
        let len = u32::try_from(part.len()).unwrap_or(u32::MAX);
        input.extend_from_slice(&len.to_be_bytes());
        input.extend_from_slice(part.as_bytes());
    }
    let d = digest(&SHA256, &input);
    let mut hex = String::with_capacity(32);
    for b in d.as_ref().iter().take(16) {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The names of a brand's two keys.
pub(crate) fn keys(prefix: &str, brand: &BrandKey) -> (String, String) {
    let h = brand_hash(brand);
    (
        format!("{prefix}{{{h}}}:token"),
        format!("{prefix}{{{h}}}:lease"),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sentinel_proto::{AccountId, ClientId};

    #[test]
    fn names_hide_the_ids_and_share_a_hash_tag() {
        let b = BrandKey::new(
            AccountId::new("123456").unwrap(),
            ClientId::new("app-1").unwrap(),
        );
        let (t, l) = keys("p:", &b);
        assert!(!t.contains("123456") && !t.contains("app-1"));
        assert!(t.starts_with("p:{") && t.ends_with("}:token") && l.ends_with("}:lease"));
        assert_eq!(t.len(), "p:{}:token".len() + 32);
        assert_eq!(t[..t.find('}').unwrap()], l[..l.find('}').unwrap()]);
        // Length prefixes: ("1", "23") and ("12", "3") differ.
        let x = BrandKey::new(AccountId::new("1").unwrap(), ClientId::new("23").unwrap());
        let y = BrandKey::new(AccountId::new("12").unwrap(), ClientId::new("3").unwrap());
        assert_ne!(keys("", &x), keys("", &y));
    }
}
