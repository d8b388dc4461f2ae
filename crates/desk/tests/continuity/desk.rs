//! The registrant desk over HTTP (the router driven in-process): e-mail and DNS verification,
//! transfer codes that work over EPP, guessing locked out, the audit trail.

use std::sync::Arc;

use crate::support::{
    Browser, FAILED_AT, Recorder, TestClock, alpha_asks_for, code_in, desk_for, fail, registry,
};
use axum::http::{Method, StatusCode};
use nameward_client::Client as DnsClient;
use nameward_desk::testing::SmtpSink;
use nameward_desk::{Desk, SmtpConfig, SmtpMailer};
use nameward_registry::model::ObjectKind;
use nameward_registry::service::{Mailer, Registry};
use nameward_registry::testing::both;
use nameward_server::config::ZoneConfig;
use nameward_server::{Config, Server};
use serde_json::{Value, json};
use time::Duration;

type Client = Browser;

fn desk(registry: &Registry, mailer: Arc<dyn Mailer>, clock: &TestClock) -> Desk {
    desk_for(registry, mailer, clock)
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
        // Another browser holding the case id gets nothing; this one may get a fresh code
        // (the old one then stops working) and uses the first one below, so take it again.
        let other =
            Client::new(desk(&registry, Arc::new(Recorder::default()), &clock), [192, 0, 2, 99]);
        let (status, body) = other.post(&format!("/v1/cases/{id}/transfer-code"), json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "other-session");
        let (status, again) =
            client.post(&format!("/v1/cases/{id}/transfer-code"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_ne!(again["transfer_code"], issued["transfer_code"]);
        let transfer_code = again["transfer_code"].as_str().unwrap().to_owned();

        // An active registrar asks for the name with it over EPP.
        let at = clock.get() + Duration::hours(2);
        alpha_asks_for(&registry, "a.example", &transfer_code, at).await;

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
            [
                "opened",
                "refused",
                "email_code_sent",
                "verified",
                "transfer_code_issued",
                "refused",
                "transfer_code_issued"
            ]
        );
        let text = shown.to_string();
        assert!(!text.contains(&code) && !text.contains(&transfer_code), "{text}");
        assert_eq!(shown["audit"][0]["client"], "192.0.2.10");
        // The code mail is well-formed MIME, plain and HTML, and links to the case.
        let data = &received[0].data;
        for header in
            ["Message-ID: <", "Date: ", "MIME-Version: 1.0", "multipart/alternative", "text/html"]
        {
            assert!(data.contains(header), "{header} missing from\n{data}");
        }
        // Quoted-printable: soft line breaks joined.
        let text = data.replace("=\r\n", "").replace("=\n", "");
        let link = format!("https://desk.nic.example/en/cases/{id}");
        assert_eq!(text.matches(&link).count(), 2, "plain and HTML parts link the case: {data}");
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
        let (status, _) = client.get("/v1/cases/cnope").await;
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
