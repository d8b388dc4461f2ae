//! Registrar logins: which certificates may reach a login at all, the login check itself, and
//! the bounded pool that password hashing runs on.
//!
//! argon2 costs about 19 MiB and tens of milliseconds per hash. Run on the async workers it
//! stalls every session sharing them, and run without bound it lets whoever can send logins
//! make the process allocate without limit. So every hash runs on tokio's blocking threads,
//! at most [`PasswordWork::workers`] at a time, and a login hashes only once its certificate
//! is known to belong to the client id it names.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Semaphore;

use super::{Registry, ServiceError, with_tx};
use crate::model::{Registrar, RegistrarState};
use crate::secret::SecretError;

/// Password hashes run at once when nobody says otherwise: enough for logins to proceed while
/// one is hashing, few enough that the memory they take (19 MiB each) stays small.
pub const DEFAULT_PASSWORD_WORKERS: usize = 2;

/// The bounded pool password hashing runs on.
#[derive(Debug, Clone)]
pub struct PasswordWork {
    permits: Arc<Semaphore>,
    workers: usize,
    hashes: Arc<AtomicU64>,
    /// argon2's working memory, one buffer per worker, kept between hashes: what hashing
    /// holds is then `workers` × 19 MiB, whatever the number of logins.
    buffers: Arc<Mutex<Vec<Vec<argon2::Block>>>>,
}

impl PasswordWork {
    /// A pool running at most `workers` hashes at once (at least one).
    pub fn new(workers: usize) -> PasswordWork {
        let workers = workers.clamp(1, Semaphore::MAX_PERMITS);
        PasswordWork {
            permits: Arc::new(Semaphore::new(workers)),
            workers,
            hashes: Arc::default(),
            buffers: Arc::default(),
        }
    }

    /// How many hashes this pool has run (or started), for metrics and tests.
    pub fn hashes_run(&self) -> u64 {
        self.hashes.load(Ordering::Relaxed)
    }

    /// How many hashes may run at once.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Runs `work` on a blocking thread once a worker is free. Waiting callers are served in
    /// the order they came (tokio's semaphore is fair), so a burst cannot starve a login.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| ServiceError::Internal("password pool closed".to_owned()))?;
        self.hashes.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|error| ServiceError::Internal(format!("password hashing stopped: {error}")))
    }

    /// Whether `password` matches the argon2 PHC string `stored`, computed in one of the
    /// pool's kept buffers (a worker's permit guarantees one is free; a buffer lost to a
    /// panicking hash is simply made again).
    pub async fn verify(&self, password: &str, stored: &str) -> Result<bool, ServiceError> {
        let (password, stored) = (password.to_owned(), stored.to_owned());
        let buffers = Arc::clone(&self.buffers);
        let verdict = self
            .run(move || {
                let mut memory = lock(&buffers).pop().unwrap_or_default();
                let verdict = crate::secret::verify_password_in(&password, &stored, &mut memory);
                lock(&buffers).push(memory);
                verdict
            })
            .await?;
        verdict.map_err(hash_error)
    }

    /// The argon2 PHC string of `password` with a fresh salt.
    pub async fn hash(&self, password: &str) -> Result<String, ServiceError> {
        let password = password.to_owned();
        self.run(move || crate::secret::hash_password(&password, &mut rand_core::OsRng))
            .await?
            .map_err(hash_error)
    }
}

impl Default for PasswordWork {
    fn default() -> PasswordWork {
        PasswordWork::new(DEFAULT_PASSWORD_WORKERS)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn hash_error(error: SecretError) -> ServiceError {
    ServiceError::Internal(format!("registrar password: {error}"))
}

/// Why a login is refused before any password is hashed, or `None` when the password decides.
///
/// The certificate is judged first: an unknown client id and a known one whose certificates
/// do not include the presented one are refused at the same point, after the same single
/// read, so the time a refusal takes tells nobody whether the id exists. Only someone holding
/// the certificate of the very registrar they name gets as far as the hash (and learns, from
/// its time, nothing they did not know).
pub fn refusal_before_password(
    registrar: Option<&Registrar>,
    fingerprint: &str,
) -> Option<&'static str> {
    let Some(registrar) = registrar else { return Some("unknown client id") };
    if !holds_certificate(registrar, fingerprint) {
        return Some("client certificate not registered for this registrar");
    }
    if registrar.state != RegistrarState::Active {
        return Some(registrar.state.as_str());
    }
    None
}

/// Whether `fingerprint` (hex, any case) is one of the registrar's certificates.
fn holds_certificate(registrar: &Registrar, fingerprint: &str) -> bool {
    registrar.cert_fingerprints.iter().any(|known| known.eq_ignore_ascii_case(fingerprint))
}

impl Registry {
    /// The pool this registry hashes passwords on.
    pub fn password_work(&self) -> &PasswordWork {
        &self.passwords
    }

