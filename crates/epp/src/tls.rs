//! TLS for EPP (RFC 5734 §8, §9): rustls with the ring provider, TLS 1.2 and 1.3 only, and a
//! client certificate required of every registrar.
//!
//! Registrars bring certificates from any CA or none, so the server does not judge the chain;
//! it only makes the client prove possession of the key in its certificate (the handshake
//! signature is still verified) and hands the certificate's SHA-256 [`Fingerprint`] to the
//! session, which compares it with the fingerprints pinned for the registrar at login.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms, ring};
use rustls::server::ParsedCertificate;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    ClientConfig, DigitallySignedStruct, DistinguishedName, RootCertStore, ServerConfig,
    SignatureScheme, SupportedProtocolVersion,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};

/// The protocol versions EPP allows: RFC 5734 as updated by RFC 8996 (no TLS 1.0 or 1.1).
static EPP_VERSIONS: &[&SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];
static TLS12_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];
static TLS13_ONLY: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13];

/// What went wrong while loading keys and certificates or building a TLS configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file could not be read or parsed.
    #[error("{what}: {source}")]
    Pem {
        /// Which input it was (a file name, or a description such as "client certificate").
        what: String,
        /// The PEM reader's complaint.
        source: rustls_pki_types::pem::Error,
    },
    /// A PEM input held no certificate.
    #[error("{what}: no CERTIFICATE section found")]
    NoCertificate {
        /// Which input it was.
        what: String,
    },
    /// A PEM input held no private key.
    #[error("{what}: no PRIVATE KEY section (PKCS#8, PKCS#1 or SEC1) found")]
    NoPrivateKey {
        /// Which input it was.
        what: String,
    },
    /// A certificate is not valid X.509 DER.
    #[error("{what}: certificate not usable: {source}")]
    BadCertificate {
        /// Which input it was.
        what: String,
        /// rustls' complaint.
        source: rustls::Error,
    },
    /// A server name for the client is neither a DNS name nor an IP address.
    #[error("server name {0:?} is neither a DNS name nor an IP address")]
    BadServerName(String),
    /// rustls refused the configuration (for example, a key that does not match its
    /// certificate or an algorithm the provider lacks).
    #[error("TLS configuration refused: {0}")]
    Config(#[from] rustls::Error),
}

/// The SHA-256 digest of a DER-encoded certificate, the way the registry pins a registrar's
/// certificate. Displays and parses as 64 lowercase hex digits; parsing also takes upper case
/// and the colon-separated form that `openssl x509 -fingerprint -sha256` prints.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Fingerprint {
        Fingerprint(Sha256::digest(der).into())
    }

    /// The fingerprint of the first certificate in a PEM text.
    pub fn of_pem(pem: &str) -> Result<Fingerprint, TlsError> {
        let chain = certs_from_pem(pem, "certificate")?;
        chain
            .first()
            .map(|cert| Fingerprint::of_der(cert))
            .ok_or_else(|| TlsError::NoCertificate { what: "certificate".into() })
    }

    /// The 32 digest octets.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A fingerprint from its 32 digest octets.
    pub fn from_bytes(bytes: [u8; 32]) -> Fingerprint {
        Fingerprint(bytes)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// A text that is not a SHA-256 fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a SHA-256 fingerprint (64 hex digits, colons between pairs allowed)")]
pub struct ParseFingerprintError(String);

impl FromStr for Fingerprint {
    type Err = ParseFingerprintError;

    fn from_str(text: &str) -> Result<Fingerprint, ParseFingerprintError> {
        let fail = || ParseFingerprintError(text.chars().take(100).collect());
        let mut digits = text.trim().bytes().filter(|&b| b != b':');
        let mut out = [0u8; 32];
        for byte in &mut out {
            let high = digits.next().and_then(hex_value).ok_or_else(fail)?;
            let low = digits.next().and_then(hex_value).ok_or_else(fail)?;
            *byte = high << 4 | low;
        }
        if digits.next().is_some() {
            return Err(fail());
        }
        Ok(Fingerprint(out))
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|v| u8::try_from(v).ok())
}

/// The fingerprint of the end-entity certificate among a connection's peer certificates.
pub fn peer_fingerprint(peer_certificates: Option<&[CertificateDer<'_>]>) -> Option<Fingerprint> {
    peer_certificates?.first().map(|cert| Fingerprint::of_der(cert))
}

/// The crypto provider used everywhere in nameward-epp.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// Every certificate in a PEM text, in order (end entity first, as TLS sends them).
pub fn certs_from_pem(pem: &str, what: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let chain = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::Pem { what: what.to_owned(), source })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate { what: what.to_owned() });
    }
    Ok(chain)
}

