//! The browser session: what the desk binds proof of control to.
//!
//! A session is 160 random bits in a cookie. The registry never sees the secret, only
//! [`Session::key`], a hash of it, which it stores on the case that the session asked a code
//! for or proved control of. Forms carry [`Session::csrf_token`], another hash of the same
//! secret under a different label: a page on another site can make the browser send the
//! cookie with a top-level navigation, but it cannot read the cookie, so it cannot write the
//! token. The cookie is `HttpOnly` (scripts cannot read it), `SameSite=Lax` (not sent with
//! another site's form posts; sent when the registrant follows the link in a notice, so the
//! session survives that click), and `Secure` with the `__Host-` prefix whenever the desk is
//! reached over HTTPS (see [`CookiePolicy`]).

use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How long a session cookie lives in the browser: a day, long enough to wait for a TXT
/// record to propagate, short enough that a shared computer forgets it.
pub const SESSION_SECONDS: u64 = 24 * 60 * 60;

/// Characters of a session secret: 32 base32 characters, 160 bits.
const SECRET_LEN: usize = 32;

/// A browser session.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    secret: String,
    /// Whether the cookie was issued with this response (the browser did not send one).
    pub fresh: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Session").field("fresh", &self.fresh).finish_non_exhaustive()
    }
}

impl Session {
    /// A new session with a random secret.
    pub fn new() -> Session {
        let mut bytes = [0u8; 20];
        OsRng.fill_bytes(&mut bytes);
        Session {
            secret: data_encoding::BASE32_NOPAD.encode(&bytes).to_ascii_lowercase(),
            fresh: true,
        }
    }

    /// The session named by a `Cookie` header under `name`, if its value has the shape of a
    /// secret this desk issues (anything else, tampered or foreign, is ignored).
    pub fn from_cookie_header(header: &str, name: &str) -> Option<Session> {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(key, _)| *key == name)
            .map(|(_, value)| value.trim())
            .find(|value| well_formed(value))
            .map(|secret| Session { secret: secret.to_owned(), fresh: false })
    }

    /// What the registry stores for this session: a hash of the secret (hex).
    pub fn key(&self) -> String {
        hashed(b"nameward-desk-session", &self.secret, 32)
    }

    /// The token every form of this session carries.
    pub fn csrf_token(&self) -> String {
        hashed(b"nameward-desk-csrf", &self.secret, 20)
    }

    /// Whether `token` (from a form) is this session's; compared in constant time.
    pub fn csrf_ok(&self, token: &str) -> bool {
        !self.fresh && bool::from(self.csrf_token().as_bytes().ct_eq(token.as_bytes()))
    }

    /// The `Set-Cookie` value that gives the browser this session.
    pub fn set_cookie(&self, policy: CookiePolicy) -> String {
        let secure = if policy.secure { "; Secure" } else { "" };
        format!(
            "{}={}; Path=/; Max-Age={SESSION_SECONDS}; HttpOnly; SameSite=Lax{secure}",
            policy.name(),
            self.secret
        )
    }
}

impl Default for Session {
    fn default() -> Session {
        Session::new()
    }
}

fn well_formed(value: &str) -> bool {
    value.len() == SECRET_LEN && value.bytes().all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7'))
}

fn hashed(label: &[u8], secret: &str, bytes: usize) -> String {
    let digest =
        Sha256::new().chain_update(label).chain_update(b"\0").chain_update(secret).finalize();
    digest.iter().take(bytes).map(|byte| format!("{byte:02x}")).collect()
}

/// Whether cookies are marked `Secure`. The desk decides once, at start: `Secure` when it
/// serves TLS itself, or when its public URL (the one notices link to) is `https://` — then a
/// TLS-terminating proxy stands in front, and the browser talks HTTPS. Over plain HTTP (a test,
/// a desk on loopback) a `Secure` cookie would never come back, so it is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CookiePolicy {
    /// Mark cookies `Secure` (and name them with the `__Host-` prefix, which browsers accept
    /// only from a secure origin, for `Path=/`, without `Domain`).
    pub secure: bool,
}

impl CookiePolicy {
    /// The policy for a desk reached at `public_url`, serving TLS itself or not.
    pub fn for_desk(public_url: &str, serves_tls: bool) -> CookiePolicy {
        let https =
            public_url.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
        CookiePolicy { secure: serves_tls || https }
    }

    /// The session cookie's name.
    pub fn name(self) -> &'static str {
        if self.secure { "__Host-nameward-desk" } else { "nameward-desk" }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_cookie_round_trips_and_anything_else_is_ignored() {
        let session = Session::new();
        let policy = CookiePolicy { secure: true };
        let cookie = session.set_cookie(policy);
        assert!(cookie.starts_with("__Host-nameward-desk="));
        for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        let pair = cookie.split(';').next().unwrap();
        let header = format!("other=1; {pair}; x=y");
        let back = Session::from_cookie_header(&header, policy.name()).unwrap();
        assert_eq!(back.key(), session.key());
        assert!(!back.fresh);
        assert!(back.csrf_ok(&session.csrf_token()));
        assert!(!back.csrf_ok(&Session::new().csrf_token()));
        assert!(!back.csrf_ok(""));
        // A fresh session has no form yet: nothing it posts is accepted.
        assert!(!session.csrf_ok(&session.csrf_token()));
        // Tampered values are not sessions.
        let secret = &pair[pair.find('=').unwrap() + 1..];
        for bad in [&secret[1..], &format!("{}A", &secret[1..]), &format!("{}0", &secret[1..]), ""]
        {
            let header = format!("{}={bad}", policy.name());
            assert_eq!(Session::from_cookie_header(&header, policy.name()), None, "{bad}");
        }
        assert_ne!(session.key(), Session::new().key());
        assert_ne!(session.key()[..40], session.csrf_token()[..40]);
    }

    #[test]
    fn secure_when_served_over_tls_or_reached_over_https() {
        assert!(CookiePolicy::for_desk("https://desk.nic.example", false).secure);
        assert!(CookiePolicy::for_desk("HTTPS://desk.nic.example", false).secure);
        assert!(CookiePolicy::for_desk("http://127.0.0.1:8780", true).secure);
        assert!(!CookiePolicy::for_desk("http://127.0.0.1:8780", false).secure);
        assert_eq!(CookiePolicy { secure: false }.name(), "nameward-desk");
        assert!(!Session::new().set_cookie(CookiePolicy::default()).contains("Secure"));
    }
}
