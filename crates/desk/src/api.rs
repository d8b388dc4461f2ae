//! The desk's state and its JSON HTTP API (axum), beside the pages of [`crate::web`]:
//!
//! | method and path | does | answers |
//! |---|---|---|
//! | `POST /v1/cases` `{domain, kind, detail?}` | opens a case | 201, the case |
//! | `GET /v1/cases/{id}` | shows it with its audit trail | 200, the case |
//! | `POST /v1/cases/{id}/verify/email` | mails a one-time code to the registrant on record, for this session | 202, `{sent_to, expires_at}` |
//! | `POST /v1/cases/{id}/verify/email/confirm` `{code}` | checks the code, in the session that asked for it | 200, the case |
//! | `POST /v1/cases/{id}/verify/dns` | looks up the TXT challenge | 200, the case |
//! | `POST /v1/cases/{id}/transfer-code` | issues the transfer code to the session that proved control | 200, `{domain, transfer_code, expires_at}` |
//! | `POST /v1/cases/{id}/continuity-dns` | (delegation-change) switches the name to the registry's name servers serving its escrowed zone | 200, `{record, nameservers, refreshed}` |
//!
//! The API uses the same session cookie as the pages (a client keeps the cookie the first
//! answer sets), and its posts must be `Content-Type: application/json`, which a form on
//! another site cannot send. Errors are `{"error": "<kind>", "message": "<text>"}` with 400,
//! 403 (not eligible, wrong code, another session), 404, 409 (wrong state), 410 (code
//! expired), 422, 423, 429 (too soon; `Retry-After` says how long), 502 (mail or DNS failed)
//! or 500. Codes are never logged.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::rejection::JsonRejection;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, FromRequestParts, MatchedPath, Path, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use nameward_client::Client as DnsClient;
use nameward_listen::http::Limits;
use nameward_listen::slots::address_key;
use nameward_registry::continuity::desk::{CaseKind, DeskRefusal};
use nameward_registry::service::{
    CaseView, CodeSent, DeskError, DeskOptions, Mailer, NewCase, Registry, Visitor,
};
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::session::{CookiePolicy, Session};

/// Where the desk reads the time (the binary passes the wall clock; tests a fixed one).
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// Largest request body accepted.
const MAX_BODY: usize = 16 * 1024;

/// Everything the desk's handlers share.
#[derive(Clone)]
pub struct Desk {
    /// The registry.
    pub registry: Registry,
    /// How codes are mailed.
    pub mailer: Arc<dyn Mailer>,
    /// The DNS server asked for challenges; `None` turns DNS verification off.
    pub resolver: Option<DnsClient>,
    /// Which domains are served.
    pub options: DeskOptions,
    /// The registry's name as mails and pages give it (`the .example registry`).
    pub registry_name: String,
    /// The desk's public URL (`https://desk.nic.example`), as notices and code mails link to
    /// it and as pages tell registrants to check it.
    pub public_url: String,
    /// How session cookies are marked ([`CookiePolicy::for_desk`]).
    pub cookies: CookiePolicy,
    /// Proxies whose `X-Forwarded-For` is believed: a request from one of them is counted
    /// under the last address that header names, so that the limits per client see the
    /// registrants behind a TLS-terminating proxy rather than the proxy.
    pub trusted_proxies: Vec<IpAddr>,
    /// The time.
    pub clock: Clock,
}

impl Desk {
    /// The host part of the public URL, as pages name it.
    pub fn public_host(&self) -> &str {
        let rest =
            self.public_url.split_once("://").map_or(self.public_url.as_str(), |(_, rest)| rest);
        rest.split('/').next().unwrap_or(rest)
    }

    /// The case page's URL (English) under the public URL.
    pub fn case_url(&self, id: &str) -> String {
        format!("{}/en/cases/{id}", self.public_url.trim_end_matches('/'))
    }

    /// Mails a code for case `id`, bound to the visitor's session.
    pub async fn send_code(&self, id: &str, visitor: &VisitorParts) -> Result<CodeSent, DeskError> {
        let case_url = self.case_url(id);
        let registry = self.registry_name.clone();
        let letter = move |domain: &str, code: &str| {
            crate::mail::code_mail(&registry, domain, code, &case_url)
        };
        let now = (self.clock)();
        self.registry
            .desk_send_email_code(id, visitor.visitor(), self.mailer.as_ref(), &letter, now)
            .await
    }

