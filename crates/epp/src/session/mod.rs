//! EPP sessions over the registry: what turns each frame the transport hands over into a
//! registry command and its response.
//!
//! [`EppSessions`] is the [`SessionFactory`] the server runs:
//!
//! ```no_run
//! # async fn run(registry: nameward_registry::service::Registry, tls: std::sync::Arc<rustls::ServerConfig>) {
//! use std::sync::Arc;
//! use nameward_epp::server::{EppServer, ServerOptions};
//! use nameward_epp::session::EppSessions;
//!
//! let sessions = EppSessions::new(Arc::new(registry), Arc::new(time::OffsetDateTime::now_utc), "nameward");
//! let server = EppServer::bind("[::]:700".parse().unwrap(), ServerOptions::new(tls)).await.unwrap();
//! server.run(sessions, async { let _ = tokio::signal::ctrl_c().await; }).await;
//! # }
//! ```
//!
//! A session answers the greeting on connect and `<hello>` at any time. Before login only
//! hello, login and logout are accepted (2002 otherwise). Choices where the RFCs leave room:
//!
//! - Admission: a client whose certificate no ACTIVE registrar registered gets no session;
//!   the transport disconnects it before the greeting ([`admission`]).
//! - Login: version 1.0 (2100, from the codec) and language `en` (2102); every `objURI` must
//!   be served (2307) and every `extURI` implemented (2103). Unknown client id, wrong password
//!   and a certificate not registered for the client all answer the same 2200; the third
//!   failure in a session answers 2501 and closes it. A second login answers 2002. Failed
//!   logins are also counted per address and per (address, client id) across sessions
//!   ([`throttle`]); over either limit a login answers 2501 at once, without a password hash.
//! - The transaction log records login failures that were checked (so their number is bounded
//!   by the throttle) and refusals after login; what a session sends before logging in is not
//!   logged there, since whoever sends it is nobody yet and could send it without end.
//! - A command not answered within the server's command deadline answers 2500 and the
//!   session closes: the command was abandoned, so the client must look before retrying.
//! - A command on an object type, or with an extension, that the client did not name at
//!   login answers 2307 or 2103 (RFC 5730 §2.9.1.1: the client "MUST NOT" use other
//!   services; the codes are the ones for a service that is not available).
//! - Every response echoes the clTRID and carries an svTRID; one drawn from the store when
//!   the registry wrote nothing. Refused and failed commands are logged in the transaction
//!   log with their code, in a transaction of their own.
//! - A replayed clTRID is not recognised as such: the command runs again and gets the answer
//!   it gets (a second create 2302, a second renew with the same curExpDate 2306), so nothing
//!   is charged twice that the command itself would not charge twice.
//! - A document that does not parse answers the codec's code with its explanation and the
//!   session goes on (RFC 5730 §2.9's codes 2000–2005 do not end a session).
//! - A domain info from a registrar that neither sponsors the domain nor gave its transfer
//!   code answers 1000 with the minimal view (name, roid, statuses, clID). A contact info in
//!   the same situation answers 2201 (RST epp-08).

mod admission;
mod commands;
mod convert;
mod counts;
mod render;
pub mod throttle;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use nameward_registry::service::{Meta, Registry, ServiceError};
use time::OffsetDateTime;

use crate::command::{self, Command, Login, Request};
use crate::greeting::Greeting;
use crate::response::{Response, Unhandled};
use crate::result::ResultCode;
use crate::server::{CloseReason, PeerInfo, Reply, Session, SessionFactory};
use crate::types::{Namespace, ObjectKind};
use admission::KnownCertificates;
use nameward_listen::slots::address_key;
use throttle::{LoginThrottle, ThrottleLimits};

pub use counts::CommandCounts;

/// Where a session gets the time: the wall clock in production, a test's or `--now`'s clock
/// otherwise.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// Limits on logins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Failed logins after which the session is closed with 2501.
    pub max_failed_logins: u32,
    /// Failed logins across sessions, per address and per (address, client id).
    pub throttle: ThrottleLimits,
}

