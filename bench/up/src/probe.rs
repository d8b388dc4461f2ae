//! Asking a server over UDP whether it delegates a name yet, or which serial it serves, with
//! nameward's own message codec.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nameward_dns::message::rcode;
use nameward_dns::rdata::RecordData;
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Header, Message, Name, Question, Rtype};

/// A UDP socket talking to one server.
pub struct Probe {
    socket: UdpSocket,
    next_id: u16,
    buffer: Vec<u8>,
    /// Queries sent so far.
    pub sent: u64,
}

/// A query for `name`/`qtype` with id `id`, recursion not desired.
fn query(id: u16, name: &Name, qtype: Rtype) -> Vec<u8> {
    Message {
        header: Header { id, ..Header::default() },
        questions: vec![Question { name: name.clone(), qtype, qclass: Class::IN }],
        ..Message::default()
    }
    .encode()
}

fn decode(bytes: &[u8]) -> Option<Message> {
    Message::decode(bytes, DecodeOptions { lenient_names: true, ..DecodeOptions::default() }).ok()
}

/// Whether `response` delegates `name`: a referral (or an answer) with NS records owned by it.
pub fn delegates(response: &Message, name: &Name) -> bool {
    response.rcode() == rcode::NOERROR
        && response
            .authority
            .iter()
            .chain(&response.answers)
            .any(|record| record.owner == *name && matches!(record.data, RecordData::Ns(_)))
}

/// The serial of the SOA record `response` answers with.
pub fn soa_serial(response: &Message) -> Option<u32> {
    response.answers.iter().find_map(|record| match &record.data {
        RecordData::Soa(soa) => Some(soa.serial),
        _ => None,
    })
}

impl Probe {
    /// A socket connected to `server`.
    pub fn new(server: SocketAddr) -> Result<Probe> {
        let socket = UdpSocket::bind("127.0.0.1:0").context("binding a UDP socket")?;
        socket.connect(server).with_context(|| format!("connecting to {server}"))?;
        Ok(Probe { socket, next_id: 1, buffer: vec![0; 65_535], sent: 0 })
    }

    /// Sends a query; its id.
    pub fn send(&mut self, name: &Name, qtype: Rtype) -> Result<u16> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.socket.send(&query(id, name, qtype)).context("sending a query")?;
        self.sent += 1;
        Ok(id)
    }

    /// The next response to arrive before `deadline` (any id), or `None`.
    pub fn receive(&mut self, deadline: Instant) -> Result<Option<Message>> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.socket.set_read_timeout(Some(left.max(Duration::from_micros(50))))?;
            match self.socket.recv(&mut self.buffer) {
                Ok(length) => {
                    if let Some(message) = self.buffer.get(..length).and_then(decode) {
                        return Ok(Some(message));
                    }
                }
                Err(error)
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::ConnectionRefused
                    ) =>
                {
                    // A refused port (the server not up yet) reads as no answer.
                    if error.kind() == std::io::ErrorKind::ConnectionRefused {
                        std::thread::sleep(left.min(Duration::from_millis(1)));
                    }
                }
                Err(error) => return Err(error).context("reading a response"),
            }
        }
    }

    /// Asks once and waits up to `wait` for the answer to this query.
    pub fn ask(&mut self, name: &Name, qtype: Rtype, wait: Duration) -> Result<Option<Message>> {
        let id = self.send(name, qtype)?;
        let deadline = Instant::now() + wait;
        while let Some(message) = self.receive(deadline)? {
            if message.header.id == id {
                return Ok(Some(message));
            }
        }
        Ok(None)
    }

    /// Asks for `name`/`qtype` every `every` until a response passes `wanted`; when, or
    /// `None` after `timeout`.
    fn until(
        &mut self,
        name: &Name,
        qtype: Rtype,
        (every, timeout): (Duration, Duration),
        wanted: impl Fn(&Message) -> bool,
    ) -> Result<Option<Instant>> {
        let give_up = Instant::now() + timeout;
        while Instant::now() < give_up {
            let tick = Instant::now() + every;
            if let Some(response) = self.ask(name, qtype, every)?
                && wanted(&response)
            {
                return Ok(Some(Instant::now()));
            }
            std::thread::sleep(tick.saturating_duration_since(Instant::now()));
        }
        Ok(None)
    }

    /// Asks for `name`'s NS every `every` until a response delegates it; when, or `None` after
    /// `timeout`.
    pub fn until_delegated(
        &mut self,
        name: &Name,
        every: Duration,
        timeout: Duration,
    ) -> Result<Option<Instant>> {
        self.until(name, Rtype::NS, (every, timeout), |response| delegates(response, name))
    }

    /// Asks for the SOA of `zone` every `every` until it carries `serial` (or a later one);
    /// when, or `None` after `timeout`.
    pub fn until_serial(
        &mut self,
        zone: &Name,
        serial: u32,
        every: Duration,
        timeout: Duration,
    ) -> Result<Option<Instant>> {
        self.until(zone, Rtype::SOA, (every, timeout), |response| {
            soa_serial(response).is_some_and(|now| now.wrapping_sub(serial) < 1 << 31)
        })
    }
}
