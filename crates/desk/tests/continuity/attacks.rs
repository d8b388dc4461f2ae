//! The three attacks found against the first desk, and forged forms, as tests that show they
//! now do no harm (issue 20):
//!
//! 1. wrong guesses by anyone (behind the same proxy, or from many addresses) locked everyone
//!    out, or multiplied an attacker's guesses;
//! 2. one client sent 30 code mails to one registrant in 3 s and stored 1,000 cases in 0.9 s;
//! 3. a case opened by an attacker and confirmed by the real registrant handed the transfer
//!    code to the attacker.

use std::sync::Arc;

use axum::http::StatusCode;
use nameward_registry::service::Registry;
use nameward_registry::testing::both;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::support::{Browser, FAILED_AT, Recorder, TestClock, csrf_in, desk_for, fail, registry};

fn browser(registry: &Registry, mailer: &Recorder, clock: &TestClock, ip: [u8; 4]) -> Browser {
    Browser::new(desk_for(registry, Arc::new(mailer.clone()), clock), ip)
}

async fn refusals(registry: &Registry, since: OffsetDateTime) -> Vec<(String, String)> {
    let mut tx = registry.store().begin_read().await.unwrap();
    let rows = tx.desk_refusals_since(since, 10_000).await.unwrap();
    tx.rollback().await.unwrap();
    rows.into_iter().map(|(_, step, kind, _, _)| (step, kind)).collect()
}

