//! The HTTP shell around the pure parts: reads the registry, answers every request with
//! `application/rdap+json` and `Access-Control-Allow-Origin: *` (RFC 7480 §4.2, §5.6), HEAD
//! as GET without a body, a weak entity tag over what the registry holds (the `last update`
//! event left out) with `If-None-Match` answered 304, and 429 with `Retry-After` for a client
//! over its rate. Served within `nameward_listen`'s connection limits, over TLS when given a
//! certificate.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use nameward_listen::http::Limits;
use nameward_listen::slots::address_key;
use nameward_registry::service::{DomainSearch, HostSearch, Registry, ServiceError};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::config::Config;
use crate::query::{self, DomainQuery, EntityQuery, NameserverQuery, QueryError, Request as Query};
use crate::response::{self, Context, MEDIA_TYPE};

/// Where the server reads the time (the binary passes the wall clock; tests a fixed one).
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// What RDAP, open to anyone, gives its clients: many tools keep a connection or two, so
/// one address (an IPv6 /64) may hold 16 and the listener 1024, each for at most a minute,
/// with 10 s for a request head.
pub const LIMITS: Limits = Limits {
    max_connections: 1024,
    max_per_address: 16,
    head_deadline: Duration::from_secs(10),
    lifetime: Duration::from_secs(60),
};

/// The per-client request rate: a token bucket per address (an IPv6 /64), `burst` deep,
/// refilled at `per_second`; at most `max_clients` buckets are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests a client may make per second, sustained.
    pub per_second: u32,
    /// Requests a client may make at once.
    pub burst: u32,
    /// Clients tracked at once; when they are all recent, a new client is refused until
    /// buckets drain (so memory stays bounded under a flood from many addresses).
    pub max_clients: usize,
}

impl Default for RateLimit {
    fn default() -> RateLimit {
        RateLimit { per_second: 20, burst: 60, max_clients: 100_000 }
    }
}

/// The buckets.
#[derive(Debug)]
pub struct Limiter {
    rate: RateLimit,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    /// Buckets for `rate`.
    pub fn new(rate: RateLimit) -> Limiter {
        Limiter { rate, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes a token for `addr` at `now`; when there is none, the seconds until there is.
    pub fn take(&self, addr: IpAddr, now: Instant) -> Result<(), u64> {
        let per_second = f64::from(self.rate.per_second.max(1));
        let burst = f64::from(self.rate.burst.max(1));
        let Ok(mut buckets) = self.buckets.lock() else { return Err(1) };
        let key = address_key(addr);
        if !buckets.contains_key(&key) && buckets.len() >= self.rate.max_clients {
            // A bucket that has refilled is the same as no bucket.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second < burst
            });
            if buckets.len() >= self.rate.max_clients {
                return Err(1);
            }
        }
        let (tokens, at) = buckets.entry(key).or_insert((burst, now));
        *tokens =
            (*tokens + now.saturating_duration_since(*at).as_secs_f64() * per_second).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - *tokens) / per_second).ceil();
            // At most burst / per_second: small, so the conversion is exact.
            Err(wait.max(1.0) as u64)
        }
    }
}

/// Everything the handler shares.
#[derive(Clone)]
pub struct Rdap {
    /// The registry.
    pub registry: Registry,
    /// The service's settings.
    pub config: Arc<Config>,
    /// The per-client rate.
    pub limiter: Arc<Limiter>,
    /// The time.
    pub clock: Clock,
}

impl Rdap {
    /// A service over `registry` with `config`, `rate` and the wall clock.
    pub fn new(registry: Registry, config: Config, rate: RateLimit) -> Rdap {
        Rdap {
            registry,
            config: Arc::new(config),
            limiter: Arc::new(Limiter::new(rate)),
            clock: Arc::new(OffsetDateTime::now_utc),
        }
    }
}

/// The service's routes: every path, under the base URL's path.
pub fn router(rdap: Rdap) -> Router {
    Router::new().fallback(handle).with_state(rdap)
}

/// Serves `rdap` on `listener` within [`LIMITS`], over TLS when `tls` is given, until
/// `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    rdap: Rdap,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let router = router(rdap);
    match tls {
        Some(tls) => {
            nameward_listen::http::serve_tls(listener, router, LIMITS, tls, shutdown).await
        }
        None => nameward_listen::http::serve(listener, router, LIMITS, shutdown).await,
    }
}

