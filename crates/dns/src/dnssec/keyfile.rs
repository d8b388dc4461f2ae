//! BIND's key file formats, which `dnssec-keygen`, `dnssec-signzone`, `ldns-keygen` and
//! `ldns-signzone` share: `K<name>+<alg>+<tag>.key` holds the DNSKEY record as a zone file
//! line, `K<name>+<alg>+<tag>.private` the private key as `Field: base64` lines
//! (Private-key-format v1.3).
//!
//! Text in, text out: reading and writing the files (and their permissions) is the caller's.

use std::fmt::Write as _;

use data_encoding::BASE64;

use super::algorithm::Algorithm;
use super::key::{KeyError, PrivateKey, RsaPrivate, rsa_public_key};
use crate::name::Name;
use crate::rdata::RecordData;
use crate::rdata::rfc4034::{Dnskey, SECURE_ENTRY_POINT};
use crate::rtype::Rtype;
use crate::text::Tokens;

/// The file name stem BIND gives a key: `K<name>+<alg>+<tag>` (add `.key` or `.private`).
pub fn file_stem(owner: &Name, key: &Dnskey) -> String {
    let lower = owner.to_lowercase();
    format!("K{lower}+{:03}+{:05}", key.algorithm, key.key_tag())
}

/// The `.key` file: a comment and the DNSKEY record (`owner [TTL] IN DNSKEY …`).
pub fn public_file(owner: &Name, key: &Dnskey, ttl: Option<u32>) -> String {
    let role = if key.flags & SECURE_ENTRY_POINT != 0 { "key-signing" } else { "zone-signing" };
    let mut out = format!("; This is a {role} key, keyid {}, for {owner}\n", key.key_tag());
    let _ = match ttl {
        Some(ttl) => writeln!(out, "{owner} {ttl} IN DNSKEY {key}"),
        None => writeln!(out, "{owner} IN DNSKEY {key}"),
    };
    out
}

/// The `.private` file of `key`, Private-key-format v1.3.
pub fn private_file(key: &PrivateKey) -> String {
    let algorithm = key.algorithm();
    let mut out = format!(
        "Private-key-format: v1.3\nAlgorithm: {} ({})\n",
        algorithm.number(),
        algorithm.mnemonic()
    );
    let mut field = |name: &str, value: &[u8]| {
        let _ = writeln!(out, "{name}: {}", BASE64.encode(value));
    };
    match key {
        PrivateKey::Rsa(rsa) => {
            field("Modulus", &rsa.n);
            field("PublicExponent", &rsa.e);
            field("PrivateExponent", &rsa.d);
            field("Prime1", &rsa.p);
            field("Prime2", &rsa.q);
            field("Exponent1", &rsa.dp);
            field("Exponent2", &rsa.dq);
            field("Coefficient", &rsa.qinv);
        }
        PrivateKey::EcdsaP256 { d, .. } | PrivateKey::EcdsaP384 { d, .. } => field("PrivateKey", d),
        PrivateKey::Ed25519 { seed, .. } => field("PrivateKey", seed),
    }
    out
}

/// Reads a `.key` file: the owner and the DNSKEY of its first record line (comments and blank
/// lines skipped; TTL and class optional).
pub fn parse_public(text: &str) -> Result<(Name, Dnskey), KeyError> {
    for (number, line) in text.lines().enumerate() {
        let line = line.split(';').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let at = |m: String| KeyError::Format(format!("line {}: {m}", number + 1));
        let mut words = line.split_whitespace();
        let owner_text = words.next().unwrap_or_default();
        let owner = Name::parse(owner_text, Some(&Name::root()))
            .map_err(|e| at(format!("bad owner name `{owner_text}`: {e}")))?;
        let rest: Vec<&str> = words.collect();
        let Some(type_at) = rest.iter().position(|w| w.eq_ignore_ascii_case("DNSKEY")) else {
            return Err(at(
                "expected a DNSKEY record (`name [TTL] IN DNSKEY flags 3 alg key`)".into()
            ));
        };
        if type_at > 2 {
            return Err(
                at("expected at most a TTL and a class between the name and DNSKEY".into()),
            );
        }
        let rdata_text = rest[type_at + 1..].join(" ");
        let tokens = crate::zone::tokenize_rdata(rdata_text.as_bytes());
        let mut t = Tokens::new(&tokens, Some(&owner));
        return match RecordData::parse_text(Rtype::DNSKEY, &mut t) {
            Ok(RecordData::Dnskey(key)) => Ok((owner, key)),
            Ok(_) => Err(at("not a DNSKEY record".into())),
            Err(e) => Err(at(format!("bad DNSKEY: {}", e.message))),
        };
    }
    Err(KeyError::Format("no DNSKEY record in the public key file".into()))
}

