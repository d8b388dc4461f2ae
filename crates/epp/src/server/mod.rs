//! The EPP server transport (RFC 5734): TCP listeners, the TLS handshake with a required client
//! certificate, the greeting, and then one command at a time, in order, handed to a [`Session`]
//! as an opaque frame.
//!
//! The transport knows nothing about XML. A [`SessionFactory`] opens a [`Session`] per
//! connection with the peer's address and certificate fingerprint; the session produces the
//! greeting and one [`Reply`] per frame, and says when the connection should close (after a
//! logout, or after an error it considers fatal).
//!
//! Each connection is a tokio task. Limits are checked at the edges: at accept, caps on
//! connections and on sessions not yet logged in, each in total and per client address
//! ([`slots`]); a deadline on the handshake; then the factory's admission check of the client
//! certificate, before anything is read; a login deadline counted from accept that no command
//! extends (a `<hello/>` keeps nobody in); an idle timeout between frames, a deadline on each
//! frame once it starts, a size cap on each frame, a deadline on each command and on each
//! write. Shutting down stops the listeners at once, closes connections waiting between
//! commands, and lets a command already being handled finish and its reply be sent.
//!
//! Why pre-login sessions have caps of their own: a logged-in session has shown a registrar's
//! certificate and password, so its numbers are the registrar's business; a session that has
//! not is anyone's, and without its own cap a few hundred of them would take every slot.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use rustls::{ProtocolVersion, ServerConfig};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tracing::Instrument;

use crate::frame::{DEFAULT_MAX_FRAME, FrameError, FrameLimits, read_frame, write_frame};
use crate::tls::{Fingerprint, peer_fingerprint};
use nameward_listen::slots::{Full, Slot, Slots};

/// Who is on the other end of a connection, as the session needs to know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerInfo {
    /// A number identifying the connection in logs, unique within one server run.
    pub connection: u64,
    /// The client's address.
    pub addr: SocketAddr,
    /// The server address the client connected to.
    pub local: SocketAddr,
    /// SHA-256 of the client's end-entity certificate.
    pub fingerprint: Fingerprint,
    /// The TLS version negotiated.
    pub tls_version: Option<ProtocolVersion>,
}

/// The session's answer to one frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The frame to send back.
    pub bytes: Vec<u8>,
    /// Close the connection once `bytes` is sent (after a logout, or a fatal error).
    pub close: bool,
}

impl Reply {
    /// A reply after which the session goes on.
    pub fn keep_open(bytes: Vec<u8>) -> Reply {
        Reply { bytes, close: false }
    }

    /// A reply after which the connection is closed.
    pub fn then_close(bytes: Vec<u8>) -> Reply {
        Reply { bytes, close: true }
    }
}

/// Why a connection ended, told to [`Session::closed`] and logged.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The client closed the connection between frames.
    ClientClosed,
    /// The session asked to close ([`Reply::close`]).
    SessionEnded,
    /// No frame began within the idle timeout.
    Idle,
    /// A frame began but did not complete within the frame deadline.
    FrameDeadline,
    /// A frame was malformed (bad length) or cut short.
    BadFrame(String),
    /// A reply could not be written within the write deadline, or the socket failed.
    Io(String),
    /// The server is shutting down.
    Shutdown,
    /// The session did not log in within the login deadline.
    LoginDeadline,
    /// A command was not answered within the command deadline.
    CommandTimeout,
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::ClientClosed => f.write_str("client closed the connection"),
            CloseReason::SessionEnded => f.write_str("session ended"),
            CloseReason::Idle => f.write_str("idle timeout"),
            CloseReason::FrameDeadline => f.write_str("frame not complete within its deadline"),
            CloseReason::BadFrame(e) => write!(f, "bad frame: {e}"),
            CloseReason::Io(e) => write!(f, "I/O: {e}"),
            CloseReason::Shutdown => f.write_str("server shutting down"),
            CloseReason::LoginDeadline => f.write_str("no login within the login deadline"),
            CloseReason::CommandTimeout => f.write_str("command not answered within its deadline"),
        }
    }
}

impl CloseReason {
    fn from_frame_error(error: &FrameError) -> CloseReason {
        match error {
            FrameError::Idle(_) => CloseReason::Idle,
            FrameError::Deadline(_) => CloseReason::FrameDeadline,
            FrameError::Io(e) => CloseReason::Io(e.to_string()),
            other => CloseReason::BadFrame(other.to_string()),
        }
    }
}

