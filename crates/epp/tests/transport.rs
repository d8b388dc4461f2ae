//! The EPP transport over real TLS on loopback: an echoing session behind `EppServer`, clients
//! built from `pki` certificates, and misbehaving clients written by hand.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use nameward_epp::client::{
    ClientError, ClientOptions, ClientTls, EppClient, ServerTrust, TlsVersions,
};
use nameward_epp::frame::{FrameLimits, read_frame, write_frame};
use nameward_epp::pki::{CertificateAuthority, IssuedCert, Validity, self_signed};
use nameward_epp::server::{
    CloseReason, EppServer, PeerInfo, Reply, ServerOptions, Session, SessionFactory,
};
use nameward_epp::tls::{self, Fingerprint};
use rustls::{ClientConfig, ProtocolVersion, RootCertStore};
use rustls_pki_types::ServerName;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

const GREETING: &[u8] = b"<greeting/>";

/// What the sessions saw, for the tests to check.
#[derive(Clone, Default)]
struct Log {
    peers: Arc<Mutex<Vec<PeerInfo>>>,
    closes: Arc<Mutex<Vec<CloseReason>>>,
}

impl Log {
    fn peers(&self) -> Vec<PeerInfo> {
        self.peers.lock().unwrap().clone()
    }

    fn closes(&self) -> Vec<CloseReason> {
        self.closes.lock().unwrap().clone()
    }
}

/// Echoes frames; `login` logs the session in, `logout` ends it, `slow…` takes 400 ms, and only
/// the certificates in `refused` are not admitted.
struct Echo {
    log: Log,
    refused: Vec<Fingerprint>,
}

struct EchoSession {
    log: Log,
    logged_in: bool,
}

impl SessionFactory for Echo {
    type Session = EchoSession;

    fn open(&self, peer: PeerInfo) -> EchoSession {
        self.log.peers.lock().unwrap().push(peer);
        EchoSession { log: self.log.clone(), logged_in: false }
    }

    async fn admit(&self, peer: &PeerInfo) -> bool {
        !self.refused.contains(&peer.fingerprint)
    }
}

impl Session for EchoSession {
    fn greeting(&mut self) -> Vec<u8> {
        GREETING.to_vec()
    }

    async fn handle(&mut self, frame: Vec<u8>) -> Reply {
        if frame == b"logout" {
            return Reply::then_close(b"bye".to_vec());
        }
        if frame == b"login" {
            self.logged_in = true;
        }
        if frame.starts_with(b"slow") {
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
        Reply::keep_open(frame)
    }

    fn closed(&mut self, reason: &CloseReason) {
        self.log.closes.lock().unwrap().push(reason.clone());
    }

    fn logged_in(&self) -> bool {
        self.logged_in
    }

    fn timed_out(&mut self, _after: Duration) -> Option<Vec<u8>> {
        Some(b"timed out".to_vec())
    }
}

struct Pki {
    ca: CertificateAuthority,
    server: IssuedCert,
    client: IssuedCert,
}

fn validity() -> Validity {
    Validity::days_from(SystemTime::now(), 30)
}

fn pki() -> Pki {
    let ca = CertificateAuthority::generate("nameward test CA", validity()).unwrap();
    let server = ca.issue_server(&["localhost", "127.0.0.1", "::1"], validity()).unwrap();
    let client = ca.issue_client("registrar-1", validity()).unwrap();
    Pki { ca, server, client }
}

impl Pki {
    fn client_tls(&self) -> ClientTls {
        ClientTls {
            trust: ServerTrust::CaPem(self.ca.cert().cert_pem.clone()),
            cert_pem: self.client.cert_pem.clone(),
            key_pem: self.client.key_pem.clone(),
            server_name: "localhost".into(),
            versions: TlsVersions::Both,
        }
    }

