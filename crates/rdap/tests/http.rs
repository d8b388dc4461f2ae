//! The RDAP router over a real registry (SQLite, then PostgreSQL): status codes, headers,
//! conditional requests, the rate limit, searches and the failed-registrar remark, through
//! HTTP requests without a socket.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use nameward_rdap::{Config, RateLimit, Rdap, RegistrarProfile, router};
use nameward_registry::lifecycle::domain::DomainCreate;
use nameward_registry::lifecycle::host::HostCreate;
use nameward_registry::model::{Account, ContactRole, DomainContact};
use nameward_registry::policy::Policy;
use nameward_registry::service::{BulkTransfer, Meta, NewRegistrar, Registry};
use nameward_registry::store::Store;
use nameward_registry::testing::{both, new_contact};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;
use tower::ServiceExt;

const START: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
const LATER: OffsetDateTime = datetime!(2026-04-01 12:00 UTC);

async fn registry(store: Store) -> Registry {
    let registry = Registry::new(store);
    registry.add_tld(&Policy::default_for("example"), START).await.unwrap();
    for (id, name) in [("alpha", "Alpha Registrar"), ("beta", "Beta Names")] {
        let new = NewRegistrar {
            id: id.to_owned(),
            name: name.to_owned(),
            password: format!("{id}-password-long-enough"),
            cert_fingerprints: vec!["ab".repeat(32)],
            email: None,
        };
        registry.add_registrar(&new, START).await.unwrap();
        registry.deposit(id, Account::Prepaid, 100_000, START).await.unwrap();
    }
    let meta = Meta { actor: "alpha", cl_trid: None, now: START };
    let mut contact = new_contact("holder", "holder@mail.test");
    contact.postal[0].name = "Asha Kulkarni".to_owned();
    contact.postal[0].org = Some("Kulkarni Traders".to_owned());
    contact.voice = Some("+91.2025550100".to_owned());
    registry.contact_create(&meta, &contact).await.unwrap();
    registry.contact_create(&meta, &new_contact("techie", "tech@mail.test")).await.unwrap();
    for name in ["hello.example", "help.example", "other.example", "xn--bcher-kva.example"] {
        let req = DomainCreate {
            name: name.to_owned(),
            years: 1,
            registrant: Some("holder".to_owned()),
            contacts: vec![DomainContact { role: ContactRole::Tech, id: "techie".to_owned() }],
            auth_code: "k7Qm2ZpX9vRt4LcW8nBy3H".to_owned(),
            ..DomainCreate::default()
        };
        registry.domain_create(&meta, &req).await.unwrap();
    }
    let host = HostCreate {
        name: "ns1.hello.example".to_owned(),
        addrs: vec!["192.0.2.53".parse().unwrap()],
    };
    registry.host_create(&meta, &host).await.unwrap();
    let update = nameward_registry::lifecycle::domain::DomainUpdate {
        add_ns: vec!["ns1.hello.example".to_owned()],
        ..Default::default()
    };
    registry.domain_update(&meta, "other.example", &update).await.unwrap();
    registry
}

fn service(registry: Registry, rate: RateLimit) -> axum::Router {
    let mut config = Config::new("https://rdap.nic.example/");
    config.desk_url = Some("https://desk.nic.example/".to_owned());
    config.max_results = 2;
    config.registrars.insert(
        "alpha".to_owned(),
        RegistrarProfile { iana_id: Some("9990".to_owned()), ..RegistrarProfile::default() },
    );
    let mut rdap = Rdap::new(registry, config, rate);
    rdap.clock = Arc::new(|| LATER);
    router(rdap)
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    json: Value,
    bytes: usize,
}

async fn ask(app: &axum::Router, method: &str, uri: &str, extra: &[(&str, &str)]) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let peer: SocketAddr = "192.0.2.99:40000".parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Answer { status, headers, json, bytes: body.len() }
}

const GENEROUS: RateLimit = RateLimit { per_second: 1000, burst: 1000, max_clients: 16 };

