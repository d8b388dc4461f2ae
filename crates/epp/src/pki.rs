//! A small certificate authority for demo and test registries: one self-signed CA, a server
//! certificate for the EPP endpoint, and client certificates for registrars, all ECDSA P-256
//! and handed out as PEM together with the leaf's [`Fingerprint`].
//!
//! Production registries use whatever PKI they like; the server pins registrar certificates by
//! fingerprint, so nothing here is trusted by the server itself.

use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::OffsetDateTime;

use crate::tls::Fingerprint;

/// What went wrong while making a certificate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// rcgen could not build or sign the certificate (for example, a name that is not a valid
    /// DNS name).
    #[error("certificate for {subject:?}: {source}")]
    Generate {
        /// The subject being certified.
        subject: String,
        /// rcgen's complaint.
        source: rcgen::Error,
    },
    /// A validity date lies outside what X.509 can say (before 1970 or after 9999).
    #[error("certificate validity {0:?} is out of range (1970 to 9999)")]
    Validity(SystemTime),
    /// A server certificate was asked for with no names.
    #[error("a server certificate needs at least one DNS name or IP address")]
    NoNames,
}

/// When a certificate is valid. Taken as an argument so that nothing here reads the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// First moment of validity.
    pub not_before: SystemTime,
    /// Last moment of validity.
    pub not_after: SystemTime,
}

impl Validity {
    /// From an hour before `now` (for clocks slightly behind) to `days` days after it.
    pub fn days_from(now: SystemTime, days: u32) -> Validity {
        let hour = std::time::Duration::from_secs(3600);
        let span = std::time::Duration::from_secs(u64::from(days) * 86_400);
        Validity {
            not_before: now.checked_sub(hour).unwrap_or(now),
            not_after: now.checked_add(span).unwrap_or(now),
        }
    }

    fn apply(&self, params: &mut CertificateParams) -> Result<(), PkiError> {
        params.not_before = to_offset(self.not_before)?;
        params.not_after = to_offset(self.not_after)?;
        Ok(())
    }
}

fn to_offset(at: SystemTime) -> Result<OffsetDateTime, PkiError> {
    let seconds = at.duration_since(UNIX_EPOCH).map_err(|_| PkiError::Validity(at))?.as_secs();
    i64::try_from(seconds)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .filter(|t| t.year() <= 9999)
        .ok_or(PkiError::Validity(at))
}

/// A certificate and its private key, as PEM, with the certificate's fingerprint.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCert {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key (PKCS#8), PEM.
    pub key_pem: String,
    /// SHA-256 of the certificate's DER, what the registry pins.
    pub fingerprint: Fingerprint,
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of logs.
        f.debug_struct("IssuedCert").field("fingerprint", &self.fingerprint).finish_non_exhaustive()
    }
}

/// A self-signed CA that issues server and registrar certificates.
pub struct CertificateAuthority {
    issuer: Issuer<'static, KeyPair>,
    cert: IssuedCert,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority").field("cert", &self.cert).finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// A new CA named `common_name` with a fresh key.
    pub fn generate(
        common_name: &str,
        validity: Validity,
    ) -> Result<CertificateAuthority, PkiError> {
        let fail = |source| PkiError::Generate { subject: common_name.to_owned(), source };
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, common_name);
        // Path length 0: this CA signs leaves only, never another CA.
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        validity.apply(&mut params)?;
        let key = KeyPair::generate().map_err(fail)?;
        let cert = params.self_signed(&key).map_err(fail)?;
        let cert = IssuedCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            fingerprint: Fingerprint::of_der(cert.der()),
        };
        Ok(CertificateAuthority { issuer: Issuer::new(params, key), cert })
    }

    /// The CA's own certificate and key.
    pub fn cert(&self) -> &IssuedCert {
        &self.cert
    }

    /// A server certificate for the given DNS names and IP addresses (as text; the first one
    /// also becomes the common name).
    pub fn issue_server(&self, names: &[&str], validity: Validity) -> Result<IssuedCert, PkiError> {
        let first = names.first().ok_or(PkiError::NoNames)?;
        let fail = |source| PkiError::Generate { subject: (*first).to_owned(), source };
        let owned: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(owned).map_err(fail)?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, *first);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign(params, first, validity)
    }

    /// A client certificate for a registrar, with `common_name` (normally the registrar's
    /// client identifier) as its subject.
    pub fn issue_client(
        &self,
        common_name: &str,
        validity: Validity,
    ) -> Result<IssuedCert, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(params, common_name, validity)
    }

    fn sign(
        &self,
        mut params: CertificateParams,
        subject: &str,
        validity: Validity,
    ) -> Result<IssuedCert, PkiError> {
        let fail = |source| PkiError::Generate { subject: subject.to_owned(), source };
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        validity.apply(&mut params)?;
        let key = KeyPair::generate().map_err(fail)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(fail)?;
        Ok(IssuedCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            fingerprint: Fingerprint::of_der(cert.der()),
        })
    }
}

/// A self-signed certificate, as a registrar without a CA of its own might bring (client) or
/// as a server might use when clients pin it (give its names in `names`).
pub fn self_signed(
    common_name: &str,
    names: &[&str],
    validity: Validity,
) -> Result<IssuedCert, PkiError> {
    let fail = |source| PkiError::Generate { subject: common_name.to_owned(), source };
    let owned: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(owned).map_err(fail)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, common_name);
    validity.apply(&mut params)?;
    let key = KeyPair::generate().map_err(fail)?;
    let cert = params.self_signed(&key).map_err(fail)?;
    Ok(IssuedCert {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        fingerprint: Fingerprint::of_der(cert.der()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::time::Duration;

    fn validity() -> Validity {
        // A fixed instant: 2026-01-01T00:00:00Z.
        Validity::days_from(UNIX_EPOCH + Duration::from_secs(1_767_225_600), 365)
    }

    #[test]
    fn leaves_carry_their_fingerprint() {
        let ca = CertificateAuthority::generate("nameward demo CA", validity()).unwrap();
        let server = ca.issue_server(&["epp.example", "127.0.0.1", "::1"], validity()).unwrap();
        let client = ca.issue_client("registrar-1", validity()).unwrap();
        assert_eq!(Fingerprint::of_pem(&server.cert_pem).unwrap(), server.fingerprint);
        assert_eq!(Fingerprint::of_pem(&client.cert_pem).unwrap(), client.fingerprint);
        assert_eq!(Fingerprint::of_pem(&ca.cert().cert_pem).unwrap(), ca.cert().fingerprint);
        assert_ne!(server.fingerprint, client.fingerprint);
        assert!(client.key_pem.contains("PRIVATE KEY"));
        assert!(!format!("{client:?}").contains("PRIVATE"));
    }

    #[test]
    fn bad_inputs_are_named() {
        let ca = CertificateAuthority::generate("ca", validity()).unwrap();
        assert!(matches!(ca.issue_server(&[], validity()), Err(PkiError::NoNames)));
        let err = ca.issue_server(&["bad-ñame.example"], validity()).unwrap_err();
        assert!(err.to_string().contains("bad-ñame"), "{err}");
        let before_1970 = UNIX_EPOCH - Duration::from_secs(10);
        let err = CertificateAuthority::generate(
            "ca",
            Validity { not_before: before_1970, not_after: UNIX_EPOCH },
        )
        .unwrap_err();
        assert!(matches!(err, PkiError::Validity(_)), "{err}");
    }
}
