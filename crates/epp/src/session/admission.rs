//! Which client certificates get a session at all: those an ACTIVE registrar registered.
//!
//! The check runs right after the TLS handshake, for every connection, so it reads a copy of
//! the registered fingerprints kept in memory rather than the database. The copy is read again
//! when it is older than [`MAX_AGE`], and on a certificate it does not know when it is older
//! than [`MISS_REFRESH`] — so a registrar added a moment ago gets in at once, while a flood of
//! unknown certificates costs at most one database read per [`MISS_REFRESH`]. Concurrent
//! refreshes wait for one read. A certificate removed from the registry may still be admitted
//! until the next refresh; its login is refused all the same (login checks the certificate
//! again against the registrar it names).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use nameward_registry::service::Registry;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::tls::Fingerprint;

/// The longest a copy is used before it is read again.
pub const MAX_AGE: Duration = Duration::from_secs(30);

/// The shortest time between two reads caused by unknown certificates.
pub const MISS_REFRESH: Duration = Duration::from_secs(1);

/// The registered fingerprints, as last read.
pub(crate) struct KnownCertificates {
    registry: Arc<Registry>,
    copy: Mutex<Option<Copy>>,
}

struct Copy {
    fingerprints: HashSet<Fingerprint>,
    read_at: Instant,
}

/// What to do with a copy of a given age, for a certificate it does or does not hold. Pure.
pub(crate) fn should_refresh(age: Option<Duration>, known: bool) -> bool {
    match age {
        None => true,
        Some(age) if age >= MAX_AGE => true,
        Some(age) => !known && age >= MISS_REFRESH,
    }
}

impl KnownCertificates {
    pub(crate) fn new(registry: Arc<Registry>) -> KnownCertificates {
        KnownCertificates { registry, copy: Mutex::new(None) }
    }

    /// Whether `fingerprint` belongs to an ACTIVE registrar. When the registry cannot be read
    /// and no copy exists, nobody is admitted (and the error is logged): a session could not
    /// log in anyway.
    pub(crate) async fn admits(&self, fingerprint: &Fingerprint) -> bool {
        let mut copy = self.copy.lock().await;
        let known = copy.as_ref().is_some_and(|copy| copy.fingerprints.contains(fingerprint));
        let age = copy.as_ref().map(|copy| copy.read_at.elapsed());
        if !should_refresh(age, known) {
            return known;
        }
        match self.registry.login_fingerprints().await {
            Ok(fingerprints) => {
                let fingerprints: HashSet<Fingerprint> =
                    fingerprints.iter().filter_map(|text| text.parse().ok()).collect();
                let admitted = fingerprints.contains(fingerprint);
                *copy = Some(Copy { fingerprints, read_at: Instant::now() });
                admitted
            }
            Err(error) => {
                tracing::error!("EPP admission: cannot read the registrars' certificates: {error}");
                known
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_rule() {
        assert!(should_refresh(None, false));
        assert!(!should_refresh(Some(Duration::ZERO), true));
        assert!(!should_refresh(Some(Duration::from_millis(500)), false));
        assert!(should_refresh(Some(MISS_REFRESH), false));
        assert!(!should_refresh(Some(MISS_REFRESH), true));
        assert!(should_refresh(Some(MAX_AGE), true));
    }
}