#[tokio::test]
async fn lookups_errors_and_conditional_requests() {
    both(|store| async move {
        let app = service(registry(store).await, GENEROUS);
        let found = ask(&app, "GET", "/domain/HELLO.Example.", &[]).await;
        assert_eq!(found.status, StatusCode::OK);
        assert_eq!(found.headers[header::CONTENT_TYPE], "application/rdap+json");
        assert_eq!(found.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(found.json["ldhName"], "hello.example");
        assert_eq!(found.json["entities"][0]["handle"], "9990");
        let text = found.json.to_string();
        for personal in [
            "Asha",
            "Kulkarni",
            "holder@mail.test",
            "+91.2025550100",
            "1 Main St",
            "Pune",
            "tech@mail.test",
        ] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
        let idn = ask(&app, "GET", "/domain/b%C3%BCcher.example", &[]).await;
        assert_eq!(idn.json["ldhName"], "xn--bcher-kva.example");
        assert_eq!(idn.json["unicodeName"], "bücher.example");

        let etag = found.headers[header::ETAG].to_str().unwrap().to_owned();
        // The tag covers the body, whose links name the URL asked: the same URL again.
        let again = ask(&app, "GET", "/domain/HELLO.Example.", &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert_eq!(again.bytes, 0);
        let other =
            ask(&app, "GET", "/domain/hello.example", &[("if-none-match", "W/\"x\"")]).await;
        assert_eq!(other.status, StatusCode::OK);

        let head = ask(&app, "HEAD", "/domain/hello.example", &[]).await;
        assert_eq!((head.status, head.bytes), (StatusCode::OK, 0));
        assert_eq!(head.headers[header::CONTENT_TYPE], "application/rdap+json");

        let missing =
            ask(&app, "GET", "/domain/missing.example", &[("accept", "application/json")]).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(missing.headers[header::CONTENT_TYPE], "application/rdap+json");
        assert_eq!(missing.json["errorCode"], 404);
        assert_eq!(missing.json["notices"][0]["title"], "Terms of Use");
        assert_eq!(
            ask(&app, "GET", "/domain/test.invalid", &[]).await.status,
            StatusCode::NOT_FOUND
        );
        let head404 = ask(&app, "HEAD", "/domain/missing.example", &[]).await;
        assert_eq!(head404.status, StatusCode::NOT_FOUND);
        let bad = ask(&app, "GET", "/domain/bad_name.example", &[]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.json["errorCode"], 400);
        assert_eq!(
            ask(&app, "GET", "/ip/192.0.2.1", &[]).await.status,
            StatusCode::NOT_IMPLEMENTED
        );
        assert_eq!(
            ask(&app, "GET", "/domains?name=*", &[]).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            ask(&app, "POST", "/domain/hello.example", &[]).await.status,
            StatusCode::METHOD_NOT_ALLOWED
        );

        let help = ask(&app, "GET", "/help", &[]).await;
        assert_eq!(help.status, StatusCode::OK);
        assert_eq!(help.json["rdapConformance"][0], "rdap_level_0");

        let ns = ask(&app, "GET", "/nameserver/NS1.hello.example", &[]).await;
        assert_eq!(ns.json["ipAddresses"]["v4"][0], "192.0.2.53");
        assert_eq!(ns.json["status"], serde_json::json!(["associated"]));
        let registrar = ask(&app, "GET", "/entity/9990", &[]).await;
        assert_eq!(registrar.json["vcardArray"][1][1][3], "Alpha Registrar");
        let contact = ask(&app, "GET", "/entity/holder", &[]).await;
        assert_eq!(contact.status, StatusCode::OK);
        assert!(!contact.json.to_string().contains("Asha"), "{}", contact.json);
    })
    .await;
}

#[tokio::test]
async fn searches_are_capped_and_say_so() {
    both(|store| async move {
        let app = service(registry(store).await, GENEROUS);
        let names = |answer: &Answer, member: &str| -> Vec<String> {
            answer.json[member]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["ldhName"].as_str().unwrap().to_owned())
                .collect()
        };
        let he = ask(&app, "GET", "/domains?name=he*.example", &[]).await;
        assert_eq!(names(&he, "domainSearchResults"), ["hello.example", "help.example"]);
        assert_eq!(he.json["notices"].as_array().unwrap().len(), 1, "two results fit the cap of 2");
        assert!(!he.json.to_string().contains("Asha"), "no contacts in search results");
        let all = ask(&app, "GET", "/domains?name=h*", &[]).await;
        assert_eq!(all.json["domainSearchResults"].as_array().unwrap().len(), 2);
        let exact = ask(&app, "GET", "/domains?name=other.example", &[]).await;
        assert_eq!(names(&exact, "domainSearchResults"), ["other.example"]);
        let by_ns = ask(&app, "GET", "/domains?nsLdhName=ns1.hello.example", &[]).await;
        assert_eq!(names(&by_ns, "domainSearchResults"), ["other.example"]);
        let by_ip = ask(&app, "GET", "/domains?nsIp=192.0.2.53", &[]).await;
        assert_eq!(names(&by_ip, "domainSearchResults"), ["other.example"]);
        let hosts = ask(&app, "GET", "/nameservers?ip=192.0.2.53", &[]).await;
        assert_eq!(names(&hosts, "nameserverSearchResults"), ["ns1.hello.example"]);
        let hosts = ask(&app, "GET", "/nameservers?name=ns*.hello.example", &[]).await;
        assert_eq!(names(&hosts, "nameserverSearchResults"), ["ns1.hello.example"]);
        let none = ask(&app, "GET", "/domains?name=zz*", &[]).await;
        assert_eq!(
            (none.status, none.json["domainSearchResults"].as_array().unwrap().len()),
            (StatusCode::OK, 0)
        );
        let registrars = ask(&app, "GET", "/entities?fn=beta*", &[]).await;
        assert_eq!(registrars.json["entitySearchResults"][0]["handle"], "beta");
        let by_handle = ask(&app, "GET", "/entities?handle=9990", &[]).await;
        assert_eq!(
            by_handle.json["entitySearchResults"][0]["vcardArray"][1][1][3],
            "Alpha Registrar"
        );
    })
    .await;
}

#[tokio::test]
async fn a_client_over_its_rate_is_told_when_to_return() {
    both(|store| async move {
        let app =
            service(registry(store).await, RateLimit { per_second: 1, burst: 3, max_clients: 16 });
        for _ in 0..3 {
            assert_eq!(ask(&app, "GET", "/help", &[]).await.status, StatusCode::OK);
        }
        let refused = ask(&app, "GET", "/help", &[]).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers[header::RETRY_AFTER], "1");
        assert_eq!(refused.json["errorCode"], 429);
    })
    .await;
}

