//! The desk's delegation switch: a verified delegation-change case puts a failed registrar's
//! name on continuity DNS (the registry's name servers serving its escrowed zone), audited in
//! the case trail; cases of another kind, unverified, or for a name without an escrowed zone
//! are refused with the right status.

use std::sync::Arc;

use crate::support::{
    Browser, FAILED_AT, Recorder, START, TestClock, desk_for, fail, meta, registry,
};
use axum::http::StatusCode;
use nameward_escrow::{Customer, DepositBuilder, DepositKind, Domain, Limits, SigningKey};
use nameward_registry::lifecycle::domain::DomainUpdate;
use nameward_registry::lifecycle::host::HostCreate;
use nameward_registry::model::ObjectKind;
use nameward_registry::service::Registry;
use nameward_registry::testing::{both, example_apex};
use serde_json::{Value, json};
use time::Duration;

async fn call(app: &Browser, path: &str, body: Value) -> (StatusCode, Value) {
    app.post(path, body).await
}

/// The support registry, with apex name servers for `example`, a.example and b.example on
/// gone's name server, and gone's escrow holding a.example's zone; then gone fails.
async fn prepare(registry: &Registry) {
    let apex = example_apex();
    registry.set_zone_apex(&apex, START).await.unwrap();
    let host = HostCreate { name: "ns1.gone-dns.test".to_owned(), addrs: vec![] };
    registry.host_create(&meta("gone", START), &host).await.unwrap();
    for name in ["a.example", "b.example"] {
        let update = DomainUpdate {
            add_ns: vec!["ns1.gone-dns.test".to_owned()],
            ..DomainUpdate::default()
        };
        registry.domain_update(&meta("gone", START), name, &update).await.unwrap();
    }
    let key = SigningKey::from_bytes(&[4; 32]);
    let pem = nameward_escrow::public_key_pem(&key.verifying_key()).unwrap();
    registry.set_escrow_key("gone", &pem, START).await.unwrap();
    let deposit = DepositBuilder::new("gone", "gone-1", DepositKind::Full, START)
        .customer(Customer {
            id: "jane".to_owned(),
            name: "Jane".to_owned(),
            email: "jane@example.net".to_owned(),
            balance: 0,
            currency: "USD".to_owned(),
            reseller: None,
        })
        .domain(Domain {
            name: "a.example".to_owned(),
            registrant: None,
            customer: Some("jane".to_owned()),
            admin: None,
            tech: None,
            reseller: None,
            privacy: false,
            expires: START + Duration::days(365),
            nameservers: vec!["ns1.gone-dns.test".to_owned()],
        })
        .zone(
            "a.example",
            "$TTL 300\n@ IN SOA ns1.gone-dns.test. jane.example.net. 1 3600 600 86400 300\n\
             @ IN NS ns1.gone-dns.test.\nwww IN A 192.0.2.80\n",
        )
        .build(&key, true)
        .unwrap();
    registry.import_escrow("gone", &deposit, &Limits::default(), START).await.unwrap();
    fail(registry, "gone").await;
}

/// Opens a case of `kind` for `domain` and verifies it by e-mail code.
async fn verified_case(
    app: &Browser,
    mailer: &Recorder,
    clock: &TestClock,
    domain: &str,
    kind: &str,
) -> String {
    // Past the wait between code mails to one address.
    clock.set(clock.get() + Duration::hours(1));
    let (status, case) = call(app, "/v1/cases", json!({"domain": domain, "kind": kind})).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap().to_owned();
    let (status, _) = call(app, &format!("/v1/cases/{id}/verify/email"), json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let code = mailer.last_code();
    let (status, case) =
        call(app, &format!("/v1/cases/{id}/verify/email/confirm"), json!({"code": code})).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    id
}

#[tokio::test]
async fn a_verified_delegation_change_case_switches_the_name_to_continuity_dns() {
    both(|store| async move {
        let registry = registry(store).await;
        prepare(&registry).await;
        let clock = TestClock::new(FAILED_AT + Duration::days(1));
        let mailer = Recorder::default();
        let app =
            Browser::new(desk_for(&registry, Arc::new(mailer.clone()), &clock), [192, 0, 2, 10]);

        // Not before verification.
        let (status, case) =
            call(&app, "/v1/cases", json!({"domain": "a.example", "kind": "delegation-change"}))
                .await;
        assert_eq!(status, StatusCode::CREATED);
        let id = case["id"].as_str().unwrap();
        let (status, body) = call(&app, &format!("/v1/cases/{id}/continuity-dns"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "wrong-state");

        // Not for a transfer-code case, verified or not.
        let transfer = verified_case(&app, &mailer, &clock, "a.example", "transfer-code").await;
        let (status, body) =
            call(&app, &format!("/v1/cases/{transfer}/continuity-dns"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "wrong-kind");

        // Not for a name without an escrowed zone; the trail keeps the refusal.
        let b = verified_case(&app, &mailer, &clock, "b.example", "delegation-change").await;
        let (status, body) = call(&app, &format!("/v1/cases/{b}/continuity-dns"), json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"], "cannot-switch");
        assert!(body["message"].as_str().unwrap().contains("hosted zone of b.example"), "{body}");
        let case = registry.desk_case(&b, "").await.unwrap();
        let trail: Vec<&str> = case.audit.iter().map(|entry| entry.action.as_str()).collect();
        assert_eq!(trail[trail.len() - 2..], ["delegation_switch_refused", "refused"], "{trail:?}");

        let id = verified_case(&app, &mailer, &clock, "a.example", "delegation-change").await;
        let (status, switched) =
            call(&app, &format!("/v1/cases/{id}/continuity-dns"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{switched}");
        assert_eq!(switched["nameservers"], json!(["ns1.nic.example"]));
        assert_eq!(switched["record"]["domain"], "a.example");
        assert_eq!(switched["record"]["case_id"], id.as_str());
        assert_eq!(switched["record"]["escrow_registrar"], "gone");

        let case = registry.desk_case(&id, "").await.unwrap();
        let trail: Vec<&str> = case.audit.iter().map(|entry| entry.action.as_str()).collect();
        assert_eq!(
            trail,
            ["opened", "email_code_sent", "verified", "delegation_switched"],
            "{:?}",
            case.audit
        );
        let detail = case.audit.last().unwrap().detail.clone().unwrap();
        assert!(detail.contains("to ns1.nic.example"), "{detail}");
        assert_eq!(case.audit.last().unwrap().client, "192.0.2.10");
        let (_, shown) = app.get(&format!("/v1/cases/{id}")).await;
        assert_eq!(shown["state"], "delegation-switched");

        // The TLD zone delegates the name to the registry's server; the history names the case.
        let (_, records) = registry.tld_zone("example").await.unwrap();
        let lines: Vec<String> = records
            .iter()
            .map(ToString::to_string)
            .filter(|line| line.starts_with("a.example."))
            .collect();
        assert_eq!(lines, ["a.example. 3600 IN NS ns1.nic.example."]);
        let mut tx = registry.store().begin_read().await.unwrap();
        let history = tx.history(ObjectKind::Domain, "a.example").await.unwrap();
        tx.rollback().await.unwrap();
        let entry = history.last().unwrap();
        assert_eq!(entry.action, "continuity_dns_switch");
        assert!(entry.reason.as_deref().unwrap().contains(&format!("desk case {id}")));

        // Once only.
        let (status, body) = call(&app, &format!("/v1/cases/{id}/continuity-dns"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
    })
    .await;
}