    fn roots(&self) -> RootCertStore {
        let mut roots = RootCertStore::empty();
        for cert in tls::certs_from_pem(&self.ca.cert().cert_pem, "CA").unwrap() {
            roots.add(cert).unwrap();
        }
        roots
    }
}

struct Running {
    addr: SocketAddr,
    log: Log,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).unwrap();
        }
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("server stops")
            .unwrap();
    }
}

async fn start(pki: &Pki, bind: SocketAddr, tweak: impl FnOnce(&mut ServerOptions)) -> Running {
    start_refusing(pki, bind, Vec::new(), tweak).await
}

async fn start_refusing(
    pki: &Pki,
    bind: SocketAddr,
    refused: Vec<Fingerprint>,
    tweak: impl FnOnce(&mut ServerOptions),
) -> Running {
    let config = tls::server_config_from_pem(&pki.server.cert_pem, &pki.server.key_pem).unwrap();
    let mut options = ServerOptions::new(config);
    tweak(&mut options);
    let server = EppServer::bind(bind, options).await.unwrap();
    let addr = server.local_addrs()[0];
    let log = Log::default();
    let (stop, stopped) = oneshot::channel();
    let factory = Echo { log: log.clone(), refused };
    let task = tokio::spawn(server.run(factory, async {
        let _ = stopped.await;
    }));
    Running { addr, log, stop: Some(stop), task }
}

async fn start_local(pki: &Pki, tweak: impl FnOnce(&mut ServerOptions)) -> Running {
    start(pki, "127.0.0.1:0".parse().unwrap(), tweak).await
}

/// A TLS connection with a good client certificate, past the greeting, for writing raw bytes.
async fn raw_session(pki: &Pki, addr: SocketAddr) -> TlsStream<TcpStream> {
    let (config, name) = pki.client_tls().config().unwrap();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = TlsConnector::from(config).connect(name, tcp).await.unwrap();
    let greeting = read_frame(&mut tls, &FrameLimits::default()).await.unwrap();
    assert_eq!(greeting.as_deref(), Some(GREETING));
    tls
}

/// Waits for the server to end the connection; returns how long that took.
async fn expect_closed(tls: &mut TlsStream<TcpStream>) -> Duration {
    let started = Instant::now();
    let read =
        tokio::time::timeout(Duration::from_secs(5), read_frame(tls, &FrameLimits::default()))
            .await
            .expect("server closes the connection");
    assert!(!matches!(read, Ok(Some(_))), "expected the connection closed, got {read:?}");
    started.elapsed()
}

#[tokio::test]
async fn greeting_then_echo_then_logout_closes() {
    let pki = pki();
    let server = start_local(&pki, |_| {}).await;
    let (mut client, greeting) = EppClient::connect(server.addr, &pki.client_tls()).await.unwrap();
    assert_eq!(greeting, GREETING);
    assert_eq!(client.request(b"<epp>hello</epp>").await.unwrap(), b"<epp>hello</epp>");
    assert_eq!(client.server_fingerprint(), Some(pki.server.fingerprint));
    assert_eq!(client.request(b"logout").await.unwrap(), b"bye");
    let after = client.request(b"<epp/>").await;
    assert!(after.is_err(), "connection should be closed after logout: {after:?}");

    let peers = server.log.peers();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].fingerprint, pki.client.fingerprint);
    assert_eq!(
        peers[0].fingerprint.to_string().parse::<Fingerprint>().unwrap(),
        pki.client.fingerprint
    );
    assert_eq!(server.log.closes(), vec![CloseReason::SessionEnded]);
    server.stop().await;
}

#[tokio::test]
async fn self_signed_client_certificate_is_accepted_and_fingerprinted() {
    let pki = pki();
    let server = start_local(&pki, |_| {}).await;
    let own = self_signed("registrar-2", &[], validity()).unwrap();
    let tls = ClientTls {
        cert_pem: own.cert_pem.clone(),
        key_pem: own.key_pem.clone(),
        ..pki.client_tls()
    };
    let (client, _) = EppClient::connect(server.addr, &tls).await.unwrap();
    client.close().await.unwrap();
    assert_eq!(server.log.peers()[0].fingerprint, own.fingerprint);
    server.stop().await;
}