impl Default for SessionLimits {
    /// Three failed logins per session, as RST epp-03 expects, and
    /// [`ThrottleLimits::default`] across sessions.
    fn default() -> SessionLimits {
        SessionLimits { max_failed_logins: 3, throttle: ThrottleLimits::default() }
    }
}

/// Opens an [`EppSession`] for each connection.
#[derive(Clone)]
pub struct EppSessions {
    shared: Arc<Shared>,
}

struct Shared {
    registry: Arc<Registry>,
    clock: Clock,
    server_id: String,
    limits: SessionLimits,
    counts: Arc<CommandCounts>,
    known: KnownCertificates,
    throttle: Mutex<LoginThrottle>,
}

impl EppSessions {
    /// Sessions over `registry`, reading the time from `clock` and naming themselves
    /// `server_id` in the greeting, with [`SessionLimits::default`].
    pub fn new(registry: Arc<Registry>, clock: Clock, server_id: impl Into<String>) -> EppSessions {
        EppSessions::with_limits(registry, clock, server_id, SessionLimits::default())
    }

    /// The same with other limits.
    pub fn with_limits(
        registry: Arc<Registry>,
        clock: Clock,
        server_id: impl Into<String>,
        limits: SessionLimits,
    ) -> EppSessions {
        EppSessions {
            shared: Arc::new(Shared {
                known: KnownCertificates::new(Arc::clone(&registry)),
                throttle: Mutex::new(LoginThrottle::new(limits.throttle)),
                registry,
                clock,
                server_id: server_id.into(),
                limits,
                counts: Arc::default(),
            }),
        }
    }

    /// The commands every session answered, by command and result code.
    pub fn counts(&self) -> Arc<CommandCounts> {
        Arc::clone(&self.shared.counts)
    }
}

impl std::fmt::Debug for EppSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EppSessions")
            .field("server_id", &self.shared.server_id)
            .field("limits", &self.shared.limits)
            .finish_non_exhaustive()
    }
}

impl SessionFactory for EppSessions {
    type Session = EppSession;

    fn open(&self, peer: PeerInfo) -> EppSession {
        EppSession {
            shared: Arc::clone(&self.shared),
            peer,
            login: None,
            failed_logins: 0,
            in_flight: None,
        }
    }

    async fn admit(&self, peer: &PeerInfo) -> bool {
        self.shared.known.admits(&peer.fingerprint).await
    }
}

/// One client's session: the login state and the connection it came on.
pub struct EppSession {
    shared: Arc<Shared>,
    peer: PeerInfo,
    login: Option<LoggedIn>,
    failed_logins: u32,
    /// The clTRID of the command being handled, for the answer when it times out.
    in_flight: Option<Option<String>>,
}

/// What a successful login established.
struct LoggedIn {
    registrar: String,
    objects: Vec<Namespace>,
    extensions: Vec<Namespace>,
}

/// A command refused or failed: the code and what to tell the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) code: ResultCode,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(code: ResultCode, message: impl Into<String>) -> Failure {
        Failure { code, message: message.into() }
    }
}

impl From<ServiceError> for Failure {
    fn from(error: ServiceError) -> Failure {
        let code = ResultCode::from_code(error.epp_code()).unwrap_or(ResultCode::CommandFailed);
        let message = match &error {
            ServiceError::Internal(_) | ServiceError::Store(_) if code.code() == 2400 => {
                // The details stay in the server's log; the client learns that it failed.
                tracing::error!("EPP command failed: {error}");
                format!("{}: the registry could not complete the command", code.message())
            }
            ServiceError::Authentication => code.message().to_owned(),
            _ => error.to_string(),
        };
        Failure { code, message }
    }
}

/// What a successful command answers, before the transaction ids are added.
pub(crate) struct Answer {
    pub(crate) response: Response,
    /// The registry's svTRID when the command wrote something.
    pub(crate) sv_trid: Option<String>,
}