/// One EPP session: what the connection's frames are handed to, one at a time.
pub trait Session: Send + 'static {
    /// The greeting sent as soon as the TLS handshake completes.
    fn greeting(&mut self) -> Vec<u8>;

    /// The reply to one frame. The next frame is not read until this returns, so commands run
    /// strictly one after another; a command being handled when the server shuts down is
    /// allowed to finish.
    fn handle(&mut self, frame: Vec<u8>) -> impl Future<Output = Reply> + Send;

    /// Told once, when the connection ends for any reason after the session was opened.
    fn closed(&mut self, reason: &CloseReason) {
        let _ = reason;
    }

    /// Whether the client has logged in. Until it has, the session counts against the caps
    /// on sessions not logged in, and the login deadline runs.
    fn logged_in(&self) -> bool {
        false
    }

    /// The reply to send when the command being handled did not finish within `after` (it
    /// was dropped, unfinished); the connection closes after it. `None` closes without one.
    fn timed_out(&mut self, after: Duration) -> Option<Vec<u8>> {
        let _ = after;
        None
    }
}

/// Opens a [`Session`] for each connection that completes its TLS handshake.
pub trait SessionFactory: Send + Sync + 'static {
    /// The session type.
    type Session: Session;

    /// A new session for the client described by `peer`.
    fn open(&self, peer: PeerInfo) -> Self::Session;

    /// Whether a client that completed the handshake gets a session at all; asked before the
    /// greeting, so a refused client is disconnected before anything of it is read. The
    /// default admits everyone.
    fn admit(&self, peer: &PeerInfo) -> impl Future<Output = bool> + Send {
        let _ = peer;
        async { true }
    }
}

/// How the server runs.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// TLS configuration, normally from [`crate::tls::server_config`].
    pub tls: Arc<ServerConfig>,
    /// Connections open at once (including those still in the handshake); further ones are
    /// accepted and closed at once. Zero refuses every connection.
    pub max_connections: usize,
    /// Connections open at once from one client address (an IPv6 /64 counts as one).
    pub max_connections_per_address: usize,
    /// Connections open at once that have not logged in (handshakes included).
    pub max_unauthenticated: usize,
    /// Connections open at once from one address that have not logged in.
    pub max_unauthenticated_per_address: usize,
    /// Time allowed for the TLS handshake.
    pub handshake_timeout: Duration,
    /// Time allowed from accept to a successful login, whatever is sent meanwhile.
    pub login_timeout: Duration,
    /// Time allowed to answer one command.
    pub command_timeout: Duration,
    /// Time allowed between the end of one reply and the first octet of the next frame.
    pub idle_timeout: Duration,
    /// Time allowed from a frame's first octet to its last.
    pub frame_read_timeout: Duration,
    /// Time allowed to write one reply (a client that stops reading is cut off).
    pub write_timeout: Duration,
    /// Largest accepted frame, header included.
    pub max_frame: usize,
}

impl ServerOptions {
    /// Options with the given TLS configuration and defaults for the rest: 256 connections,
    /// 32 from one address; 128 not logged in, 4 from one address; 10 s handshake, 30 s to log
    /// in, 10 min idle, 30 s per frame and per write, 60 s per command, 1 MiB frames.
    pub fn new(tls: Arc<ServerConfig>) -> ServerOptions {
        ServerOptions {
            tls,
            max_connections: 256,
            max_connections_per_address: 32,
            max_unauthenticated: 128,
            max_unauthenticated_per_address: 4,
            handshake_timeout: Duration::from_secs(10),
            login_timeout: Duration::from_secs(30),
            command_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(600),
            frame_read_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(30),
            max_frame: DEFAULT_MAX_FRAME,
        }
    }
}

/// The server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A listening address could not be bound.
    #[error("cannot listen for EPP on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// No address was given.
    #[error("no address to listen for EPP on")]
    NoAddress,
}

/// A bound EPP server, ready to [`run`](EppServer::run).
#[derive(Debug)]
pub struct EppServer {
    listeners: Vec<TcpListener>,
    options: ServerOptions,
}

impl EppServer {
    /// Listens on one address (IPv4 or IPv6; port 0 picks a free port).
    pub async fn bind(addr: SocketAddr, options: ServerOptions) -> Result<EppServer, ServerError> {
        EppServer::bind_all(&[addr], options).await
    }

