//! RDAP queries (RFC 9082) read from a request's path and query string, as pure functions.
//!
//! Names are normalised to the form the registry keeps them in — lower-case A-labels — so a
//! query in upper case, with a trailing dot or in U-labels finds the same object (RFC 9082
//! §3.1.3; ICANN's tools re-ask in mixed case and compare). A name mixing A-labels and
//! U-labels, a label that is neither LDH nor a valid IDNA2008 label, or anything over the
//! length limits is malformed (400). Queries the registry does not offer (`ip`, `autnum`)
//! answer 501; searches it cannot answer without reading the whole registry (a pattern with
//! no prefix, a pattern in U-labels) answer 422.

use std::net::IpAddr;

use nameward_registry::lifecycle::idn;

/// The longest path and query string read (longer is 400): a name is at most 253 octets,
/// and percent-encoding triples a U-label's.
pub const MAX_REQUEST: usize = 2048;

/// A name's longest presentation (RFC 1035), without the trailing dot.
const MAX_NAME: usize = 253;

/// A label's longest form.
const MAX_LABEL: usize = 63;

/// What a request asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `help`.
    Help,
    /// `domain/<name>`.
    Domain(Name),
    /// `nameserver/<name>`.
    Nameserver(Name),
    /// `entity/<handle>`.
    Entity(String),
    /// `domains?…`.
    Domains(DomainQuery),
    /// `nameservers?…`.
    Nameservers(NameserverQuery),
    /// `entities?…`.
    Entities(EntityQuery),
}

/// A domain or host name in the registry's form, with its Unicode form when it has U-labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// Lower-case, A-labels, no trailing dot.
    pub ldh: String,
    /// The name with its A-labels as U-labels, when it has any.
    pub unicode: Option<String>,
}

/// A name pattern (RFC 9082 §4.1): a name, or a prefix of a name's first label, optionally
/// followed by the rest of the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamePattern {
    /// Exactly this name.
    Exact(Name),
    /// Names whose first label starts with `prefix` (lower case, LDH), and whose other labels
    /// are `zone` when given.
    Prefix {
        /// The start of the first label.
        prefix: String,
        /// The rest of the name.
        zone: Option<String>,
    },
}

impl NamePattern {
    /// The range of stored names `[from, to)` the pattern covers, and the zone they must be
    /// in. Stored names use only `a-z`, `0-9`, `-` and `.`, so every name that starts with
    /// `p` lies in `[p, p + "{")`, and the only one in `[n, n + "!")` is `n` itself.
    pub fn range(&self) -> (String, String, Option<String>) {
        match self {
            NamePattern::Exact(name) => (name.ldh.clone(), format!("{}!", name.ldh), None),
            NamePattern::Prefix { prefix, zone } => {
                (prefix.clone(), format!("{prefix}{{"), zone.clone())
            }
        }
    }

    /// Whether the stored name `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            NamePattern::Exact(exact) => exact.ldh == name,
            NamePattern::Prefix { prefix, zone } => {
                let (first, rest) = name.split_once('.').unwrap_or((name, ""));
                first.starts_with(prefix.as_str())
                    && zone.as_ref().is_none_or(|zone| zone.as_str() == rest)
            }
        }
    }
}

/// A domain search (`domains?`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainQuery {
    /// `name=`.
    Name(NamePattern),
    /// `nsLdhName=`: domains delegated to this host.
    NsLdhName(Name),
    /// `nsIp=`: domains delegated to a host with this address.
    NsIp(IpAddr),
}

/// A name server search (`nameservers?`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameserverQuery {
    /// `name=`.
    Name(NamePattern),
    /// `ip=`.
    Ip(IpAddr),
}

/// An entity search (`entities?`): registrars only (contacts are personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityQuery {
    /// `fn=`: by name.
    Fn(TextPattern),
    /// `handle=`: by handle (IANA id, or EPP id when the registrar has none).
    Handle(TextPattern),
}

/// A text pattern: exact, or a prefix (`abc*`), compared without regard to ASCII case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextPattern {
    /// Exactly this text.
    Exact(String),
    /// Text starting with this.
    Prefix(String),
}

impl TextPattern {
    /// Whether `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        let text = text.to_lowercase();
        match self {
            TextPattern::Exact(exact) => text == *exact,
            TextPattern::Prefix(prefix) => text.starts_with(prefix.as_str()),
        }
    }
}

/// Why a request cannot be answered, with the HTTP status it gets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {title}: {detail}")]
pub struct QueryError {
    /// 400, 404, 422 or 501.
    pub status: u16,
    /// The status's title (`Bad Request`, …).
    pub title: &'static str,
    /// What was wrong, naming the part of the request.
    pub detail: String,
}

impl QueryError {
    /// 400: the request is malformed.
    pub fn bad(detail: impl Into<String>) -> QueryError {
        QueryError { status: 400, title: "Bad Request", detail: detail.into() }
    }

    /// 404: nothing is there.
    pub fn not_found(detail: impl Into<String>) -> QueryError {
        QueryError { status: 404, title: "Not Found", detail: detail.into() }
    }

