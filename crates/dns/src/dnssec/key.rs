//! Private keys and signing. The private material is kept as the numbers BIND's key files hold
//! (so keys move between nameward and BIND or ldns tools); signing goes through ring.

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};

use super::algorithm::Algorithm;
use crate::rdata::rfc4034::{Dnskey, SECURE_ENTRY_POINT, ZONE_KEY};

/// Why a key could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The DNSKEY's algorithm is not one nameward signs with.
    #[error("DNSSEC algorithm {0} is not supported (use 8, 13, 14 or 15)")]
    UnsupportedAlgorithm(u8),
    /// The private key was refused by the cryptography library.
    #[error("the {algorithm} private key is not valid: {reason}")]
    Rejected {
        /// The algorithm.
        algorithm: Algorithm,
        /// What the library said.
        reason: String,
    },
    /// The private key does not belong to the public key it came with.
    #[error("the private key does not match the public key (DNSKEY) it was given with")]
    Mismatch,
    /// A field of the private key is missing or malformed.
    #[error("{0}")]
    Format(String),
    /// Signing failed (ring reports no reason).
    #[error("signing failed")]
    Sign,
}

/// The parts of an RSA private key (RFC 8017 §3.2), big-endian, as BIND's key files hold them.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPrivate {
    /// Modulus.
    pub n: Vec<u8>,
    /// Public exponent.
    pub e: Vec<u8>,
    /// Private exponent.
    pub d: Vec<u8>,
    /// First prime.
    pub p: Vec<u8>,
    /// Second prime.
    pub q: Vec<u8>,
    /// d mod (p-1).
    pub dp: Vec<u8>,
    /// d mod (q-1).
    pub dq: Vec<u8>,
    /// q⁻¹ mod p.
    pub qinv: Vec<u8>,
}

/// A private key with its public half in DNSKEY form.
#[derive(Clone, PartialEq, Eq)]
pub enum PrivateKey {
    /// RSA/SHA-256.
    Rsa(Box<RsaPrivate>),
    /// ECDSA P-256: the scalar (32 octets) and the public point `x‖y` (64 octets).
    EcdsaP256 {
        /// The private scalar.
        d: Vec<u8>,
        /// The public key, DNSKEY form.
        public: Vec<u8>,
    },
    /// ECDSA P-384: the scalar (48 octets) and the public point `x‖y` (96 octets).
    EcdsaP384 {
        /// The private scalar.
        d: Vec<u8>,
        /// The public key, DNSKEY form.
        public: Vec<u8>,
    },
    /// Ed25519: the 32-octet seed and the 32-octet public key.
    Ed25519 {
        /// The private seed.
        seed: Vec<u8>,
        /// The public key.
        public: Vec<u8>,
    },
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private numbers.
        write!(f, "PrivateKey({})", self.algorithm())
    }
}

impl PrivateKey {
    /// The Ed25519 key of `seed`, its public half computed: the same seed gives the same key,
    /// and Ed25519 the same signatures, so a zone signed with it compares byte for byte.
    pub fn ed25519_from_seed(seed: [u8; 32]) -> Result<PrivateKey, KeyError> {
        use ring::signature::KeyPair;
        let algorithm = Algorithm::Ed25519;
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed)
            .map_err(|e| KeyError::Rejected { algorithm, reason: e.to_string() })?;
        let public = pair.public_key().as_ref().to_vec();
        Ok(PrivateKey::Ed25519 { seed: seed.to_vec(), public })
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            PrivateKey::Rsa(_) => Algorithm::RsaSha256,
            PrivateKey::EcdsaP256 { .. } => Algorithm::EcdsaP256Sha256,
            PrivateKey::EcdsaP384 { .. } => Algorithm::EcdsaP384Sha384,
            PrivateKey::Ed25519 { .. } => Algorithm::Ed25519,
        }
    }

    /// The public key in DNSKEY form (RFC 3110 for RSA, RFC 6605 §4 for ECDSA, RFC 8080 §3).
    pub fn public_key(&self) -> Vec<u8> {
        match self {
            PrivateKey::Rsa(rsa) => rsa_public_key(&rsa.e, &rsa.n),
            PrivateKey::EcdsaP256 { public, .. }
            | PrivateKey::EcdsaP384 { public, .. }
            | PrivateKey::Ed25519 { public, .. } => public.clone(),
        }
    }

    /// The DNSKEY with `flags` (256 for a zone-signing key, 257 for a key-signing key).
    pub fn dnskey(&self, flags: u16) -> Dnskey {
        Dnskey {
            flags,
            protocol: 3,
            algorithm: self.algorithm().number(),
            public_key: self.public_key(),
        }
    }
}

