//! Attacks on EPP admission, each run while a real registrar logs in and works from another
//! address: it must not notice, and the server's memory must stay bounded. Attackers connect
//! from 127.0.0.2 and up, the registrar from 127.0.0.1 (all on the loopback interface).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use nameward_epp::client::ClientError;
use nameward_epp::command::Command;
use nameward_epp::pki::IssuedCert;
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;

use super::support::*;

/// One attack at a time: each measures the whole process's memory.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const REGISTRAR: &str = "127.0.0.1";

/// How long a registrar's whole visit may take while an attack runs. The usual figure is a few
/// tens of milliseconds; this leaves room for a loaded test machine, and is far below what the
/// attacks cost before admission was hardened (seconds of blocked logins).
const BUDGET: Duration = Duration::from_secs(5);

/// How much the process may grow during an attack (the server, its clients and the test).
const GROWTH_KIB: u64 = 64 * 1024;

fn attacker(n: usize, addresses: usize) -> String {
    format!("127.0.0.{}", 2 + n % addresses)
}

/// `registrar` connects from its own address, logs in, creates and reads `name`, logs out;
/// how long that took.
async fn registrar_works(env: &Env, registrar: &str, name: &str) -> Duration {
    let started = Instant::now();
    let mut conn = env
        .try_connect_from(pki().cert(registrar), REGISTRAR)
        .await
        .unwrap_or_else(|e| panic!("{registrar} cannot connect during the attack: {e}"));
    conn.expect(login(registrar, &password(registrar)), 1000).await;
    conn.expect(Command::DomainCreate(create(name)), 1000).await;
    conn.expect(domain_info(name), 1000).await;
    conn.expect(Command::Logout, 1500).await;
    started.elapsed()
}

fn transactions(counts: &[(String, u64)]) -> u64 {
    counts.iter().find(|(table, _)| table == "transactions").map_or(0, |(_, n)| *n)
}

#[tokio::test]
async fn bare_tcp_connections_do_not_block_a_registrar() {
    let _alone = ONE_AT_A_TIME.lock().await;
    on_both(async |env| {
        let before = resident_kib();
        let mut held: Vec<TcpStream> = Vec::new();
        for n in 0..300 {
            let socket = TcpSocket::new_v4().unwrap();
            let source: SocketAddr = format!("{}:0", attacker(n, 10)).parse().unwrap();
            socket.bind(source).unwrap();
            if let Ok(stream) = socket.connect(env.addr).await {
                held.push(stream);
            }
        }
        assert_eq!(held.len(), 300, "the kernel completes every TCP handshake");
        let took = registrar_works(env, R1, "tcp-flood.example").await;
        assert!(took < BUDGET, "the registrar took {took:?} during the flood");
        let grown = resident_kib().saturating_sub(before);
        eprintln!("bare TCP flood: registrar visit {took:?}, process grew {grown} KiB");
        assert!(grown < GROWTH_KIB, "grew by {grown} KiB");
        drop(held);
    })
    .await;
}

/// Opens `count` TLS sessions with `cert`, `parallel` at a time, from `addresses` attacker
/// addresses; how many got a greeting.
async fn tls_flood(
    addr: SocketAddr,
    cert: &'static IssuedCert,
    count: usize,
    parallel: usize,
    addresses: usize,
) -> usize {
    let mut flood = JoinSet::new();
    let mut greeted = 0;
    for n in 0..count {
        if flood.len() >= parallel
            && let Some(done) = flood.join_next().await
        {
            greeted += usize::from(done.unwrap());
        }
        let (config, name) =
            pki().client_tls(cert, nameward_epp::client::TlsVersions::Both).config().unwrap();
        let options = nameward_epp::client::ClientOptions {
            source: Some(attacker(n, addresses).parse().unwrap()),
            timeout: Duration::from_secs(15),
            ..Default::default()
        };
        flood.spawn(async move {
            nameward_epp::client::EppClient::connect_with(addr, config, name, options).await.is_ok()
        });
    }
    while let Some(done) = flood.join_next().await {
        greeted += usize::from(done.unwrap());
    }
    greeted
}

#[tokio::test]
async fn self_signed_tls_sessions_get_no_greeting_and_do_not_block_a_registrar() {
    let _alone = ONE_AT_A_TIME.lock().await;
    on_both(async |env| {
        let before = resident_kib();
        let addr = env.addr;
        let flood = tokio::spawn(tls_flood(addr, &pki().stranger, 300, 40, 4));
        // Work while the flood runs, then once more after it.
        let during = registrar_works(env, R1, "tls-flood.example").await;
        let greeted = flood.await.unwrap();
        assert_eq!(greeted, 0, "a certificate nobody registered got a greeting");
        assert!(during < BUDGET, "the registrar took {during:?} during the flood");
        let after = registrar_works(env, R2, "tls-flood-after.example").await;
        assert!(after < BUDGET, "{after:?}");
        let grown = resident_kib().saturating_sub(before);
        eprintln!(
            "TLS flood: registrar visit {during:?} during, {after:?} after; grew {grown} KiB"
        );
        assert!(grown < GROWTH_KIB, "grew by {grown} KiB");
    })
    .await;
}

