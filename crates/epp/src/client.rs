//! An EPP client transport: connect over TLS with a registrar certificate, read the greeting,
//! then send one frame and read one frame per request. Used by `nameward epp client` and by
//! tests; it moves opaque XML like the server side.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rustls::{ClientConfig, ProtocolVersion};
use rustls_pki_types::ServerName;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::frame::{DEFAULT_MAX_FRAME, FrameError, FrameLimits, read_frame, write_frame};
use crate::tls::{Fingerprint, TlsError, peer_fingerprint};

pub use crate::tls::{ClientTls, ServerTrust, TlsVersions};

/// What went wrong on the client side.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The TLS configuration could not be built.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The TCP connection could not be made.
    #[error("cannot connect to EPP server {addr}: {source}")]
    Connect {
        /// The address as given.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS handshake failed (including the server refusing the client certificate).
    #[error("TLS handshake with EPP server {addr} failed: {source}")]
    Handshake {
        /// The address as given.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// Connecting, or waiting for a frame, took longer than the client's timeout.
    #[error("EPP server did not {what} within {after:?}")]
    Timeout {
        /// What was being waited for.
        what: &'static str,
        /// The timeout.
        after: Duration,
    },
    /// The server closed the connection where a frame was expected.
    #[error("EPP server closed the connection instead of sending {0}")]
    Closed(&'static str),
    /// The server closed the connection right after the TLS handshake, before its greeting:
    /// what a nameward server does with a client certificate no active registrar registered.
    #[error(
        "EPP server {addr} closed the connection before its greeting: it admits only client \
         certificates registered for an active registrar (is this the registrar's certificate, \
         and is the registrar accredited and ACTIVE?)"
    )]
    NotAdmitted {
        /// The address as given.
        addr: String,
    },
    /// A frame could not be read or written.
    #[error(transparent)]
    Frame(#[from] FrameError),
}

/// Client-side limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientOptions {
    /// Time allowed for connecting and the handshake, and for each response to arrive.
    pub timeout: Duration,
    /// Largest accepted response frame, header included.
    pub max_frame: usize,
    /// The local address to connect from, on a host with several; the system picks when
    /// `None`.
    pub source: Option<std::net::IpAddr>,
}

impl Default for ClientOptions {
    /// 30 s and 16 MiB: generous, since the client trusts the server more than the other way.
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            max_frame: 16 * DEFAULT_MAX_FRAME,
            source: None,
        }
    }
}

/// A connected EPP client.
#[derive(Debug)]
pub struct EppClient {
    stream: TlsStream<TcpStream>,
    options: ClientOptions,
}

impl EppClient {
    /// Connects with [`ClientOptions::default`] and returns the client with the greeting.
    pub async fn connect<A>(addr: A, tls: &ClientTls) -> Result<(EppClient, Vec<u8>), ClientError>
    where
        A: ToSocketAddrs + fmt::Display,
    {
        let (config, server_name) = tls.config()?;
        EppClient::connect_with(addr, config, server_name, ClientOptions::default()).await
    }

    /// Connects with a ready rustls configuration (tests use it to present no certificate, or
    /// an odd one) and returns the client with the greeting.
    pub async fn connect_with<A>(
        addr: A,
        config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
        options: ClientOptions,
    ) -> Result<(EppClient, Vec<u8>), ClientError>
    where
        A: ToSocketAddrs + fmt::Display,
    {
        let shown = addr.to_string();
        let timeout =
            ClientError::Timeout { what: "complete the TLS handshake", after: options.timeout };
        let connecting = async {
            let tcp = connect_tcp(addr, options.source)
                .await
                .map_err(|source| ClientError::Connect { addr: shown.clone(), source })?;
            let _ = tcp.set_nodelay(true);
            TlsConnector::from(config)
                .connect(server_name, tcp)
                .await
                .map_err(|source| ClientError::Handshake { addr: shown.clone(), source })
        };
        let stream =
            tokio::time::timeout(options.timeout, connecting).await.map_err(|_| timeout)??;
        let mut client = EppClient { stream, options };
        // With TLS 1.3 the server judges the client certificate after the client thinks the
        // handshake is done, so a refusal shows up here, as the greeting fails to arrive.
        let greeting = client.receive("a greeting").await.map_err(|e| match e {
            ClientError::Closed(_) => ClientError::NotAdmitted { addr: shown },
            ClientError::Frame(FrameError::Io(source)) => {
                ClientError::Handshake { addr: shown, source }
            }
            other => other,
        })?;
        Ok((client, greeting))
    }

    /// Sends one command frame and reads the one response frame.
    pub async fn request(&mut self, xml: &[u8]) -> Result<Vec<u8>, ClientError> {
        self.send(xml).await?;
        self.receive("a response").await
    }

    /// Sends one frame without waiting for the response (for pipelining; read the responses
    /// with [`EppClient::read_response`] in the same order).
    pub async fn send(&mut self, xml: &[u8]) -> Result<(), ClientError> {
        tokio::time::timeout(self.options.timeout, write_frame(&mut self.stream, xml))
            .await
            .map_err(|_| ClientError::Timeout {
                what: "accept the command",
                after: self.options.timeout,
            })??;
        Ok(())
    }

    /// Reads the next response frame.
    pub async fn read_response(&mut self) -> Result<Vec<u8>, ClientError> {
        self.receive("a response").await
    }

    async fn receive(&mut self, what: &'static str) -> Result<Vec<u8>, ClientError> {
        let limits = FrameLimits {
            max_frame: self.options.max_frame,
            idle_timeout: Some(self.options.timeout),
            frame_timeout: Some(self.options.timeout),
        };
        match read_frame(&mut self.stream, &limits).await {
            Ok(Some(frame)) => Ok(frame),
            Ok(None) => Err(ClientError::Closed(what)),
            Err(FrameError::Idle(after) | FrameError::Deadline(after)) => {
                Err(ClientError::Timeout { what: "send a frame", after })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The fingerprint of the server's certificate.
    pub fn server_fingerprint(&self) -> Option<Fingerprint> {
        peer_fingerprint(self.stream.get_ref().1.peer_certificates())
    }

    /// The TLS version negotiated.
    pub fn tls_version(&self) -> Option<ProtocolVersion> {
        self.stream.get_ref().1.protocol_version()
    }

    /// Closes the connection cleanly (TLS close_notify, then TCP shutdown). Send a logout
    /// first; this only ends the transport.
    pub async fn close(mut self) -> Result<(), ClientError> {
        tokio::time::timeout(self.options.timeout, self.stream.shutdown())
            .await
            .map_err(|_| ClientError::Timeout {
                what: "take the close",
                after: self.options.timeout,
            })?
            .map_err(|e| ClientError::Frame(FrameError::Io(e)))
    }
}

/// A TCP connection to the first address `addr` names, from `source` when given.
async fn connect_tcp<A: ToSocketAddrs>(
    addr: A,
    source: Option<std::net::IpAddr>,
) -> std::io::Result<TcpStream> {
    let Some(source) = source else { return TcpStream::connect(addr).await };
    let target = tokio::net::lookup_host(addr).await?.next().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::NotFound, "the address names no host")
    })?;
    let socket = match target {
        std::net::SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        std::net::SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.bind(std::net::SocketAddr::new(source, 0))?;
    socket.connect(target).await
}
