//! Sending mail through an SMTP relay with lettre: one connection per message, plain for a
//! relay on the same host or network, STARTTLS (rustls) otherwise.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use nameward_registry::service::{Mail, MailError, MailFuture, Mailer};

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpSecurity {
    /// Plain SMTP: only for a relay on loopback or a trusted network.
    #[default]
    None,
    /// STARTTLS required, the relay's certificate checked against the web PKI roots.
    StartTls,
}

/// Where and as whom mail is sent.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// The relay's host name or address.
    pub host: String,
    /// Its port (25, 587, or a local relay's).
    pub port: u16,
    /// The sender (`From:` and envelope), such as `notices@nic.example`.
    pub from: String,
    /// Connection protection.
    pub security: SmtpSecurity,
    /// Longest wait for the connection and for each SMTP reply. lettre applies it to
    /// connecting only, so a hand-over as a whole is cut off after [`REPLIES_PER_MAIL`] times
    /// this: a relay that stops answering, or never ends a reply, cannot hold a notice run.
    pub timeout: Duration,
    /// DKIM signing of every message, when a key is configured.
    pub dkim: Option<Dkim>,
}

/// A DKIM key and selector; the signing domain is the sender's.
#[derive(Clone)]
pub struct Dkim {
    /// The selector: the key is published at `SELECTOR._domainkey.DOMAIN`.
    pub selector: String,
    key_text: String,
    algorithm: lettre::message::dkim::DkimSigningAlgorithm,
}

impl std::fmt::Debug for Dkim {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Dkim").field("selector", &self.selector).finish_non_exhaustive()
    }
}

impl Dkim {
    /// A key as a file holds it: an RSA key in PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), or an
    /// Ed25519 secret key as base64 of its 32 bytes (RFC 8463).
    pub fn new(selector: &str, key_text: &str) -> Result<Dkim, SmtpError> {
        use lettre::message::dkim::{DkimSigningAlgorithm, DkimSigningKey};
        let algorithm = if key_text.contains("BEGIN RSA PRIVATE KEY") {
            DkimSigningAlgorithm::Rsa
        } else {
            DkimSigningAlgorithm::Ed25519
        };
        let key_text = key_text.trim().to_owned();
        DkimSigningKey::new(&key_text, algorithm)
            .map_err(|error| SmtpError::Dkim(error.to_string()))?;
        if selector.is_empty()
            || !selector.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        {
            return Err(SmtpError::Dkim(format!("selector `{selector}` is not a DNS label")));
        }
        Ok(Dkim { selector: selector.to_owned(), key_text, algorithm })
    }

    /// Relaxed canonicalization for the headers too: lettre folds the long DKIM-Signature
    /// header when it writes the message, after signing, which "simple" would not forgive.
    fn config(&self, domain: &str) -> Option<lettre::message::dkim::DkimConfig> {
        use lettre::message::dkim::{
            DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningKey,
        };
        use lettre::message::header::HeaderName;
        let key = DkimSigningKey::new(&self.key_text, self.algorithm).ok()?;
        let headers = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version"]
            .into_iter()
            .map(HeaderName::new_from_ascii_str)
            .collect();
        let canonicalization = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        Some(DkimConfig::new(
            self.selector.clone(),
            domain.to_owned(),
            key,
            headers,
            canonicalization,
        ))
    }
}

impl SmtpConfig {
    /// A plain relay at `relay` (`HOST:PORT`), sending as `from`, 30-second replies.
    pub fn parse(relay: &str, from: &str) -> Result<SmtpConfig, SmtpError> {
        let (host, port) =
            relay.rsplit_once(':').ok_or_else(|| SmtpError::Relay(relay.to_owned()))?;
        let port = port.parse().map_err(|_| SmtpError::Relay(relay.to_owned()))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(SmtpError::Relay(relay.to_owned()));
        }
        Ok(SmtpConfig {
            host: host.to_owned(),
            port,
            from: from.to_owned(),
            security: SmtpSecurity::None,
            timeout: Duration::from_secs(30),
            dkim: None,
        })
    }
}