/// The RFC 3110 §2 public key: exponent length (one octet, or zero and two), exponent, modulus.
pub fn rsa_public_key(e: &[u8], n: &[u8]) -> Vec<u8> {
    let e = strip_zeros(e);
    let n = strip_zeros(n);
    let mut out = Vec::with_capacity(3 + e.len() + n.len());
    match u8::try_from(e.len()) {
        Ok(len) => out.push(len),
        Err(_) => {
            out.push(0);
            out.extend_from_slice(&(e.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(e);
    out.extend_from_slice(n);
    out
}

/// Splits an RFC 3110 public key into exponent and modulus.
pub fn rsa_public_parts(key: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = key.split_first()?;
    let (len, rest) = if first == 0 {
        let (len, rest) = rest.split_at_checked(2)?;
        (usize::from(u16::from_be_bytes([len[0], len[1]])), rest)
    } else {
        (usize::from(first), rest)
    };
    let (e, n) = rest.split_at_checked(len)?;
    if e.is_empty() || n.is_empty() {
        return None;
    }
    Some((e, n))
}

/// Big-endian numbers without leading zero octets (ring wants minimal encodings).
pub(crate) fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

enum Signer {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A key ready to sign: its DNSKEY (with flags), key tag and ring key pair. Clones share
/// the key pair.
#[derive(Clone)]
pub struct SigningKey {
    dnskey: Dnskey,
    key_tag: u16,
    algorithm: Algorithm,
    signer: std::sync::Arc<Signer>,
    rng: SystemRandom,
    /// Whether the signer puts its DNSKEY in the zone's DNSKEY RRset.
    published: bool,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SigningKey({} {} tag {})",
            if self.is_key_signing() { "KSK" } else { "ZSK" },
            self.algorithm,
            self.key_tag
        )
    }
}

impl SigningKey {
    /// A signing key for `private`, published with `flags`. The DNSKEY must be a zone key
    /// (flag 256); flag 1 (SEP) marks a key-signing key.
    pub fn new(private: &PrivateKey, flags: u16) -> Result<SigningKey, KeyError> {
        let algorithm = private.algorithm();
        let rejected =
            |e: ring::error::KeyRejected| KeyError::Rejected { algorithm, reason: e.to_string() };
        let rng = SystemRandom::new();
        let signer = match private {
            PrivateKey::Rsa(rsa) => {
                let components = ring::rsa::KeyPairComponents {
                    public_key: ring::rsa::PublicKeyComponents {
                        n: strip_zeros(&rsa.n),
                        e: strip_zeros(&rsa.e),
                    },
                    d: strip_zeros(&rsa.d),
                    p: strip_zeros(&rsa.p),
                    q: strip_zeros(&rsa.q),
                    dP: strip_zeros(&rsa.dp),
                    dQ: strip_zeros(&rsa.dq),
                    qInv: strip_zeros(&rsa.qinv),
                };
                Signer::Rsa(RsaKeyPair::from_components(&components).map_err(rejected)?)
            }
            PrivateKey::EcdsaP256 { d, public } | PrivateKey::EcdsaP384 { d, public } => {
                let curve = if algorithm == Algorithm::EcdsaP256Sha256 {
                    &ECDSA_P256_SHA256_FIXED_SIGNING
                } else {
                    &ECDSA_P384_SHA384_FIXED_SIGNING
                };
                let mut point = Vec::with_capacity(1 + public.len());
                point.push(4);
                point.extend_from_slice(public);
                let pair = EcdsaKeyPair::from_private_key_and_public_key(curve, d, &point, &rng)
                    .map_err(|e| match e.to_string().as_str() {
                        "InconsistentComponents" => KeyError::Mismatch,
                        _ => rejected(e),
                    })?;
                Signer::Ecdsa(pair)
            }
            PrivateKey::Ed25519 { seed, public } => {
                let pair =
                    Ed25519KeyPair::from_seed_and_public_key(seed, public).map_err(|e| match e
                        .to_string()
                        .as_str()
                    {
                        "InconsistentComponents" => KeyError::Mismatch,
                        _ => rejected(e),
                    })?;
                Signer::Ed25519(pair)
            }
        };
        let dnskey = private.dnskey(flags | ZONE_KEY);
        if let Signer::Ecdsa(pair) = &signer
            && pair.public_key().as_ref().get(1..) != Some(&dnskey.public_key[..])
        {
            return Err(KeyError::Mismatch);
        }
        let key_tag = dnskey.key_tag();
        let signer = std::sync::Arc::new(signer);
        Ok(SigningKey { dnskey, key_tag, algorithm, signer, rng, published: true })
    }

    /// The DNSKEY to publish.
    pub fn dnskey(&self) -> &Dnskey {
        &self.dnskey
    }

    /// The key tag.
    pub fn key_tag(&self) -> u16 {
        self.key_tag
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The same key, signing without its DNSKEY being published: the first step of an
    /// algorithm rollover (RFC 6781 §4.1.4), where every RRset carries the new algorithm's
    /// signatures in every cache before any resolver sees its key.
    pub fn unpublished(self) -> SigningKey {
        SigningKey { published: false, ..self }
    }

    /// Whether the whole-zone signer publishes this key's DNSKEY (see [`Self::unpublished`]).
    pub fn is_published(&self) -> bool {
        self.published
    }

    /// True for a key-signing key (the SEP flag): it signs the DNSKEY RRset.
    pub fn is_key_signing(&self) -> bool {
        self.dnskey.flags & SECURE_ENTRY_POINT != 0
    }

    /// Signs `data` (as [`super::canonical::signed_data`] builds it), giving the signature in
    /// its DNSSEC form (r‖s for ECDSA, not DER).
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, KeyError> {
        match self.signer.as_ref() {
            Signer::Rsa(pair) => {
                let mut signature = vec![0u8; pair.public().modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &self.rng, data, &mut signature)
                    .map_err(|_| KeyError::Sign)?;
                Ok(signature)
            }
            Signer::Ecdsa(pair) => {
                pair.sign(&self.rng, data).map(|s| s.as_ref().to_vec()).map_err(|_| KeyError::Sign)
            }
            Signer::Ed25519(pair) => Ok(pair.sign(data).as_ref().to_vec()),
        }
    }
}