    /// Checks case `id`'s TXT challenge for the visitor's session; the inner `Err` names a
    /// failure of the lookup itself (`dns-off`, `dns-failed`).
    pub async fn check_dns(
        &self,
        id: &str,
        visitor: &VisitorParts,
    ) -> Result<Result<CaseView, &'static str>, DeskError> {
        let Some(resolver) = &self.resolver else { return Ok(Err("dns-off")) };
        let now = (self.clock)();
        let name = self.registry.desk_start_dns_check(id, visitor.visitor(), now).await?;
        let found = match crate::dns::lookup_txt(&name, resolver).await {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(case = %id, "desk: a TXT lookup failed: {error}");
                return Ok(Err("dns-failed"));
            }
        };
        let now = (self.clock)();
        self.registry.desk_confirm_dns(id, &found, visitor.visitor(), now).await.map(Ok)
    }

    /// Records a refusal the desk made itself; a failure to record is logged.
    pub async fn record_refusal(
        &self,
        step: &str,
        kind: &str,
        visitor: &VisitorParts,
        case: Option<&str>,
    ) {
        let now = (self.clock)();
        tracing::info!(case = case.unwrap_or("-"), step, refusal = kind, "desk: refused");
        if let Err(error) =
            self.registry.desk_record_refusal(step, kind, case, visitor.visitor(), now).await
        {
            tracing::error!("desk: recording a refusal failed: {error}");
        }
    }
}

/// Who is asking, as the session layer found it: the browser session (with the registry's key
/// for it and its form token) and the client the limits count.
#[derive(Debug, Clone)]
pub struct VisitorParts {
    /// The session.
    pub session: Session,
    /// [`Session::key`].
    pub key: String,
    /// [`Session::csrf_token`].
    pub csrf: String,
    /// The client's address key ([`address_key`]), as text.
    pub client: String,
}

