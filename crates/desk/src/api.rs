//! The desk's JSON HTTP API (axum):
//!
//! | method and path | does | answers |
//! |---|---|---|
//! | `POST /v1/cases` `{domain, kind, detail?}` | opens a case | 201, the case |
//! | `GET /v1/cases/{id}` | shows it with its audit trail | 200, the case |
//! | `POST /v1/cases/{id}/verify/email` | mails a one-time code to the registrant on record | 202, `{sent_to, expires_at}` |
//! | `POST /v1/cases/{id}/verify/email/confirm` `{code}` | checks the code | 200, the case |
//! | `POST /v1/cases/{id}/verify/dns` | looks up the TXT challenge | 200, the case |
//! | `POST /v1/cases/{id}/transfer-code` | issues the transfer code, once | 200, `{domain, transfer_code, expires_at}` |
//! | `POST /v1/cases/{id}/continuity-dns` | (delegation-change) switches the name to the registry's name servers serving its escrowed zone | 200, `{record, nameservers, refreshed}` |
//!
//! Errors are `{"error": "<kind>", "message": "<text>"}` with 400 (bad request), 403 (not
//! eligible, wrong code), 404 (no case or domain), 409 (wrong state), 410 (code expired),
//! 422 (no address, challenge not found, delegation cannot be switched), 423 (locked), 429 (rate-limited), 502 (mail or DNS
//! failed) or 500. Codes are never logged.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use nameward_client::Client as DnsClient;
use nameward_listen::http::Limits;
use nameward_registry::continuity::desk::{CaseKind, DeskRefusal};
use nameward_registry::service::{DeskError, DeskOptions, Mailer, NewCase, Registry};
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::dns::lookup_txt;

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
    /// The registry's name as mails give it (`the .example registry`).
    pub registry_name: String,
    /// The time.
    pub clock: Clock,
}

/// The desk's routes.
pub fn router(desk: Desk) -> Router {
    Router::new()
        .route("/v1/cases", post(open_case))
        .route("/v1/cases/{id}", get(show_case))
        .route("/v1/cases/{id}/verify/email", post(send_code))
        .route("/v1/cases/{id}/verify/email/confirm", post(confirm_code))
        .route("/v1/cases/{id}/verify/dns", post(check_dns))
        .route("/v1/cases/{id}/transfer-code", post(transfer_code))
        .route("/v1/cases/{id}/continuity-dns", post(continuity_dns))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(desk)
}

/// What the desk, open to anyone, gives its clients: a registrant needs one or two
/// connections, so one address (an IPv6 /64) may hold 16 and the listener 512, each for at
/// most a minute, with 10 s for a request head.
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
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, kind, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.kind, "message": self.message }));
        (self.status, no_store(), body).into_response()
    }
}

fn no_store() -> [(header::HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

impl From<DeskError> for ApiError {
    fn from(error: DeskError) -> ApiError {
        match error {
            DeskError::Refused(refusal) => refusal_error(refusal),
            DeskError::Mail(error) => {
                tracing::warn!("desk: mailing a code failed: {error}");
                ApiError::new(StatusCode::BAD_GATEWAY, "mail-failed", error.to_string())
            }
            DeskError::Service(error) => match error.epp_code() {
                2303 => ApiError::new(StatusCode::NOT_FOUND, "no-domain", error.to_string()),
                2306 => ApiError::new(StatusCode::NOT_FOUND, "no-domain", error.to_string()),
                _ => {
                    tracing::error!("desk: {error}");
                    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
                }
            },
        }
    }
}

fn refusal_error(refusal: DeskRefusal) -> ApiError {
    let (status, kind) = match &refusal {
        DeskRefusal::NoCase(_) => (StatusCode::NOT_FOUND, "no-case"),
        DeskRefusal::NoDomain(_) => (StatusCode::NOT_FOUND, "no-domain"),
        DeskRefusal::NotEligible { .. } => (StatusCode::FORBIDDEN, "not-eligible"),
        DeskRefusal::WrongState { .. } => (StatusCode::CONFLICT, "wrong-state"),
        DeskRefusal::NotTransferCase(_) => (StatusCode::CONFLICT, "wrong-kind"),
        DeskRefusal::NotDelegationCase(_) => (StatusCode::CONFLICT, "wrong-kind"),
        DeskRefusal::CannotSwitch(_) => (StatusCode::UNPROCESSABLE_ENTITY, "cannot-switch"),
        DeskRefusal::NoCode => (StatusCode::CONFLICT, "no-code"),
        DeskRefusal::Locked => (StatusCode::LOCKED, "locked"),
        DeskRefusal::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "rate-limited"),
        DeskRefusal::TooManyCodes => (StatusCode::TOO_MANY_REQUESTS, "too-many-codes"),
        DeskRefusal::CodeExpired => (StatusCode::GONE, "code-expired"),
        DeskRefusal::WrongCode { .. } => (StatusCode::FORBIDDEN, "wrong-code"),
        DeskRefusal::NoAddress(_) => (StatusCode::UNPROCESSABLE_ENTITY, "no-address"),
        DeskRefusal::ChallengeMissing(_) => (StatusCode::UNPROCESSABLE_ENTITY, "challenge-missing"),
        DeskRefusal::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request"),
        _ => (StatusCode::BAD_REQUEST, "refused"),
    };
    ApiError::new(status, kind, refusal.to_string())
}

fn bad_json(rejection: JsonRejection) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad-request", rejection.body_text())
}

