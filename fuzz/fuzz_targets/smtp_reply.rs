//! SMTP replies as the notice sender reads them: arbitrary relay output fed to lettre's SMTP
//! client (greeting, EHLO, MAIL, RCPT, DATA, the message) over an in-memory connection, inside
//! `nameward_desk::smtp::hand_over` as `SmtpMailer` runs it, which turns whatever fails into a
//! refusal or a retry. lettre's reply parser is also run on the whole input as text.
//!
//! Input: octet 0 says how many times (1 to 64) the rest is repeated to make the relay's
//! output, so that replies over lettre's line (1,000 octets) and reply (100,000 octets) limits
//! are reached from small inputs.
//!
//! A panic inside lettre is left to unwind to the task boundary of `hand_over` (which must turn
//! it into a failure to retry); any other panic aborts the run as usual.
//!
//! Asserted besides "no panic": a notice counts as sent only on a positive final reply; a
//! notice is refused for good only when the relay sent a 5yz reply; every failure says
//! something; a reply that parses has a code from 200 to 559 and, written out again, parses to
//! the same reply.
#![no_main]

use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Duration;

use lettre::Address;
use lettre::address::Envelope;
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use libfuzzer_sys::fuzz_target;
use nameward_desk::smtp::hand_over;
use nameward_registry::service::MailError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const MESSAGE: &[u8] = b"From: notices@nic.example\r\nTo: holder@example.net\r\n\
Subject: Your domain example.test\r\n\r\nYour registrar has failed; your name is safe.\r\n";

/// The relay: it says `output` whatever it is sent, and takes everything it is sent.
#[derive(Debug)]
struct Relay {
    output: Vec<u8>,
    at: usize,
}

impl AsyncRead for Relay {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let rest = self.output.get(self.at..).unwrap_or_default();
        let n = rest.len().min(buf.remaining());
        buf.put_slice(&rest[..n]);
        self.at += n;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Relay {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl AsyncTokioStream for Relay {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        Ok(([127, 0, 0, 1], 25).into())
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime builds")
    })
}

/// Whether some line of `output` begins with a 5yz reply code as lettre reads codes.
fn has_permanent_reply(output: &[u8]) -> bool {
    output
        .split(|&b| b == b'\n')
        .any(|line| matches!(line, [b'5', b'0'..=b'5', b'0'..=b'9', b' ' | b'-', ..]))
}

/// A reply written out as a relay sends it.
fn write_reply(response: &Response) -> String {
    let code = response.code();
    let lines: Vec<&str> = response.message().collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let separator = if i + 1 == lines.len() { ' ' } else { '-' };
        out.push_str(&format!("{code}{separator}{line}\r\n"));
    }
    out
}

/// Lets a panic raised inside lettre unwind (to the task boundary that must catch it); hands
/// every other panic to libFuzzer's hook, which aborts.
fn let_lettre_panics_unwind() {
    let fuzzer_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.location().is_some_and(|at| at.file().contains("/lettre-")) {
            fuzzer_hook(info);
        }
    }));
}

fuzz_target!(init: let_lettre_panics_unwind(), |data: &[u8]| {
    let [repeat, body @ ..] = data else { return };
    let output = body.repeat(usize::from(repeat % 64) + 1);
    if let Ok(text) = std::str::from_utf8(&output)
        && let Ok(response) = text.parse::<Response>()
    {
        assert!((200..=559).contains(&u16::from(response.code())));
        let again = write_reply(&response).parse::<Response>();
        assert_eq!(again.ok().as_ref(), Some(&response));
    }

    let relay = Relay { output: output.clone(), at: 0 };
    let from: Address = "notices@nic.example".parse().expect("the sender parses");
    let to: Address = "holder@example.net".parse().expect("the recipient parses");
    let envelope = Envelope::new(Some(from), vec![to]).expect("the envelope has a recipient");
    // The relay never makes the client wait, so the deadline is never what ends an attempt.
    let attempt = async move {
        let hello = ClientId::Domain("nic.example".into());
        let mut connection =
            AsyncSmtpConnection::connect_with_transport(Box::new(relay), &hello).await?;
        connection.send(&envelope, MESSAGE).await
    };
    let outcome = runtime().block_on(hand_over(Duration::from_secs(600), attempt));
    match outcome {
        Ok(response) => assert!(response.is_positive()),
        Err(MailError::Rejected(text)) => {
            assert!(has_permanent_reply(&output), "refused for good without a 5yz reply: {text}");
            assert!(!text.is_empty());
        }
        Err(MailError::Failed(text)) => assert!(!text.is_empty()),
    }
});