    /// Listens on several addresses, for example `192.0.2.1:700` and `[2001:db8::1]:700`. On
    /// Linux `[::]:700` alone already takes IPv4 as well (unless `net.ipv6.bindv6only` is set),
    /// so binding it beside `0.0.0.0:700` fails with "address in use".
    pub async fn bind_all(
        addrs: &[SocketAddr],
        options: ServerOptions,
    ) -> Result<EppServer, ServerError> {
        if addrs.is_empty() {
            return Err(ServerError::NoAddress);
        }
        let mut listeners = Vec::with_capacity(addrs.len());
        for &addr in addrs {
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| ServerError::Bind { addr, source })?;
            listeners.push(listener);
        }
        Ok(EppServer { listeners, options })
    }

    /// The addresses actually bound (with the ports chosen for port 0).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners.iter().filter_map(|l| l.local_addr().ok()).collect()
    }

    /// Serves until `shutdown` completes, then stops accepting, closes idle connections, waits
    /// for commands in progress to be answered, and returns.
    pub async fn run<F, S>(self, factory: F, shutdown: S)
    where
        F: SessionFactory,
        S: Future<Output = ()> + Send,
    {
        let (stop_tx, stop_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            factory,
            acceptor: TlsAcceptor::from(Arc::clone(&self.options.tls)),
            connections: Slots::new(
                self.options.max_connections,
                self.options.max_connections_per_address,
            ),
            unauthenticated: Slots::new(
                self.options.max_unauthenticated,
                self.options.max_unauthenticated_per_address,
            ),
            options: self.options,
            next_connection: AtomicU64::new(1),
        });
        let mut listeners = JoinSet::new();
        for listener in self.listeners {
            if let Ok(addr) = listener.local_addr() {
                tracing::info!(%addr, "EPP listening");
            }
            listeners.spawn(accept_loop(listener, Arc::clone(&shared), stop_rx.clone()));
        }
        shutdown.await;
        tracing::info!("EPP shutting down: no new connections, finishing commands in progress");
        // Fails only when no listener is left to hear it, which is fine.
        let _ = stop_tx.send(true);
        while listeners.join_next().await.is_some() {}
        tracing::info!("EPP stopped");
    }
}

/// What every connection task shares.
struct Shared<F> {
    factory: F,
    acceptor: TlsAcceptor,
    connections: Arc<Slots>,
    unauthenticated: Arc<Slots>,
    options: ServerOptions,
    next_connection: AtomicU64,
}

async fn accept_loop<F: SessionFactory>(
    listener: TcpListener,
    shared: Arc<Shared<F>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!("EPP accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(slots) = take_slots(&shared, peer) else {
            drop(stream);
            continue;
        };
        let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!("epp", conn = id, %peer);
        connections.spawn(
            serve_connection(stream, peer, id, Arc::clone(&shared), stop.clone(), slots)
                .instrument(span),
        );
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// The slots a new connection holds: one among all connections, and one among those not
/// logged in (given back at login). `None` when a cap is reached; refusals are logged at debug
/// level only, since a flood of them would otherwise flood the log as well.
fn take_slots<F>(shared: &Shared<F>, peer: SocketAddr) -> Option<ConnectionSlots> {
    let refused = |what: &str, full: Full| {
        let scope = match full {
            Full::Total => "in total",
            Full::Address => "from this address",
        };
        tracing::debug!(%peer, "EPP connection refused: too many {what} {scope}");
    };
    let connection =
        shared.connections.take(peer.ip()).map_err(|full| refused("connections", full)).ok()?;
    let unauthenticated = shared
        .unauthenticated
        .take(peer.ip())
        .map_err(|full| refused("connections not logged in", full))
        .ok()?;
    Some(ConnectionSlots { _connection: connection, unauthenticated: Some(unauthenticated) })
}

/// The slots a connection holds while it lives.
struct ConnectionSlots {
    _connection: Slot,
    /// Held until the session logs in.
    unauthenticated: Option<Slot>,
}

async fn serve_connection<F: SessionFactory>(
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    shared: Arc<Shared<F>>,
    mut stop: watch::Receiver<bool>,
    mut slots: ConnectionSlots,
) {
    let options = &shared.options;
    let login_deadline = Instant::now() + options.login_timeout;
    let _ = stream.set_nodelay(true);
    let local = match stream.local_addr() {
        Ok(local) => local,
        Err(e) => {
            tracing::info!("EPP connection lost before the handshake: {e}");
            return;
        }
    };
    let handshake = tokio::time::timeout(options.handshake_timeout, shared.acceptor.accept(stream));
    let mut tls = tokio::select! {
        _ = stop.wait_for(|s| *s) => return,
        done = handshake => match done {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                tracing::info!("EPP TLS handshake failed: {e}");
                return;
            }
            Err(_) => {
                tracing::info!(timeout = ?options.handshake_timeout, "EPP TLS handshake timed out");
                return;
            }
        },
    };
    let (_, connection) = tls.get_ref();
    let tls_version = connection.protocol_version();
    let Some(fingerprint) = peer_fingerprint(connection.peer_certificates()) else {
        // The verifier makes a certificate mandatory, so this is a configuration mistake
        // (a ServerConfig not built by crate::tls); refuse rather than open an anonymous session.
        tracing::warn!("EPP client presented no certificate; closing");
        return;
    };
    let peer_info = PeerInfo { connection: id, addr: peer, local, fingerprint, tls_version };
    let admitted = tokio::select! {
        _ = stop.wait_for(|s| *s) => return,
        admitted = tokio::time::timeout_at(login_deadline, shared.factory.admit(&peer_info)) => {
            admitted.unwrap_or(false)
        }
    };
    if !admitted {
        tracing::info!(%fingerprint, "EPP client certificate matches no registrar; closing");
        let _ = tokio::time::timeout(options.write_timeout, tls.shutdown()).await;
        return;
    }
    tracing::info!(%fingerprint, ?tls_version, "EPP session opened");
    let mut session = shared.factory.open(peer_info);
    let deadlines = Deadlines { login: login_deadline, options };
    let reason =
        converse(&mut tls, &mut session, &deadlines, &mut slots.unauthenticated, &mut stop).await;
    tracing::info!(%reason, "EPP session closed");
    session.closed(&reason);
    // close_notify, so the client can tell a deliberate close from a lost connection.
    let _ = tokio::time::timeout(options.write_timeout, tls.shutdown()).await;
}

