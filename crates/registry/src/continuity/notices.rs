//! Registrant notices: which e-mails a name of a failed registrar calls for at a given instant,
//! and what they say.
//!
//! Every name of a FAILED sponsor earns one *failure* notice (the registrar failed, the name is
//! safe, how to move it, its expiry), then expiry reminders after the ICANN ERRP pattern: about
//! 30 days before expiry, about 7 days before, and once within 5 days after (by then the
//! registry has renewed it on credit). Notices are grouped per registrant address by the
//! service; this module decides per name.
//!
//! A reminder whose window opened before the failure notice was queued is left out: the failure
//! notice already gave that expiry date, and two e-mails in one morning read as spam.
//!
//! Each decision carries an *occasion* — the failed sponsor for a failure notice, the expiry
//! date for a reminder — and (name, kind, occasion) is noticed at most once, which is what
//! makes queueing idempotent however often and at whatever instants it runs.

use std::fmt::Write as _;

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::lifecycle::add_years;

/// Days before expiry the first reminder's window opens.
pub const FIRST_REMINDER_DAYS: i64 = 30;
/// Days before expiry the second reminder's window opens.
pub const SECOND_REMINDER_DAYS: i64 = 7;
/// Days after expiry during which the post-expiry notice may go out.
pub const AFTER_EXPIRY_DAYS: i64 = 5;

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoticeKind {
    /// The sponsor failed: the names are safe and can be moved.
    Failure,
    /// About 30 days to expiry.
    FirstReminder,
    /// About 7 days to expiry.
    SecondReminder,
    /// The expiry date passed; the registry renewed the name on credit.
    AfterExpiry,
}

impl NoticeKind {
    /// Every kind.
    pub const ALL: [NoticeKind; 4] = [
        NoticeKind::Failure,
        NoticeKind::FirstReminder,
        NoticeKind::SecondReminder,
        NoticeKind::AfterExpiry,
    ];

    /// The stored and printed name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Failure => "failure",
            NoticeKind::FirstReminder => "reminder-30",
            NoticeKind::SecondReminder => "reminder-7",
            NoticeKind::AfterExpiry => "after-expiry",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// The delivery state of a queued notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeState {
    /// Waiting to be sent (or to be tried again).
    Queued,
    /// The mail server accepted it.
    Sent,
    /// The mail server refused the recipient for good.
    Bounced,
    /// Every attempt failed; given up.
    Failed,
}

impl NoticeState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeState::Queued => "queued",
            NoticeState::Sent => "sent",
            NoticeState::Bounced => "bounced",
            NoticeState::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<NoticeState> {
        [NoticeState::Queued, NoticeState::Sent, NoticeState::Bounced, NoticeState::Failed]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// One notice a name calls for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueNotice {
    /// What about.
    pub kind: NoticeKind,
    /// The occasion, part of the once-only key: `sponsor:<id>` or the expiry in RFC 3339.
    pub occasion: String,
}