impl VisitorParts {
    /// The visitor as the registry takes it.
    pub fn visitor(&self) -> Visitor<'_> {
        Visitor { session: &self.key, client: &self.client }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for VisitorParts {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<VisitorParts, StatusCode> {
        parts.extensions.get::<VisitorParts>().cloned().ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// The client a request is counted under: its peer's address key, or, when the peer is a
/// trusted proxy, that of the last address in `X-Forwarded-For` (the one the proxy added).
pub fn client_key(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> String {
    let from_proxy = trusted.contains(&peer);
    let forwarded = forwarded_for
        .filter(|_| from_proxy)
        .and_then(|header| header.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok());
    address_key(forwarded.unwrap_or(peer)).to_string()
}

/// The desk: its pages and its API, with the session layer, security headers and request
/// log around them.
pub fn router(desk: Desk) -> Router {
    Router::new()
        .route("/v1/cases", post(open_case))
        .route("/v1/cases/{id}", get(show_case))
        .route("/v1/cases/{id}/verify/email", post(send_code))
        .route("/v1/cases/{id}/verify/email/confirm", post(confirm_code))
        .route("/v1/cases/{id}/verify/dns", post(check_dns))
        .route("/v1/cases/{id}/transfer-code", post(transfer_code))
        .route("/v1/cases/{id}/continuity-dns", post(continuity_dns))
        .merge(crate::web::routes())
        .fallback(crate::web::not_found)
        .layer(middleware::from_fn_with_state(desk.clone(), session_layer))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(desk)
}

/// Finds or starts the session, counts the client, and adds the session cookie (when new), the
/// security headers and a log line (method, route, status, time; no address, no case data).
async fn session_layer(State(desk): State<Desk>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "-".to_owned(), |path| path.as_str().to_owned());
    let cookies = desk.cookies;
    let session = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| Session::from_cookie_header(value, cookies.name()))
        .unwrap_or_default();
    // The listener gives every request its peer; a router driven in-process has axum's mock.
    let extensions = request.extensions();
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer)
        .or_else(|| extensions.get::<MockConnectInfo<SocketAddr>>().map(|mock| mock.0))
        .map_or(IpAddr::from([0, 0, 0, 0]), |peer| peer.ip());
    let forwarded = request.headers().get("x-forwarded-for").and_then(|value| value.to_str().ok());
    let client = client_key(peer, forwarded, &desk.trusted_proxies);
    let parts = VisitorParts { key: session.key(), csrf: session.csrf_token(), client, session };
    let set_cookie = parts.session.fresh.then(|| parts.session.set_cookie(cookies));
    request.extensions_mut().insert(parts);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Some(cookie) = set_cookie.and_then(|cookie| HeaderValue::from_str(&cookie).ok()) {
        headers.append(header::SET_COOKIE, cookie);
    }
    security_headers(headers, cookies.secure);
    tracing::info!(
        %method,
        route,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "desk: request"
    );
    response
}

fn security_headers(headers: &mut HeaderMap, secure: bool) {
    let fixed = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    if secure {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}

/// What the desk, open to anyone, gives its clients: a registrant needs one or two
/// connections, so one address (an IPv6 /64) may hold 16 and the listener 512, each for at
/// most a minute, with 10 s for a request head. Bodies are bounded by the connection's
/// lifetime (a slow body is cut off with it) and by [`MAX_BODY`].
pub const LIMITS: Limits = Limits {
    max_connections: 512,
    max_per_address: 16,
    head_deadline: std::time::Duration::from_secs(10),
    lifetime: std::time::Duration::from_secs(60),
};

/// Serves the desk on `listener` within [`LIMITS`] until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    desk: Desk,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    nameward_listen::http::serve(listener, router(desk), LIMITS, shutdown).await;
}

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    retry_after: Option<i64>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, kind, message: message.into(), retry_after: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.kind, "message": self.message }));
        let mut response = (self.status, body).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.max(1).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<DeskError> for ApiError {
    fn from(error: DeskError) -> ApiError {
        match error {
            DeskError::Refused(refusal) => {
                let retry_after = match &refusal {
                    DeskRefusal::TooSoon { retry_at, .. } => {
                        Some((*retry_at - OffsetDateTime::now_utc()).whole_seconds())
                    }
                    _ => None,
                };
                let mut error =
                    ApiError::new(refusal_status(&refusal), refusal.kind(), refusal.to_string());
                error.retry_after = retry_after;
                error
            }
            DeskError::Mail(error) => {
                tracing::warn!("desk: mailing a code failed: {error}");
                ApiError::new(StatusCode::BAD_GATEWAY, "mail-failed", error.to_string())
            }
            DeskError::Service(error) => match error.epp_code() {
                2303 | 2306 => ApiError::new(StatusCode::NOT_FOUND, "no-domain", error.to_string()),
                _ => {
                    tracing::error!("desk: {error}");
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
                }
            },
        }
    }
}

/// The HTTP status of a refusal, for the API and the pages alike.
pub fn refusal_status(refusal: &DeskRefusal) -> StatusCode {
    match refusal {
        DeskRefusal::NoCase(_) | DeskRefusal::NoDomain(_) => StatusCode::NOT_FOUND,
        DeskRefusal::NotEligible { .. }
        | DeskRefusal::WrongCode { .. }
        | DeskRefusal::OtherSession { .. } => StatusCode::FORBIDDEN,
        DeskRefusal::WrongState { .. }
        | DeskRefusal::NotTransferCase(_)
        | DeskRefusal::NotDelegationCase(_)
        | DeskRefusal::NoCode => StatusCode::CONFLICT,
        DeskRefusal::CannotSwitch(_)
        | DeskRefusal::NoAddress(_)
        | DeskRefusal::ChallengeMissing(_) => StatusCode::UNPROCESSABLE_ENTITY,
        DeskRefusal::Locked => StatusCode::LOCKED,
        DeskRefusal::TooSoon { .. } => StatusCode::TOO_MANY_REQUESTS,
        DeskRefusal::CodeExpired => StatusCode::GONE,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn bad_json(rejection: JsonRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad-request", rejection.body_text())
}

/// Refuses an API post that is not JSON: a page on another site can post a form (with the
/// browser's cookies) but not a JSON body.
fn json_only(headers: &HeaderMap) -> Result<(), ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().to_ascii_lowercase().starts_with("application/json"));
    if json {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "bad-request",
            "the API takes Content-Type: application/json",
        ))
    }
}

