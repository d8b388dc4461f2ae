//! Notices: queueing (idempotent, one per registrant, reminders on their days) and sending
//! through a real SMTP server (resumable, bounces and failures tracked).

use std::collections::BTreeMap;

use nameward_desk::{SmtpConfig, SmtpMailer};
use nameward_registry::continuity::notices::{NoticeKind, NoticeState};
use nameward_registry::service::{Registry, SendOptions};
use nameward_registry::testing::both;
use time::{Duration, OffsetDateTime};

use crate::support::{EXPIRY, FAILED_AT, add_days, fail, letterhead, registry};
use nameward_desk::testing::SmtpSink;

/// Notices queued so far: (address, kind) → names.
async fn queued(registry: &Registry) -> BTreeMap<(String, &'static str), Vec<String>> {
    let mut seen = BTreeMap::new();
    for notice in registry.notices(None, 0, 1000).await.unwrap() {
        let names = notice.domains.iter().map(|domain| domain.name.clone()).collect();
        let previous = seen.insert((notice.address.clone(), notice.kind.as_str()), names);
        assert!(previous.is_none(), "two {} notices to {}", notice.kind.as_str(), notice.address);
    }
    seen
}

async fn count(registry: &Registry, kind: NoticeKind) -> usize {
    registry.notices(None, 0, 1000).await.unwrap().iter().filter(|n| n.kind == kind).count()
}

#[tokio::test]
async fn queueing_is_idempotent_and_groups_names_per_registrant() {
    both(|store| async move {
        let registry = registry(store).await;
        // Nothing while every registrar operates.
        let report = registry.queue_notices(FAILED_AT).await.unwrap();
        assert_eq!((report.registrars, report.notices), (0, 0));

        fail(&registry, "gone").await;
        let report = registry.queue_notices(FAILED_AT).await.unwrap();
        assert_eq!(report.registrars, 1);
        assert_eq!(report.names, 5);
        assert_eq!(report.notices, 3, "{report:?}");
        assert_eq!(report.items, 4);
        assert_eq!(report.unreachable, vec!["e.example".to_owned()]);
        let notices = queued(&registry).await;
        assert_eq!(
            notices.get(&("jane@example.net".to_owned(), "failure")),
            Some(&vec!["a.example".to_owned(), "b.example".to_owned()])
        );
        assert_eq!(
            notices.get(&("bob@example.org".to_owned(), "failure")),
            Some(&vec!["c.example".to_owned()]),
            "f.example's registrar operates, so it is not listed"
        );
        assert!(notices.contains_key(&("bounce@example.com".to_owned(), "failure")));

        // Again, at the same instant and later: nothing new.
        for now in [FAILED_AT, add_days(FAILED_AT, 1), add_days(FAILED_AT, 100)] {
            let again = registry.queue_notices(now).await.unwrap();
            assert_eq!((again.notices, again.items), (0, 0), "at {now}");
        }
        assert_eq!(registry.notices(None, 0, 1000).await.unwrap().len(), 3);
        for notice in registry.notices(None, 0, 1000).await.unwrap() {
            assert_eq!(notice.state, NoticeState::Queued);
            assert_eq!(notice.due_at, FAILED_AT);
        }
    })
    .await;
}

#[tokio::test]
async fn reminders_fall_30_and_7_days_before_and_once_after_expiry() {
    both(|store| async move {
        let registry = registry(store).await;
        fail(&registry, "gone").await;
        registry.queue_notices(FAILED_AT).await.unwrap();

        let queue = |now: OffsetDateTime| {
            let registry = registry.clone();
            async move { registry.queue_notices(now).await.unwrap().notices }
        };
        assert_eq!(queue(EXPIRY - Duration::days(31)).await, 0);
        // a (jane), c (bob), d (bounce) expire in a year; b two.
        assert_eq!(queue(EXPIRY - Duration::days(30)).await, 3);
        assert_eq!(queue(EXPIRY - Duration::days(29)).await, 0);
        assert_eq!(queue(EXPIRY - Duration::days(8)).await, 0);
        assert_eq!(count(&registry, NoticeKind::FirstReminder).await, 3);
        assert_eq!(queue(EXPIRY - Duration::days(7)).await, 3);
        assert_eq!(queue(EXPIRY - Duration::hours(1)).await, 0);
        assert_eq!(count(&registry, NoticeKind::SecondReminder).await, 3);
        let jane: Vec<_> = registry
            .notices(Some("jane@example.net"), 0, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|notice| notice.kind == NoticeKind::SecondReminder)
            .collect();
        assert_eq!(jane.len(), 1);
        assert_eq!(jane[0].domains.len(), 1, "b.example expires a year later");
        assert_eq!(jane[0].domains[0].name, "a.example");

        // The tick renews the names on credit at expiry; the after-expiry notice follows once.
        registry.tick(EXPIRY + Duration::hours(1)).await.unwrap();
        assert_eq!(queue(EXPIRY + Duration::days(2)).await, 3);
        assert_eq!(queue(EXPIRY + Duration::days(3)).await, 0);
        assert_eq!(queue(EXPIRY + Duration::days(6)).await, 0);
        assert_eq!(count(&registry, NoticeKind::AfterExpiry).await, 3);
        // Nothing from the next year's cycle yet.
        assert_eq!(queue(EXPIRY + Duration::days(200)).await, 0);
    })
    .await;
}

