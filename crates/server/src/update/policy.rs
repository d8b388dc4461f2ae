//! Who may change what in an updatable zone: grant rules in the style of BIND's
//! `update-policy` and Knot's ACL `update-owner`, read from the zone's `[[zone.update]]`
//! tables. Anything not granted is refused; there are no deny rules.

use nameward_dns::{Name, Rtype};
use serde::Deserialize;

/// One `[[zone.update]]` table as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// The TSIG key that must sign the update, by name.
    pub key: String,
    /// Which owner names the rule covers (see [`Match`]).
    #[serde(rename = "match")]
    pub matches: Match,
    /// The name `match` is about; the zone's apex when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// The types the rule covers, as mnemonics (`A`, `AAAA`, `HIP`, `TYPE65280`); `ANY` is
    /// every type. Absent or empty: every type but SOA, NS and the DNSSEC types, as BIND's
    /// `update-policy` reads a rule without types.
    #[serde(default)]
    pub types: Vec<String>,
}

/// Which owner names a rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    /// The name itself.
    Name,
    /// The name and every name below it.
    Subdomain,
    /// Every name below the name, not the name itself.
    Wildcard,
    /// The owner is the key's own name (BIND's `self`).
    #[serde(rename = "self")]
    Key,
}

/// The types a rule covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Types {
    /// Every type.
    All,
    /// Every type but SOA, NS and the DNSSEC types.
    Ordinary,
    /// These types.
    Listed(Vec<Rtype>),
}

/// A rule, read and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    key: Name,
    matches: Match,
    name: Name,
    types: Types,
}

/// The rules of one zone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    rules: Vec<Rule>,
}

/// Who signed an update, as far as the policy cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// Not signed: no rule grants anything.
    Unsigned,
    /// Signed with this TSIG key (lower-cased name).
    Tsig(Name),
}

impl Policy {
    /// Reads the rules of the zone at `origin`; the error names the rule and what is wrong.
    pub fn from_config(origin: &Name, rules: &[RuleConfig]) -> Result<Policy, String> {
        let mut read = Vec::with_capacity(rules.len());
        for (at, rule) in rules.iter().enumerate() {
            let what = |e: String| format!("zone {origin}, update rule {}: {e}", at + 1);
            let key = Name::parse(&rule.key, Some(&Name::root()))
                .map_err(|e| what(format!("bad key name `{}`: {e}", rule.key)))?
                .to_lowercase();
            let name = match &rule.name {
                Some(text) => Name::parse(text, Some(origin))
                    .map_err(|e| what(format!("bad name `{text}`: {e}")))?,
                None => origin.clone(),
            };
            if rule.matches != Match::Key && !name.is_subdomain_of(origin) {
                return Err(what(format!("`{name}` is not in the zone")));
            }
            let types = if rule.types.is_empty() {
                Types::Ordinary
            } else if rule.types.iter().any(|t| t.eq_ignore_ascii_case("ANY")) {
                Types::All
            } else {
                let mut listed = Vec::with_capacity(rule.types.len());
                for text in &rule.types {
                    let rtype = Rtype::from_text(text.as_bytes())
                        .ok_or_else(|| what(format!("unknown type `{text}`")))?;
                    listed.push(rtype);
                }
                Types::Listed(listed)
            };
            read.push(Rule { key, matches: rule.matches, name, types });
        }
        Ok(Policy { rules: read })
    }

    /// True when the zone takes updates at all.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether `signer` may change the `rtype` RRset at `owner` (`None`: any RRset there, for
    /// a name the update would empty of nothing).
    pub fn allows(&self, signer: &Signer, owner: &Name, rtype: Option<Rtype>) -> bool {
        let Signer::Tsig(key) = signer else { return false };
        self.rules.iter().any(|rule| {
            rule.key == *key
                && rule.covers_name(key, owner)
                && rtype.is_none_or(|t| rule.covers_type(t))
        })
    }
}

impl Rule {
    fn covers_name(&self, key: &Name, owner: &Name) -> bool {
        match self.matches {
            Match::Name => *owner == self.name,
            Match::Subdomain => owner.is_subdomain_of(&self.name),
            Match::Wildcard => *owner != self.name && owner.is_subdomain_of(&self.name),
            Match::Key => owner == key,
        }
    }

    fn covers_type(&self, rtype: Rtype) -> bool {
        match &self.types {
            Types::All => true,
            Types::Ordinary => {
                !matches!(rtype, Rtype::SOA | Rtype::NS | Rtype::RRSIG | Rtype::NSEC | Rtype::NSEC3)
            }
            Types::Listed(types) => types.contains(&rtype),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Name {
        Name::parse(text, None).unwrap()
    }

    fn policy(toml: &str) -> Result<Policy, String> {
        #[derive(Deserialize)]
        struct Rules {
            update: Vec<RuleConfig>,
        }
        let rules: Rules = toml::from_str(toml).map_err(|e| e.to_string())?;
        Policy::from_config(&name("example."), &rules.update)
    }

    #[test]
    fn rules_grant_names_and_types() {
        let policy = policy(
            r#"
            [[update]]
            key = "hosts-key"
            match = "subdomain"
            name = "hosts"
            types = ["A", "AAAA", "HIP"]
            [[update]]
            key = "admin."
            match = "subdomain"
            [[update]]
            key = "host1.example."
            match = "self"
            types = ["ANY"]
            [[update]]
            key = "w."
            match = "wildcard"
            name = "dyn"
            "#,
        )
        .unwrap();
        let hosts = Signer::Tsig(name("hosts-key."));
        assert!(policy.allows(&hosts, &name("a.hosts.example."), Some(Rtype::AAAA)));
        assert!(policy.allows(&hosts, &name("HOSTS.example."), Some(Rtype::HIP)));
        assert!(!policy.allows(&hosts, &name("a.hosts.example."), Some(Rtype::TXT)));
        assert!(!policy.allows(&hosts, &name("www.example."), Some(Rtype::A)));
        let admin = Signer::Tsig(name("admin."));
        assert!(policy.allows(&admin, &name("www.example."), Some(Rtype::TXT)));
        assert!(!policy.allows(&admin, &name("example."), Some(Rtype::NS)), "no types: no NS");
        assert!(!policy.allows(&admin, &name("example."), Some(Rtype::SOA)));
        let host = Signer::Tsig(name("host1.example."));
        assert!(policy.allows(&host, &name("host1.example."), Some(Rtype::NS)));
        assert!(!policy.allows(&host, &name("host2.example."), Some(Rtype::A)));
        let w = Signer::Tsig(name("w."));
        assert!(policy.allows(&w, &name("x.dyn.example."), Some(Rtype::A)));
        assert!(!policy.allows(&w, &name("dyn.example."), Some(Rtype::A)));
        assert!(!policy.allows(&Signer::Unsigned, &name("www.example."), None));
        assert!(!policy.allows(&Signer::Tsig(name("other.")), &name("www.example."), None));
    }

    #[test]
    fn bad_rules_say_which_and_why() {
        let cases = [
            (
                "key = \"k\"\nmatch = \"name\"\nname = \"www.other.\"",
                "rule 1: `www.other.` is not in the zone",
            ),
            ("key = \"k\"\nmatch = \"name\"\ntypes = [\"BOGUS\"]", "unknown type `BOGUS`"),
            ("key = \"k\"\nmatch = \"everything\"", "everything"),
            ("key = \"k..\"\nmatch = \"name\"", "bad key name"),
        ];
        for (rule, expected) in cases {
            let error = policy(&format!("[[update]]\n{rule}")).unwrap_err();
            assert!(error.contains(expected), "{rule}: {error}");
        }
    }
}