/// The notices a name of the failed registrar `sponsor`, expiring at `expires_at`, calls for at
/// `now`. `failure_noticed_at` is when its failure notice for this sponsor was queued, if it
/// was; `renewed_on_credit_at` when the registry last renewed the name on credit, if it ever
/// did. Notices already queued are the caller's to leave out (by their key).
pub fn due_notices(
    sponsor: &str,
    expires_at: OffsetDateTime,
    failure_noticed_at: Option<OffsetDateTime>,
    renewed_on_credit_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Vec<DueNotice> {
    let Some(noticed) = failure_noticed_at else {
        return vec![DueNotice { kind: NoticeKind::Failure, occasion: failure_occasion(sponsor) }];
    };
    let mut due = Vec::new();
    let window = |opens: OffsetDateTime, closes: OffsetDateTime| {
        opens > noticed && opens <= now && now < closes
    };
    // The tick renews a name on credit at its expiry, so after expiry the date the notice is
    // about is the one before the current (or the current, if the tick has not run yet). The
    // one before counts only if a credit renewal did take the name past it: a name registered
    // for two years has no expiry a year before its current one.
    let previous = add_years(expires_at, -1);
    let renewed_past_previous = renewed_on_credit_at.is_some_and(|at| at >= previous);
    let expiries = [renewed_past_previous.then_some(previous), Some(expires_at)];
    for expiry in expiries.into_iter().flatten() {
        if window(expiry, expiry + Duration::days(AFTER_EXPIRY_DAYS)) {
            due.push(DueNotice {
                kind: NoticeKind::AfterExpiry,
                occasion: expiry_occasion(expiry),
            });
        }
    }
    let first = expires_at - Duration::days(FIRST_REMINDER_DAYS);
    let second = expires_at - Duration::days(SECOND_REMINDER_DAYS);
    if window(first, second) {
        due.push(DueNotice {
            kind: NoticeKind::FirstReminder,
            occasion: expiry_occasion(expires_at),
        });
    }
    if window(second, expires_at) {
        due.push(DueNotice {
            kind: NoticeKind::SecondReminder,
            occasion: expiry_occasion(expires_at),
        });
    }
    due
}

/// The expiry dates for which some reminder may be due at `now`, as ranges `(start, end]`:
/// wider than what [`due_notices`] decides, and cheap for a database to test on an indexed
/// column, so that a queue run need not look again at a name no reminder can concern.
pub fn reminder_expiries(now: OffsetDateTime) -> [(OffsetDateTime, OffsetDateTime); 2] {
    // This expiry: from the first reminder's window, opening 30 days before it, to the close
    // of the after-expiry one, 5 days after it.
    let current =
        (now - Duration::days(AFTER_EXPIRY_DAYS), now + Duration::days(FIRST_REMINDER_DAYS));
    // The expiry before, once the tick has renewed the name on credit: its after-expiry
    // window. A year back is 365 or 366 days (add_years moves 29 February to the 28th); a day
    // of margin on each side covers both.
    let previous =
        (now + Duration::days(365 - AFTER_EXPIRY_DAYS - 1), now + Duration::days(366 + 1));
    [current, previous]
}

/// The occasion of a failure notice about `sponsor`'s failure.
pub fn failure_occasion(sponsor: &str) -> String {
    format!("sponsor:{sponsor}")
}

fn expiry_occasion(expiry: OffsetDateTime) -> String {
    expiry.format(&Rfc3339).unwrap_or_else(|_| expiry.unix_timestamp().to_string())
}

/// A name as a notice lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoticeDomain {
    /// The domain name.
    pub name: String,
    /// Its expiry when the notice was queued.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The failed registrar's id.
    pub sponsor: String,
    /// The failed registrar's name.
    pub sponsor_name: String,
}

/// A notice in the queue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    /// Its number.
    pub id: u64,
    /// The registrant address it goes to.
    pub address: String,
    /// What about.
    #[serde(serialize_with = "kind_name")]
    pub kind: NoticeKind,
    /// The names its letter lists: all of them, or the first [`MAX_LISTED`] by name when
    /// there are more (the notice's items record every one).
    pub domains: Vec<NoticeDomain>,
    /// How many names it is about.
    pub names: u64,
    /// When it fell due.
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
    /// Its delivery state.
    pub state: NoticeState,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// When it may be tried (again).
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    /// The last delivery error (the server's reply for a bounce).
    pub last_error: Option<String>,
    /// When it was queued.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the mail server accepted it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub sent_at: Option<OffsetDateTime>,
}

fn kind_name<S: serde::Serializer>(kind: &NoticeKind, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.as_str())
}

/// What the text of a notice needs besides its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    /// Who writes: the registry's name (`the .example registry`).
    pub registry: String,
    /// The registrant desk's address (`https://desk.nic.example`).
    pub desk_url: String,
}

/// A notice's subject, plain-text body and the same body in HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The subject line.
    pub subject: String,
    /// The body, lines ending in `\n`.
    pub body: String,
    /// The body as HTML: its paragraphs, every value escaped, every URL a link.
    pub html: String,
}

/// The desk page a notice links to for `domain`: the page that says what happened to it and
/// opens a case for it.
pub fn desk_link(desk_url: &str, domain: &str) -> String {
    format!("{}/en/name?d={domain}", desk_url.trim_end_matches('/'))
}

/// Most names listed in one message; a registrant with more is told how many more.
pub const MAX_LISTED: usize = 1000;

/// The letter for a notice of `kind` about `domains`.
pub fn compose(kind: NoticeKind, domains: &[NoticeDomain], head: &Letterhead) -> Letter {
    letter(kind, domains, domains.len(), head)
}

/// The letter for a queued notice: its listed names, and how many it is about in all.
pub fn compose_notice(notice: &Notice, head: &Letterhead) -> Letter {
    let count = usize::try_from(notice.names).unwrap_or(usize::MAX).max(notice.domains.len());
    letter(notice.kind, &notice.domains, count, head)
}

