//! Turning the server settings (`[[key]]`, `[[acl]]`, `[[secondary]]`) into the transfer
//! code's [`TransferConfig`]: keys decoded, names and prefixes parsed once, one policy per zone.

use std::collections::HashMap;

use nameward_dns::Name;

use super::acl::{Acl, Cidr, NotifyTarget, Rule, ZonePolicy};
use super::respond::TransferConfig;
use super::tsig::{Algorithm, Key, KeyRing};
use crate::config::Config;

fn absolute(text: &str, what: &str) -> Result<Name, String> {
    Name::parse(text, Some(&Name::root())).map_err(|e| format!("{what} `{text}`: {e}"))
}

impl TransferConfig {
    /// Reads the transfer settings of `config`. A zone's transfer access list holds its
    /// secondaries (their address, and their key when they have one) and the `[[acl]]` entries
    /// that cover it; the same list says who may send it NOTIFY. Its NOTIFY targets are its
    /// secondaries.
    pub fn from_config(config: &Config) -> Result<TransferConfig, String> {
        let mut keys = KeyRing::new();
        for k in &config.keys {
            let name = absolute(&k.name, "TSIG key name")?;
            let algorithm = Algorithm::from_mnemonic(&k.algorithm).ok_or_else(|| {
                format!(
                    "TSIG key {name}: algorithm `{}` is not hmac-sha256 or hmac-sha512",
                    k.algorithm
                )
            })?;
            keys.insert(Key::from_base64(&name, algorithm, &k.secret)?);
        }
        let key_ref = |text: &Option<String>| -> Result<Option<Name>, String> {
            let Some(text) = text else { return Ok(None) };
            let name = absolute(text, "TSIG key")?;
            if keys.get(&name).is_none() {
                return Err(format!("TSIG key `{text}` is used but not defined in a [[key]]"));
            }
            Ok(Some(name))
        };
        let covers = |zones: &[String], origin: &Name| -> Result<bool, String> {
            if zones.is_empty() {
                return Ok(true);
            }
            for z in zones {
                if absolute(z, "zone")? == *origin {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        // The policy made of the secondaries and access lists whose zone lists `covered`.
        let policy_of = |covered: &dyn Fn(&[String]) -> Result<bool, String>| {
            let mut policy = ZonePolicy::default();
            for s in &config.secondaries {
                if !covered(&s.zones)? {
                    continue;
                }
                let key = key_ref(&s.key)?;
                let host = Cidr::new(s.address.ip(), if s.address.is_ipv4() { 32 } else { 128 })?;
                policy.transfer.rules.push(Rule { network: Some(host), key: key.clone() });
                policy.notify.push(NotifyTarget { address: s.address, key });
            }
            for acl in &config.acl {
                if !covered(&acl.zones)? {
                    continue;
                }
                let key = key_ref(&acl.key)?;
                if acl.allow_transfer.is_empty() {
                    policy.transfer.rules.push(Rule { network: None, key: key.clone() });
                }
                for net in &acl.allow_transfer {
                    let network: Cidr = net.parse()?;
                    policy.transfer.rules.push(Rule { network: Some(network), key: key.clone() });
                }
            }
            policy.notify_from = Acl { rules: policy.transfer.rules.clone() };
            Ok::<_, String>(policy)
        };
        // Every zone configured, and every zone a secondary or an access list names: a zone
        // published from memory (a registry's TLD) has no [[zone]] entry.
        let mut origins = Vec::new();
        let named = config.secondaries.iter().flat_map(|s| &s.zones);
        let named = named.chain(config.acl.iter().flat_map(|acl| &acl.zones));
        for text in config.zones.iter().map(|zone| &zone.origin).chain(named) {
            let origin = absolute(text, "zone origin")?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        let mut policies = HashMap::new();
        for origin in origins {
            let policy = policy_of(&|zones| covers(zones, &origin))?;
            policies.insert(origin, policy);
        }
        // A zone named nowhere gets what covers every zone.
        let everywhere = config.secondaries.iter().any(|s| s.zones.is_empty())
            || config.acl.iter().any(|acl| acl.zones.is_empty());
        let any_zone = match everywhere {
            true => Some(policy_of(&|zones| Ok(zones.is_empty()))?),
            false => None,
        };
        Ok(TransferConfig { keys, policies, any_zone, ..TransferConfig::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_become_policies() {
        let config = Config::from_toml(
            r#"
            [[zone]]
            origin = "example."
            file = "x"
            [[zone]]
            origin = "other."
            file = "y"
            [[secondary]]
            address = "192.0.2.53:53"
            zones = ["example."]
            key = "k"
            [[acl]]
            allow_transfer = ["10.0.0.0/8"]
            [[key]]
            name = "K."
            algorithm = "hmac-sha256"
            secret = "c2VjcmV0"
            "#,
        )
        .unwrap();
        let t = TransferConfig::from_config(&config).unwrap();
        let example = t.policy(&Name::parse("example.", None).unwrap()).unwrap();
        let k = Name::parse("k.", None).unwrap();
        assert_eq!(example.notify.len(), 1);
        assert!(example.transfer.allows("192.0.2.53".parse().unwrap(), Some(&k)));
        assert!(!example.transfer.allows("192.0.2.53".parse().unwrap(), None));
        assert!(example.transfer.allows("10.1.2.3".parse().unwrap(), None));
        let other = t.policy(&Name::parse("other.", None).unwrap()).unwrap();
        assert!(other.notify.is_empty());
        assert!(!other.transfer.allows("192.0.2.53".parse().unwrap(), Some(&k)));
        // A zone named nowhere (published from memory, as a registry's TLD is) gets what covers
        // every zone: the access list, not the secondary of example.
        let tld = t.policy(&Name::parse("tld.", None).unwrap()).unwrap();
        assert!(tld.notify.is_empty());
        assert!(tld.transfer.allows("10.1.2.3".parse().unwrap(), None));
        assert!(!tld.transfer.allows("192.0.2.53".parse().unwrap(), Some(&k)));
        // A secondary that names a zone nobody configured gets that zone's policy.
        let mut published = config.clone();
        published.zones.clear();
        published.acl.clear();
        let t = TransferConfig::from_config(&published).unwrap();
        let example = t.policy(&Name::parse("example.", None).unwrap()).unwrap();
        assert_eq!(example.notify.len(), 1);
        assert!(t.policy(&Name::parse("tld.", None).unwrap()).is_none());

        let mut bad = config.clone();
        bad.secondaries[0].key = Some("missing".into());
        assert!(TransferConfig::from_config(&bad).unwrap_err().contains("not defined"));
        let mut bad = config;
        bad.keys[0].algorithm = "hmac-md5".into();
        assert!(TransferConfig::from_config(&bad).unwrap_err().contains("hmac-md5"));
    }
}
