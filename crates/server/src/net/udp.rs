//! UDP: one SO_REUSEPORT socket and one thread per worker, reading and writing batches with
//! recvmmsg/sendmmsg. Buffers are allocated when the worker starts; answering a batch takes no
//! lock and allocates nothing (the zone snapshot is loaded once per batch).

use std::io;
use std::io::{IoSlice, IoSliceMut};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::socket::{
    ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg,
};
use socket2::{Domain, Protocol, Socket, Type};

use crate::cookie::SecretsCache;
use crate::net::metrics::WorkerMetrics;
use crate::net::rrl::{RateLimiter, Verdict, slipped};
use crate::net::state::{Shared, now_secs};
use crate::net::transfer_hook::{TransferContext, transfer_response};
use crate::net::update_hook;
use crate::{Incoming, Outcome, Requester, ResponseBuffer, Route, Transport, answer_incoming};

/// Messages per recvmmsg/sendmmsg call.
const BATCH: usize = 32;
/// The largest query read; longer datagrams are cut by the kernel and dropped.
const MAX_QUERY: usize = 4096;
/// The receive buffer asked for, in octets.
const RECEIVE_BUFFER: usize = 4 << 20;
/// How often a blocked worker wakes to see whether the server is stopping.
const WAKE_EVERY: Duration = Duration::from_millis(100);

/// Binds one worker's UDP socket; every worker of an address binds the same port.
pub fn bind(addr: SocketAddr) -> io::Result<UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_port(true)?;
    // The default buffer (about 200 KiB, a few hundred small datagrams) overflows while the
    // worker is scheduled out for a moment, and the queries in it are lost. The kernel caps the
    // size at net.core.rmem_max; a smaller buffer than asked for is no reason to fail.
    if let Err(e) = socket.set_recv_buffer_size(RECEIVE_BUFFER) {
        tracing::debug!("cannot enlarge the UDP receive buffer of {addr}: {e}");
    }
    socket.set_read_timeout(Some(WAKE_EVERY))?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// Where one received message's response comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    None,
    Answer,
    Scratch,
}

/// One worker's buffers and state, allocated once.
struct Worker {
    socket: UdpSocket,
    /// The same socket for the updater, which answers UPDATE messages from its own thread.
    reply_socket: Option<Arc<UdpSocket>>,
    shared: Arc<Shared>,
    metrics: Arc<WorkerMetrics>,
    queries: Box<[[u8; MAX_QUERY]; BATCH]>,
    received: [(usize, Option<SockaddrStorage>, bool); BATCH],
    responses: Vec<ResponseBuffer>,
    /// Slipped responses and transfer-hook replies.
    scratch: Vec<Vec<u8>>,
    replies: [Reply; BATCH],
    rrl: Option<RateLimiter>,
    started: Instant,
    /// Seconds since the epoch when `started` was taken: the clock read once per batch serves
    /// both rate limiting and cookies.
    started_unix: u32,
    secrets: SecretsCache,
}

