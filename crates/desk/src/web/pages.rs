//! The desk's pages as pure functions: data in, HTML out (maud escapes every value). No page
//! needs JavaScript: every action is a form, every form is labelled, and one stylesheet makes
//! them fit a phone.

use maud::{DOCTYPE, Markup, html};
use nameward_registry::continuity::desk::{CaseKind, CaseState};
use nameward_registry::service::{CaseView, Gaining, IssuedCode, NameView};
use time::OffsetDateTime;

use super::i18n::{Lang, Words, fill};

/// What every page shows around its content.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The page's language.
    pub lang: Lang,
    /// The registry's name (`the .example registry`).
    pub registry: &'a str,
    /// The host the desk is genuine at (`desk.nic.example`).
    pub host: &'a str,
    /// The page's path after the language (`/cases/c…`), for the language switch.
    pub path: &'a str,
    /// The session's form token.
    pub csrf: &'a str,
}

impl Frame<'_> {
    fn words(&self) -> &'static Words {
        self.lang.words()
    }

    fn link(&self, path: &str) -> String {
        format!("/{}{path}", self.lang.code())
    }
}

/// A refusal shown on a page: its kind and, filled in, when to try again or how many tries
/// are left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The refusal kind (`wrong-code`, …).
    pub kind: String,
    /// The filled-in detail.
    pub detail: Option<String>,
}

/// A day as pages show it.
pub fn day(at: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", at.year(), u8::from(at.month()), at.day())
}

/// An instant as pages show it (UTC, to the minute).
pub fn moment(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", day(at), at.hour(), at.minute())
}

