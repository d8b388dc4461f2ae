//! Secrets: RFC 9154 transfer codes and registrar passwords.
//!
//! Transfer codes are random (at least 128 bits), short-lived and only ever stored as a salted
//! SHA-256 (RFC 9154 §4.3: a hash of at least 256 bits with a random per-code salt of at least
//! 128 bits). A single fast hash is enough there because the code itself carries 128 bits of
//! randomness; registrar passwords are chosen by people, so they get argon2id instead.
//!
//! Nothing here draws randomness on its own: callers pass a generator or the salt.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use data_encoding::BASE64_NOPAD;
use rand_core::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::model::AuthCode;

/// The characters [`generate_code`] draws from: ASCII letters and digits, so a code survives
/// copying through e-mail, web forms and XML without escaping.
pub const CODE_ALPHABET: &[u8; 62] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Length of a generated code: 24 characters of 62 give 142.9 bits, above RFC 9154's 128.
pub const CODE_LENGTH: usize = 24;

/// Bytes of salt for a code hash (RFC 9154 §4.3 asks for at least 128 bits).
pub const SALT_LENGTH: usize = 16;

/// The longest code [`is_strong`] accepts; longer ones are refused rather than hashed.
pub const MAX_CODE_LENGTH: usize = 128;

/// The PHC identifier of a code hash: `$nw-sha256$<salt>$<hash>`.
const CODE_HASH_ID: &str = "nw-sha256";

/// Why a secret could not be handled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// A stored hash string is not in the expected PHC form.
    #[error("stored secret hash is malformed: {0}")]
    MalformedHash(String),
    /// argon2 refused to hash (parameters or lengths out of its range).
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// A fresh transfer code of [`CODE_LENGTH`] characters from [`CODE_ALPHABET`], drawn without
/// modulo bias. It always passes [`is_strong`] unless `rng` is broken: a draw that happens to
/// fail the variety rule is drawn again (a few times; a generator stuck on one value still
/// yields a code, which `is_strong` will then refuse, so a broken source cannot hide).
pub fn generate_code(rng: &mut impl RngCore) -> String {
    let mut code = String::with_capacity(CODE_LENGTH);
    for _attempt in 0..16 {
        code.clear();
        let mut pool = [0u8; 64];
        while code.len() < CODE_LENGTH {
            rng.fill_bytes(&mut pool);
            for &byte in &pool {
                // 248 = 4 × 62: bytes at or above it would favour the first characters.
                if byte < 248 && code.len() < CODE_LENGTH {
                    let index = usize::from(byte % 62);
                    code.push(char::from(CODE_ALPHABET.get(index).copied().unwrap_or(b'A')));
                }
            }
        }
        if is_strong(&code) {
            break;
        }
    }
    code
}

/// Whether `code` is strong enough to be a transfer code (RFC 9154 §4.1: the registry checks
/// length and character set). The rule:
///
/// - only printable ASCII other than space (`!` to `~`), at most [`MAX_CODE_LENGTH`] characters;
/// - an estimated strength of at least 128 bits, counting each character as log2 of the size
///   of the character classes the code uses (26 lower, 26 upper, 10 digits, 32 symbols): a
///   code of letters and digits needs 22 characters, of lower-case letters alone 28;
/// - at least 12 different characters and at least a third of its length different, so that
///   repeated or periodic strings (`aaaa…`, `abcabc…`) do not count as random.
pub fn is_strong(code: &str) -> bool {
    let bytes = code.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_CODE_LENGTH {
        return false;
    }
    if !bytes.iter().all(|byte| (b'!'..=b'~').contains(byte)) {
        return false;
    }
    let mut pool = 0u32;
    if bytes.iter().any(u8::is_ascii_lowercase) {
        pool += 26;
    }
    if bytes.iter().any(u8::is_ascii_uppercase) {
        pool += 26;
    }
    if bytes.iter().any(u8::is_ascii_digit) {
        pool += 10;
    }
    if bytes.iter().any(u8::is_ascii_punctuation) {
        pool += 32;
    }
    let bits = f64::from(pool).log2() * bytes.len() as f64;
    let mut seen = [false; 128];
    let mut distinct = 0usize;
    for &byte in bytes {
        if let Some(slot) = seen.get_mut(usize::from(byte))
            && !*slot
        {
            *slot = true;
            distinct += 1;
        }
    }
    bits >= 128.0 && distinct >= 12 && distinct * 3 >= bytes.len()
}