    /// 422: a search the registry will not run.
    pub fn unprocessable(detail: impl Into<String>) -> QueryError {
        QueryError { status: 422, title: "Unprocessable Content", detail: detail.into() }
    }

    /// 501: a query the registry does not offer.
    pub fn not_implemented(detail: impl Into<String>) -> QueryError {
        QueryError { status: 501, title: "Not Implemented", detail: detail.into() }
    }
}

/// Reads a request: `path` relative to the service's base (percent-encoded, with or without a
/// leading `/`), `query` the query string without its `?`.
pub fn parse(path: &str, query: Option<&str>) -> Result<Request, QueryError> {
    if path.len() + query.map_or(0, str::len) > MAX_REQUEST {
        return Err(QueryError::bad(format!("the request is longer than {MAX_REQUEST} octets")));
    }
    let path = path.strip_prefix('/').unwrap_or(path);
    let (kind, rest) = path.split_once('/').unwrap_or((path, ""));
    let segment = || -> Result<String, QueryError> {
        if rest.is_empty() || rest.contains('/') {
            return Err(QueryError::bad(format!("{kind}/ takes exactly one path segment")));
        }
        percent_decode(rest)
    };
    match kind {
        "help" if rest.is_empty() => Ok(Request::Help),
        "domain" => Ok(Request::Domain(name(&segment()?, "domain name")?)),
        "nameserver" => Ok(Request::Nameserver(name(&segment()?, "name server name")?)),
        "entity" => {
            let handle = segment()?;
            if handle.len() > 100 || handle.chars().any(char::is_control) {
                return Err(QueryError::bad("the entity handle is not a handle"));
            }
            Ok(Request::Entity(handle))
        }
        "domains" if rest.is_empty() => domain_search(query),
        "nameservers" if rest.is_empty() => nameserver_search(query),
        "entities" if rest.is_empty() => entity_search(query),
        "ip" | "autnum" | "ips" | "autnums" => Err(QueryError::not_implemented(format!(
            "this registry's RDAP service has no {kind} queries; ask the RIRs"
        ))),
        _ => Err(QueryError::bad(format!(
            "unknown query path {:?}: this service answers help, domain/, nameserver/, \
             entity/, domains?, nameservers? and entities?",
            truncated(path)
        ))),
    }
}

/// At most 64 characters of `text`, for error messages.
fn truncated(text: &str) -> String {
    text.chars().take(64).collect()
}

/// The one search parameter among `names` the query string has; 400 when there is none or
/// more than one of them, or the string is malformed.
fn search_parameter<'a>(
    query: Option<&str>,
    names: &[&'a str],
) -> Result<(&'a str, String), QueryError> {
    let mut found = None;
    for pair in query.unwrap_or("").split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key)?;
        if let Some(name) = names.iter().find(|name| **name == key) {
            if found.is_some() {
                return Err(QueryError::bad(format!("give exactly one of {}", names.join(", "))));
            }
            found = Some((*name, percent_decode(value)?));
        }
    }
    found.ok_or_else(|| QueryError::bad(format!("a search needs one of {}", names.join(", "))))
}

fn domain_search(query: Option<&str>) -> Result<Request, QueryError> {
    let (key, value) = search_parameter(query, &["name", "nsLdhName", "nsIp"])?;
    let search = match key {
        "name" => DomainQuery::Name(name_pattern(&value, "name")?),
        "nsLdhName" => {
            if value.contains('*') {
                return Err(QueryError::unprocessable(
                    "nsLdhName takes a name server's name, not a pattern",
                ));
            }
            if !value.is_ascii() {
                return Err(QueryError::bad("nsLdhName takes an LDH name (A-labels)"));
            }
            DomainQuery::NsLdhName(name(&value, "nsLdhName")?)
        }
        _ => DomainQuery::NsIp(address(&value, "nsIp")?),
    };
    Ok(Request::Domains(search))
}

fn nameserver_search(query: Option<&str>) -> Result<Request, QueryError> {
    let (key, value) = search_parameter(query, &["name", "ip"])?;
    let search = match key {
        "name" => NameserverQuery::Name(name_pattern(&value, "name")?),
        _ => NameserverQuery::Ip(address(&value, "ip")?),
    };
    Ok(Request::Nameservers(search))
}

fn entity_search(query: Option<&str>) -> Result<Request, QueryError> {
    let (key, value) = search_parameter(query, &["fn", "handle"])?;
    let pattern = text_pattern(&value, key)?;
    Ok(Request::Entities(match key {
        "fn" => EntityQuery::Fn(pattern),
        _ => EntityQuery::Handle(pattern),
    }))
}

fn text_pattern(value: &str, what: &str) -> Result<TextPattern, QueryError> {
    if value.len() > 255 || value.chars().any(char::is_control) {
        return Err(QueryError::bad(format!("{what} is not a searchable text")));
    }
    let lower = value.to_lowercase();
    match lower.find('*') {
        None if lower.is_empty() => Err(QueryError::bad(format!("{what} is empty"))),
        None => Ok(TextPattern::Exact(lower)),
        Some(at) if at + 1 == lower.len() && at > 0 => {
            Ok(TextPattern::Prefix(lower[..at].to_owned()))
        }
        Some(_) => Err(QueryError::unprocessable(format!(
            "{what}: only a trailing '*' after at least one character is supported"
        ))),
    }
}

