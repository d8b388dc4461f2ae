//! What a run measures against: a registry with one TLD and accredited registrars holding
//! ample prepaid money, their certificates, and the server's certificate.

use std::time::SystemTime;

use anyhow::{Context, Result};
use nameward_epp::pki::{CertificateAuthority, IssuedCert, Validity};
use nameward_registry::lifecycle::host::HostCreate;
use nameward_registry::model::Account;
use nameward_registry::policy::Policy;
use nameward_registry::service::{Meta, NewRegistrar, Registry};
use time::OffsetDateTime;

/// The TLD every name is created under.
pub const TLD: &str = "bench";

/// One registrar's login.
#[derive(Clone)]
pub struct Login {
    /// EPP client id.
    pub client_id: String,
    /// EPP password.
    pub password: String,
    /// Its certificate and key.
    pub cert: IssuedCert,
}

/// Certificates and logins.
pub struct Credentials {
    /// The server's certificate and key.
    pub server: IssuedCert,
    /// One login per session.
    pub logins: Vec<Login>,
}

/// Makes a CA, the server certificate for 127.0.0.1 and one registrar certificate each.
pub fn credentials(sessions: usize) -> Result<Credentials> {
    let validity = Validity::days_from(SystemTime::now(), 30);
    let ca = CertificateAuthority::generate("nameward bench CA", validity)?;
    let server = ca.issue_server(&["127.0.0.1", "localhost"], validity)?;
    let mut logins = Vec::with_capacity(sessions);
    for i in 0..sessions {
        let client_id = format!("bench-{i:02}");
        let cert = ca.issue_client(&client_id, validity)?;
        logins.push(Login { client_id, password: format!("pw-bench-{i:02}x"), cert });
    }
    Ok(Credentials { server, logins })
}

/// The name servers registrar `client_id` delegates to with `--ns`: host objects outside
/// the registry's TLDs, so they need no addresses.
pub fn name_servers(client_id: &str, count: usize) -> Vec<String> {
    (1..=count).map(|n| format!("ns{n}.{client_id}.example.net")).collect()
}

/// Adds the TLD and the registrars, each with a prepaid balance far beyond what a run spends
/// and `ns` host objects of its own.
pub async fn populate(
    registry: &Registry,
    logins: &[Login],
    ns: usize,
    now: OffsetDateTime,
) -> Result<()> {
    registry.add_tld(&Policy::default_for(TLD), now).await.context("adding the TLD")?;
    for login in logins {
        let new = NewRegistrar {
            id: login.client_id.clone(),
            name: format!("Bench registrar {}", login.client_id),
            password: login.password.clone(),
            cert_fingerprints: vec![login.cert.fingerprint.to_string()],
            email: None,
        };
        registry
            .add_registrar(&new, now)
            .await
            .with_context(|| format!("accrediting {}", login.client_id))?;
        registry
            .deposit(&login.client_id, Account::Prepaid, 1_000_000_000_000, now)
            .await
            .with_context(|| format!("funding {}", login.client_id))?;
        let meta = Meta { actor: &login.client_id, cl_trid: None, now };
        for name in name_servers(&login.client_id, ns) {
            let host = HostCreate { name: name.clone(), addrs: Vec::new() };
            registry.host_create(&meta, &host).await.with_context(|| format!("creating {name}"))?;
        }
    }
    Ok(())
}