impl Answer {
    pub(crate) fn code(code: ResultCode) -> Answer {
        Answer { response: Response::new(code, None, String::new()), sv_trid: None }
    }

    pub(crate) fn written(code: ResultCode, sv_trid: String) -> Answer {
        Answer { response: Response::new(code, None, String::new()), sv_trid: Some(sv_trid) }
    }

    pub(crate) fn map(self, change: impl FnOnce(Response) -> Response) -> Answer {
        Answer { response: change(self.response), sv_trid: self.sv_trid }
    }
}

impl Session for EppSession {
    fn greeting(&mut self) -> Vec<u8> {
        self.greeting_xml()
    }

    async fn handle(&mut self, frame: Vec<u8>) -> Reply {
        let request = match command::parse(&frame) {
            Ok(request) => request,
            Err(error) => {
                let sv_trid = self.shared.registry.store().next_sv_trid();
                tracing::info!(
                    registrar = self.registrar().unwrap_or("-"),
                    code = error.code.code(),
                    "EPP command refused by the codec: {}",
                    error.message
                );
                self.shared.counts.record("unreadable", error.code.code());
                return Reply::keep_open(Response::from_parse_error(&error, sv_trid).to_xml());
            }
        };
        if request.command == Command::Hello {
            return Reply::keep_open(self.greeting_xml());
        }
        let name = request.command.name();
        self.in_flight = Some(request.cl_trid.clone());
        let (response, close) = self.answer(request).await;
        self.in_flight = None;
        tracing::info!(
            registrar = self.registrar().unwrap_or("-"),
            command = name,
            code = response.result.code(),
            cl_trid = response.cl_trid.as_deref().unwrap_or("-"),
            sv_trid = response.sv_trid.as_str(),
            "EPP command"
        );
        self.shared.counts.record(name, response.result.code());
        let bytes = response.to_xml();
        if close || response.result.ends_session() {
            Reply::then_close(bytes)
        } else {
            Reply::keep_open(bytes)
        }
    }

    fn logged_in(&self) -> bool {
        self.login.is_some()
    }

    fn timed_out(&mut self, after: Duration) -> Option<Vec<u8>> {
        let cl_trid = self.in_flight.take().flatten();
        let code = ResultCode::CommandFailedServerClosingConnection;
        self.shared.counts.record("timeout", code.code());
        let sv_trid = self.shared.registry.store().next_sv_trid();
        let message = format!(
            "{}: the command was not answered within {} s and was abandoned; look at the \
             objects it names before sending it again",
            code.message(),
            after.as_secs()
        );
        Some(Response::new(code, cl_trid, sv_trid).with_message(message).to_xml())
    }

    fn closed(&mut self, reason: &CloseReason) {
        tracing::debug!(
            registrar = self.registrar().unwrap_or("-"),
            connection = self.peer.connection,
            %reason,
            "EPP session ended"
        );
    }
}

impl EppSession {
    fn registrar(&self) -> Option<&str> {
        self.login.as_ref().map(|login| login.registrar.as_str())
    }

    /// The client's address as failed logins are counted under it.
    fn address(&self) -> std::net::IpAddr {
        address_key(self.peer.addr.ip())
    }

    fn throttle(&self) -> std::sync::MutexGuard<'_, LoginThrottle> {
        self.shared.throttle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> OffsetDateTime {
        (self.shared.clock)()
    }

    fn greeting_xml(&self) -> Vec<u8> {
        Greeting::new(self.shared.server_id.clone(), self.now()).to_xml()
    }

