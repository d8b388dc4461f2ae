//! The NSEC3 hash (RFC 5155 §5): `IH(salt, x, 0) = H(x ‖ salt)`, then `k` more rounds of
//! `H(IH ‖ salt)`, over the owner name in canonical (lower-case) wire form, with SHA-1, the only
//! hash algorithm assigned.

use data_encoding::BASE32HEX_NOPAD;
use ring::digest::{Context, SHA1_FOR_LEGACY_USE_ONLY};

use crate::name::{Name, NameError};

/// The NSEC3 hash algorithm number of SHA-1.
pub const SHA1: u8 = 1;

/// The hash of `name` with `salt` and `iterations` extra rounds.
pub fn nsec3_hash(name: &Name, salt: &[u8], iterations: u16) -> [u8; 20] {
    let mut lower = [0u8; crate::name::MAX_NAME_LEN];
    let wire = name.as_wire();
    let len = wire.len().min(lower.len());
    for (to, from) in lower.iter_mut().zip(wire) {
        *to = from.to_ascii_lowercase();
    }
    let mut hash = [0u8; 20];
    let mut context = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
    context.update(lower.get(..len).unwrap_or_default());
    context.update(salt);
    hash.copy_from_slice(context.finish().as_ref());
    for _ in 0..iterations {
        let mut context = Context::new(&SHA1_FOR_LEGACY_USE_ONLY);
        context.update(&hash);
        context.update(salt);
        hash.copy_from_slice(context.finish().as_ref());
    }
    hash
}

/// The owner name of the NSEC3 record for `hash` in the zone `apex`: the hash in base32hex,
/// lower case, as the leftmost label.
pub fn hashed_owner(hash: &[u8], apex: &Name) -> Result<Name, NameError> {
    let label = BASE32HEX_NOPAD.encode(hash).to_ascii_lowercase();
    apex.prepend(label.as_bytes())
}

/// The hash an NSEC3 owner name carries in its first label, when it is base32hex.
pub fn hash_of_owner(owner: &Name) -> Option<Vec<u8>> {
    let label = owner.labels().next()?;
    BASE32HEX_NOPAD.decode(&label.to_ascii_uppercase()).ok()
}