fn address(value: &str, what: &str) -> Result<IpAddr, QueryError> {
    value
        .parse()
        .map_err(|_| QueryError::bad(format!("{what} {:?} is not an IP address", truncated(value))))
}

/// Reads a search's name pattern: a name, or `prefix*` / `prefix*.zone` with an LDH prefix of
/// at least one character.
pub fn name_pattern(value: &str, what: &str) -> Result<NamePattern, QueryError> {
    let Some(star) = value.find('*') else {
        return Ok(NamePattern::Exact(name(value, what)?));
    };
    let (first, zone) = value.split_once('.').unwrap_or((value, ""));
    if star >= first.len() || value[star + 1..].contains('*') || star + 1 != first.len() {
        return Err(QueryError::unprocessable(format!(
            "{what}: '*' is supported only once, at the end of the first label"
        )));
    }
    if star == 0 {
        return Err(QueryError::unprocessable(format!(
            "{what}: a pattern needs at least one character before '*' (it would list the \
             whole registry)"
        )));
    }
    let prefix = first[..star].to_ascii_lowercase();
    if !prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(QueryError::unprocessable(format!(
            "{what}: a pattern's prefix must be LDH (letters, digits, hyphens); patterns over \
             U-labels are not supported"
        )));
    }
    let zone = if zone.is_empty() { None } else { Some(name(zone, what)?.ldh) };
    Ok(NamePattern::Prefix { prefix, zone })
}

/// Reads a domain or host name: LDH labels (A-labels checked) or U-labels, never both kinds;
/// returns it lower-case with A-labels, and its Unicode form when it has IDN labels.
pub fn name(text: &str, what: &str) -> Result<Name, QueryError> {
    let bad = |why: String| QueryError::bad(format!("{what} {:?}: {why}", truncated(text)));
    let text = text.strip_suffix('.').unwrap_or(text);
    if text.is_empty() {
        return Err(bad("empty".to_owned()));
    }
    if text.len() > 4 * MAX_NAME {
        return Err(bad(format!("longer than {MAX_NAME} octets")));
    }
    let unicode_query = !text.is_ascii();
    let mut ldh = Vec::new();
    let mut unicode = Vec::new();
    let mut has_idn = false;
    for label in text.split('.') {
        if label.is_empty() {
            return Err(bad("an empty label".to_owned()));
        }
        if label.is_ascii() {
            let label = label.to_ascii_lowercase();
            check_ldh(&label).map_err(|why| bad(why.to_owned()))?;
            if label.starts_with("xn--") {
                if unicode_query {
                    return Err(bad("A-labels and U-labels mixed in one name".to_owned()));
                }
                let u_label = idn::u_label_of(&label).map_err(|error| bad(error.to_string()))?;
                has_idn = true;
                unicode.push(u_label);
            } else if label.get(2..4) == Some("--") {
                return Err(bad(format!(
                    "label {label:?} has '--' in the third and fourth places but is not an A-label"
                )));
            } else {
                unicode.push(label.clone());
            }
            ldh.push(label);
        } else {
            let lower = label.to_ascii_lowercase();
            let a_label = idn::a_label_of(&lower).map_err(|error| bad(error.to_string()))?;
            // A U-label short enough can still encode to an A-label over the limit.
            check_ldh(&a_label).map_err(|why| bad(format!("{why} (as the A-label {a_label})")))?;
            has_idn = true;
            ldh.push(a_label);
            unicode.push(lower);
        }
    }
    let ldh = ldh.join(".");
    if ldh.len() > MAX_NAME {
        return Err(bad(format!("longer than {MAX_NAME} octets")));
    }
    Ok(Name { ldh, unicode: has_idn.then(|| unicode.join(".")) })
}

fn check_ldh(label: &str) -> Result<(), &'static str> {
    if label.len() > MAX_LABEL {
        return Err("a label longer than 63 octets");
    }
    if !label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err("a label with a character other than a letter, digit or hyphen");
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err("a label that starts or ends with a hyphen");
    }
    Ok(())
}

/// Decodes `%XX` escapes; the result must be UTF-8 without NUL. `+` is left as it is (RFC
/// 3986 paths and RDAP's query values do not use it for space).
pub fn percent_decode(text: &str) -> Result<String, QueryError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if byte == b'%' {
            let hex = bytes
                .get(at + 1..at + 3)
                .ok_or_else(|| QueryError::bad("a '%' not followed by two hexadecimal digits"))?;
            let value = std::str::from_utf8(hex)
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or_else(|| QueryError::bad("a '%' not followed by two hexadecimal digits"))?;
            out.push(value);
            at += 3;
        } else {
            out.push(byte);
            at += 1;
        }
    }
    if out.contains(&0) {
        return Err(QueryError::bad("a NUL character in the request"));
    }
    String::from_utf8(out).map_err(|_| QueryError::bad("percent-encoding that is not UTF-8"))
}

#[cfg(test)]
mod tests;