    /// The response to one parsed command, and whether to close the connection after it.
    async fn answer(&mut self, request: Request) -> (Response, bool) {
        let Request { cl_trid, command } = request;
        let now = self.now();
        let name = command.name();
        let tried_client = match &command {
            Command::Login(login) => Some(login.client_id.clone()),
            _ => None,
        };
        let outcome = match command {
            Command::Logout => Ok(Answer::code(ResultCode::SuccessEndingSession)),
            Command::Login(login) => self.login(&login, cl_trid.as_deref(), now).await,
            command => match &self.login {
                None => Err(Failure::new(
                    ResultCode::CommandUseError,
                    format!("{name} before login: log in first"),
                )),
                Some(session) => match session.allows(&command) {
                    Err(failure) => Err(failure),
                    Ok(()) => {
                        let meta =
                            Meta { actor: &session.registrar, cl_trid: cl_trid.as_deref(), now };
                        commands::run(&self.shared.registry, &meta, command).await
                    }
                },
            },
        };
        match outcome {
            Ok(answer) => {
                let sv_trid =
                    answer.sv_trid.unwrap_or_else(|| self.shared.registry.store().next_sv_trid());
                let mut response = Response { cl_trid, sv_trid, ..answer.response };
                if let Some(session) = &self.login {
                    session.keep_negotiated(&mut response);
                }
                (response, false)
            }
            Err(failure) => {
                let mut failure = failure;
                let mut close = failure.code.ends_session();
                // A login whose password was checked (or refused for its certificate) counts;
                // one refused unchecked by the throttle does not.
                let checked_login =
                    name == "login" && failure.code == ResultCode::AuthenticationError;
                if checked_login {
                    self.failed_logins += 1;
                    if let Some(client_id) = &tried_client {
                        self.throttle().failed(self.address(), client_id, Instant::now());
                    }
                    if self.failed_logins >= self.shared.limits.max_failed_logins {
                        failure.code = ResultCode::AuthenticationErrorServerClosingConnection;
                        failure.message = format!(
                            "{}: {} failed logins",
                            failure.code.message(),
                            self.failed_logins
                        );
                        close = true;
                    }
                }
                let sv_trid = match (self.registrar(), &tried_client) {
                    (Some(registrar), _) => {
                        let registrar = registrar.to_owned();
                        self.log_failure(&registrar, name, &failure, cl_trid.as_deref(), now).await
                    }
                    (None, Some(client_id)) if checked_login => {
                        self.log_failure(client_id, name, &failure, cl_trid.as_deref(), now).await
                    }
                    (None, _) => self.shared.registry.store().next_sv_trid(),
                };
                let response =
                    Response::new(failure.code, cl_trid, sv_trid).with_message(failure.message);
                (response, close)
            }
        }
    }

    /// Logs a refused command in the transaction log under `actor` (the registrar, the client
    /// id a login tried, or `-` before login); the svTRID to answer with.
    async fn log_failure(
        &self,
        actor: &str,
        command: &str,
        failure: &Failure,
        cl_trid: Option<&str>,
        now: OffsetDateTime,
    ) -> String {
        let registry = &self.shared.registry;
        let meta = Meta { actor, cl_trid, now };
        match registry.log_command(&meta, command, failure.code.code()).await {
            Ok(sv_trid) => sv_trid,
            Err(error) => {
                tracing::warn!("EPP: could not log a refused {command}: {error}");
                registry.store().next_sv_trid()
            }
        }
    }

