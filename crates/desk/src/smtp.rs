//! Sending mail through an SMTP relay with lettre: one connection per message, plain for a
//! relay on the same host or network, STARTTLS (rustls) otherwise.

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
    /// Longest wait for each SMTP reply.
    pub timeout: Duration,
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
        })
    }
}

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
        Ok(SmtpMailer { transport, from })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a> {
        Box::pin(async move {
            let to: Mailbox = mail.to.parse().map_err(|error| {
                MailError::Rejected(format!("recipient `{}`: {error}", mail.to))
            })?;
            // A stable id names the sender's domain, as a generated one would.
            let message_id = mail
                .message_id
                .as_ref()
                .map(|local| format!("<{local}@{}>", self.from.email.domain()));
            let message = lettre::Message::builder()
                .from(self.from.clone())
                .to(to)
                .message_id(message_id)
                .subject(mail.subject.as_str())
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone())
                .map_err(|error| MailError::Rejected(format!("message: {error}")))?;
            self.transport.send(message).await.map(drop).map_err(|error| mail_error(&error))
        })
    }
}

/// What a failed hand-over to the relay means for a notice: a 5xx reply is a refusal (this
/// recipient or message will not be taken, however often it is tried); anything else (a 4xx
/// reply, a reply that does not parse, a broken connection) is a failure worth retrying.
///
/// Public for the `smtp_reply` fuzz target, which feeds it what lettre's client makes of
/// arbitrary relay replies.
#[doc(hidden)]
pub fn mail_error(error: &lettre::transport::smtp::Error) -> MailError {
    if error.is_permanent() {
        MailError::Rejected(error.to_string())
    } else {
        MailError::Failed(error.to_string())
    }
}