#[tokio::test]
async fn client_without_certificate_is_refused() {
    let pki = pki();
    let server = start_local(&pki, |_| {}).await;
    for versions in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let config = ClientConfig::builder_with_provider(tls::provider())
            .with_protocol_versions(&[versions])
            .unwrap()
            .with_root_certificates(pki.roots())
            .with_no_client_auth();
        let name = ServerName::try_from("localhost").unwrap();
        let result =
            EppClient::connect_with(server.addr, Arc::new(config), name, ClientOptions::default())
                .await;
        assert!(matches!(result, Err(ClientError::Handshake { .. })), "{versions:?}: {result:?}");
    }
    assert!(server.log.peers().is_empty(), "no session may open without a certificate");
    server.stop().await;
}

#[tokio::test]
async fn client_certificate_without_its_key_is_refused() {
    // The certificate is the registrar's but the key is someone else's: the handshake
    // signature cannot verify, so the server must refuse even though it accepts any issuer.
    let pki = pki();
    let server = start_local(&pki, |_| {}).await;
    let other = pki.ca.issue_client("intruder", validity()).unwrap();
    let certs = tls::certs_from_pem(&pki.client.cert_pem, "cert").unwrap();
    let key = tls::key_from_pem(&other.key_pem, "key").unwrap();
    // rustls checks that a key matches its certificate when it can; build around that check
    // with a resolver, as a forger would.
    let signing = tls::provider().key_provider.load_private_key(key).unwrap();
    let certified = Arc::new(rustls::sign::CertifiedKey::new(certs, signing));
    let config = ClientConfig::builder_with_provider(tls::provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(pki.roots())
        .with_client_cert_resolver(Arc::new(Always(certified)));
    let name = ServerName::try_from("localhost").unwrap();
    let result =
        EppClient::connect_with(server.addr, Arc::new(config), name, ClientOptions::default())
            .await;
    assert!(matches!(result, Err(ClientError::Handshake { .. })), "{result:?}");
    assert!(server.log.peers().is_empty());
    server.stop().await;
}

#[derive(Debug)]
struct Always(Arc<rustls::sign::CertifiedKey>);

impl rustls::client::ResolvesClientCert for Always {
    fn resolve(
        &self,
        _hints: &[&[u8]],
        _schemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[tokio::test]
async fn four_gigabyte_header_closes_without_reading_on() {
    let pki = pki();
    let server = start_local(&pki, |_| {}).await;
    let mut tls = raw_session(&pki, server.addr).await;
    tls.write_all(&[0xff, 0xff, 0xff, 0xff]).await.unwrap();
    tls.flush().await.unwrap();
    expect_closed(&mut tls).await;
    let closes = server.log.closes();
    assert!(
        matches!(&closes[..], [CloseReason::BadFrame(e)] if e.contains("4294967295")),
        "{closes:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn header_below_five_closes() {
    let pki = pki();
    let server = start_local(&pki, |_| {}).await;
    let mut tls = raw_session(&pki, server.addr).await;
    tls.write_all(&[0, 0, 0, 4]).await.unwrap();
    tls.flush().await.unwrap();
    expect_closed(&mut tls).await;
    let closes = server.log.closes();
    assert!(
        matches!(&closes[..], [CloseReason::BadFrame(e)] if e.contains("minimum")),
        "{closes:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn frame_over_the_limit_closes() {
    let pki = pki();
    let server = start_local(&pki, |o| o.max_frame = 64).await;
    let mut tls = raw_session(&pki, server.addr).await;
    write_frame(&mut tls, &[b'x'; 61]).await.unwrap();
    expect_closed(&mut tls).await;
    assert!(matches!(&server.log.closes()[..], [CloseReason::BadFrame(_)]));
    server.stop().await;
}

#[tokio::test]
async fn trickling_client_is_cut_off_at_the_frame_deadline() {
    let pki = pki();
    let deadline = Duration::from_millis(400);
    let server = start_local(&pki, |o| o.frame_read_timeout = deadline).await;
    let tls = raw_session(&pki, server.addr).await;
    let started = Instant::now();
    let (mut reader, mut writer) = tokio::io::split(tls);
    let trickle = tokio::spawn(async move {
        // 100 octets declared, one octet every 100 ms: never done within the deadline.
        let frame: Vec<u8> =
            [0u8, 0, 0, 100].into_iter().chain(std::iter::repeat_n(b'x', 96)).collect();
        for byte in frame {
            if writer.write_all(&[byte]).await.is_err() || writer.flush().await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let read = tokio::time::timeout(
        Duration::from_secs(5),
        read_frame(&mut reader, &FrameLimits::default()),
    )
    .await
    .expect("server cuts the trickle off");
    assert!(!matches!(read, Ok(Some(_))), "{read:?}");
    let elapsed = started.elapsed();
    assert!(elapsed >= deadline, "closed after {elapsed:?}, before the deadline");
    assert_eq!(server.log.closes(), vec![CloseReason::FrameDeadline]);
    trickle.abort();
    server.stop().await;
}

#[tokio::test]
async fn idle_connection_is_closed() {
    let pki = pki();
    let server = start_local(&pki, |o| o.idle_timeout = Duration::from_millis(300)).await;
    let mut tls = raw_session(&pki, server.addr).await;
    let waited = expect_closed(&mut tls).await;
    assert!(waited >= Duration::from_millis(250), "closed after {waited:?}");
    assert_eq!(server.log.closes(), vec![CloseReason::Idle]);
    server.stop().await;
}

#[tokio::test]
async fn connection_over_the_limit_is_closed() {
    let pki = pki();
    let server = start_local(&pki, |o| o.max_connections = 2).await;
    let (first, _) = EppClient::connect(server.addr, &pki.client_tls()).await.unwrap();
    let (mut second, _) = EppClient::connect(server.addr, &pki.client_tls()).await.unwrap();
    let third = EppClient::connect(server.addr, &pki.client_tls()).await;
    assert!(third.is_err(), "third connection should be refused: {third:?}");
    assert_eq!(second.request(b"still here").await.unwrap(), b"still here");

    // A closed connection frees its place.
    first.close().await.unwrap();
    let mut fourth = None;
    for _ in 0..50 {
        if let Ok((client, _)) = EppClient::connect(server.addr, &pki.client_tls()).await {
            fourth = Some(client);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(fourth.is_some(), "a place should free up after a close");
    server.stop().await;
}

#[tokio::test]
async fn tls12_only_and_tls13_only_clients_both_work() {
    let pki = pki();
    let server = start_local(&pki, |_| {}).await;
    for (versions, expected) in [
        (TlsVersions::Tls12Only, ProtocolVersion::TLSv1_2),
        (TlsVersions::Tls13Only, ProtocolVersion::TLSv1_3),
    ] {
        let tls = ClientTls { versions, ..pki.client_tls() };
        let (mut client, greeting) = EppClient::connect(server.addr, &tls).await.unwrap();
        assert_eq!(greeting, GREETING);
        assert_eq!(client.tls_version(), Some(expected));
        assert_eq!(client.request(b"ping").await.unwrap(), b"ping");
        client.close().await.unwrap();
    }
    let versions: Vec<_> = server.log.peers().iter().map(|p| p.tls_version).collect();
    assert_eq!(versions, vec![Some(ProtocolVersion::TLSv1_2), Some(ProtocolVersion::TLSv1_3)]);
    for peer in server.log.peers() {
        assert_eq!(peer.fingerprint, pki.client.fingerprint);
    }
    server.stop().await;
}

#[tokio::test]
async fn pipelined_frames_are_answered_in_order() {
    let pki = pki();
    let server = start_local(&pki, |_| {}).await;
    let (mut client, _) = EppClient::connect(server.addr, &pki.client_tls()).await.unwrap();
    // The slow one first: a server that answered concurrently would reorder.
    let frames: Vec<Vec<u8>> =
        ["slow 0", "1", "2", "3", "4"].iter().map(|s| s.as_bytes().to_vec()).collect();
    for frame in &frames {
        client.send(frame).await.unwrap();
    }
    for frame in &frames {
        assert_eq!(&client.read_response().await.unwrap(), frame);
    }
    server.stop().await;
}

#[tokio::test]
async fn pinned_server_certificate() {
    let pki = pki();
    let server = start_local(&pki, |_| {}).await;
    let pinned = ClientTls {
        trust: ServerTrust::Pinned(pki.server.fingerprint),
        server_name: "any.name.example".into(),
        ..pki.client_tls()
    };
    let (client, _) = EppClient::connect(server.addr, &pinned).await.unwrap();
    client.close().await.unwrap();
    let wrong = ClientTls { trust: ServerTrust::Pinned(pki.client.fingerprint), ..pinned };
    assert!(EppClient::connect(server.addr, &wrong).await.is_err());
    server.stop().await;
}

#[tokio::test]
async fn untrusted_server_is_refused_by_the_client() {
    let pki = pki();
    let server = start_local(&pki, |_| {}).await;
    let other_ca = CertificateAuthority::generate("another CA", validity()).unwrap();
    let tls = ClientTls {
        trust: ServerTrust::CaPem(other_ca.cert().cert_pem.clone()),
        ..pki.client_tls()
    };
    let result = EppClient::connect(server.addr, &tls).await;
    assert!(matches!(result, Err(ClientError::Handshake { .. })), "{result:?}");
    server.stop().await;
}

#[tokio::test]
async fn ipv6_loopback() {
    let pki = pki();
    let bind: SocketAddr = "[::1]:0".parse().unwrap();
    let loopback = std::net::TcpListener::bind(bind).is_ok();
    if !nameward_peer::available("ipv6_loopback", loopback, "this machine has no IPv6 loopback") {
        return;
    }
    let server = start(&pki, bind, |_| {}).await;
    let tls = ClientTls { server_name: "::1".into(), ..pki.client_tls() };
    let (mut client, _) = EppClient::connect(server.addr, &tls).await.unwrap();
    assert_eq!(client.request(b"v6").await.unwrap(), b"v6");
    assert!(server.log.peers()[0].addr.is_ipv6());
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_the_command_in_progress_finish() {
    let pki = pki();
    let server = start_local(&pki, |_| {}).await;
    let (mut busy, _) = EppClient::connect(server.addr, &pki.client_tls()).await.unwrap();
    let (mut idle, _) = EppClient::connect(server.addr, &pki.client_tls()).await.unwrap();
    busy.send(b"slow command").await.unwrap();
    // Let the server start on the command before asking it to stop.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let addr = server.addr;
    let log = server.log.clone();
    let stopping = tokio::spawn(server.stop());
    assert_eq!(busy.read_response().await.unwrap(), b"slow command");
    assert!(busy.read_response().await.is_err(), "closed after the reply");
    assert!(idle.read_response().await.is_err(), "idle connection closed at shutdown");
    stopping.await.unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "no longer listening");
    let closes = log.closes();
    assert_eq!(closes, vec![CloseReason::Shutdown, CloseReason::Shutdown]);
}

/// A client connection from `source` (any 127.0.0.0/8 address is on the loopback interface).
async fn connect_from(
    pki: &Pki,
    addr: SocketAddr,
    source: &str,
) -> Result<(EppClient, Vec<u8>), ClientError> {
    let (config, name) = pki.client_tls().config().unwrap();
    let options = ClientOptions { source: Some(source.parse().unwrap()), ..Default::default() };
    EppClient::connect_with(addr, config, name, options).await
}

#[tokio::test]
async fn a_certificate_not_admitted_gets_no_greeting() {
    let pki = pki();
    let stranger = self_signed("stranger", &[], validity()).unwrap();
    let local = "127.0.0.1:0".parse().unwrap();
    let server = start_refusing(&pki, local, vec![stranger.fingerprint], |_| {}).await;
    let tls = ClientTls {
        cert_pem: stranger.cert_pem.clone(),
        key_pem: stranger.key_pem.clone(),
        ..pki.client_tls()
    };
    let refused = EppClient::connect(server.addr, &tls).await;
    assert!(matches!(refused, Err(ClientError::NotAdmitted { .. })), "{refused:?}");
    // No session was opened, so none was told it closed.
    assert!(server.log.peers().is_empty());
    let (mut client, _) = EppClient::connect(server.addr, &pki.client_tls()).await.unwrap();
    assert_eq!(client.request(b"ok").await.unwrap(), b"ok");
    server.stop().await;
}

#[tokio::test]
async fn sessions_not_logged_in_are_capped_per_address_and_login_frees_the_slot() {
    let pki = pki();
    let server = start_local(&pki, |o| {
        o.max_unauthenticated_per_address = 2;
        o.max_connections_per_address = 3;
    })
    .await;
    let (mut first, _) = connect_from(&pki, server.addr, "127.0.0.1").await.unwrap();
    let (_second, _) = connect_from(&pki, server.addr, "127.0.0.1").await.unwrap();
    let third = connect_from(&pki, server.addr, "127.0.0.1").await;
    assert!(third.is_err(), "a third session not logged in from one address: {third:?}");
    // Another address is counted apart.
    let (mut other, _) = connect_from(&pki, server.addr, "127.0.0.2").await.unwrap();
    assert_eq!(other.request(b"here").await.unwrap(), b"here");
    // Logging in gives the slot back: a third connection fits, a fourth does not (the cap on
    // all connections from one address).
    assert_eq!(first.request(b"login").await.unwrap(), b"login");
    let (_third, _) = connect_from(&pki, server.addr, "127.0.0.1").await.unwrap();
    let fourth = connect_from(&pki, server.addr, "127.0.0.1").await;
    assert!(fourth.is_err(), "a fourth connection from one address: {fourth:?}");
    server.stop().await;
}

#[tokio::test]
async fn the_login_deadline_is_not_extended_by_commands() {
    let pki = pki();
    let server = start_local(&pki, |o| o.login_timeout = Duration::from_millis(600)).await;
    let started = Instant::now();
    let (mut waiting, _) = EppClient::connect(server.addr, &pki.client_tls()).await.unwrap();
    let (mut logged_in, _) = EppClient::connect(server.addr, &pki.client_tls()).await.unwrap();
    assert_eq!(logged_in.request(b"login").await.unwrap(), b"login");
    // A command every 100 ms keeps the idle timeout away, not the login deadline.
    let mut answered = 0;
    while waiting.request(b"hello").await.is_ok() {
        answered += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(started.elapsed() < Duration::from_secs(3), "still open");
    }
    assert!(answered >= 3, "{answered}");
    assert!(started.elapsed() >= Duration::from_millis(550), "{:?}", started.elapsed());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(logged_in.request(b"still here").await.unwrap(), b"still here");
    assert_eq!(server.log.closes(), vec![CloseReason::LoginDeadline]);
    server.stop().await;
}

#[tokio::test]
async fn a_command_over_its_deadline_is_answered_and_the_session_closes() {
    let pki = pki();
    let server = start_local(&pki, |o| o.command_timeout = Duration::from_millis(100)).await;
    let (mut client, _) = EppClient::connect(server.addr, &pki.client_tls()).await.unwrap();
    assert_eq!(client.request(b"slow").await.unwrap(), b"timed out");
    assert!(client.request(b"again").await.is_err());
    assert_eq!(server.log.closes(), vec![CloseReason::CommandTimeout]);
    server.stop().await;
}