/// The replies one hand-over waits for at most: greeting, EHLO, STARTTLS and EHLO again,
/// MAIL, RCPT, DATA and the end of the message.
pub const REPLIES_PER_MAIL: u32 = 8;

/// Why a mailer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// The relay is not `HOST:PORT`.
    #[error("SMTP relay `{0}` is not HOST:PORT")]
    Relay(String),
    /// The sender address does not parse.
    #[error("sender address `{address}`: {reason}")]
    From {
        /// The address.
        address: String,
        /// Why.
        reason: String,
    },
    /// The DKIM key or selector is unusable.
    #[error("DKIM: {0}")]
    Dkim(String),
    /// TLS parameters were refused.
    #[error("TLS to {host}: {reason}")]
    Tls {
        /// The relay.
        host: String,
        /// Why.
        reason: String,
    },
}

/// A [`Mailer`] over SMTP.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// How long one hand-over may take in all.
    deadline: Duration,
    /// DKIM signing, for the sender's domain.
    dkim: Option<Arc<lettre::message::dkim::DkimConfig>>,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SmtpMailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `config`; connects only when sending.
    pub fn new(config: &SmtpConfig) -> Result<SmtpMailer, SmtpError> {
        let from: Mailbox =
            config.from.parse().map_err(|error: lettre::address::AddressError| {
                SmtpError::From { address: config.from.clone(), reason: error.to_string() }
            })?;
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::StartTls => {
                Tls::Required(TlsParameters::new(config.host.clone()).map_err(|error| {
                    SmtpError::Tls { host: config.host.clone(), reason: error.to_string() }
                })?)
            }
        };
        // The greeting names the sender's domain: a fixed name, since nothing here asks the
        // system for its host name.
        let hello = ClientId::Domain(from.email.domain().to_owned());
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
                .port(config.port)
                .tls(tls)
                .hello_name(hello)
                .timeout(Some(config.timeout))
                .build();
        let deadline = config.timeout.saturating_mul(REPLIES_PER_MAIL);
        let dkim = match &config.dkim {
            Some(dkim) => {
                Some(Arc::new(dkim.config(from.email.domain()).ok_or_else(|| {
                    SmtpError::Dkim("the key could not be loaded again".to_owned())
                })?))
            }
            None => None,
        };
        Ok(SmtpMailer { transport, from, deadline, dkim })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a> {
        Box::pin(async move {
            let to: Mailbox = mail.to.parse().map_err(|error| {
                MailError::Rejected(format!("recipient `{}`: {error}", mail.to))
            })?;
            let mut message = build_message(&self.from, to, mail, std::time::SystemTime::now())?;
            if let Some(dkim) = &self.dkim {
                message.sign(dkim);
            }
            let transport = self.transport.clone();
            hand_over(self.deadline, async move { transport.send(message).await }).await.map(drop)
        })
    }
}

/// The message for `mail` from `from`: `Date`, `Message-ID` (the mail's stable one, or a
/// random one, under the sender's domain), `MIME-Version`, and a `multipart/alternative` body
/// of the plain text and the HTML when the mail has HTML (the plain text alone otherwise).
pub fn build_message(
    from: &Mailbox,
    to: Mailbox,
    mail: &Mail,
    now: std::time::SystemTime,
) -> Result<lettre::Message, MailError> {
    use lettre::message::{MultiPart, SinglePart};
    let local = mail.message_id.clone().unwrap_or_else(random_local_part);
    let message_id = format!("<{local}@{}>", from.email.domain());
    let builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .date(now)
        .message_id(Some(message_id))
        .subject(mail.subject.as_str());
    let plain = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.body.clone());
    let built =
        match &mail.html {
            Some(html) => builder.multipart(MultiPart::alternative().singlepart(plain).singlepart(
                SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone()),
            )),
            None => builder.singlepart(plain),
        };
    built.map_err(|error| MailError::Rejected(format!("message: {error}")))
}

fn random_local_part() -> String {
    use rand_core::RngCore;
    let mut bytes = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut bytes);
    data_encoding::BASE32_NOPAD.encode(&bytes).to_ascii_lowercase()
}