/// The path part of the base URL (`/` or `/rdap/`).
fn base_path(base_url: &str) -> &str {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, rest)| rest);
    after_scheme.find('/').map_or("/", |at| &after_scheme[at..])
}

async fn handle(State(rdap): State<Rdap>, request: Request) -> Response {
    let method = request.method().clone();
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let uri = request.uri().clone();
    let headers = request.headers().clone();
    drop(request);
    let now = (rdap.clock)();
    let request_url = format!(
        "{}{}",
        rdap.config.base_url.trim_end_matches('/'),
        uri.path_and_query().map_or("/", |pq| pq.as_str())
    );
    let ctx = Context { config: &rdap.config, request_url: &request_url, now };
    if method == Method::OPTIONS {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, OPTIONS"),
        );
        return response;
    }
    let head = method == Method::HEAD;
    if method != Method::GET && !head {
        let body = response::error(&ctx, 405, "Method Not Allowed", "RDAP answers GET and HEAD");
        return respond(StatusCode::METHOD_NOT_ALLOWED, body, None, head, now);
    }
    if let Some(peer) = peer
        && let Err(wait) = rdap.limiter.take(peer, Instant::now())
    {
        let body = response::error(
            &ctx,
            429,
            "Too Many Requests",
            &format!("this client asks too fast; ask again in {wait} s"),
        );
        let mut response = respond(StatusCode::TOO_MANY_REQUESTS, body, None, head, now);
        if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let base = base_path(&rdap.config.base_url);
    let outcome = match uri.path().strip_prefix(base) {
        Some(path) => match query::parse(path, uri.query()) {
            Ok(query) => answer(&rdap, &ctx, &query).await,
            Err(error) => Err(error),
        },
        None => Err(QueryError::not_found(format!("this service answers under {base}"))),
    };
    match outcome {
        Ok(body) => {
            let etag = entity_tag(&body);
            if if_none_match(&headers, &etag) {
                let mut response =
                    respond(StatusCode::NOT_MODIFIED, Value::Null, Some(&etag), true, now);
                *response.body_mut() = Body::empty();
                return response;
            }
            respond(StatusCode::OK, body, Some(&etag), head, now)
        }
        Err(error) => {
            let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
            let body = response::error(&ctx, error.status, error.title, &error.detail);
            respond(status, body, None, head, now)
        }
    }
}

/// A weak tag over the response without its `last update` events.
fn entity_tag(body: &Value) -> String {
    let digest = Sha256::digest(serde_json::to_vec(body).unwrap_or_default());
    let text = data_encoding::BASE64URL_NOPAD.encode(digest.get(..16).unwrap_or(&digest));
    format!("W/\"{text}\"")
}

fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    let strip = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = strip(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.split(',').any(|tag| tag.trim() == "*" || strip(tag) == ours))
}

