//! `nameward_listen::http::serve` over real sockets: what a client gets, and what slow or
//! numerous clients cannot keep.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use axum::routing::get;
use nameward_listen::http::{Limits, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;

const LIMITS: Limits = Limits {
    max_connections: 4,
    max_per_address: 2,
    head_deadline: Duration::from_millis(300),
    lifetime: Duration::from_secs(2),
};

struct Listening {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<()>,
}

impl Listening {
    async fn start(limits: Limits) -> Listening {
        let router = Router::new().route(
            "/who",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel();
        let served = tokio::spawn(serve(listener, router, limits, async move {
            let _ = stopped.await;
        }));
        Listening { addr, stop: Some(stop), served }
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(10), &mut self.served)
            .await
            .expect("serve returns after shutdown")
            .unwrap();
    }
}

/// Connects from `source` (any address in 127.0.0.0/8 is this host's on Linux).
async fn connect_from(source: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

/// What the server sends before it closes, or before `wait` passes; and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

async fn ask(stream: &mut TcpStream) -> String {
    stream.write_all(b"GET /who HTTP/1.1\r\nHost: test\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn a_request_is_answered_and_the_handler_sees_the_client_address() {
    let listening = Listening::start(LIMITS).await;
    let mut stream = connect_from("127.0.0.1", listening.addr).await;
    let local = stream.local_addr().unwrap();
    let answer = ask(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with(&local.to_string()), "{answer}");
    // Keep-alive: a second request on the same connection.
    assert!(ask(&mut stream).await.starts_with("HTTP/1.1 200"));
    listening.stop().await;
}

#[tokio::test]
async fn a_client_that_sends_no_request_head_is_closed_at_the_deadline() {
    let listening = Listening::start(LIMITS).await;
    let mut silent = connect_from("127.0.0.1", listening.addr).await;
    let mut slow = connect_from("127.0.0.1", listening.addr).await;
    let started = Instant::now();
    slow.write_all(b"GET /who HTTP/1.1\r\n").await.unwrap();
    let trickle = async {
        for byte in b"Host: test\r\nX-Slow: yes\r\n" {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if slow.write_all(&[*byte]).await.is_err() {
                break;
            }
        }
    };
    let (_, (_, silent_closed)) =
        tokio::join!(trickle, read_until_closed(&mut silent, Duration::from_secs(5)));
    assert!(silent_closed, "a silent connection is closed");
    let (_, slow_closed) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(slow_closed, "a head sent a byte at a time is cut off");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "closed after {took:?}, beyond the 300 ms deadline");
    listening.stop().await;
}

#[tokio::test]
async fn one_address_gets_its_share_of_connections_and_others_still_get_in() {
    let listening = Listening::start(LIMITS).await;
    let mut held = Vec::new();
    for _ in 0..LIMITS.max_per_address {
        let mut stream = connect_from("127.0.0.2", listening.addr).await;
        assert!(ask(&mut stream).await.starts_with("HTTP/1.1 200"));
        held.push(stream);
    }
    let mut refused = connect_from("127.0.0.2", listening.addr).await;
    let _ = refused.write_all(b"GET /who HTTP/1.1\r\nHost: test\r\n\r\n").await;
    let (answer, closed) = read_until_closed(&mut refused, Duration::from_secs(5)).await;
    assert!(
        closed && answer.is_empty(),
        "over its share, an address is closed at once: {answer:?}"
    );

    let mut other = connect_from("127.0.0.3", listening.addr).await;
    assert!(ask(&mut other).await.starts_with("HTTP/1.1 200"));

    // A slot comes back when its connection closes.
    drop(held.pop());
    let mut again = None;
    for _ in 0..50 {
        let mut stream = connect_from("127.0.0.2", listening.addr).await;
        let _ = stream.write_all(b"GET /who HTTP/1.1\r\nHost: test\r\n\r\n").await;
        let mut buf = [0u8; 64];
        if matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {
            again = Some(stream);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "the closed connection's slot is given back");
    listening.stop().await;
}

#[tokio::test]
async fn the_total_is_capped_across_addresses() {
    let listening = Listening::start(LIMITS).await;
    let mut held = Vec::new();
    for source in ["127.0.0.4", "127.0.0.4", "127.0.0.5", "127.0.0.5"] {
        let mut stream = connect_from(source, listening.addr).await;
        assert!(ask(&mut stream).await.starts_with("HTTP/1.1 200"));
        held.push(stream);
    }
    let mut refused = connect_from("127.0.0.6", listening.addr).await;
    let (answer, closed) = read_until_closed(&mut refused, Duration::from_secs(5)).await;
    assert!(closed && answer.is_empty(), "beyond the total, a connection is closed: {answer:?}");
    listening.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_when_its_lifetime_is_over() {
    let limits = Limits { head_deadline: Duration::from_secs(60), ..LIMITS };
    let listening = Listening::start(limits).await;
    let mut stream = connect_from("127.0.0.1", listening.addr).await;
    assert!(ask(&mut stream).await.starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(closed, "closed at the end of its lifetime");
    assert!(started.elapsed() < Duration::from_secs(5), "closed after {:?}", started.elapsed());
    listening.stop().await;
}

#[tokio::test]
async fn stopping_does_not_wait_for_idle_connections() {
    let limits = Limits {
        head_deadline: Duration::from_secs(60),
        lifetime: Duration::from_secs(60),
        ..LIMITS
    };
    let listening = Listening::start(limits).await;
    let mut idle = connect_from("127.0.0.1", listening.addr).await;
    assert!(ask(&mut idle).await.starts_with("HTTP/1.1 200"));
    let _silent = connect_from("127.0.0.1", listening.addr).await;
    let started = Instant::now();
    listening.stop().await;
    assert!(started.elapsed() < Duration::from_secs(3), "stopped after {:?}", started.elapsed());
}