fn layout(frame: &Frame<'_>, title: &str, content: Markup) -> Markup {
    let words = frame.words();
    html! {
        (DOCTYPE)
        html lang=(frame.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · " (words.desk) }
                link rel="stylesheet" href="/desk.css";
            }
            body {
                header {
                    a.skip href="#main" { (words.skip) }
                    p.brand { (words.desk) " · " (frame.registry) }
                    nav aria-label="Language / भाषा" {
                        ul.langs {
                            @for lang in Lang::ALL {
                                li {
                                    @if lang == frame.lang {
                                        span aria-current="page" lang=(lang.code()) { (lang.words().name) }
                                    } @else {
                                        a href=(format!("/{}{}", lang.code(), frame.path)) lang=(lang.code()) hreflang=(lang.code()) {
                                            (lang.words().name)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                main #main { (content) }
                footer {
                    p { (fill(words.genuine, &[("registry", frame.registry), ("host", frame.host)])) }
                    p { (words.never_asks) }
                }
            }
        }
    }
}

fn csrf(frame: &Frame<'_>) -> Markup {
    html! { input type="hidden" name="csrf" value=(frame.csrf); }
}

fn note_box(words: &Words, note: &Note) -> Markup {
    let problem = words.problem(&note.kind);
    html! {
        div.problem role="alert" {
            h2 { (problem.title) }
            @if let Some(detail) = &note.detail { p { (detail) } }
            p { (problem.advice) }
        }
    }
}

/// The home page: what the desk is for, and a form for the name.
pub fn home(frame: &Frame<'_>) -> Markup {
    let words = frame.words();
    layout(
        frame,
        words.desk,
        html! {
            h1 { (words.desk) }
            p { (words.home_intro) }
            form method="get" action=(frame.link("/name")) {
                label for="d" { (words.domain_label) }
                input #d type="text" name="d" required autocomplete="url" autocapitalize="none" spellcheck="false" inputmode="url";
                button type="submit" { (words.look_up) }
            }
        },
    )
}

/// The page the notice links to: what happened to the name, and the three things to do.
pub fn landing(frame: &Frame<'_>, name: &NameView) -> Markup {
    let words = frame.words();
    let registrar = name.sponsor_name.as_str();
    let happened = match name.failed_at {
        Some(at) => fill(words.failed_on, &[("registrar", registrar), ("date", &day(at))]),
        None => fill(words.failed, &[("registrar", registrar)]),
    };
    let choice = |kind: CaseKind, label: &str, hint: &str| {
        html! {
            form.choice method="post" action=(frame.link("/cases")) {
                (csrf(frame))
                input type="hidden" name="domain" value=(name.domain);
                input type="hidden" name="kind" value=(kind.as_str());
                button type="submit" { (label) }
                p.hint { (hint) }
            }
        }
    };
    layout(
        frame,
        &name.domain,
        html! {
            h1 { (name.domain) }
            p.lead { (happened) }
            p { (fill(words.safe_until, &[("domain", &name.domain), ("date", &day(name.expires_at))])) }
            h2 { (words.what_to_do) }
            (choice(CaseKind::TransferCode, words.choice_move, words.choice_move_hint))
            (choice(CaseKind::DelegationChange, words.choice_dns, words.choice_dns_hint))
            form.choice #complaint method="post" action=(frame.link("/cases")) {
                (csrf(frame))
                input type="hidden" name="domain" value=(name.domain);
                input type="hidden" name="kind" value="complaint";
                label for="detail" { (words.complaint_label) }
                textarea #detail name="detail" rows="4" maxlength="4000" {}
                button type="submit" { (words.choice_complaint) }
                p.hint { (words.choice_complaint_hint) }
            }
        },
    )
}

fn kind_words(words: &Words, kind: CaseKind) -> &'static str {
    match kind {
        CaseKind::TransferCode => words.kind_transfer,
        CaseKind::DelegationChange => words.kind_dns,
        CaseKind::Complaint => words.kind_complaint,
    }
}

fn state_words(words: &Words, state: CaseState) -> &'static str {
    match state {
        CaseState::Open => words.state_open,
        CaseState::Verifying => words.state_verifying,
        CaseState::Verified => words.state_verified,
        CaseState::CodeIssued => words.state_code_issued,
        CaseState::DelegationSwitched => words.state_switched,
        CaseState::Closed => words.state_closed,
    }
}

/// The case page: where it stands, what to do now, and its history. `address` is the masked
/// registrant address on record; `note` a refusal to explain; `dns_on` whether the desk can
/// check TXT records.
pub fn case_page(
    frame: &Frame<'_>,
    case: &CaseView,
    address: Option<&str>,
    note: Option<&Note>,
    dns_on: bool,
) -> Markup {
    let words = frame.words();
    let base = format!("/cases/{}", case.id);
    let action = |step: &str| frame.link(&format!("{base}/{step}"));
    let proving = matches!(case.state, CaseState::Open | CaseState::Verifying)
        && case.kind != CaseKind::Complaint
        && !case.locked;
    let title = fill(words.case_title, &[("id", &case.id)]);
    layout(
        frame,
        &title,
        html! {
            h1 { (title) }
            p.lead { (case.domain) " · " (kind_words(words, case.kind)) }
            p { strong { (words.state_label) ": " } (state_words(words, case.state)) }
            @if let Some(note) = note { (note_box(words, note)) }
            @if case.kind == CaseKind::Complaint {
                p { (words.complaint_next) }
            }
            @if proving {
                h2 { (words.prove_title) }
                p { (words.prove_intro) }
                div.ways {
                    section.way aria-labelledby="way-email" {
                        h3 #way-email { (words.email_title) }
                        @match address {
                            None => p { (words.email_none) },
                            Some(address) if case.code_asked_here => {
                                @let until = case.code_expires_at.map(moment).unwrap_or_default();
                                p { (fill(words.code_sent, &[("address", address), ("time", &until)])) }
                                form method="post" action=(action("code")) {
                                    (csrf(frame))
                                    label for="code" { (words.code_label) }
                                    input #code type="text" name="code" required inputmode="numeric" autocomplete="one-time-code" maxlength="16" pattern="[0-9 -]*";
                                    button type="submit" { (words.code_button) }
                                }
                                form method="post" action=(action("email")) {
                                    (csrf(frame))
                                    button.secondary type="submit" { (words.code_again) }
                                }
                            },
                            Some(address) => {
                                p { (fill(words.email_text, &[("address", address)])) }
                                form method="post" action=(action("email")) {
                                    (csrf(frame))
                                    button type="submit" { (words.email_button) }
                                }
                            },
                        }
                        p { a href=(frame.link(&format!("/name?d={}#complaint", case.domain))) { (words.lost_address) } }
                    }
                    @if dns_on {
                        section.way aria-labelledby="way-dns" {
                            h3 #way-dns { (words.dns_title) }
                            p { (words.dns_text) }
                            dl {
                                dt { (words.dns_name) } dd { code { (case.challenge_name) } }
                                dt { "Type" } dd { code { "TXT" } }
                                dt { (words.dns_value) } dd { code.token { (case.challenge_token) } }
                            }
                            p { (words.dns_wait) }
                            form method="post" action=(action("dns")) {
                                (csrf(frame))
                                button type="submit" { (words.dns_button) }
                            }
                        }
                    }
                }
            }
            @if matches!(case.state, CaseState::Verified | CaseState::CodeIssued) && case.kind != CaseKind::Complaint {
                @if case.proven_here {
                    p.ok { (words.proven) }
                    @if case.kind == CaseKind::TransferCode {
                        form method="post" action=(action("transfer-code")) {
                            (csrf(frame))
                            button type="submit" {
                                @if case.state == CaseState::CodeIssued { (words.get_code_again) } @else { (words.get_code_button) }
                            }
                        }
                    }
                    @if case.kind == CaseKind::DelegationChange && case.state == CaseState::Verified {
                        p { (words.switch_text) }
                        form method="post" action=(action("continuity-dns")) {
                            (csrf(frame))
                            button type="submit" { (words.switch_button) }
                        }
                    }
                } @else {
                    p { (words.proven_elsewhere) }
                }
            }
            p.hint { (words.case_bookmark) }
            h2 { (words.history) }
            table {
                thead { tr { th scope="col" { (words.when) } th scope="col" { (words.what) } } }
                tbody {
                    @for entry in &case.audit {
                        tr { td { (moment(entry.at)) } td { (words.action(&entry.action)) } }
                    }
                }
            }
        },
    )
}

/// The transfer code, shown once, with the registrars that can take the name.
pub fn transfer_code(
    frame: &Frame<'_>,
    case_id: &str,
    issued: &IssuedCode,
    registrars: &[Gaining],
) -> Markup {
    let words = frame.words();
    let title = fill(words.code_title, &[("domain", &issued.domain)]);
    layout(
        frame,
        &title,
        html! {
            h1 { (title) }
            label for="transfer-code" { (words.transfer_code_label) }
            input #transfer-code.code type="text" readonly value=(issued.transfer_code) autocomplete="off" spellcheck="false";
            p { (fill(words.code_once, &[("date", &day(issued.expires_at))])) }
            h2 { (words.next_title) }
            ol {
                @for step in words.next_steps {
                    li { (fill(step, &[("domain", &issued.domain)])) }
                }
            }
            h2 { (words.registrars_title) }
            @if registrars.is_empty() {
                p { (words.no_registrars) }
            } @else {
                ul.registrars {
                    @for registrar in registrars {
                        li { (registrar.name) " (" code { (registrar.id) } ")" }
                    }
                }
            }
            p { a href=(frame.link(&format!("/cases/{case_id}"))) { (words.back_to_case) } }
        },
    )
}

/// The name now on continuity DNS.
pub fn switched(frame: &Frame<'_>, case_id: &str, domain: &str, nameservers: &[String]) -> Markup {
    let words = frame.words();
    let servers = nameservers.join(", ");
    layout(
        frame,
        words.switched_title,
        html! {
            h1 { (words.switched_title) }
            p { (fill(words.switched_text, &[("domain", domain), ("servers", &servers)])) }
            p { (words.switched_end) }
            p { a href=(frame.link(&format!("/cases/{case_id}"))) { (words.back_to_case) } }
        },
    )
}

/// A refusal or failure on a page of its own: what happened, what to do, and where to go.
pub fn problem(frame: &Frame<'_>, note: &Note, back: Option<&str>) -> Markup {
    let words = frame.words();
    let title = words.problem(&note.kind).title;
    layout(
        frame,
        title,
        html! {
            h1 { (title) }
            @if let Some(detail) = &note.detail { p { (detail) } }
            p { (words.problem(&note.kind).advice) }
            @if let Some(back) = back {
                p { a href=(frame.link(back)) { (words.back_to_case) } }
            }
            p { a href=(frame.link("/")) { (words.home_link) } }
        },
    )
}

/// The stylesheet: readable on a phone, large targets, contrast above WCAG AA.
pub const STYLESHEET: &str = r#"
:root { color-scheme: light; --ink: #1b1b1b; --accent: #0b4f8a; --line: #8a8a8a; --bad: #8a1111; --good: #155724; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 44rem; padding: 0 1rem 2rem; font: 1.05rem/1.5 system-ui, "Noto Sans", "Noto Sans Devanagari", sans-serif; color: var(--ink); background: #fff; }
header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: .5rem; border-bottom: 2px solid var(--accent); padding: .5rem 0; }
.brand { margin: 0; font-weight: 600; }
.langs { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; }
.skip { position: absolute; left: -999px; }
.skip:focus { position: static; }
a { color: var(--accent); }
h1 { font-size: 1.6rem; line-height: 1.25; overflow-wrap: anywhere; }
.lead { font-size: 1.15rem; }
form { margin: 1rem 0; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input[type=text], textarea { width: 100%; font: inherit; padding: .6rem; border: 2px solid var(--line); border-radius: .3rem; }
button { font: inherit; font-weight: 600; margin-top: .5rem; padding: .7rem 1rem; min-height: 2.75rem; border: 0; border-radius: .3rem; background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); border: 2px solid var(--accent); }
:focus-visible { outline: 3px solid #c45500; outline-offset: 2px; }
.choice { border: 1px solid var(--line); border-radius: .4rem; padding: .75rem; }
.hint { color: #4a4a4a; margin: .4rem 0 0; }
.ways { display: grid; gap: 1rem; }
@media (min-width: 40rem) { .ways { grid-template-columns: 1fr 1fr; } }
.way { border: 1px solid var(--line); border-radius: .4rem; padding: .75rem; }
.way h3 { margin-top: 0; }
dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem .75rem; }
dd { margin: 0; overflow-wrap: anywhere; }
code { font-size: 1rem; overflow-wrap: anywhere; }
.code { font: 1.4rem/1.4 ui-monospace, monospace; letter-spacing: .05em; }
.problem { border-left: 6px solid var(--bad); background: #fdf2f2; padding: .5rem 1rem; margin: 1rem 0; }
.problem h2 { color: var(--bad); margin: .25rem 0; font-size: 1.2rem; }
.ok { border-left: 6px solid var(--good); background: #eef7f0; padding: .5rem 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; border-bottom: 1px solid var(--line); padding: .35rem .5rem .35rem 0; vertical-align: top; }
footer { margin-top: 2rem; border-top: 1px solid var(--line); font-size: .95rem; color: #3b3b3b; }
"#;
