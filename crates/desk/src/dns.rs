//! The DNS challenge lookup: TXT records at `_nameward-challenge.<domain>`, asked through
//! nameward-client (UDP, TCP when truncated).

use nameward_client::{Client, ClientError};
use nameward_dns::message::rcode;
use nameward_dns::{Class, Name, Question, RecordData, Rtype};

/// Why the TXT lookup failed (as opposed to finding nothing).
#[derive(Debug, thiserror::Error)]
pub enum TxtError {
    /// The name is not a valid DNS name.
    #[error("`{name}` is not a DNS name: {reason}")]
    Name {
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The query failed.
    #[error(transparent)]
    Lookup(#[from] ClientError),
    /// The blocking lookup task died.
    #[error("the lookup task failed: {0}")]
    Task(String),
}

/// Every TXT string at `name` (each record's character-strings joined, as RFC 7208 §3.3 reads
/// them), asking `client.server`. A name that does not exist has none.
pub async fn lookup_txt(name: &str, client: &Client) -> Result<Vec<String>, TxtError> {
    let owner = Name::parse(name, Some(&Name::root()))
        .map_err(|error| TxtError::Name { name: name.to_owned(), reason: error.to_string() })?;
    let question = Question { name: owner.clone(), qtype: Rtype::TXT, qclass: Class::IN };
    let client = client.clone();
    // The transport is blocking (std sockets with timeouts); keep it off the async workers.
    let response = tokio::task::spawn_blocking(move || client.exchange(&question))
        .await
        .map_err(|error| TxtError::Task(error.to_string()))??;
    if response.rcode() == rcode::NXDOMAIN {
        return Ok(Vec::new());
    }
    Ok(response
        .answers
        .iter()
        .filter(|record| record.owner == owner)
        .filter_map(|record| match &record.data {
            RecordData::Txt(txt) => Some(
                txt.strings.iter().map(|part| String::from_utf8_lossy(part)).collect::<String>(),
            ),
            _ => None,
        })
        .collect())
}
