//! `nameward serve` and `nameward ctl` as an operator runs them: the ready line, a HIP answer
//! with its rendezvous addresses, `ctl reload` failing with the file and line, SIGTERM.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nameward_dns::message::{Header, Message};
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Name, Question, Rtype};

mod support;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Starts `nameward serve` in the workspace root and waits for its ready line.
fn serve(args: &[&str]) -> (Child, SocketAddr, mpsc::Receiver<String>) {
    support::serve_in(&workspace_root(), args)
}

fn ask_hip(addr: SocketAddr, qname: &str) -> Message {
    let query = Message {
        header: Header { id: 42, ..Header::default() },
        questions: vec![Question {
            name: Name::parse(qname, Some(&Name::root())).unwrap(),
            qtype: Rtype::HIP,
            qclass: Class::IN,
        }],
        ..Message::default()
    };
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    socket.send_to(&query.encode(), addr).unwrap();
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).unwrap();
    Message::decode(&buf[..n], DecodeOptions::STRICT).unwrap()
}

fn terminate(child: &mut Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "SIGTERM ends the server with 0: {status}");
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serves_the_example_zone_reloads_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("nameward-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zone = dir.join("example.com.zone");
    let original = std::fs::read_to_string(workspace_root().join("examples/example.com.zone"))
        .expect("the example zone");
    std::fs::write(&zone, &original).unwrap();
    let socket = dir.join("control.sock");
    let zone_arg = format!("example.com.={}", zone.display());
    let socket_arg = socket.to_string_lossy().into_owned();
    let (mut child, addr, logs) = serve(&[
        "--listen",
        "127.0.0.1:0",
        "--zone",
        &zone_arg,
        "--workers",
        "1",
        "--control",
        &socket_arg,
    ]);

    // One round trip: the HIP record and the addresses of its rendezvous server.
    let r = ask_hip(addr, "www.example.com.");
    assert_eq!(r.answers.len(), 1);
    let additional: Vec<String> = r.additional.iter().map(|r| r.owner.to_string()).collect();
    assert!(additional.iter().any(|o| o == "rvs1.example.com."), "{additional:?}");

    std::fs::write(&zone, format!("{original}\nbroken IN A 192.0.2.300\n")).unwrap();
    let line = original.lines().count() + 2;
    let ctl = Command::new(env!("CARGO_BIN_EXE_nameward"))
        .args(["ctl", "reload", "--socket", &socket_arg])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&ctl.stderr);
    assert_eq!(ctl.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("{}:{line}", zone.display())), "{stderr}");
    let logged: Vec<String> = logs.try_iter().collect();
    assert!(logged.iter().any(|l| l.contains("reload failed")), "{logged:?}");
    assert_eq!(ask_hip(addr, "www.example.com.").answers.len(), 1, "still serving");

    std::fs::write(&zone, &original).unwrap();
    let ctl = Command::new(env!("CARGO_BIN_EXE_nameward"))
        .args(["ctl", "reload", "--socket", &socket_arg])
        .output()
        .unwrap();
    assert!(ctl.status.success(), "{}", String::from_utf8_lossy(&ctl.stderr));
    assert!(String::from_utf8_lossy(&ctl.stdout).contains("example.com. serial"));

    // SIGHUP reloads too.
    let status = Command::new("kill").args(["-HUP", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut reloaded = false;
    while !reloaded && Instant::now() < deadline {
        if let Ok(line) = logs.recv_timeout(Duration::from_millis(100)) {
            reloaded = line.contains("reloaded") && line.contains("ok=true");
        }
    }
    assert!(reloaded, "SIGHUP reloads the zones");

    terminate(&mut child);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn refuses_to_start_on_a_broken_zone() {
    let out = Command::new(env!("CARGO_BIN_EXE_nameward"))
        .args(["serve", "--listen", "127.0.0.1:0", "--zone", "example.com.=no/such/file"])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file"));
}

#[test]
fn the_readme_configuration_reads() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let block = readme
        .split("```toml\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap())
        .find(|block| block.contains("[[zone]]") && block.contains("listen ="))
        .expect("the serve TOML block in the README");
    let config = nameward_server::Config::from_toml(block).expect("the README's TOML reads");
    assert_eq!(config.listen.len(), 2);
    assert_eq!(config.zones.len(), 1);
    assert_eq!(config.rrl.map(|r| r.slip), Some(2));
    assert_eq!(config.nsid.as_deref(), Some("ns1-ams"));
}