#[tokio::test]
async fn a_failed_registrar_and_its_names_say_so_until_they_move() {
    both(|store| async move {
        let registry = registry(store).await;
        registry.declare_failed("alpha", "court order", datetime!(2026-03-15 00:00 UTC)).await.unwrap();
        let app = service(registry.clone(), GENEROUS);
        let domain = ask(&app, "GET", "/domain/hello.example", &[]).await;
        let remark = domain.json["remarks"][0].to_string();
        assert!(remark.contains("Alpha Registrar (alpha) was declared FAILED by the registry on 2026-03-15T00:00:00Z"), "{remark}");
        assert!(remark.contains("The registry holds this name"), "{remark}");
        assert!(remark.contains("https://desk.nic.example/"), "{remark}");
        let entity = ask(&app, "GET", "/entity/9990", &[]).await;
        assert!(entity.json["remarks"][0].to_string().contains("declared FAILED"), "{}", entity.json);

        let mut bulk = BulkTransfer::new("alpha", "beta");
        bulk.include_resellers = true;
        registry.bulk_transfer(&bulk, datetime!(2026-03-20 00:00 UTC), |_| {}).await.unwrap();
        let moved = ask(&app, "GET", "/domain/hello.example", &[]).await;
        assert!(moved.json.get("remarks").is_none(), "{}", moved.json);
        assert_eq!(moved.json["entities"][0]["handle"], "beta");
        let transfers: Vec<&Value> = moved.json["events"].as_array().unwrap().iter().filter(|e| e["eventAction"] == "transfer").collect();
        assert_eq!(transfers.len(), 1, "{}", moved.json);
        assert_eq!(transfers[0]["eventDate"], "2026-03-20T00:00:00Z");
    })
    .await;
}
