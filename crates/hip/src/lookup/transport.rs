//! Asking one server: UDP with retries and a timeout per attempt, TCP when the answer is
//! truncated. This is the only module of nameward-hip that does I/O.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use nameward_dns::{Message, Name, Question};
use rand_core::{OsRng, RngCore};

use super::{Fallback, Lookup, LookupError, Procedure, Received, match_response, query_message};

/// Largest UDP message read; bigger answers come with TC set.
const MAX_UDP: usize = 65535;

/// Which server to ask and how patiently.
#[derive(Debug, Clone)]
pub struct ResolverConfig {
    /// The DNS server (authoritative for the name, or a recursive resolver).
    pub server: SocketAddr,
    /// How long to wait for each UDP attempt, and for each TCP read.
    pub timeout: Duration,
    /// How many times to resend a UDP query that got no answer.
    pub retries: u32,
    /// What to do when the name has no HIP records.
    pub fallback: Fallback,
}

impl ResolverConfig {
    /// Two-second attempts, two retries, fallback to IP.
    pub fn new(server: SocketAddr) -> ResolverConfig {
        ResolverConfig {
            server,
            timeout: Duration::from_secs(2),
            retries: 2,
            fallback: Fallback::Ip,
        }
    }
}

/// Runs the RFC 5205 §3 lookup of `name` against the configured server.
pub fn resolve(name: &Name, config: &ResolverConfig) -> Result<Lookup, LookupError> {
    let mut procedure = Procedure::new(name.clone(), config.fallback);
    while let Some(question) = procedure.next_query() {
        let response = exchange(config, &question)?;
        procedure.receive(&question, &response)?;
    }
    Ok(procedure.finish())
}

/// Asks `question` and returns the response that answers it.
pub fn exchange(config: &ResolverConfig, question: &Question) -> Result<Message, LookupError> {
    match exchange_udp(config, question)? {
        Some(message) => Ok(message),
        None => exchange_tcp(config, question),
    }
}

/// The UDP exchange: `None` when the answer was truncated.
fn exchange_udp(
    config: &ResolverConfig,
    question: &Question,
) -> Result<Option<Message>, LookupError> {
    let server = config.server;
    let io = |what| move |error| LookupError::Io { what, server, error };
    let local: SocketAddr = if server.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let socket = UdpSocket::bind(local).map_err(io("opening a UDP socket for"))?;
    // A connected socket only receives datagrams from the server's address and port.
    socket.connect(server).map_err(io("connecting a UDP socket to"))?;
    let mut buffer = vec![0u8; MAX_UDP];
    let mut ignored = 0;
    let attempts = config.retries.saturating_add(1);
    for _ in 0..attempts {
        let id = random_id();
        socket.send(&query_message(id, question).encode()).map_err(io("sending a query to"))?;
        let deadline = Instant::now() + config.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            socket.set_read_timeout(Some(left)).map_err(io("setting a timeout for"))?;
            let len = match socket.recv(&mut buffer) {
                Ok(len) => len,
                Err(e) if is_timeout(&e) => break,
                // ICMP port unreachable from an earlier send: nothing is listening yet.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    return Err(LookupError::Io {
                        what: "no DNS server listening at",
                        server,
                        error: e,
                    });
                }
                Err(e) => return Err(io("receiving from")(e)),
            };
            match match_response(id, question, buffer.get(..len).unwrap_or_default()) {
                Received::Answer(message) => return Ok(Some(message)),
                Received::Truncated => return Ok(None),
                Received::Ignored(_) => ignored += 1,
            }
        }
    }
    Err(LookupError::Timeout {
        server,
        question: question.clone(),
        attempts,
        timeout_ms: config.timeout.as_millis(),
        ignored,
    })
}

/// The TCP exchange (RFC 7766): one query, a two-octet length before each message.
fn exchange_tcp(config: &ResolverConfig, question: &Question) -> Result<Message, LookupError> {
    let server = config.server;
    let io = |what| move |error| LookupError::Io { what, server, error };
    let mut stream = TcpStream::connect_timeout(&server, config.timeout)
        .map_err(io("connecting over TCP to"))?;
    stream.set_read_timeout(Some(config.timeout)).map_err(io("setting a timeout for"))?;
    stream.set_write_timeout(Some(config.timeout)).map_err(io("setting a timeout for"))?;
    let id = random_id();
    let query = query_message(id, question).encode();
    let len = u16::try_from(query.len()).unwrap_or(u16::MAX);
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(&query);
    stream.write_all(&framed).map_err(io("sending a query over TCP to"))?;
    let mut length = [0u8; 2];
    stream.read_exact(&mut length).map_err(io("reading a TCP response from"))?;
    let mut response = vec![0u8; usize::from(u16::from_be_bytes(length))];
    stream.read_exact(&mut response).map_err(io("reading a TCP response from"))?;
    match match_response(id, question, &response) {
        Received::Answer(message) => Ok(message),
        Received::Truncated => Err(LookupError::BadResponse {
            server,
            question: question.clone(),
            reason: "the TCP response is truncated too".into(),
        }),
        Received::Ignored(reason) => {
            Err(LookupError::BadResponse { server, question: question.clone(), reason })
        }
    }
}

fn random_id() -> u16 {
    // Unpredictable IDs are the defence against off-path spoofing (RFC 5452 §9.2).
    (OsRng.next_u32() & 0xFFFF) as u16
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
}