fn client(ConnectInfo(peer): ConnectInfo<SocketAddr>) -> String {
    peer.ip().to_string()
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
    peer: ConnectInfo<SocketAddr>,
    body: Result<Json<OpenRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(bad_json)?;
    let new = NewCase { domain: request.domain, kind: request.kind, detail: request.detail };
    let client = client(peer);
    let case = desk.registry.desk_open_case(&new, desk.options, &client, (desk.clock)()).await?;
    tracing::info!(case = %case.id, domain = %case.domain, client, "desk: case opened");
    Ok((StatusCode::CREATED, no_store(), Json(case)).into_response())
}

async fn show_case(State(desk): State<Desk>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let case = desk.registry.desk_case(&id).await?;
    Ok((no_store(), Json(case)).into_response())
}

async fn send_code(
    State(desk): State<Desk>,
    Path(id): Path<String>,
    peer: ConnectInfo<SocketAddr>,
) -> Result<Response, ApiError> {
    let client = client(peer);
    let sent = desk
        .registry
        .desk_send_email_code(
            &id,
            &client,
            desk.mailer.as_ref(),
            &desk.registry_name,
            (desk.clock)(),
        )
        .await?;
    tracing::info!(case = %id, client, "desk: e-mail code sent");
    Ok((StatusCode::ACCEPTED, no_store(), Json(sent)).into_response())
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
    Path(id): Path<String>,
    peer: ConnectInfo<SocketAddr>,
    body: Result<Json<ConfirmRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(bad_json)?;
    let client = client(peer);
    let outcome =
        desk.registry.desk_confirm_email_code(&id, &request.code, &client, (desk.clock)()).await;
    match &outcome {
        Ok(_) => tracing::info!(case = %id, client, "desk: verified by e-mail code"),
        Err(error) => tracing::info!(case = %id, client, "desk: e-mail code refused: {error}"),
    }
    Ok((no_store(), Json(outcome?)).into_response())
}

async fn check_dns(
    State(desk): State<Desk>,
    Path(id): Path<String>,
    peer: ConnectInfo<SocketAddr>,
) -> Result<Response, ApiError> {
    let Some(resolver) = &desk.resolver else {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "dns-off",
            "DNS verification is not configured at this desk",
        ));
    };
    let (name, _) = desk.registry.desk_challenge(&id).await?;
    let found = lookup_txt(&name, resolver).await.map_err(|error| {
        tracing::warn!(case = %id, "desk: TXT lookup of {name} failed: {error}");
        ApiError::new(StatusCode::BAD_GATEWAY, "dns-failed", error.to_string())
    })?;
    let client = client(peer);
    let case = desk.registry.desk_confirm_dns(&id, &found, &client, (desk.clock)()).await?;
    tracing::info!(case = %id, client, "desk: verified by DNS challenge");
    Ok((no_store(), Json(case)).into_response())
}

async fn transfer_code(
    State(desk): State<Desk>,
    Path(id): Path<String>,
    peer: ConnectInfo<SocketAddr>,
) -> Result<Response, ApiError> {
    let client = client(peer);
    let issued =
        desk.registry.desk_issue_transfer_code(&id, desk.options, &client, (desk.clock)()).await?;
    tracing::info!(case = %id, domain = %issued.domain, client, "desk: transfer code issued");
    Ok((no_store(), Json(issued)).into_response())
}

async fn continuity_dns(
    State(desk): State<Desk>,
    Path(id): Path<String>,
    peer: ConnectInfo<SocketAddr>,
) -> Result<Response, ApiError> {
    let client = client(peer);
    let switched = desk.registry.desk_switch_delegation(&id, &client, (desk.clock)()).await?;
    tracing::info!(
        case = %id,
        domain = %switched.record.domain,
        client,
        "desk: delegation switched to continuity DNS"
    );
    Ok((no_store(), Json(switched)).into_response())
}