/// The first private key in a PEM text.
pub fn key_from_pem(pem: &str, what: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|source| match source {
        rustls_pki_types::pem::Error::NoItemsFound => {
            TlsError::NoPrivateKey { what: what.to_owned() }
        }
        source => TlsError::Pem { what: what.to_owned(), source },
    })
}

/// Every certificate in a PEM file.
pub fn certs_from_pem_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let what = path.display().to_string();
    let chain = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|source| TlsError::Pem { what: what.clone(), source })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate { what });
    }
    Ok(chain)
}

/// The first private key in a PEM file.
pub fn key_from_pem_file(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let what = path.display().to_string();
    PrivateKeyDer::from_pem_file(path).map_err(|source| match source {
        rustls_pki_types::pem::Error::NoItemsFound => TlsError::NoPrivateKey { what },
        source => TlsError::Pem { what, source },
    })
}

/// The EPP server's TLS configuration: the given certificate chain and key, TLS 1.2 and 1.3,
/// and a client certificate required but judged only by its fingerprint (see
/// [`AnyClientCert`]).
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = provider();
    let verifier = Arc::new(AnyClientCert::new(&provider));
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(EPP_VERSIONS)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// [`server_config`] from a PEM certificate chain and a PEM private key.
pub fn server_config_from_pem(
    chain_pem: &str,
    key_pem: &str,
) -> Result<Arc<ServerConfig>, TlsError> {
    server_config(
        certs_from_pem(chain_pem, "server certificate")?,
        key_from_pem(key_pem, "server private key")?,
    )
}

/// [`server_config`] from a PEM certificate chain file and a PEM private key file.
pub fn server_config_from_pem_files(
    chain: &Path,
    key: &Path,
) -> Result<Arc<ServerConfig>, TlsError> {
    server_config(certs_from_pem_file(chain)?, key_from_pem_file(key)?)
}

/// A client certificate verifier that requires a certificate, accepts any well-formed one
/// whoever issued it, and still checks the handshake signature made with its key.
///
/// Trust comes later: the session compares the certificate's fingerprint with those pinned
/// for the registrar that logs in. Validity dates are not checked here either — whether an
/// expired pinned certificate may still log in is the registry's policy, not the transport's.
#[derive(Debug)]
pub struct AnyClientCert {
    algorithms: WebPkiSupportedAlgorithms,
}

impl AnyClientCert {
    /// A verifier using the provider's signature algorithms.
    pub fn new(provider: &CryptoProvider) -> AnyClientCert {
        AnyClientCert { algorithms: provider.signature_verification_algorithms }
    }
}

impl ClientCertVerifier for AnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hints: registrars' certificates come from any CA, so naming some would mislead.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // Parsing makes sure the certificate carries a public key the handshake signature can be
        // checked against; garbage is refused here rather than at the signature.
        ParsedCertificate::try_from(end_entity)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// How an EPP client decides to trust the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerTrust {
    /// The server's chain must lead to this CA certificate (PEM) and name the server.
    CaPem(String),
    /// The server's end-entity certificate must have this fingerprint; names and issuers are
    /// not looked at.
    Pinned(Fingerprint),
}

/// Which TLS versions a client offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TlsVersions {
    /// TLS 1.3 and 1.2, the server picks.
    #[default]
    Both,
    /// TLS 1.2 only.
    Tls12Only,
    /// TLS 1.3 only.
    Tls13Only,
}