    /// The same registry hashing passwords on at most `workers` blocking threads at once.
    pub fn with_password_workers(self, workers: usize) -> Registry {
        Registry { passwords: PasswordWork::new(workers), ..self }
    }

    /// Checks an EPP login: the registrar exists, the client certificate's fingerprint is one
    /// it registered, it is ACTIVE, and the password matches its hash — in that order, the
    /// hash last (see [`refusal_before_password`]). Every failure is the same 2200 to the
    /// client (the log says which), so a caller cannot probe which part was wrong.
    pub async fn login(
        &self,
        client_id: &str,
        password: &str,
        fingerprint: &str,
    ) -> Result<Registrar, ServiceError> {
        let registrar = self.registrar(client_id).await?;
        let refused = |why: &str| {
            tracing::info!(client_id, "login refused: {why}");
            Err(ServiceError::Authentication)
        };
        if let Some(why) = refusal_before_password(registrar.as_ref(), fingerprint) {
            return refused(why);
        }
        let Some(registrar) = registrar else { return refused("unknown client id") };
        match self.passwords.verify(password, &registrar.password_hash).await {
            Ok(true) => Ok(registrar),
            Ok(false) => refused("wrong password"),
            Err(error) => refused(&format!("stored password hash unusable: {error}")),
        }
    }

    /// The SHA-256 fingerprints (lowercase hex) of every certificate an ACTIVE registrar may
    /// log in with: the certificates the EPP server admits to a session at all.
    pub async fn login_fingerprints(&self) -> Result<Vec<String>, ServiceError> {
        let registrars =
            self.read(|tx| async move { with_tx!(tx, Ok(tx.registrars().await?)) }).await?;
        Ok(registrars
            .into_iter()
            .filter(|registrar| registrar.state == RegistrarState::Active)
            .flat_map(|registrar| registrar.cert_fingerprints)
            .map(|fingerprint| fingerprint.to_ascii_lowercase())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use time::macros::datetime;

    use super::*;

    fn registrar(state: RegistrarState) -> Registrar {
        Registrar {
            id: "r1".into(),
            name: "R1".into(),
            state,
            password_hash: String::new(),
            cert_fingerprints: vec!["AB".repeat(32)],
            email: None,
            successor: None,
            created_at: datetime!(2030-01-01 0:00 UTC),
        }
    }

    #[test]
    fn the_certificate_is_judged_before_the_password() {
        let good = "ab".repeat(32);
        let other = "cd".repeat(32);
        assert_eq!(refusal_before_password(None, &good), Some("unknown client id"));
        let active = registrar(RegistrarState::Active);
        assert_eq!(refusal_before_password(Some(&active), &good), None);
        assert!(refusal_before_password(Some(&active), &other).is_some());
        let suspended = registrar(RegistrarState::Suspended);
        assert_eq!(refusal_before_password(Some(&suspended), &good), Some("SUSPENDED"));
        // A suspended registrar's state is not told to someone without its certificate.
        assert!(refusal_before_password(Some(&suspended), &other).unwrap().contains("certificate"));
    }

    #[tokio::test]
    async fn the_pool_hashes_and_verifies_off_the_async_workers() {
        let work = PasswordWork::new(1);
        let hash = work.hash("correct horse").await.unwrap();
        assert!(work.verify("correct horse", &hash).await.unwrap());
        assert!(!work.verify("correct horsE", &hash).await.unwrap());
        assert!(work.verify("x", "not a hash").await.is_err());
        assert_eq!(work.hashes_run(), 4);
        assert_eq!(PasswordWork::new(0).workers(), 1);
    }
}
