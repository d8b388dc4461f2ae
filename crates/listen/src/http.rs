//! An axum router served over HTTP/1.1 within limits.
//!
//! `axum::serve` keeps every connection it accepts for as long as the client likes: a few
//! thousand idle sockets, or one request head sent a byte a minute, hold the listener and its
//! memory. Here a connection needs a slot ([`Slots`], in total and per address) before
//! anything is read, and it is refused by closing it at once when there is none; its request
//! head must arrive within [`Limits::head_deadline`]; and it is closed, gracefully, when its
//! [`Limits::lifetime`] is over, which bounds slow bodies, slow readers and idle keep-alive
//! alike. Handlers see the client's address as axum's `ConnectInfo<SocketAddr>`.
//! [`serve_tls`] does the same over TLS (rustls), the handshake within the head deadline.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::slots::{Slot, Slots};

/// How much one HTTP listener gives its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once, from everyone.
    pub max_connections: usize,
    /// Connections open at once from one address (an IPv6 client counts by its /64).
    pub max_per_address: usize,
    /// From the connection's start, or the end of the previous response, to the end of the
    /// next request head.
    pub head_deadline: Duration,
    /// How long a connection may stay open at all; a request in progress then gets
    /// [`GRACE`] to finish.
    pub lifetime: Duration,
}

/// How long a connection that is being closed (its lifetime over, or the listener stopping)
/// may take to finish the request it is on.
pub const GRACE: Duration = Duration::from_secs(5);

/// How long the listener waits after `accept` fails (out of file descriptors, say) before it
/// tries again, so that a failing `accept` does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` within `limits` until `shutdown` completes; then stops
/// accepting, closes idle connections, gives requests in progress [`GRACE`] to finish, and
/// returns once every connection is closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) {
    serve_with(listener, router, limits, None, shutdown).await;
}

/// [`serve`] over TLS with `tls`: a connection that has not completed its handshake within
/// [`Limits::head_deadline`] is closed.
pub async fn serve_tls(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    serve_with(listener, router, limits, Some(acceptor), shutdown).await;
}

async fn serve_with(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let slots = Slots::new(limits.max_connections, limits.max_per_address);
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match slots.take(peer.ip()) {
                    Ok(slot) => {
                        let router = router.clone();
                        let stopping = stopping.clone();
                        match tls.clone() {
                            None => connections.spawn(connection(stream, peer, router, limits, slot, stopping)),
                            Some(tls) => connections.spawn(tls_connection(tls, stream, peer, router, limits, slot, stopping)),
                        };
                    }
                    Err(full) => tracing::debug!(%peer, ?full, "HTTP connection refused: no slot"),
                },
                Err(error) => {
                    tracing::warn!(%error, "accepting an HTTP connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
}

/// A TLS connection: the handshake within the head deadline, then as [`connection`].
async fn tls_connection(
    tls: tokio_rustls::TlsAcceptor,
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    slot: Slot,
    stopping: watch::Receiver<bool>,
) {
    match tokio::time::timeout(limits.head_deadline, tls.accept(stream)).await {
        Ok(Ok(stream)) => connection(stream, peer, router, limits, slot, stopping).await,
        Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
        Err(_) => tracing::debug!(%peer, "TLS handshake did not finish within the head deadline"),
    }
}

/// One connection, from its first byte to its close; `_slot` is given back when it ends.
async fn connection(
    stream: impl AsyncRead + AsyncWrite + Unpin + Send + 'static,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    _slot: Slot,
    mut stopping: watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request)
    });
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.head_deadline);
    let served = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(served);
    let closing = tokio::select! {
        result = served.as_mut() => return finished(peer, result),
        () = tokio::time::sleep(limits.lifetime) => "its lifetime is over",
        _ = stopping.wait_for(|stop| *stop) => "the listener is stopping",
    };
    tracing::debug!(%peer, "closing an HTTP connection: {closing}");
    served.as_mut().graceful_shutdown();
    if let Ok(result) = tokio::time::timeout(GRACE, served).await {
        finished(peer, result);
    }
}

fn finished(peer: SocketAddr, result: Result<(), hyper::Error>) {
    if let Err(error) = result {
        tracing::debug!(%peer, %error, "HTTP connection ended with an error");
    }
}

/// The limits of a listener that only a few known clients use (a metrics scraper, say).
pub const INTERNAL: Limits = Limits {
    max_connections: 32,
    max_per_address: 8,
    head_deadline: Duration::from_secs(10),
    lifetime: Duration::from_secs(120),
};