impl TlsVersions {
    fn versions(self) -> &'static [&'static SupportedProtocolVersion] {
        match self {
            TlsVersions::Both => EPP_VERSIONS,
            TlsVersions::Tls12Only => TLS12_ONLY,
            TlsVersions::Tls13Only => TLS13_ONLY,
        }
    }
}

/// What an EPP client needs for TLS.
#[derive(Clone, Debug)]
pub struct ClientTls {
    /// How to trust the server.
    pub trust: ServerTrust,
    /// The registrar's certificate chain, PEM, end entity first.
    pub cert_pem: String,
    /// The registrar's private key, PEM.
    pub key_pem: String,
    /// The name the server's certificate must carry (a DNS name or an IP address); with a
    /// pinned certificate it is only sent as SNI.
    pub server_name: String,
    /// The TLS versions to offer.
    pub versions: TlsVersions,
}

impl ClientTls {
    /// The rustls configuration and server name for this client.
    pub fn config(&self) -> Result<(Arc<ClientConfig>, ServerName<'static>), TlsError> {
        let server_name = ServerName::try_from(self.server_name.clone())
            .map_err(|_| TlsError::BadServerName(self.server_name.clone()))?;
        let provider = provider();
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_protocol_versions(self.versions.versions())?;
        let builder = match &self.trust {
            ServerTrust::CaPem(pem) => {
                let mut roots = RootCertStore::empty();
                for cert in certs_from_pem(pem, "CA certificate")? {
                    roots.add(cert).map_err(|source| TlsError::BadCertificate {
                        what: "CA certificate".into(),
                        source,
                    })?;
                }
                builder.with_root_certificates(roots)
            }
            ServerTrust::Pinned(fingerprint) => {
                builder.dangerous().with_custom_certificate_verifier(Arc::new(PinnedServer::new(
                    *fingerprint,
                    &provider,
                )))
            }
        };
        let config = builder.with_client_auth_cert(
            certs_from_pem(&self.cert_pem, "client certificate")?,
            key_from_pem(&self.key_pem, "client private key")?,
        )?;
        Ok((Arc::new(config), server_name))
    }
}

/// Trusts exactly one server certificate, by fingerprint, and checks the handshake signature
/// made with its key.
#[derive(Debug)]
struct PinnedServer {
    fingerprint: Fingerprint,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedServer {
    fn new(fingerprint: Fingerprint, provider: &CryptoProvider) -> PinnedServer {
        PinnedServer { fingerprint, algorithms: provider.signature_verification_algorithms }
    }
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen = Fingerprint::of_der(end_entity);
        if seen != self.fingerprint {
            tracing::warn!(expected = %self.fingerprint, %seen, "EPP server certificate does not match the pinned fingerprint");
            return Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn fingerprint_text_round_trip() {
        let fp = Fingerprint::of_der(b"not really a certificate");
        let text = fp.to_string();
        assert_eq!(text.len(), 64);
        assert!(text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(text.parse::<Fingerprint>().unwrap(), fp);
        assert_eq!(text.to_uppercase().parse::<Fingerprint>().unwrap(), fp);
        let colons: Vec<String> = fp.as_bytes().iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(colons.join(":").parse::<Fingerprint>().unwrap(), fp);
    }

    #[test]
    fn fingerprint_rejects_wrong_lengths_and_digits() {
        let good = "ab".repeat(32);
        assert!(good[..62].parse::<Fingerprint>().is_err());
        assert!(format!("{good}ab").parse::<Fingerprint>().is_err());
        assert!(format!("{}zz", &good[..62]).parse::<Fingerprint>().is_err());
        assert!("".parse::<Fingerprint>().is_err());
        assert!("é".repeat(40).parse::<Fingerprint>().is_err());
    }

    #[test]
    fn pem_errors_name_the_input() {
        let err = certs_from_pem("nothing here", "client certificate").unwrap_err();
        assert!(err.to_string().starts_with("client certificate:"), "{err}");
        let err = key_from_pem("nothing here", "server private key").unwrap_err();
        assert!(matches!(err, TlsError::NoPrivateKey { .. }), "{err}");
        let err = server_config_from_pem_files(Path::new("/nonexistent/cert.pem"), Path::new("/x"))
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
    }
}