#[tokio::test]
async fn notices_go_out_through_smtp_resumably_with_bounces_tracked() {
    both(|store| async move {
        let Some(sink) = SmtpSink::start(&["bounce@example.com"]) else { return };
        let registry = registry(store).await;
        fail(&registry, "gone").await;
        registry.queue_notices(FAILED_AT).await.unwrap();
        let mailer =
            SmtpMailer::new(&SmtpConfig::parse(&sink.relay(), "notices@nic.example").unwrap())
                .unwrap();
        let mut options = SendOptions::new(letterhead());
        options.rate_per_second = 50.0;

        // A run cut short after one notice, then the rest: nothing is sent twice.
        options.limit = Some(1);
        let first = registry.send_notices(&mailer, &options, FAILED_AT).await.unwrap();
        assert_eq!((first.sent, first.tried()), (1, 1));
        assert_eq!(sink.received().len(), 1);
        options.limit = None;
        let rest = registry.send_notices(&mailer, &options, FAILED_AT).await.unwrap();
        assert_eq!((rest.sent, rest.bounced, rest.failed, rest.deferred), (1, 1, 0, 0));
        let again = registry.send_notices(&mailer, &options, FAILED_AT).await.unwrap();
        assert_eq!(again.tried(), 0);

        let received = sink.received();
        assert_eq!(received.len(), 2, "the refused recipient got nothing");
        let mut recipients: Vec<_> = received.iter().flat_map(|m| m.rcpt_tos.clone()).collect();
        recipients.sort();
        assert_eq!(recipients, ["bob@example.org", "jane@example.net"]);
        let jane = received.iter().find(|m| m.rcpt_tos == ["jane@example.net"]).unwrap();
        assert_eq!(jane.mail_from, "notices@nic.example");
        let text = jane.data.replace("=\r\n", "").replace("\r\n", "\n");
        for needle in [
            "Subject: Your registrar has failed: 2 domain names safe with the registry",
            "a.example: registered until 2027-03-01",
            "b.example: registered until 2028-03-01",
            "Gone Registrar (gone), has failed",
            "will not be deleted",
            "renews it on credit",
            "https://desk.nic.example",
            "_nameward-challenge",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
        assert!(!text.contains(" c.example:"), "bob's name is not in jane's notice");

        let by_address: BTreeMap<_, _> = registry
            .notices(None, 0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|notice| (notice.address.clone(), notice))
            .collect();
        assert_eq!(by_address["jane@example.net"].state, NoticeState::Sent);
        assert_eq!(by_address["jane@example.net"].sent_at, Some(FAILED_AT));
        assert_eq!(by_address["bob@example.org"].state, NoticeState::Sent);
        let bounced = &by_address["bounce@example.com"];
        assert_eq!(bounced.state, NoticeState::Bounced);
        assert_eq!(bounced.attempts, 1);
        let error = bounced.last_error.as_deref().unwrap_or_default();
        assert!(error.contains("550"), "{error}");
    })
    .await;
}

#[tokio::test]
async fn unreachable_relays_defer_then_fail_notices() {
    both(|store| async move {
        let registry = registry(store).await;
        fail(&registry, "gone").await;
        registry.queue_notices(FAILED_AT).await.unwrap();
        // Nothing listens on a port just bound and released.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut config =
            SmtpConfig::parse(&format!("127.0.0.1:{port}"), "notices@nic.example").unwrap();
        config.timeout = std::time::Duration::from_secs(2);
        let mailer = SmtpMailer::new(&config).unwrap();
        let mut options = SendOptions::new(letterhead());
        options.rate_per_second = 100.0;
        options.max_attempts = 2;
        let first = registry.send_notices(&mailer, &options, FAILED_AT).await.unwrap();
        assert_eq!(first.deferred, 3);
        // Not due again until the retry delay has passed.
        assert_eq!(registry.send_notices(&mailer, &options, FAILED_AT).await.unwrap().tried(), 0);
        let later = add_days(FAILED_AT, 1);
        let second = registry.send_notices(&mailer, &options, later).await.unwrap();
        assert_eq!(second.failed, 3);
        for notice in registry.notices(None, 0, 100).await.unwrap() {
            assert_eq!(notice.state, NoticeState::Failed);
            assert_eq!(notice.attempts, 2);
            assert!(notice.last_error.is_some());
        }
        assert_eq!(registry.send_notices(&mailer, &options, later).await.unwrap().tried(), 0);
    })
    .await;
}
