//! What the registry operator tells RDAP: where it is served, its terms, the desk, and what
//! the registry knows of each registrar beyond its EPP account (its IANA id, abuse contact
//! and RDAP service), which the ICANN profile requires in every registrar entity.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::redact::Policy;

/// Results a search returns unless configured otherwise.
pub const DEFAULT_MAX_RESULTS: u32 = 50;

/// The RDAP service's settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The service's base URL, ending in `/` (`https://rdap.nic.example/`): links are made
    /// from it. Left out, the server's own address is used (see [`Config::or_base_url`]).
    #[serde(default)]
    pub base_url: String,
    /// The terms of service page (a `terms-of-service` link in every response).
    #[serde(default)]
    pub terms_url: Option<String>,
    /// The registrant desk, where a registrant of a failed registrar's name goes to move it.
    #[serde(default)]
    pub desk_url: Option<String>,
    /// At most this many results in a search; more are cut with a notice.
    #[serde(default = "default_max_results")]
    pub max_results: u32,
    /// Registrars by EPP client id: their IANA id, abuse contact and RDAP service.
    #[serde(default)]
    pub registrars: BTreeMap<String, RegistrarProfile>,
    /// What the public sees of contacts.
    #[serde(default)]
    pub redaction: Policy,
}

fn default_max_results() -> u32 {
    DEFAULT_MAX_RESULTS
}

/// What the registry knows of a registrar for RDAP.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrarProfile {
    /// Its IANA Registrar ID (digits): its entity handle and public id.
    pub iana_id: Option<String>,
    /// Its abuse contact's e-mail address.
    pub abuse_email: Option<String>,
    /// Its abuse contact's telephone number (`tel:` URI form or E.164a).
    pub abuse_phone: Option<String>,
    /// Its own RDAP service's base URL (the IANA registrar-ids registry's), ending in `/`.
    pub rdap_base_url: Option<String>,
}

impl Config {
    /// A configuration serving at `base_url` (a `/` is added if missing; empty for none yet)
    /// with defaults for the rest.
    pub fn new(base_url: &str) -> Config {
        Config {
            base_url: if base_url.is_empty() { String::new() } else { with_slash(base_url) },
            terms_url: None,
            desk_url: None,
            max_results: DEFAULT_MAX_RESULTS,
            registrars: BTreeMap::new(),
            redaction: Policy::default(),
        }
    }

    /// This configuration with `base_url` set to `default` (a `/` added) when it has none.
    pub fn or_base_url(mut self, default: &str) -> Config {
        if self.base_url.is_empty() {
            self.base_url = with_slash(default);
        }
        self
    }

    /// The terms of service page: the configured one, or `help` of this service.
    pub fn terms_url(&self) -> String {
        self.terms_url.clone().unwrap_or_else(|| format!("{}help", self.base_url))
    }

    /// The profile of the registrar `id` (empty when none is configured).
    pub fn registrar(&self, id: &str) -> RegistrarProfile {
        self.registrars.get(id).cloned().unwrap_or_default()
    }

    /// The EPP id of the registrar whose IANA id is `iana_id`.
    pub fn registrar_by_iana_id(&self, iana_id: &str) -> Option<&str> {
        self.registrars
            .iter()
            .find(|(_, profile)| profile.iana_id.as_deref() == Some(iana_id))
            .map(|(id, _)| id.as_str())
    }

    /// Checks what a configuration file may get wrong; the message names the field.
    pub fn check(&self) -> Result<(), String> {
        if !(self.base_url.starts_with("https://") || self.base_url.starts_with("http://")) {
            return Err(format!("base_url {:?} is not an http(s) URL", self.base_url));
        }
        if !self.base_url.ends_with('/') {
            return Err(format!("base_url {:?} must end with '/'", self.base_url));
        }
        if self.max_results == 0 {
            return Err("max_results must be at least 1".to_owned());
        }
        for (id, profile) in &self.registrars {
            if let Some(iana) = &profile.iana_id
                && (iana.is_empty() || !iana.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(format!("registrars.{id}.iana_id {iana:?} is not a number"));
            }
            if let Some(url) = &profile.rdap_base_url
                && !url.ends_with('/')
            {
                return Err(format!("registrars.{id}.rdap_base_url {url:?} must end with '/'"));
            }
        }
        Ok(())
    }
}

/// `url` ending in exactly one `/`.
pub fn with_slash(url: &str) -> String {
    format!("{}/", url.trim_end_matches('/'))
}