/// The letter about `count` names, of which `domains` are the first (at most [`MAX_LISTED`]
/// of them are listed).
fn letter(kind: NoticeKind, domains: &[NoticeDomain], count: usize, head: &Letterhead) -> Letter {
    let names = if count == 1 { "domain name" } else { "domain names" };
    let first = domains.first().map(|domain| domain.name.as_str()).unwrap_or_default();
    let about = if count == 1 { first.to_owned() } else { format!("{count} {names}") };
    let subject = match kind {
        NoticeKind::Failure => {
            format!("Your registrar has failed: {about} safe with the registry, action needed")
        }
        NoticeKind::FirstReminder => format!("Reminder: {about} expires within 30 days"),
        NoticeKind::SecondReminder => format!("Reminder: {about} expires within 7 days"),
        NoticeKind::AfterExpiry => {
            format!("{about} passed its expiry date: renewed on credit, still safe")
        }
    };
    let mut body = String::new();
    body.push_str("Dear registrant,\n\n");
    match kind {
        NoticeKind::Failure => {
            let registrars = registrar_list(domains);
            let _ = writeln!(
                body,
                "The registrar that sponsors the {names} below, {registrars}, has failed and \
                 can no longer serve you. {} has taken the {names} into its care.",
                capitalized(&head.registry)
            );
        }
        NoticeKind::FirstReminder | NoticeKind::SecondReminder => {
            let days = if kind == NoticeKind::FirstReminder { 30 } else { 7 };
            let _ = writeln!(
                body,
                "The {names} below will reach the expiry date within {days} days. Their \
                 registrar has failed, so no one will remind you but {}.",
                head.registry
            );
        }
        NoticeKind::AfterExpiry => {
            let _ = writeln!(
                body,
                "The {names} below passed the expiry date. Because their registrar has failed, \
                 {} renewed them on credit for one year: they stay registered and in the DNS.",
                head.registry
            );
        }
    }
    body.push('\n');
    for domain in domains.iter().take(MAX_LISTED) {
        let _ = writeln!(
            body,
            "  - {}: registered until {} (registrar: {})\n    {}",
            domain.name,
            date(domain.expires_at),
            domain.sponsor_name,
            desk_link(&head.desk_url, &domain.name)
        );
    }
    let listed = domains.len().min(MAX_LISTED);
    if count > listed {
        let _ = writeln!(body, "  … and {} more, listed at the desk.", count - listed);
    }
    body.push('\n');
    body.push_str(
        "Your names are safe:\n\
         \x20 * They will not be deleted, and they stay in the DNS exactly as they are.\n\
         \x20 * When a name reaches its expiry date before you move it, the registry renews it \
         on credit. You pay nothing now and lose nothing.\n\n",
    );
    let _ = write!(
        body,
        "To move a name to a registrar of your choice:\n\
         \x20 1. Open the link under the name (or go to the registrant desk, {desk}, and type the \
         name), and choose \"Move my name to another registrar\".\n\
         \x20 2. Show that the name is yours: with a code the desk e-mails to this address, or \
         by publishing a TXT record at _nameward-challenge.<your name>.\n\
         \x20 3. The desk gives you a transfer code. Give it to any registrar you choose; it asks \
         the registry for the transfer with that code.\n\n\
         Deadlines: each name's date above is its expiry. A transfer code is valid for 14 days \
         after the desk issues it; a transfer completes 5 days after the new registrar asks.\n\n\
         This message comes from {registry} itself, not from your registrar. The registry never \
         asks for a payment or a password by e-mail, and the desk never asks you to send a code \
         back by e-mail.\n",
        desk = head.desk_url,
        registry = head.registry,
    );
    let html = html_of(&body);
    Letter { subject, body, html }
}

