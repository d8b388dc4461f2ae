//! Asking one server: UDP with retries and a timeout per attempt, TCP when the answer is
//! truncated (RFC 7766).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use nameward_dns::dnssec::validate::Fetch;
use nameward_dns::{Message, Question};
use rand_core::{OsRng, RngCore};

use crate::{Received, match_response, query_message};

/// Largest UDP message read; bigger answers come with TC set.
const MAX_UDP: usize = 65535;

/// Which server to ask, how patiently, and whether DNSSEC records are wanted.
#[derive(Debug, Clone)]
pub struct Client {
    /// The DNS server (authoritative or a recursive resolver).
    pub server: SocketAddr,
    /// How long to wait for each UDP attempt, and for each TCP read.
    pub timeout: Duration,
    /// How many times to resend a UDP query that got no answer.
    pub retries: u32,
    /// Set the DO bit: ask for RRSIG, NSEC and NSEC3 records with the answers.
    pub dnssec_ok: bool,
}

impl Client {
    /// Two-second attempts, two retries, no DNSSEC records.
    pub fn new(server: SocketAddr) -> Client {
        Client { server, timeout: Duration::from_secs(2), retries: 2, dnssec_ok: false }
    }

    /// Asks `question` and returns the response that answers it, over TCP when the UDP answer
    /// was truncated.
    pub fn exchange(&self, question: &Question) -> Result<Message, ClientError> {
        match self.exchange_udp(question)? {
            Some(message) => Ok(message),
            None => self.exchange_tcp(question),
        }
    }

    /// The UDP exchange: `None` when the answer was truncated.
    fn exchange_udp(&self, question: &Question) -> Result<Option<Message>, ClientError> {
        let server = self.server;
        let io = |what| move |error| ClientError::Io { what, server, error };
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
        let attempts = self.retries.saturating_add(1);
        for _ in 0..attempts {
            let id = random_id();
            let query = query_message(id, question, self.dnssec_ok).encode();
            socket.send(&query).map_err(io("sending a query to"))?;
            let deadline = Instant::now() + self.timeout;
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
                        return Err(ClientError::Io {
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
        Err(ClientError::Timeout {
            server,
            question: question.clone(),
            attempts,
            timeout_ms: self.timeout.as_millis(),
            ignored,
        })
    }

    /// The TCP exchange: one query, a two-octet length before each message.
    fn exchange_tcp(&self, question: &Question) -> Result<Message, ClientError> {
        let server = self.server;
        let io = |what| move |error| ClientError::Io { what, server, error };
        let mut stream = TcpStream::connect_timeout(&server, self.timeout)
            .map_err(io("connecting over TCP to"))?;
        stream.set_read_timeout(Some(self.timeout)).map_err(io("setting a timeout for"))?;
        stream.set_write_timeout(Some(self.timeout)).map_err(io("setting a timeout for"))?;
        let id = random_id();
        let query = query_message(id, question, self.dnssec_ok).encode();
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
            Received::Truncated => Err(ClientError::BadResponse {
                server,
                question: question.clone(),
                reason: "the TCP response is truncated too".into(),
            }),
            Received::Ignored(reason) => {
                Err(ClientError::BadResponse { server, question: question.clone(), reason })
            }
        }
    }
}

impl Fetch for Client {
    type Error = ClientError;

    fn fetch(&mut self, question: &Question) -> Result<Message, ClientError> {
        self.exchange(question)
    }
}

/// Why a question got no usable response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No acceptable response within the timeout, after every retry.
    #[error(
        "no response from {server} to `{} {}` after {attempts} attempt(s) of {timeout_ms} ms each{}",
        question.name,
        question.qtype,
        ignored_note(*ignored)
    )]
    Timeout {
        /// The server asked.
        server: SocketAddr,
        /// The question.
        question: Question,
        /// How many times it was sent.
        attempts: u32,
        /// The wait for each attempt.
        timeout_ms: u128,
        /// How many datagrams were ignored as not answering it.
        ignored: usize,
    },
    /// A socket error.
    #[error("{what} {server}: {error}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The server.
        server: SocketAddr,
        /// The error.
        error: std::io::Error,
    },
    /// A TCP response that does not answer the question, or cannot be decoded.
    #[error("bad response from {server} over TCP to `{} {}`: {reason}", question.name, question.qtype)]
    BadResponse {
        /// The server.
        server: SocketAddr,
        /// The question.
        question: Question,
        /// What was wrong.
        reason: String,
    },
}

fn ignored_note(ignored: usize) -> String {
    match ignored {
        0 => String::new(),
        n => format!(" ({n} datagram(s) with a wrong ID or question were ignored)"),
    }
}

fn random_id() -> u16 {
    // Unpredictable IDs are the defence against off-path spoofing (RFC 5452 §9.2).
    (OsRng.next_u32() & 0xFFFF) as u16
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
}