/// The deadlines a conversation runs under.
struct Deadlines<'a> {
    /// The instant by which the session must have logged in.
    login: Instant,
    options: &'a ServerOptions,
}

/// The greeting, then frames and replies until something ends the session. The slot among
/// sessions not logged in is given back as soon as the session says it has logged in.
async fn converse<S: Session>(
    tls: &mut TlsStream<TcpStream>,
    session: &mut S,
    deadlines: &Deadlines<'_>,
    unauthenticated: &mut Option<Slot>,
    stop: &mut watch::Receiver<bool>,
) -> CloseReason {
    let options = deadlines.options;
    let limits = FrameLimits {
        max_frame: options.max_frame,
        idle_timeout: Some(options.idle_timeout),
        frame_timeout: Some(options.frame_read_timeout),
    };
    if let Err(reason) = send(tls, &session.greeting(), options.write_timeout).await {
        return reason;
    }
    loop {
        let logged_in = unauthenticated.is_none();
        let frame = tokio::select! {
            _ = stop.wait_for(|s| *s) => return CloseReason::Shutdown,
            _ = tokio::time::sleep_until(deadlines.login), if !logged_in => {
                return CloseReason::LoginDeadline;
            }
            frame = read_frame(tls, &limits) => frame,
        };
        let frame = match frame {
            Ok(Some(frame)) => frame,
            Ok(None) => return CloseReason::ClientClosed,
            Err(e) => {
                tracing::debug!("EPP frame refused: {e}");
                return CloseReason::from_frame_error(&e);
            }
        };
        tracing::debug!(octets = frame.len(), "EPP frame received");
        let reply = match tokio::time::timeout(options.command_timeout, session.handle(frame)).await
        {
            Ok(reply) => reply,
            Err(_) => {
                tracing::warn!(timeout = ?options.command_timeout, "EPP command timed out");
                if let Some(bytes) = session.timed_out(options.command_timeout) {
                    let _ = send(tls, &bytes, options.write_timeout).await;
                }
                return CloseReason::CommandTimeout;
            }
        };
        if unauthenticated.is_some() && session.logged_in() {
            *unauthenticated = None;
        }
        if let Err(reason) = send(tls, &reply.bytes, options.write_timeout).await {
            return reason;
        }
        if reply.close {
            return CloseReason::SessionEnded;
        }
        if *stop.borrow() {
            return CloseReason::Shutdown;
        }
    }
}

async fn send(
    tls: &mut TlsStream<TcpStream>,
    bytes: &[u8],
    limit: Duration,
) -> Result<(), CloseReason> {
    match tokio::time::timeout(limit, write_frame(tls, bytes)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(CloseReason::Io(e.to_string())),
        Err(_) => Err(CloseReason::Io(format!("reply not written within {limit:?}"))),
    }
}
