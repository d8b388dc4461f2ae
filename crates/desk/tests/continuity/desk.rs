//! The registrant desk over HTTP (the router driven in-process): e-mail and DNS verification,
//! transfer codes that work over EPP, guessing locked out, the audit trail.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Method, Request, StatusCode};
use nameward_client::Client as DnsClient;
use nameward_desk::{Desk, SmtpConfig, SmtpMailer, router};
use nameward_registry::model::{ObjectKind, TransferStatus};
use nameward_registry::service::{DeskOptions, Mailer, Registry, TransferOp};
use nameward_registry::testing::both;
use nameward_server::config::ZoneConfig;
use nameward_server::{Config, Server};
use serde_json::{Value, json};
use time::Duration;
use tower::ServiceExt;

use crate::support::{FAILED_AT, Recorder, TestClock, code_in, fail, meta, registry};
use nameward_desk::testing::SmtpSink;

struct Client {
    app: Router,
}

impl Client {
    fn new(desk: Desk, ip: [u8; 4]) -> Client {
        let peer = SocketAddr::from((ip, 40000));
        Client { app: router(desk).layer(MockConnectInfo(peer)) }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |body| Body::from(body.to_string())))
            .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn open(&self, domain: &str) -> (StatusCode, Value) {
        self.post("/v1/cases", json!({"domain": domain, "kind": "transfer-code"})).await
    }
}

fn desk(registry: &Registry, mailer: Arc<dyn Mailer>, clock: &TestClock) -> Desk {
    Desk {
        registry: registry.clone(),
        mailer,
        resolver: None,
        options: DeskOptions::default(),
        registry_name: "the .example registry".to_owned(),
        clock: clock.clock(),
    }
}