fn respond(
    status: StatusCode,
    mut body: Value,
    etag: Option<&str>,
    head: bool,
    now: OffsetDateTime,
) -> Response {
    response::stamp(&mut body, now);
    let bytes = if head || body.is_null() {
        Vec::new()
    } else {
        serde_json::to_vec(&body).unwrap_or_default()
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if let Some(etag) = etag.and_then(|etag| HeaderValue::from_str(etag).ok()) {
        headers.insert(header::ETAG, etag);
    }
    response
}

fn internal(error: &ServiceError) -> QueryError {
    tracing::warn!(%error, "RDAP: reading the registry failed");
    QueryError {
        status: 500,
        title: "Internal Server Error",
        detail: "the registry could not be read; try again".to_owned(),
    }
}

/// The response body for a parsed query, or the error it deserves.
async fn answer(rdap: &Rdap, ctx: &Context<'_>, query: &Query) -> Result<Value, QueryError> {
    let registry = &rdap.registry;
    let page = rdap.config.max_results.saturating_add(1);
    match query {
        Query::Help => Ok(response::help(ctx)),
        Query::Domain(name) => {
            match registry.rdap_domain(&name.ldh).await.map_err(|e| internal(&e))? {
                Some(record) => Ok(response::domain(ctx, &record)),
                None => {
                    Err(QueryError::not_found(format!("no domain {} in this registry", name.ldh)))
                }
            }
        }
        Query::Nameserver(name) => {
            match registry.rdap_host(&name.ldh).await.map_err(|e| internal(&e))? {
                Some(record) => Ok(response::nameserver(ctx, &record)),
                None => Err(QueryError::not_found(format!(
                    "no name server {} in this registry",
                    name.ldh
                ))),
            }
        }
        Query::Entity(handle) => entity(rdap, ctx, handle).await,
        Query::Domains(search) => {
            let search = match search {
                DomainQuery::Name(pattern) => {
                    let (from, to, zone) = pattern.range();
                    DomainSearch::Names { from, to, zone }
                }
                DomainQuery::NsLdhName(name) => DomainSearch::Nameserver(name.ldh.clone()),
                DomainQuery::NsIp(addr) => DomainSearch::NameserverAddress(*addr),
            };
            let records =
                registry.rdap_domain_search(&search, page).await.map_err(|e| internal(&e))?;
            Ok(response::domain_search(ctx, &records))
        }
        Query::Nameservers(search) => {
            let (reading, pattern) = match search {
                NameserverQuery::Name(pattern) => {
                    let (from, to, _) = pattern.range();
                    (HostSearch::Names { from, to }, Some(pattern))
                }
                NameserverQuery::Ip(addr) => (HostSearch::Address(*addr), None),
            };
            let mut records =
                registry.rdap_host_search(&reading, page).await.map_err(|e| internal(&e))?;
            // A host name pattern's zone is not a column: the range read is filtered here.
            if let Some(pattern) = pattern {
                records.retain(|record| pattern.matches(&record.host.name));
            }
            Ok(response::nameserver_search(ctx, &records))
        }
        Query::Entities(search) => {
            let registrars = registry.rdap_registrars().await.map_err(|e| internal(&e))?;
            let found: Vec<_> = registrars
                .into_iter()
                .filter(|record| match search {
                    EntityQuery::Fn(pattern) => pattern.matches(&record.registrar.name),
                    EntityQuery::Handle(pattern) => {
                        let profile = rdap.config.registrar(&record.registrar.id);
                        pattern.matches(profile.iana_id.as_deref().unwrap_or(&record.registrar.id))
                    }
                })
                .take(usize::try_from(page).unwrap_or(usize::MAX))
                .collect();
            Ok(response::entity_search(ctx, &found))
        }
    }
}

/// `entity/<handle>`: a registrar by IANA id or EPP id, else a contact by ROID or id.
async fn entity(rdap: &Rdap, ctx: &Context<'_>, handle: &str) -> Result<Value, QueryError> {
    let registry = &rdap.registry;
    let registrar_id = rdap.config.registrar_by_iana_id(handle).unwrap_or(handle);
    if let Some(record) = registry.rdap_registrar(registrar_id).await.map_err(|e| internal(&e))? {
        return Ok(response::registrar(ctx, &record));
    }
    match registry.rdap_contact(handle).await.map_err(|e| internal(&e))? {
        Some(contact) => Ok(response::contact(ctx, &contact)),
        None => Err(QueryError::not_found(format!("no entity {handle} in this registry"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    #[test]
    fn the_limiter_keeps_at_most_its_clients() {
        let limiter = Limiter::new(RateLimit { per_second: 1, burst: 2, max_clients: 2 });
        let start = Instant::now();
        assert_eq!(limiter.take(addr(1), start), Ok(()));
        assert_eq!(limiter.take(addr(2), start), Ok(()));
        // Two recent clients fill the table: a third waits rather than grow it.
        assert_eq!(limiter.take(addr(3), start), Err(1));
        assert_eq!(limiter.buckets.lock().map(|b| b.len()).unwrap_or(0), 2);
        // Once a bucket has refilled it is forgotten, and its place is free.
        let later = start + Duration::from_secs(5);
        assert_eq!(limiter.take(addr(3), later), Ok(()));
        assert!(limiter.buckets.lock().map(|b| b.len()).unwrap_or(0) <= 2);
    }

    #[test]
    fn a_client_waits_as_long_as_its_bucket_needs() {
        let limiter = Limiter::new(RateLimit { per_second: 2, burst: 1, max_clients: 8 });
        let start = Instant::now();
        assert_eq!(limiter.take(addr(1), start), Ok(()));
        assert_eq!(limiter.take(addr(1), start), Err(1));
        assert_eq!(limiter.take(addr(1), start + Duration::from_millis(600)), Ok(()));
        // One IPv6 /64 is one client.
        let v6 = |last: u16| IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, last]);
        assert_eq!(limiter.take(v6(1), start), Ok(()));
        assert_eq!(limiter.take(v6(2), start), Err(1));
    }
}