/// Runs a worker on `socket` until `stop` is set.
pub fn run(socket: UdpSocket, shared: Arc<Shared>, metrics: Arc<WorkerMetrics>, stop: &AtomicBool) {
    let responses = (0..BATCH).map(|_| shared.config.response_buffer(Transport::Udp)).collect();
    let queries = vec![[0u8; MAX_QUERY]; BATCH].into_boxed_slice().try_into();
    let Ok(queries) = queries else { return };
    let reply_socket = match shared.update_policies.is_empty() {
        true => None,
        false => socket.try_clone().ok().map(Arc::new),
    };
    let mut worker = Worker {
        socket,
        reply_socket,
        rrl: shared.config.rrl.as_ref().map(RateLimiter::new),
        shared,
        metrics,
        queries,
        received: [(0, None, false); BATCH],
        responses,
        scratch: (0..BATCH).map(|_| Vec::with_capacity(512)).collect(),
        replies: [Reply::None; BATCH],
        started: Instant::now(),
        started_unix: now_secs(),
        secrets: SecretsCache::default(),
    };
    let mut recv_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    let mut send_headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
    while !stop.load(Ordering::Relaxed) {
        let n = match worker.receive(&mut recv_headers) {
            Ok(n) => n,
            Err(Errno::EAGAIN | Errno::EINTR) => continue,
            Err(e) => {
                tracing::warn!("UDP receive failed: {e}");
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        worker.answer_batch(n);
        worker.send(n, &mut send_headers);
    }
}

impl Worker {
    fn receive(&mut self, headers: &mut MultiHeaders<SockaddrStorage>) -> Result<usize, Errno> {
        let mut iovs = self.queries.each_mut().map(|q| [IoSliceMut::new(q)]);
        let results = recvmmsg(
            self.socket.as_raw_fd(),
            headers,
            iovs.iter_mut(),
            MsgFlags::MSG_WAITFORONE,
            None,
        )?;
        let mut n = 0;
        for (slot, msg) in self.received.iter_mut().zip(results) {
            *slot = (msg.bytes, msg.address, msg.flags.contains(MsgFlags::MSG_TRUNC));
            n += 1;
        }
        Ok(n)
    }

    fn answer_batch(&mut self, n: usize) {
        let zones = self.shared.zones.load();
        let second = self.started.elapsed().as_secs();
        let now = self.started_unix.wrapping_add(second as u32);
        let secrets = self.shared.cookies.as_ref().map(|c| self.secrets.get(c, now));
        let batch = self
            .received
            .iter()
            .zip(self.queries.iter())
            .zip(self.responses.iter_mut())
            .zip(self.scratch.iter_mut())
            .zip(self.replies.iter_mut())
            .take(n);
        for ((((&(len, addr, cut), query), out), scratch), reply) in batch {
            *reply = Reply::None;
            // Read once; everything below looks at this view.
            let incoming = Incoming::parse(query.get(..len).unwrap_or(&[]));
            self.metrics.query(incoming.as_ref().and_then(Incoming::qtype));
            let Some(incoming) = incoming.filter(|_| !cut) else {
                self.metrics.dropped();
                continue;
            };
            let peer = addr.as_ref().and_then(socket_addr);
            if incoming.route() == Route::Update {
                // Answered by the updater, from its thread, on a clone of this socket.
                if let (Some(peer), Some(socket)) = (peer, &self.reply_socket) {
                    let socket = Arc::clone(socket);
                    let reply = Box::new(move |answer: Vec<u8>| {
                        let _ = socket.send_to(&answer, peer);
                    });
                    update_hook::submit(&self.shared, incoming.bytes().to_vec(), peer, reply);
                } else if let Some(answer) = update_hook::refused(&incoming) {
                    *scratch = answer;
                    *reply = Reply::Scratch;
                }
                continue;
            }
            if incoming.route() == Route::Transfer {
                let Some(peer) = peer else { continue };
                let journals = self.shared.journals.load();
                let ctx = TransferContext {
                    zones: &zones,
                    config: &self.shared.config,
                    transfer: &self.shared.transfer,
                    journals: &journals,
                    peer,
                    transport: Transport::Udp,
                    counters: &self.shared.metrics.shared,
                    limits: None,
                };
                // One message goes back over UDP: the first, and nothing more is made.
                if let Some((code, mut messages)) = transfer_response(&ctx, &incoming)
                    && let Some(first) = messages.next()
                {
                    self.metrics.response(code, false);
                    *scratch = first;
                    *reply = Reply::Scratch;
                }
                continue;
            }
            let client = peer.map(|p| p.ip());
            let requester = Requester { address: client, now, cookies: secrets.as_ref() };
            let Outcome::Response(summary) = answer_incoming(&zones, &incoming, &requester, out)
            else {
                self.metrics.dropped();
                continue;
            };
            self.metrics.response(summary.rcode, summary.truncated);
            *reply = Reply::Answer;
            // A valid server cookie proves the source address: nothing to reflect.
            if summary.valid_cookie {
                continue;
            }
            if let (Some(rrl), Some(client)) = (self.rrl.as_mut(), client) {
                let question = incoming.qname_wire().zip(incoming.qtype());
                match rrl.check(client, summary.rcode, question, second) {
                    Verdict::Send => {}
                    Verdict::Drop => {
                        self.metrics.rate_limited(false);
                        *reply = Reply::None;
                    }
                    Verdict::Slip => {
                        self.metrics.rate_limited(true);
                        slipped(out.as_bytes(), out.question_end(), scratch);
                        *reply = Reply::Scratch;
                    }
                }
            }
        }
    }

    fn send(&mut self, n: usize, headers: &mut MultiHeaders<SockaddrStorage>) {
        let mut slices: [[IoSlice<'_>; 1]; BATCH] = std::array::from_fn(|_| [IoSlice::new(&[])]);
        let mut addrs: [Option<SockaddrStorage>; BATCH] = [None; BATCH];
        let mut count = 0;
        for i in 0..n {
            let bytes = match self.replies.get(i) {
                Some(Reply::Answer) => self.responses.get(i).map(|r| r.as_bytes()),
                Some(Reply::Scratch) => self.scratch.get(i).map(|s| s.as_slice()),
                _ => None,
            };
            let addr = self.received.get(i).and_then(|r| r.1);
            if let (Some(bytes), Some(addr), Some(slice), Some(to)) =
                (bytes, addr, slices.get_mut(count), addrs.get_mut(count))
            {
                *slice = [IoSlice::new(bytes)];
                *to = Some(addr);
                count += 1;
            }
        }
        let fd = self.socket.as_raw_fd();
        let mut done = 0;
        while done < count {
            let (Some(batch), Some(to)) = (slices.get(done..count), addrs.get(done..count)) else {
                break;
            };
            let cmsgs: [ControlMessage<'_>; 0] = [];
            match sendmmsg(fd, headers, batch, to, cmsgs, MsgFlags::empty()) {
                Ok(sent) => done += sent.count().max(1),
                Err(Errno::EINTR) => {}
                Err(e) => {
                    // The first message of the rest failed (an unreachable address, say):
                    // skip it, send the others.
                    tracing::debug!("UDP send failed: {e}");
                    done += 1;
                }
            }
        }
    }
}

fn socket_addr(addr: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = addr.as_sockaddr_in() {
        return Some(SocketAddr::new(IpAddr::V4(v4.ip()), v4.port()));
    }
    let v6 = addr.as_sockaddr_in6()?;
    Some(SocketAddr::new(IpAddr::V6(v6.ip()), v6.port()))
}