fn actions(case: &Value) -> Vec<String> {
    case["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_emailed_code_leads_to_a_transfer_code_another_registrar_uses() {
    both(|store| async move {
        let Some(sink) = SmtpSink::start(&[]) else { return };
        let registry = registry(store).await;
        fail(&registry, "gone").await;
        let clock = TestClock::new(FAILED_AT + Duration::days(1));
        let mailer =
            SmtpMailer::new(&SmtpConfig::parse(&sink.relay(), "desk@nic.example").unwrap())
                .unwrap();
        let client = Client::new(desk(&registry, Arc::new(mailer), &clock), [192, 0, 2, 10]);

        let (status, case) = client.open("A.Example.").await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        assert_eq!(case["state"], "open");
        assert_eq!(case["domain"], "a.example");
        assert_eq!(case["challenge_name"], "_nameward-challenge.a.example");
        let id = case["id"].as_str().unwrap().to_owned();

        // Nothing to issue before verification.
        let (status, _) = client.post(&format!("/v1/cases/{id}/transfer-code"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);

        let (status, sent) = client.post(&format!("/v1/cases/{id}/verify/email"), json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
        assert_eq!(sent["sent_to"], "j…@example.net");
        let received = sink.received();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].rcpt_tos, ["jane@example.net"]);
        let code = code_in(&received[0].data);

        let (status, verified) = client
            .post(&format!("/v1/cases/{id}/verify/email/confirm"), json!({"code": code}))
            .await;
        assert_eq!(status, StatusCode::OK, "{verified}");
        assert_eq!(verified["state"], "verified");
        assert_eq!(verified["verified_by"], "email");

        let (status, issued) =
            client.post(&format!("/v1/cases/{id}/transfer-code"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{issued}");
        let transfer_code = issued["transfer_code"].as_str().unwrap().to_owned();
        assert!(nameward_registry::secret::is_strong(&transfer_code));
        // Once only.
        let (status, again) =
            client.post(&format!("/v1/cases/{id}/transfer-code"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");

        // An active registrar asks for the name with it over EPP.
        let at = clock.get() + Duration::hours(2);
        let done = registry
            .domain_transfer(
                &meta("alpha", at),
                "a.example",
                TransferOp::Request,
                Some(&transfer_code),
                None,
            )
            .await
            .unwrap();
        assert_eq!(done.value.0.status, TransferStatus::Pending);
        assert_eq!(done.value.0.gaining, "alpha");

        // The history says who set the code and why, never the code.
        let mut tx = registry.store().begin_read().await.unwrap();
        let history = tx.history(ObjectKind::Domain, "a.example").await.unwrap();
        tx.rollback().await.unwrap();
        let entry = history.iter().find(|entry| entry.action == "desk_transfer_code").unwrap();
        assert_eq!(entry.actor, "registry");
        assert!(entry.reason.as_deref().unwrap_or_default().contains(&id));

        let (status, shown) = client.call(Method::GET, &format!("/v1/cases/{id}"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(shown["state"], "code-issued");
        assert_eq!(
            actions(&shown),
            ["opened", "email_code_sent", "verified", "transfer_code_issued"]
        );
        let text = shown.to_string();
        assert!(!text.contains(&code) && !text.contains(&transfer_code), "{text}");
        assert_eq!(shown["audit"][0]["client"], "192.0.2.10");
    })
    .await;
}

#[tokio::test]
async fn a_txt_record_at_the_challenge_name_verifies_a_case() {
    both(|store| async move {
        let registry = registry(store).await;
        fail(&registry, "gone").await;
        let clock = TestClock::new(FAILED_AT);
        let recorder = Recorder::default();
        let mut desk = desk(&registry, Arc::new(recorder), &clock);
        let client = Client::new(desk.clone(), [192, 0, 2, 11]);
        let (_, case) = client.open("c.example").await;
        let id = case["id"].as_str().unwrap().to_owned();
        let token = case["challenge_token"].as_str().unwrap().to_owned();
        let (_, other) = client.open("d.example").await;
        let other = other["id"].as_str().unwrap().to_owned();

        // Without a resolver configured, DNS verification is off.
        let (status, _) = client.post(&format!("/v1/cases/{id}/verify/dns"), json!({})).await;
        assert_eq!(status, StatusCode::NOT_IMPLEMENTED);

        // The registrant's own zone, served by nameward-server, holds the token.
        let dir =
            std::env::temp_dir().join(format!("nameward-desk-dns-{}-{id}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let zone = dir.join("c.example.zone");
        std::fs::write(
            &zone,
            format!(
                "$TTL 300\n@ SOA ns1 host 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n\
                 _nameward-challenge TXT \"unrelated\"\n_nameward-challenge TXT \"{token}\"\n"
            ),
        )
        .unwrap();
        let config = Config {
            listen: vec!["127.0.0.1:0".parse().unwrap()],
            zones: vec![ZoneConfig {
                origin: "c.example.".into(),
                file: zone,
                sign: false,
                update: Vec::new(),
                journal: None,
            }],
            workers: 1,
            ..Config::default()
        };
        // The server runs a runtime of its own, which cannot start inside this one.
        let server =
            tokio::task::spawn_blocking(move || Server::start(config).unwrap()).await.unwrap();
        let mut resolver = DnsClient::new(server.local_addrs()[0]);
        resolver.timeout = std::time::Duration::from_secs(1);
        desk.resolver = Some(resolver);
        let client = Client::new(desk, [192, 0, 2, 11]);

        let (status, verified) =
            client.post(&format!("/v1/cases/{id}/verify/dns"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{verified}");
        assert_eq!(verified["state"], "verified");
        assert_eq!(verified["verified_by"], "dns");

        // d.example is not in that server's zones: REFUSED is a DNS failure, not a pass.
        let (status, body) = client.post(&format!("/v1/cases/{other}/verify/dns"), json!({})).await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_GATEWAY,
            "{status} {body}"
        );
        let (_, shown) = client.call(Method::GET, &format!("/v1/cases/{other}"), None).await;
        assert_eq!(shown["state"], "open");

        let (status, issued) =
            client.post(&format!("/v1/cases/{id}/transfer-code"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{issued}");
        tokio::task::spawn_blocking(move || server.shutdown()).await.unwrap();
        std::fs::remove_dir_all(&dir).ok();
    })
    .await;
}

#[tokio::test]
async fn guessing_locks_the_case_and_slows_the_client() {
    both(|store| async move {
        let registry = registry(store).await;
        fail(&registry, "gone").await;
        let clock = TestClock::new(FAILED_AT);
        let recorder = Recorder::default();
        let client =
            Client::new(desk(&registry, Arc::new(recorder.clone()), &clock), [198, 51, 100, 7]);

        let (_, case) = client.open("c.example").await;
        let id = case["id"].as_str().unwrap().to_owned();
        client.post(&format!("/v1/cases/{id}/verify/email"), json!({})).await;
        let code = recorder.last_code();
        let wrong = if code == "00000000" { "11111111" } else { "00000000" };
        let confirm = format!("/v1/cases/{id}/verify/email/confirm");
        for remaining in (1..=4).rev() {
            let (status, body) = client.post(&confirm, json!({"code": wrong})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert_eq!(body["error"], "wrong-code");
            assert!(body["message"].as_str().unwrap().contains(&format!("{remaining} attempt")));
        }
        let (status, body) = client.post(&confirm, json!({"code": "not a code"})).await;
        assert_eq!(status, StatusCode::LOCKED, "{body}");
        let (status, _) = client.post(&confirm, json!({"code": code})).await;
        assert_eq!(status, StatusCode::LOCKED, "the right code no longer helps");
        let (_, shown) = client.call(Method::GET, &format!("/v1/cases/{id}"), None).await;
        assert_eq!(shown["locked"], true);
        assert_eq!(shown["state"], "closed");
        assert_eq!(actions(&shown).iter().filter(|a| *a == "email_code_wrong").count(), 5);
        assert!(!shown.to_string().contains(&code));

        // The same client on fresh cases: after ten wrong codes within the hour, refused.
        let mut made = 5;
        let mut last_case = String::new();
        while made < 10 {
            let (_, case) = client.open("a.example").await;
            last_case = case["id"].as_str().unwrap().to_owned();
            client.post(&format!("/v1/cases/{last_case}/verify/email"), json!({})).await;
            for _ in 0..2 {
                client
                    .post(
                        &format!("/v1/cases/{last_case}/verify/email/confirm"),
                        json!({"code": wrong}),
                    )
                    .await;
                made += 1;
            }
        }
        let right = recorder.last_code();
        let path = format!("/v1/cases/{last_case}/verify/email/confirm");
        let (status, body) = client.post(&path, json!({"code": right})).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        // Another client is not held back, and the limit passes with the hour.
        let other =
            Client::new(desk(&registry, Arc::new(recorder.clone()), &clock), [198, 51, 100, 8]);
        clock.set(FAILED_AT + Duration::minutes(20));
        let (status, body) = other.post(&path, json!({"code": right})).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // Codes expire after 30 minutes.
        let (_, case) = client.open("b.example").await;
        let id = case["id"].as_str().unwrap().to_owned();
        client.post(&format!("/v1/cases/{id}/verify/email"), json!({})).await;
        let code = recorder.last_code();
        clock.set(clock.get() + Duration::minutes(31));
        let (status, _) = other
            .post(&format!("/v1/cases/{id}/verify/email/confirm"), json!({"code": code}))
            .await;
        assert_eq!(status, StatusCode::GONE);
    })
    .await;
}

#[tokio::test]
async fn the_desk_serves_only_failed_registrars_names_unless_opened_for_all() {
    both(|store| async move {
        let registry = registry(store).await;
        let clock = TestClock::new(FAILED_AT);
        let mut desk = desk(&registry, Arc::new(Recorder::default()), &clock);
        let client = Client::new(desk.clone(), [192, 0, 2, 12]);
        let (status, body) = client.open("a.example").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "not-eligible");
        let (status, _) = client.open("nothing.example").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) =
            client.post("/v1/cases", json!({"domain": "a.example", "kind": "bribe"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, _) = client.call(Method::GET, "/v1/cases/cnope", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        desk.options.all_domains = true;
        let client = Client::new(desk, [192, 0, 2, 12]);
        let (status, body) = client
            .post(
                "/v1/cases",
                json!({"domain": "f.example", "kind": "complaint", "detail": "spam"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["kind"], "complaint");
    })
    .await;
}
