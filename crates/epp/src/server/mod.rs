//! The EPP server transport (RFC 5734): TCP listeners, the TLS handshake with a required client
//! certificate, the greeting, and then one command at a time, in order, handed to a [`Session`]
//! as an opaque frame.
//!
//! The transport knows nothing about XML. A [`SessionFactory`] opens a [`Session`] per
//! connection with the peer's address and certificate fingerprint; the session produces the
//! greeting and one [`Reply`] per frame, and says when the connection should close (after a
//! logout, or after an error it considers fatal).
//!
//! Each connection is a tokio task. Limits are checked at the edges: a connection cap at
//! accept, a deadline on the handshake, an idle timeout between frames, a deadline on each
//! frame once it starts, a size cap on each frame and a deadline on each write. Shutting down
//! stops the listeners at once, closes connections waiting between commands, and lets a command
//! already being handled finish and its reply be sent.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rustls::{ProtocolVersion, ServerConfig};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tracing::Instrument;

use crate::frame::{DEFAULT_MAX_FRAME, FrameError, FrameLimits, read_frame, write_frame};
use crate::tls::{Fingerprint, peer_fingerprint};

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
}

/// Opens a [`Session`] for each connection that completes its TLS handshake.
pub trait SessionFactory: Send + Sync + 'static {
    /// The session type.
    type Session: Session;

    /// A new session for the client described by `peer`.
    fn open(&self, peer: PeerInfo) -> Self::Session;
}

/// How the server runs.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// TLS configuration, normally from [`crate::tls::server_config`].
    pub tls: Arc<ServerConfig>,
    /// Connections open at once (including those still in the handshake); further ones are
    /// accepted and closed at once. Zero refuses every connection.
    pub max_connections: usize,
    /// Time allowed for the TLS handshake.
    pub handshake_timeout: Duration,
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
    /// 10 s handshake, 10 min idle, 30 s per frame and per write, 1 MiB frames.
    pub fn new(tls: Arc<ServerConfig>) -> ServerOptions {
        ServerOptions {
            tls,
            max_connections: 256,
            handshake_timeout: Duration::from_secs(10),
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
            slots: Arc::new(Semaphore::new(
                self.options.max_connections.min(Semaphore::MAX_PERMITS),
            )),
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
    slots: Arc<Semaphore>,
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
        let Ok(slot) = Arc::clone(&shared.slots).try_acquire_owned() else {
            tracing::warn!(
                %peer,
                max = shared.options.max_connections,
                "EPP connection refused: connection limit reached"
            );
            drop(stream);
            continue;
        };
        let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!("epp", conn = id, %peer);
        connections.spawn(
            serve_connection(stream, peer, id, Arc::clone(&shared), stop.clone(), slot)
                .instrument(span),
        );
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

async fn serve_connection<F: SessionFactory>(
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    shared: Arc<Shared<F>>,
    mut stop: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let options = &shared.options;
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
    tracing::info!(%fingerprint, ?tls_version, "EPP session opened");
    let peer_info = PeerInfo { connection: id, addr: peer, local, fingerprint, tls_version };
    let mut session = shared.factory.open(peer_info);
    let reason = converse(&mut tls, &mut session, options, &mut stop).await;
    tracing::info!(%reason, "EPP session closed");
    session.closed(&reason);
    // close_notify, so the client can tell a deliberate close from a lost connection.
    let _ = tokio::time::timeout(options.write_timeout, tls.shutdown()).await;
}

/// The greeting, then frames and replies until something ends the session.
async fn converse<S: Session>(
    tls: &mut TlsStream<TcpStream>,
    session: &mut S,
    options: &ServerOptions,
    stop: &mut watch::Receiver<bool>,
) -> CloseReason {
    let limits = FrameLimits {
        max_frame: options.max_frame,
        idle_timeout: Some(options.idle_timeout),
        frame_timeout: Some(options.frame_read_timeout),
    };
    if let Err(reason) = send(tls, &session.greeting(), options.write_timeout).await {
        return reason;
    }
    loop {
        let frame = tokio::select! {
            _ = stop.wait_for(|s| *s) => return CloseReason::Shutdown,
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
        let reply = session.handle(frame).await;
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