    async fn login(
        &mut self,
        login: &Login,
        cl_trid: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Answer, Failure> {
        if self.login.is_some() {
            return Err(Failure::new(
                ResultCode::CommandUseError,
                "already logged in: log out before logging in again",
            ));
        }
        if login.lang != "en" {
            return Err(Failure::new(
                ResultCode::UnimplementedOption,
                format!("language {:?} is not offered; this server speaks en", login.lang),
            ));
        }
        let mut objects = Vec::new();
        for uri in &login.obj_uris {
            match Namespace::from_uri(uri) {
                Some(ns @ (Namespace::Domain | Namespace::Host | Namespace::Contact)) => {
                    objects.push(ns);
                }
                _ => {
                    return Err(Failure::new(
                        ResultCode::UnimplementedObjectService,
                        format!("object service {uri} is not served here"),
                    ));
                }
            }
        }
        let mut extensions = Vec::new();
        for uri in &login.ext_uris {
            match Namespace::from_uri(uri) {
                Some(
                    ns @ (Namespace::SecDns
                    | Namespace::Rgp
                    | Namespace::LoginSec
                    | Namespace::UnhandledNamespaces),
                ) => {
                    extensions.push(ns);
                }
                _ => {
                    return Err(Failure::new(
                        ResultCode::UnimplementedExtension,
                        format!("extension {uri} is not implemented here"),
                    ));
                }
            }
        }
        let throttled = self.throttle().check(self.address(), &login.client_id, Instant::now());
        if let Err(why) = throttled {
            tracing::info!(
                client_id = login.client_id,
                peer = %self.peer.addr,
                ?why,
                "EPP login refused unchecked: too many failed logins"
            );
            return Err(Failure::new(
                ResultCode::AuthenticationErrorServerClosingConnection,
                format!(
                    "{}: too many failed logins from this address; try again later",
                    ResultCode::AuthenticationErrorServerClosingConnection.message()
                ),
            ));
        }
        let registry = &self.shared.registry;
        let fingerprint = self.peer.fingerprint.to_string();
        let registrar = registry
            .login(&login.client_id, login.password.expose(), &fingerprint)
            .await
            .map_err(Failure::from)?;
        self.throttle().succeeded(self.address(), &login.client_id);
        let meta = Meta { actor: &registrar.id, cl_trid, now };
        let sv_trid = match &login.new_password {
            Some(new_password) => {
                registry.set_password(&meta, &registrar.id, new_password.expose()).await?.sv_trid
            }
            None => registry.log_command(&meta, "login", 1000).await?,
        };
        tracing::info!(
            registrar = registrar.id,
            connection = self.peer.connection,
            peer = %self.peer.addr,
            "EPP login"
        );
        self.login = Some(LoggedIn { registrar: registrar.id, objects, extensions });
        Ok(Answer::written(ResultCode::Success, sv_trid))
    }
}

impl LoggedIn {
    /// Takes out of a response what the client did not name at login (RFC 5730 §2.9.1.1:
    /// the server must not send it there): extensions not among its extURIs (an RGP or secDNS
    /// info block, say), and poll data of an object type not among its objURIs (the message
    /// text still says what happened). A client that named unhandled-namespaces-1.0 gets them
    /// in `<extValue>` under `<result>` instead (RFC 9038 §3); any other loses them.
    fn keep_negotiated(&self, response: &mut Response) {
        let signal = self.extensions.contains(&Namespace::UnhandledNamespaces);
        let (kept, unnamed): (Vec<_>, Vec<_>) = std::mem::take(&mut response.extension)
            .into_iter()
            .partition(|extension| self.extensions.contains(&extension.namespace()));
        response.extension = kept;
        let mut unhandled: Vec<Unhandled> = unnamed
            .into_iter()
            .filter(|extension| !extension.is_empty())
            .map(Unhandled::Extension)
            .collect();
        let unnamed_object = response
            .res_data
            .as_ref()
            .is_some_and(|data| !self.objects.contains(&data.namespace()));
        if response.msg_q.is_some()
            && unnamed_object
            && let Some(data) = response.res_data.take()
        {
            unhandled.push(Unhandled::Object(data));
        }
        if signal {
            response.unhandled.extend(unhandled);
        }
    }

    /// Refuses a command on an object or with an extension the client did not name at login.
    fn allows(&self, command: &Command) -> Result<(), Failure> {
        if let Some(kind) = command.object() {
            let ns = match kind {
                ObjectKind::Domain => Namespace::Domain,
                ObjectKind::Host => Namespace::Host,
                ObjectKind::Contact => Namespace::Contact,
            };
            if !self.objects.contains(&ns) {
                return Err(Failure::new(
                    ResultCode::UnimplementedObjectService,
                    format!("{} was not among the objURIs of this session's login", ns.uri()),
                ));
            }
        }
        for ns in command.extensions() {
            if !self.extensions.contains(&ns) {
                return Err(Failure::new(
                    ResultCode::UnimplementedExtension,
                    format!("{} was not among the extURIs of this session's login", ns.uri()),
                ));
            }
        }
        Ok(())
    }
}