/// Logs in with `cert` as `client_id` and a wrong password from `source` until the session
/// closes; the codes answered.
async fn guess(env: &Env, cert: &IssuedCert, client_id: &str, source: &str) -> Vec<u16> {
    let Ok(mut conn) = env.try_connect_from(cert, source).await else {
        return Vec::new();
    };
    let mut codes = Vec::new();
    for attempt in 0..3 {
        match conn.try_cmd(login(client_id, &format!("guess-{attempt}"))).await {
            Ok(answer) => {
                codes.push(answer.code());
                if answer.code() == 2501 {
                    break;
                }
            }
            Err(ClientError::Closed(_) | ClientError::Frame(_)) => break,
            Err(error) => panic!("{error}"),
        }
    }
    codes
}

#[tokio::test]
async fn password_guessing_is_throttled_without_locking_the_registrar_out() {
    let _alone = ONE_AT_A_TIME.lock().await;
    on_both(async |env| {
        let before = resident_kib();
        let rows_before = transactions(&env.registry.store().row_counts().await.unwrap());
        let hashes_before = env.registry.password_work().hashes_run();
        let attacker = "127.0.0.2";
        // Someone holding R2's certificate guesses at R1 and at R2, and someone holding R1's
        // (stolen) certificate guesses at R1, all from one address, 180 attempts and more.
        let mut codes = Vec::new();
        let mut worked = Duration::ZERO;
        for round in 0..20 {
            let (a, b, c, work) = tokio::join!(
                guess(env, &pki().r2, R1, attacker),
                guess(env, &pki().r2, R2, attacker),
                guess(env, &pki().r1, R1, attacker),
                async {
                    if round % 5 == 0 {
                        registrar_works(env, R1, &format!("guess-{round}.example")).await
                    } else {
                        Duration::ZERO
                    }
                },
            );
            codes.extend(a.into_iter().chain(b).chain(c));
            worked = worked.max(work);
        }
        assert!(codes.len() >= 60, "{}", codes.len());
        assert!(codes.iter().all(|&code| code == 2200 || code == 2501), "{codes:?}");
        assert!(worked < BUDGET, "the registrar took {worked:?} during the guessing");
        // Once over the limits, the attacker's logins are refused before anything is checked.
        let refused_at_once = codes.iter().rev().take(10).filter(|&&code| code == 2501).count();
        assert_eq!(refused_at_once, 10, "{codes:?}");

        // Hashing happened only where the certificate was the named registrar's, and the
        // throttle stopped it: at most 5 guesses per (address, client id) for R2 and R1 each,
        // plus the registrar's own logins (4 rounds).
        let hashes = env.registry.password_work().hashes_run() - hashes_before;
        assert!(hashes <= 5 + 5 + 4 + 2, "{hashes} password hashes");
        // The transaction log holds at most the per-address limit of the attacker's failures,
        // plus the registrar's own rows (a login and a create per visit).
        let rows = transactions(&env.registry.store().row_counts().await.unwrap()) - rows_before;
        assert!(rows <= 30 + 4 * 2 + 3, "{rows} transaction rows");

        // Neither registrar is locked out from its own address.
        registrar_works(env, R1, "after-guessing.example").await;
        registrar_works(env, R2, "after-guessing-2.example").await;
        let grown = resident_kib().saturating_sub(before);
        eprintln!(
            "guessing: {} attempts, {hashes} hashes, {rows} log rows, slowest visit {worked:?}, \
             grew {grown} KiB",
            codes.len()
        );
        assert!(grown < GROWTH_KIB, "grew by {grown} KiB");
    })
    .await;
}

#[tokio::test]
async fn refusals_before_the_password_take_no_hash() {
    let _alone = ONE_AT_A_TIME.lock().await;
    on_both(async |env| {
        let work = env.registry.password_work();
        let start = work.hashes_run();
        let mut conn = env.try_connect_from(&pki().r2, "127.0.0.3").await.unwrap();
        // An unknown client id and a known one with another registrar's certificate are
        // refused at the same point, before any hash: their timing cannot tell them apart.
        conn.expect(login("nobody", "whatever1"), 2200).await;
        conn.expect(login(R1, &password(R1)), 2200).await;
        assert_eq!(work.hashes_run(), start);
        conn.expect(login(R2, "wrong-password"), 2501).await;
        assert_eq!(work.hashes_run(), start + 1);
    })
    .await;
}