/// Logs a step's outcome without personal data: the case, the step, the refusal kind.
fn logged<T>(step: &str, case: &str, outcome: Result<T, DeskError>) -> Result<T, ApiError> {
    match &outcome {
        Ok(_) => tracing::info!(case, step, "desk: done"),
        Err(DeskError::Refused(refusal)) => {
            tracing::info!(case, step, refusal = refusal.kind(), "desk: refused");
        }
        Err(_) => {}
    }
    outcome.map_err(ApiError::from)
}

/// `POST /v1/cases`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    /// The domain.
    pub domain: String,
    /// `transfer-code`, `delegation-change` or `complaint`.
    pub kind: CaseKind,
    /// Free text.
    #[serde(default)]
    pub detail: Option<String>,
}

async fn open_case(
    State(desk): State<Desk>,
    visitor: VisitorParts,
    headers: HeaderMap,
    body: Result<Json<OpenRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    json_only(&headers)?;
    let Json(request) = body.map_err(bad_json)?;
    let new = NewCase { domain: request.domain, kind: request.kind, detail: request.detail };
    let now = (desk.clock)();
    let case = desk.registry.desk_open_case(&new, desk.options, visitor.visitor(), now).await;
    let case = logged("open", "-", case)?;
    Ok((StatusCode::CREATED, Json(case)).into_response())
}

async fn show_case(
    State(desk): State<Desk>,
    visitor: VisitorParts,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let case = desk.registry.desk_case(&id, &visitor.key).await?;
    Ok(Json(case).into_response())
}

async fn send_code(
    State(desk): State<Desk>,
    visitor: VisitorParts,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    json_only(&headers)?;
    let sent = logged("send_code", &id, desk.send_code(&id, &visitor).await)?;
    Ok((StatusCode::ACCEPTED, Json(sent)).into_response())
}

/// `POST /v1/cases/{id}/verify/email/confirm`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// The code as received.
    pub code: String,
}

async fn confirm_code(
    State(desk): State<Desk>,
    visitor: VisitorParts,
    Path(id): Path<String>,
    body: Result<Json<ConfirmRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(bad_json)?;
    let now = (desk.clock)();
    let outcome =
        desk.registry.desk_confirm_email_code(&id, &request.code, visitor.visitor(), now).await;
    Ok(Json(logged("confirm_code", &id, outcome)?).into_response())
}

async fn check_dns(
    State(desk): State<Desk>,
    visitor: VisitorParts,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    json_only(&headers)?;
    match logged("dns_check", &id, desk.check_dns(&id, &visitor).await)? {
        Ok(case) => Ok(Json(case).into_response()),
        Err("dns-off") => Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "dns-off",
            "DNS verification is not configured at this desk",
        )),
        Err(_) => {
            Err(ApiError::new(StatusCode::BAD_GATEWAY, "dns-failed", "the TXT lookup failed"))
        }
    }
}

async fn transfer_code(
    State(desk): State<Desk>,
    visitor: VisitorParts,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    json_only(&headers)?;
    let now = (desk.clock)();
    let issued =
        desk.registry.desk_issue_transfer_code(&id, desk.options, visitor.visitor(), now).await;
    Ok(Json(logged("transfer_code", &id, issued)?).into_response())
}

async fn continuity_dns(
    State(desk): State<Desk>,
    visitor: VisitorParts,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    json_only(&headers)?;
    let now = (desk.clock)();
    let switched = desk.registry.desk_switch_delegation(&id, visitor.visitor(), now).await;
    Ok(Json(logged("continuity_dns", &id, switched)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_behind_a_trusted_proxy_count_by_the_address_it_saw() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let trusted = [proxy];
        assert_eq!(client_key(proxy, Some("192.0.2.7"), &trusted), "192.0.2.7");
        assert_eq!(client_key(proxy, Some("203.0.113.9, 192.0.2.7"), &trusted), "192.0.2.7");
        assert_eq!(client_key(proxy, Some("2001:db8::1"), &trusted), "2001:db8::");
        assert_eq!(client_key(proxy, Some("junk"), &trusted), "10.0.0.1");
        assert_eq!(client_key(proxy, None, &trusted), "10.0.0.1");
        // Anyone else's header is ignored: it would let a client pick its own key.
        let other = IpAddr::from([198, 51, 100, 1]);
        assert_eq!(client_key(other, Some("192.0.2.7"), &trusted), "198.51.100.1");
    }
}