/// The PHC-style string `$nw-sha256$<salt>$<hash>` of `code`: SHA-256 over salt then code,
/// both parts in unpadded standard base64.
pub fn hash_code(code: &str, salt: &[u8; SALT_LENGTH]) -> String {
    let digest = code_digest(code, salt);
    format!("${CODE_HASH_ID}${}${}", BASE64_NOPAD.encode(salt), BASE64_NOPAD.encode(&digest))
}

/// Whether `code` is the one `stored` was made from, compared in constant time. A malformed
/// stored hash matches nothing. (Whether the code is still young enough is the lifecycle's
/// question, not this one's.)
pub fn verify_code(code: &str, stored: &AuthCode) -> bool {
    let Some((salt, expected)) = parse_code_hash(&stored.hash) else {
        return false;
    };
    let digest = code_digest(code, &salt);
    bool::from(digest.as_slice().ct_eq(expected.as_slice()))
}

fn code_digest(code: &str, salt: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(code.as_bytes());
    hasher.finalize().into()
}

fn parse_code_hash(text: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut parts = text.split('$');
    let (Some(""), Some(CODE_HASH_ID), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let salt = BASE64_NOPAD.decode(salt.as_bytes()).ok()?;
    let hash = BASE64_NOPAD.decode(hash.as_bytes()).ok()?;
    (salt.len() >= SALT_LENGTH && hash.len() == 32).then_some((salt, hash))
}

/// Hashes a transfer code with a fresh salt drawn from `rng`, stamped `set_at` (the instant
/// from which its lifetime counts).
pub fn new_auth_code(code: &str, set_at: time::OffsetDateTime, rng: &mut impl RngCore) -> AuthCode {
    let mut salt = [0u8; SALT_LENGTH];
    rng.fill_bytes(&mut salt);
    AuthCode { hash: hash_code(code, &salt), set_at }
}

/// Hashes a registrar password with argon2id (the `argon2` crate's defaults: 19 MiB, two
/// passes, one lane) and a 16-byte salt from `rng`, as a PHC string.
pub fn hash_password(password: &str, rng: &mut impl RngCore) -> Result<String, SecretError> {
    let mut salt = [0u8; SALT_LENGTH];
    rng.fill_bytes(&mut salt);
    let salt =
        SaltString::encode_b64(&salt).map_err(|err| SecretError::Hashing(err.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| SecretError::Hashing(err.to_string()))
}

/// Whether `password` matches the argon2 PHC string `stored` (any argon2 variant and
/// parameters the string names). A malformed `stored` is an error, not a mismatch, so an
/// operator learns that the stored value is broken.
pub fn verify_password(password: &str, stored: &str) -> Result<bool, SecretError> {
    let parsed =
        PasswordHash::new(stored).map_err(|err| SecretError::MalformedHash(err.to_string()))?;
    match argon2::Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(err) => Err(SecretError::MalformedHash(err.to_string())),
    }
}

/// The most memory a stored hash may ask [`verify_password_in`] for, in KiB (256 MiB): a
/// corrupted or hostile hash string must not make the server allocate without bound.
pub const MAX_HASH_MEMORY_KIB: u32 = 256 * 1024;

/// [`verify_password`] computed in `memory`, which is grown to what the stored hash's
/// parameters need and kept by the caller for the next call. A server that verifies with a
/// few long-lived buffers holds exactly that much memory for hashing, however many logins
/// come; allocating 19 MiB per login instead leaves each thread's allocator holding on to it.
pub fn verify_password_in(
    password: &str,
    stored: &str,
    memory: &mut Vec<argon2::Block>,
) -> Result<bool, SecretError> {
    let malformed = |err: &dyn std::fmt::Display| SecretError::MalformedHash(err.to_string());
    let parsed = PasswordHash::new(stored).map_err(|err| malformed(&err))?;
    let algorithm = argon2::Algorithm::try_from(parsed.algorithm).map_err(|err| malformed(&err))?;
    let version = parsed
        .version
        .map(argon2::Version::try_from)
        .transpose()
        .map_err(|err| malformed(&err))?
        .unwrap_or_default();
    let params = argon2::Params::try_from(&parsed).map_err(|err| malformed(&err))?;
    if params.m_cost() > MAX_HASH_MEMORY_KIB {
        return Err(SecretError::MalformedHash(format!(
            "the stored hash asks for {} KiB, more than the {MAX_HASH_MEMORY_KIB} KiB allowed",
            params.m_cost()
        )));
    }
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(SecretError::MalformedHash("no salt or no hash".to_owned()));
    };
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes).map_err(|err| malformed(&err))?;
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, argon2::Block::default());
    }
    let mut computed = vec![0u8; expected.len()];
    let memory = memory.get_mut(..blocks).unwrap_or_default();
    argon2::Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut computed, memory)
        .map_err(|err| SecretError::Hashing(err.to_string()))?;
    Ok(bool::from(computed.as_slice().ct_eq(expected.as_bytes())))
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use time::macros::datetime;

    /// A deterministic generator for tests (xorshift64*), so failures replay.
    pub(crate) struct TestRng(pub(crate) u64);

    impl RngCore for TestRng {
        fn next_u32(&mut self) -> u32 {
            (self.next_u64() >> 32) as u32
        }
        fn next_u64(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for chunk in dest.chunks_mut(8) {
                let bytes = self.next_u64().to_le_bytes();
                chunk.copy_from_slice(bytes.get(..chunk.len()).unwrap());
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    /// A generator stuck on zero.
    struct Zero;
    impl RngCore for Zero {
        fn next_u32(&mut self) -> u32 {
            0
        }
        fn next_u64(&mut self) -> u64 {
            0
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            dest.fill(0);
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            dest.fill(0);
            Ok(())
        }
    }

    #[test]
    fn generated_codes_are_strong_distinct_and_from_the_alphabet() {
        let mut rng = TestRng(0x9e37_79b9_7f4a_7c15);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            let code = generate_code(&mut rng);
            assert_eq!(code.len(), CODE_LENGTH);
            assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
            assert!(is_strong(&code), "{code}");
            assert!(seen.insert(code));
        }
    }

    #[test]
    fn a_stuck_generator_yields_a_code_that_is_refused() {
        let code = generate_code(&mut Zero);
        assert_eq!(code, "A".repeat(CODE_LENGTH));
        assert!(!is_strong(&code));
    }

    #[test]
    fn strength_rule() {
        // 22 letters and digits: 22 × log2(62) = 131 bits.
        assert!(is_strong("k7Qm2ZpX9vRt4LcW8nBy3H"));
        // 21 of them: 125 bits.
        assert!(!is_strong("k7Qm2ZpX9vRt4LcW8nBy3"));
        // Lower case alone needs 28.
        assert!(is_strong("qwertyuiopasdfghjklzxcvbnmqa"));
        assert!(!is_strong("qwertyuiopasdfghjklzxcvbnm"));
        // Symbols widen the pool: 20 characters of all four classes (131 bits).
        assert!(is_strong("aB3$eF6&hI9*kL2@nO5!"));
        // Repetition and periodic strings.
        assert!(!is_strong(&"a".repeat(60)));
        assert!(!is_strong(&"abcdefghijk".repeat(4)));
        assert!(!is_strong(&"abcdefghijklmn".repeat(5)));
        // Spaces, control and non-ASCII characters, and length bounds.
        assert!(!is_strong("k7Qm2ZpX9vRt 4LcW8nBy3Hs"));
        assert!(!is_strong("k7Qm2ZpX9vRt\u{e9}4LcW8nBy3Hs"));
        assert!(!is_strong(""));
        let long: String = (0..129).map(|i| char::from(b'!' + (i % 90) as u8)).collect();
        assert!(!is_strong(&long));
    }

    #[test]
    fn code_hash_round_trip_and_salting() {
        let at = datetime!(2030-01-01 0:00 UTC);
        let mut rng = TestRng(7);
        let first = new_auth_code("k7Qm2ZpX9vRt4LcW8nBy3H", at, &mut rng);
        let second = new_auth_code("k7Qm2ZpX9vRt4LcW8nBy3H", at, &mut rng);
        assert_ne!(first.hash, second.hash, "each code gets its own salt");
        assert!(first.hash.starts_with("$nw-sha256$"));
        assert!(verify_code("k7Qm2ZpX9vRt4LcW8nBy3H", &first));
        assert!(verify_code("k7Qm2ZpX9vRt4LcW8nBy3H", &second));
        assert!(!verify_code("k7Qm2ZpX9vRt4LcW8nBy3h", &first), "codes are case-sensitive");
        assert!(!verify_code("", &first));
    }

    #[test]
    fn known_code_hash() {
        // SHA-256 of sixteen zero bytes followed by "abc", checked with `sha256sum`.
        let hash = hash_code("abc", &[0; 16]);
        assert_eq!(
            hash,
            "$nw-sha256$AAAAAAAAAAAAAAAAAAAAAA$J35/9tIyuXY/Smbo0F0hDaMtrJxtvOECatTMmKy1/v4"
        );
    }

    #[test]
    fn malformed_code_hashes_match_nothing() {
        let at = datetime!(2030-01-01 0:00 UTC);
        for hash in [
            "",
            "$nw-sha256$",
            "$nw-sha256$AAAA$AAAA",
            "$sha256$AAAAAAAAAAAAAAAAAAAAAA$J35/9tIyuXY/Smbo0F0hDaMtrJxtvOECatTMmKy1/v4",
            "$nw-sha256$AAAAAAAAAAAAAAAAAAAAAA$J35/9tIyuXY/Smbo0F0hDaMtrJxtvOECatTMmKy1/v4$",
            "$nw-sha256$!!$J35/9tIyuXY/Smbo0F0hDaMtrJxtvOECatTMmKy1/v4",
        ] {
            assert!(!verify_code("abc", &AuthCode { hash: hash.to_owned(), set_at: at }), "{hash}");
        }
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let mut rng = TestRng(11);
        let hash = hash_password("correct horse", &mut rng).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(verify_password("correct horse", &hash).unwrap());
        assert!(!verify_password("correct horsE", &hash).unwrap());
        assert!(matches!(verify_password("x", "not a hash"), Err(SecretError::MalformedHash(_))));
    }

    #[test]
    fn verifying_in_kept_memory_agrees_with_the_usual_verify() {
        let mut rng = TestRng(12);
        let hash = hash_password("correct horse", &mut rng).unwrap();
        let mut memory = Vec::new();
        assert!(verify_password_in("correct horse", &hash, &mut memory).unwrap());
        let kept = memory.len();
        assert_eq!(kept, 19 * 1024, "the argon2 defaults: 19 MiB of 1 KiB blocks");
        assert!(!verify_password_in("correct horsE", &hash, &mut memory).unwrap());
        assert_eq!(memory.len(), kept, "the memory is reused, not grown");
        assert!(verify_password_in("x", "not a hash", &mut memory).is_err());
        let greedy = hash.replace("m=19456", "m=4194304");
        assert!(verify_password_in("correct horse", &greedy, &mut memory).is_err());
    }
}