/// Reads a `.private` file, checking it against the DNSKEY of its `.key` file.
pub fn parse_private(text: &str, public: &Dnskey) -> Result<PrivateKey, KeyError> {
    let mut fields: Vec<(&str, &str)> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(KeyError::Format(format!(
                "line {}: expected `Field: value`, found `{line}`",
                number + 1
            )));
        };
        fields.push((name.trim(), value.trim()));
    }
    let get = |name: &str| fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|f| f.1);
    let format = get("Private-key-format")
        .ok_or_else(|| KeyError::Format("missing `Private-key-format:` line".into()))?;
    if !format.starts_with("v1.") {
        return Err(KeyError::Format(format!("unknown Private-key-format `{format}` (v1.x read)")));
    }
    let algorithm_text =
        get("Algorithm").ok_or_else(|| KeyError::Format("missing `Algorithm:` line".into()))?;
    let number = algorithm_text.split_whitespace().next().unwrap_or_default();
    let number: u8 = number
        .parse()
        .map_err(|_| KeyError::Format(format!("bad `Algorithm: {algorithm_text}`")))?;
    let algorithm = Algorithm::from_number(number).ok_or(KeyError::UnsupportedAlgorithm(number))?;
    if public.algorithm != number {
        return Err(KeyError::Format(format!(
            "the private key is algorithm {number} but its DNSKEY is algorithm {}",
            public.algorithm
        )));
    }
    let binary = |name: &str| -> Result<Vec<u8>, KeyError> {
        let value = get(name).ok_or_else(|| KeyError::Format(format!("missing `{name}:` line")))?;
        BASE64
            .decode(value.as_bytes())
            .map_err(|e| KeyError::Format(format!("`{name}:` is not base64: {e}")))
    };
    let sized = |name: &str, len: usize| -> Result<Vec<u8>, KeyError> {
        let value = binary(name)?;
        if value.len() != len {
            return Err(KeyError::Format(format!(
                "`{name}:` holds {} octets; {algorithm} keys have {len}",
                value.len()
            )));
        }
        Ok(value)
    };
    let key_len = algorithm.public_key_len().unwrap_or(0);
    if key_len != 0 && public.public_key.len() != key_len {
        return Err(KeyError::Format(format!(
            "the DNSKEY's public key has {} octets; {algorithm} keys have {key_len}",
            public.public_key.len()
        )));
    }
    let public_key = public.public_key.clone();
    let key = match algorithm {
        Algorithm::RsaSha256 => {
            let rsa = RsaPrivate {
                n: binary("Modulus")?,
                e: binary("PublicExponent")?,
                d: binary("PrivateExponent")?,
                p: binary("Prime1")?,
                q: binary("Prime2")?,
                dp: binary("Exponent1")?,
                dq: binary("Exponent2")?,
                qinv: binary("Coefficient")?,
            };
            if rsa_public_key(&rsa.e, &rsa.n) != public.public_key {
                return Err(KeyError::Mismatch);
            }
            PrivateKey::Rsa(Box::new(rsa))
        }
        Algorithm::EcdsaP256Sha256 => {
            PrivateKey::EcdsaP256 { d: sized("PrivateKey", 32)?, public: public_key }
        }
        Algorithm::EcdsaP384Sha384 => {
            PrivateKey::EcdsaP384 { d: sized("PrivateKey", 48)?, public: public_key }
        }
        Algorithm::Ed25519 => {
            PrivateKey::Ed25519 { seed: sized("PrivateKey", 32)?, public: public_key }
        }
    };
    Ok(key)
}