/// A plain-text letter as HTML: paragraphs at blank lines, line breaks kept, everything
/// escaped, and each `http://` or `https://` word a link.
pub fn html_of(text: &str) -> String {
    let mut html = String::from("<!DOCTYPE html><html><body>");
    for paragraph in text.split("\n\n").filter(|paragraph| !paragraph.trim().is_empty()) {
        html.push_str("<p>");
        for (index, line) in paragraph.lines().enumerate() {
            if index > 0 {
                html.push_str("<br>");
            }
            for (at, word) in line.split(' ').enumerate() {
                if at > 0 {
                    html.push(' ');
                }
                let escaped = escape(word);
                if word.starts_with("https://") || word.starts_with("http://") {
                    let _ = write!(html, "<a href=\"{escaped}\">{escaped}</a>");
                } else {
                    html.push_str(&escaped);
                }
            }
        }
        html.push_str("</p>");
    }
    html.push_str("</body></html>");
    html
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn registrar_list(domains: &[NoticeDomain]) -> String {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for domain in domains {
        if !seen.iter().any(|(id, _)| *id == domain.sponsor) {
            seen.push((&domain.sponsor, &domain.sponsor_name));
        }
    }
    seen.iter().map(|(id, name)| format!("{name} ({id})")).collect::<Vec<_>>().join(", ")
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn date(at: OffsetDateTime) -> String {
    let date = at.date();
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const EXPIRY: OffsetDateTime = datetime!(2026-06-30 12:00 UTC);

    fn kinds(noticed: Option<OffsetDateTime>, now: OffsetDateTime) -> Vec<NoticeKind> {
        due_notices("gone", EXPIRY, noticed, None, now).into_iter().map(|due| due.kind).collect()
    }

    #[test]
    fn the_failure_notice_comes_first_and_alone() {
        let now = EXPIRY - Duration::days(3);
        assert_eq!(kinds(None, now), vec![NoticeKind::Failure]);
        assert_eq!(due_notices("gone", EXPIRY, None, None, now)[0].occasion, "sponsor:gone");
        // Queued just now: the 7-day window opened before, so the failure notice covers it.
        assert!(kinds(Some(now), now).is_empty());
        assert!(kinds(Some(now), now + Duration::days(1)).is_empty());
    }

    #[test]
    fn reminders_fall_on_their_days() {
        let noticed = Some(EXPIRY - Duration::days(100));
        assert!(kinds(noticed, EXPIRY - Duration::days(31)).is_empty());
        assert_eq!(kinds(noticed, EXPIRY - Duration::days(30)), vec![NoticeKind::FirstReminder]);
        assert_eq!(kinds(noticed, EXPIRY - Duration::days(8)), vec![NoticeKind::FirstReminder]);
        assert_eq!(kinds(noticed, EXPIRY - Duration::days(7)), vec![NoticeKind::SecondReminder]);
        assert_eq!(kinds(noticed, EXPIRY - Duration::hours(1)), vec![NoticeKind::SecondReminder]);
        // Before the tick renews it and after, the notice is about the same expiry.
        assert_eq!(kinds(noticed, EXPIRY), vec![NoticeKind::AfterExpiry]);
        let renewed = add_years(EXPIRY, 1);
        let credit = Some(EXPIRY);
        let after = due_notices("gone", renewed, noticed, credit, EXPIRY + Duration::days(4));
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].kind, NoticeKind::AfterExpiry);
        assert_eq!(
            after[0].occasion,
            due_notices("gone", EXPIRY, noticed, None, EXPIRY)[0].occasion
        );
        assert!(
            due_notices("gone", renewed, noticed, credit, EXPIRY + Duration::days(5)).is_empty()
        );
        // A name registered for two years reaches its first anniversary without an expiry.
        let anniversary = due_notices("gone", renewed, noticed, None, EXPIRY + Duration::days(2));
        assert!(anniversary.is_empty(), "{anniversary:?}");
        let earlier = due_notices(
            "gone",
            renewed,
            noticed,
            Some(EXPIRY - Duration::days(365)),
            EXPIRY + Duration::days(2),
        );
        assert!(earlier.is_empty(), "a credit renewal a year before does not count: {earlier:?}");
    }

    #[test]
    fn a_late_failure_skips_the_first_reminder_only() {
        let noticed = Some(EXPIRY - Duration::days(20));
        assert!(kinds(noticed, EXPIRY - Duration::days(10)).is_empty());
        assert_eq!(kinds(noticed, EXPIRY - Duration::days(6)), vec![NoticeKind::SecondReminder]);
    }

    proptest::proptest! {
        /// Whatever the expiry (the Februaries of leap years included), a name a reminder is
        /// due for lies in the ranges a queue run reads names from.
        #[test]
        fn reminder_expiries_cover_every_reminder(
            expiry_minutes in 0_i64..(4 * 366 * 24 * 60),
            now_minutes in 0_i64..(4 * 366 * 24 * 60),
        ) {
            let base = datetime!(2026-01-01 00:00 UTC);
            let expires_at = base + Duration::minutes(expiry_minutes);
            let now = base + Duration::minutes(now_minutes);
            // Noticed long before anything fell due, so that every window counts.
            let noticed = Some(base - Duration::days(800));
            // Renewed on credit whenever an expiry passed, so that every window counts.
            let credit = Some(add_years(expires_at, -1));
            if !due_notices("gone", expires_at, noticed, credit, now).is_empty() {
                let covered = reminder_expiries(now)
                    .iter()
                    .any(|(start, end)| expires_at > *start && expires_at <= *end);
                proptest::prop_assert!(covered, "{expires_at} at {now}");
            }
        }
    }

    #[test]
    fn leap_day_expiries_fall_in_the_ranges() {
        // Renewed on credit from 29 February 2028 to 28 February 2029: the after-expiry
        // notice is due on 1 March 2028, when the expiry is only 364 days away.
        let now = datetime!(2028-03-01 12:00 UTC);
        let expires_at = datetime!(2029-02-28 12:00 UTC);
        let credit = Some(datetime!(2028-02-29 12:00 UTC));
        let due = due_notices("gone", expires_at, Some(now - Duration::days(100)), credit, now);
        assert_eq!(due.len(), 1);
        assert!(
            reminder_expiries(now)
                .iter()
                .any(|(start, end)| expires_at > *start && expires_at <= *end)
        );
    }

    #[test]
    fn a_notice_about_more_names_than_it_lists_says_how_many_more() {
        let head =
            Letterhead { registry: "the registry".to_owned(), desk_url: "https://d".to_owned() };
        let domain = NoticeDomain {
            name: "a.example".to_owned(),
            expires_at: EXPIRY,
            sponsor: "gone".to_owned(),
            sponsor_name: "Gone".to_owned(),
        };
        let notice = Notice {
            id: 1,
            address: "a@b.example".to_owned(),
            kind: NoticeKind::Failure,
            domains: vec![domain.clone(), domain],
            names: 3000,
            due_at: EXPIRY,
            state: NoticeState::Queued,
            attempts: 0,
            next_attempt_at: EXPIRY,
            last_error: None,
            created_at: EXPIRY,
            sent_at: None,
        };
        let letter = compose_notice(&notice, &head);
        assert!(letter.subject.contains("3000 domain names"), "{}", letter.subject);
        assert!(letter.body.contains("… and 2998 more, listed at the desk."), "{}", letter.body);
    }

    #[test]
    fn names_kinds_and_states_round_trip() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
        }
        for state in ["queued", "sent", "bounced", "failed"] {
            assert_eq!(NoticeState::parse(state).map(NoticeState::as_str), Some(state));
        }
    }

    #[test]
    fn the_letter_says_what_happened_and_how_to_move() {
        let head = Letterhead {
            registry: "the .example registry".to_owned(),
            desk_url: "https://desk.nic.example".to_owned(),
        };
        let domains = vec![
            NoticeDomain {
                name: "a.example".to_owned(),
                expires_at: EXPIRY,
                sponsor: "gone".to_owned(),
                sponsor_name: "Gone Registrar".to_owned(),
            },
            NoticeDomain {
                name: "b.example".to_owned(),
                expires_at: EXPIRY + Duration::days(40),
                sponsor: "gone".to_owned(),
                sponsor_name: "Gone Registrar".to_owned(),
            },
        ];
        let letter = compose(NoticeKind::Failure, &domains, &head);
        assert!(letter.subject.contains("2 domain names"), "{}", letter.subject);
        for needle in [
            "Gone Registrar (gone), has failed",
            "The .example registry has taken",
            "a.example: registered until 2026-06-30",
            "b.example: registered until 2026-08-09",
            "will not be deleted",
            "renews it on credit",
            "https://desk.nic.example",
            "_nameward-challenge.",
            "transfer code",
        ] {
            assert!(letter.body.contains(needle), "{needle} missing from\n{}", letter.body);
        }
        let reminder = compose(NoticeKind::SecondReminder, &domains[..1], &head);
        assert_eq!(reminder.subject, "Reminder: a.example expires within 7 days");
    }

    #[test]
    fn the_html_letter_escapes_everything_and_links_the_desk() {
        let html = html_of(
            "Dear <b>x</b> & \"y\",\nline two\n\nSee https://desk.example/en/name?d=a&b now.\n",
        );
        assert!(
            html.contains("Dear &lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;,<br>line two"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://desk.example/en/name?d=a&amp;b\">https://desk.example/en/name?d=a&amp;b</a>"),
            "{html}"
        );
        assert_eq!(html.matches("<p>").count(), 2);
        assert_eq!(
            desk_link("https://desk.example/", "a.example"),
            "https://desk.example/en/name?d=a.example"
        );
    }
}