/// Runs one hand-over to the relay (`attempt`, lettre's client at work) as a task of its own,
/// cut off after `deadline`, and says what its failure means for the mail.
///
/// The task boundary keeps a panic inside the SMTP client to this one mail: lettre 0.11.23
/// unwraps the first word of every EHLO line, so a relay that answers EHLO with a line of
/// blanks panics it. That mail fails (to be tried again) and the notice run goes on.
///
/// Public for the `smtp_reply` fuzz target.
#[doc(hidden)]
pub async fn hand_over<T: Send + 'static>(
    deadline: Duration,
    attempt: impl Future<Output = Result<T, lettre::transport::smtp::Error>> + Send + 'static,
) -> Result<T, MailError> {
    let mut task = tokio::spawn(attempt);
    match tokio::time::timeout(deadline, &mut task).await {
        Ok(Ok(outcome)) => outcome.map_err(|error| mail_error(&error)),
        Ok(Err(failed)) => Err(MailError::Failed(format!(
            "the SMTP client failed on the relay's replies ({failed})"
        ))),
        Err(_) => {
            task.abort();
            Err(MailError::Failed(format!(
                "the relay did not take the message within {deadline:?}"
            )))
        }
    }
}

/// What a failed hand-over to the relay means for a notice: a 5xx reply is a refusal (this
/// recipient or message will not be taken, however often it is tried); anything else (a 4xx
/// reply, a reply that does not parse, a broken connection) is a failure worth retrying.
///
fn mail_error(error: &lettre::transport::smtp::Error) -> MailError {
    if error.is_permanent() {
        MailError::Rejected(error.to_string())
    } else {
        MailError::Failed(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::{Duration, Instant};

    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    use super::*;

    /// A relay on loopback that accepts one connection and then does `behave` with it.
    async fn relay<F, Fut>(behave: F) -> u16
    where
        F: FnOnce(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            behave(stream).await;
        });
        port
    }

    async fn send_within(port: u16, limit: Duration) -> Result<(), MailError> {
        let mut config =
            SmtpConfig::parse(&format!("127.0.0.1:{port}"), "notices@nic.example").unwrap();
        config.timeout = Duration::from_millis(300);
        let mailer = SmtpMailer::new(&config).unwrap();
        let mail = Mail {
            to: "holder@example.net".into(),
            subject: "Your domain".into(),
            body: "Your registrar has failed.".into(),
            html: None,
            message_id: None,
        };
        let started = Instant::now();
        let outcome = tokio::time::timeout(limit, mailer.send(&mail))
            .await
            .expect("the mailer gave up on its own");
        assert!(started.elapsed() < limit);
        outcome
    }

    #[tokio::test]
    async fn a_relay_that_never_answers_fails_the_mail_in_time() {
        let port = relay(|stream| async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(stream);
        })
        .await;
        let outcome = send_within(port, Duration::from_secs(10)).await;
        assert!(matches!(outcome, Err(MailError::Failed(_))), "{outcome:?}");
    }

    #[tokio::test]
    async fn a_relay_with_a_blank_ehlo_line_fails_the_mail_not_the_run() {
        let port = relay(|mut stream| async move {
            use tokio::io::AsyncReadExt;
            let _ = stream.write_all(b"220 relay.example ESMTP\r\n").await;
            let mut ehlo = [0u8; 512];
            let _ = stream.read(&mut ehlo).await;
            let _ = stream.write_all(b"250-relay.example\r\n250- \r\n250 8BITMIME\r\n").await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        })
        .await;
        let outcome = send_within(port, Duration::from_secs(10)).await;
        assert!(
            matches!(&outcome, Err(MailError::Failed(text)) if text.contains("SMTP client failed")),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn a_relay_whose_greeting_never_ends_fails_the_mail_in_time() {
        let port = relay(|mut stream| async move {
            let _ = stream.write_all(b"220-").await;
            for _ in 0..6000 {
                if stream.write_all(&[b'x'; 100]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        let outcome = send_within(port, Duration::from_secs(10)).await;
        assert!(matches!(outcome, Err(MailError::Failed(_))), "{outcome:?}");
    }
}