#[tokio::test]
async fn wrong_guesses_by_others_count_for_nothing_and_lock_no_one_out() {
    both(|store| async move {
        let registry = registry(store).await;
        fail(&registry, "gone").await;
        let clock = TestClock::new(FAILED_AT);
        let mailer = Recorder::default();
        // The registrant and the attacker share one proxy address.
        let registrant = browser(&registry, &mailer, &clock, [198, 51, 100, 7]);
        let (_, case) = registrant.open("c.example").await;
        let id = case["id"].as_str().unwrap().to_owned();
        let (status, _) = registrant.post(&format!("/v1/cases/{id}/verify/email"), json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let code = mailer.last_code();
        let wrong = if code == "00000000" { "11111111" } else { "00000000" };
        let confirm = format!("/v1/cases/{id}/verify/email/confirm");

        // Fifty wrong guesses from other browsers, behind the same address and from many
        // others: each refused before the code is looked at, none counted.
        for n in 0..50u8 {
            let ip = if n % 2 == 0 { [198, 51, 100, 7] } else { [203, 0, 113, n] };
            let attacker = browser(&registry, &mailer, &clock, ip);
            let (status, body) = attacker.post(&confirm, json!({"code": wrong})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert_eq!(body["error"], "other-session");
        }
        // Even the right code, typed in another browser, proves nothing there.
        let elsewhere = browser(&registry, &mailer, &clock, [203, 0, 113, 200]);
        let (status, _) = elsewhere.post(&confirm, json!({"code": code})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, shown) = registrant.get(&format!("/v1/cases/{id}")).await;
        assert_eq!(shown["code_failures"], 0, "{shown}");
        assert_eq!(shown["code_asked_here"], true);

        // The registrant is not locked out.
        let (status, verified) = registrant.post(&confirm, json!({"code": code})).await;
        assert_eq!(status, StatusCode::OK, "{verified}");
        assert_eq!(verified["proven_here"], true);

        // In its own session an attacker gets five wrong entries per code, each after a
        // doubling pause; the code is then void, and new codes come at the mail limit's pace.
        let attacker = browser(&registry, &mailer, &clock, [203, 0, 113, 1]);
        let (_, case) = attacker.open("a.example").await;
        let id = case["id"].as_str().unwrap().to_owned();
        attacker.post(&format!("/v1/cases/{id}/verify/email"), json!({})).await;
        let code = mailer.last_code();
        let wrong = if code == "00000000" { "11111111" } else { "00000000" };
        let confirm = format!("/v1/cases/{id}/verify/email/confirm");
        let (status, body) = attacker.post(&confirm, json!({"code": wrong})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "wrong-code");
        let (status, body) = attacker.post(&confirm, json!({"code": wrong})).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "no pause was kept: {body}");
        for pause in [2, 4, 8, 16] {
            clock.set(clock.get() + Duration::seconds(pause));
            attacker.post(&confirm, json!({"code": wrong})).await;
        }
        clock.set(clock.get() + Duration::seconds(32));
        let (status, body) = attacker.post(&confirm, json!({"code": code})).await;
        assert_eq!(status, StatusCode::CONFLICT, "the right code after five wrong ones: {body}");
        assert_eq!(body["error"], "no-code");
        // A new code (the minute since the last mail to jane has passed), and no third one
        // before two more minutes.
        let (status, body) =
            attacker.post(&format!("/v1/cases/{id}/verify/email"), json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let (status, body) =
            attacker.post(&format!("/v1/cases/{id}/verify/email"), json!({})).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    })
    .await;
}

#[tokio::test]
async fn one_client_can_neither_flood_a_registrant_with_mail_nor_the_store_with_cases() {
    both(|store| async move {
        let registry = registry(store).await;
        fail(&registry, "gone").await;
        let clock = TestClock::new(FAILED_AT);
        let mailer = Recorder::default();
        let client = browser(&registry, &mailer, &clock, [192, 0, 2, 50]);
        let (_, case) = client.open("a.example").await;
        let id = case["id"].as_str().unwrap().to_owned();

        // Thirty code requests at once: one mail, twenty-nine refusals saying when.
        let mut refused = 0;
        for _ in 0..30 {
            let (status, body) =
                client.post(&format!("/v1/cases/{id}/verify/email"), json!({})).await;
            if status == StatusCode::TOO_MANY_REQUESTS {
                assert_eq!(body["error"], "too-soon", "{body}");
                refused += 1;
            }
        }
        assert_eq!(mailer.mails.lock().unwrap().len(), 1);
        assert_eq!(refused, 29);
        // Another case for another of jane's names, from another client: still one mail to
        // her address within the minute.
        let other = browser(&registry, &mailer, &clock, [192, 0, 2, 51]);
        let (_, case) = other.open("b.example").await;
        let b = case["id"].as_str().unwrap().to_owned();
        let (status, _) = other.post(&format!("/v1/cases/{b}/verify/email"), json!({})).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        clock.set(clock.get() + Duration::minutes(1));
        let (status, _) = other.post(&format!("/v1/cases/{b}/verify/email"), json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "the wait passes: no lockout");
        assert_eq!(mailer.mails.lock().unwrap().len(), 2);

        // A thousand cases from one client: five stored (one above), the rest refused.
        let before = clock.get();
        let mut opened = 1;
        for _ in 0..1000 {
            let (status, _) = client.open("c.example").await;
            if status == StatusCode::CREATED {
                opened += 1;
            } else {
                assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
            }
        }
        assert_eq!(opened, 5);
        let recorded = refusals(&registry, before).await;
        assert_eq!(
            recorded.iter().filter(|(step, kind)| step == "open" && kind == "too-soon").count(),
            996,
            "every refusal is on the record"
        );

        // Per domain: many clients may open ten cases for one name at once, then wait at most
        // five minutes each: a delay an outsider can cause, never a lockout.
        clock.set(clock.get() + Duration::days(2));
        let mut status = StatusCode::CREATED;
        for n in 0..11u8 {
            let client = browser(&registry, &mailer, &clock, [203, 0, 113, n]);
            (status, _) = client.open("d.example").await;
        }
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        for _ in 0..12 {
            clock.set(clock.get() + Duration::minutes(5));
            let client = browser(&registry, &mailer, &clock, [203, 0, 113, 100]);
            let (status, body) = client.open("d.example").await;
            assert_eq!(status, StatusCode::CREATED, "the ceiling is five minutes: {body}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_case_opened_by_an_outsider_gives_the_outsider_nothing() {
    both(|store| async move {
        let registry = registry(store).await;
        fail(&registry, "gone").await;
        let clock = TestClock::new(FAILED_AT);
        let mailer = Recorder::default();
        let attacker = browser(&registry, &mailer, &clock, [203, 0, 113, 66]);
        let registrant = browser(&registry, &mailer, &clock, [192, 0, 2, 10]);

        // The attacker opens a case for jane's name and has a code mailed to her.
        let (_, case) = attacker.open("a.example").await;
        let id = case["id"].as_str().unwrap().to_owned();
        attacker.post(&format!("/v1/cases/{id}/verify/email"), json!({})).await;
        let code = mailer.last_code();
        let body = mailer.mails.lock().unwrap().last().unwrap().body.clone();
        assert!(body.contains("in that browser only"), "{body}");
        // Jane, following the mail, types the code into the attacker's case from her browser:
        // it is not hers to confirm there, and nothing is proven.
        let (status, refused) = registrant
            .post(&format!("/v1/cases/{id}/verify/email/confirm"), json!({"code": code}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
        assert_eq!(refused["error"], "other-session");
        let (status, body) =
            attacker.post(&format!("/v1/cases/{id}/transfer-code"), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "wrong-state");

        // Jane proves control in her own case; the attacker, holding that case's id too, gets
        // no code from it.
        clock.set(clock.get() + Duration::hours(1));
        let (_, case) = registrant.open("a.example").await;
        let mine = case["id"].as_str().unwrap().to_owned();
        registrant.post(&format!("/v1/cases/{mine}/verify/email"), json!({})).await;
        let code = mailer.last_code();
        let (status, _) = registrant
            .post(&format!("/v1/cases/{mine}/verify/email/confirm"), json!({"code": code}))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) =
            attacker.post(&format!("/v1/cases/{mine}/transfer-code"), json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "other-session");
        let (status, issued) =
            registrant.post(&format!("/v1/cases/{mine}/transfer-code"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{issued}");
        let (_, shown) = attacker.get(&format!("/v1/cases/{mine}")).await;
        assert_eq!(shown["proven_here"], false);
        assert!(!shown.to_string().contains(issued["transfer_code"].as_str().unwrap()));
        let trail: Vec<String> = shown["audit"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| format!("{} {}", entry["action"], entry["detail"]))
            .collect();
        assert!(
            trail.iter().any(|line| line.contains("transfer_code: other-session")),
            "{trail:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn forged_and_foreign_forms_are_refused_with_a_page_and_recorded() {
    both(|store| async move {
        let registry = registry(store).await;
        fail(&registry, "gone").await;
        let clock = TestClock::new(FAILED_AT);
        let mailer = Recorder::default();
        let registrant = browser(&registry, &mailer, &clock, [192, 0, 2, 10]);
        let (status, landing) = registrant.page("/en/name?d=a.example").await;
        assert_eq!(status, StatusCode::OK);
        let token = csrf_in(&landing);
        let fields = [("csrf", token.as_str()), ("domain", "a.example"), ("kind", "transfer-code")];

        // No token, another session's token, a browser without the cookie: refused, and on
        // the record; no case opened.
        let stranger = browser(&registry, &mailer, &clock, [203, 0, 113, 5]);
        let (_, theirs) = stranger.page("/en/name?d=a.example").await;
        let foreign = csrf_in(&theirs);
        let before = clock.get();
        for fields in [
            &[("domain", "a.example"), ("kind", "transfer-code")][..],
            &[("csrf", foreign.as_str()), ("domain", "a.example"), ("kind", "transfer-code")][..],
        ] {
            let (status, location, page) = registrant.form("/en/cases", fields).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
            assert_eq!(location, None);
            assert!(page.contains("This form has expired"), "{page}");
        }
        let cookieless = browser(&registry, &mailer, &clock, [203, 0, 113, 6]);
        let (status, _, _) = cookieless.form("/en/cases", &fields).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let recorded = refusals(&registry, before).await;
        assert_eq!(recorded.iter().filter(|(_, kind)| kind == "csrf").count(), 3, "{recorded:?}");

        // A script in any field comes back escaped.
        let script = "<script>alert(1)</script>";
        let (status, page) =
            registrant.page(&format!("/en/name?d={}", "%3Cscript%3Ealert(1)%3C%2Fscript%3E")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!page.contains(script));
        let (status, location, _) = registrant
            .form(
                "/en/cases",
                &[
                    ("csrf", token.as_str()),
                    ("domain", "a.example"),
                    ("kind", "complaint"),
                    ("detail", script),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, page) = registrant.page(&location.unwrap()).await;
        assert!(!page.contains(script), "{page}");
        // An oversized body is refused before it is read in full.
        let big = "x".repeat(64 * 1024);
        let (status, _, _) = registrant
            .form(
                "/en/cases",
                &[
                    ("csrf", token.as_str()),
                    ("domain", "a.example"),
                    ("kind", "complaint"),
                    ("detail", &big),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        // A valid cookie is kept; a tampered one is no session, and a fresh one is issued.
        let (_, headers, _) =
            stranger.send(axum::http::Method::GET, "/en/", None, String::new()).await;
        assert!(headers.get("set-cookie").is_none(), "a valid cookie is kept");
        stranger.set_cookie("nameward-desk=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!");
        let (_, headers, _) =
            stranger.send(axum::http::Method::GET, "/en/", None, String::new()).await;
        let cookie = headers.get("set-cookie").unwrap().to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    })
    .await;
}
