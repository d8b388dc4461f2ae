//! The registrant desk: cases opened by registrants of a failed registrar's names, verified by
//! an e-mailed code or a DNS challenge, ending in a transfer code the registry sets itself.
//!
//! Each step is one transaction that also appends to the case's audit trail. A wrong code is
//! counted and committed even though the step is refused, and every refusal is written down:
//! on the case's trail when there is a case, in `desk_refusals` otherwise. Codes (the e-mailed
//! one and the transfer code) are never written to the audit trail, the history or the logs.
//!
//! Every step names the [`Visitor`]: the browser session (a hash of its cookie secret, which
//! the registry never sees) and the client the limits count it under.

use rand_core::OsRng;
use time::OffsetDateTime;

use super::domain::{existing, store_domain};
use super::notices::{Mail, MailError, Mailer};
use super::{Meta, Registry, ServiceError, policy_for, with_tx};
use crate::continuity::desk::{
    AuditEntry, Backoff, CLIENT_CASES, CLIENT_CODES, CODE_LIFE, Case, CaseKind, CaseState,
    CodeVerdict, DOMAIN_CASES, DOMAIN_DNS_CHECKS, DeskRefusal, LONGEST_WINDOW, MAX_DETAIL, Method,
    RECIPIENT_CODES, challenge_met, challenge_name, generate_email_code, judge_code, mask_address,
    may_check_dns, may_issue_transfer_code, may_send_code, new_case_id, new_token, normalize_code,
};
use crate::continuity::registrar::Act;
use crate::lifecycle::{Decision, OPERATOR};
use crate::model::{AuthCode, Domain, ObjectKind, RegistrarState};
use crate::store::{StoreError, Tx};

/// Which domains the desk serves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeskOptions {
    /// Every domain, not only those of FAILED registrars. Off by default: while a registrar
    /// operates, moving a name is its business, and the desk would let anyone who controls
    /// the registrant's mailbox or DNS bypass it.
    pub all_domains: bool,
}

/// Why a desk step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The desk's rules refuse it.
    #[error(transparent)]
    Refused(#[from] DeskRefusal),
    /// The registry failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The code could not be mailed.
    #[error("the code could not be mailed: {0}")]
    Mail(MailError),
}

impl From<StoreError> for DeskError {
    fn from(error: StoreError) -> DeskError {
        DeskError::Service(ServiceError::Store(error))
    }
}

/// A case to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    /// The domain.
    pub domain: String,
    /// What is asked for.
    pub kind: CaseKind,
    /// Free text (what to change, what the complaint is).
    pub detail: Option<String>,
}

/// A case as the desk shows it: no code, no hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaseView {
    /// The case id.
    pub id: String,
    /// The domain.
    pub domain: String,
    /// What is asked for.
    pub kind: CaseKind,
    /// Where it stands.
    pub state: CaseState,
    /// How control was proven.
    pub verified_by: Option<Method>,
    /// Locked after too many wrong codes (cases from before codes were bound to sessions).
    pub locked: bool,
    /// The session asking asked for the e-mail code that is out.
    pub code_asked_here: bool,
    /// The session asking proved control.
    pub proven_here: bool,
    /// When the e-mail code that is out stops working.
    #[serde(with = "time::serde::rfc3339::option")]
    pub code_expires_at: Option<OffsetDateTime>,
    /// When that code may next be entered, after a wrong entry.
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_guess_at: Option<OffsetDateTime>,
    /// Wrong entries of that code so far.
    pub code_failures: u32,
    /// Where to publish the DNS challenge.
    pub challenge_name: String,
    /// What to publish there (TXT).
    pub challenge_token: String,
    /// What the registrant wrote.
    pub detail: Option<String>,
    /// When it was opened.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Every step, oldest first.
    pub audit: Vec<AuditEntry>,
}

/// A transfer code the desk issued; shown once.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct IssuedCode {
    /// The domain.
    pub domain: String,
    /// The code, in clear, this once.
    pub transfer_code: String,
    /// When it stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for IssuedCode {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("IssuedCode")
            .field("domain", &self.domain)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Where an e-mail code went, as shown at the desk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CodeSent {
    /// The address, masked (`j…@example.net`).
    pub sent_to: String,
    /// When the code stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// Who takes a desk step: the browser session and the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visitor<'a> {
    /// A hash of the session's cookie secret (hex); empty for a client without a session.
    pub session: &'a str,
    /// The client as the limits count it (an address, an IPv6 /64), as the audit trail shows it.
    pub client: &'a str,
}

/// What the desk shows about a name before any case: who sponsored it, what happened to the
/// sponsor, how long the name is safe, and where a code would be mailed (masked).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NameView {
    /// The domain.
    pub domain: String,
    /// Its sponsor's id.
    pub sponsor: String,
    /// Its sponsor's name.
    pub sponsor_name: String,
    /// Its sponsor's standing.
    pub sponsor_state: RegistrarState,
    /// When the sponsor was declared failed, when it was.
    #[serde(with = "time::serde::rfc3339::option")]
    pub failed_at: Option<OffsetDateTime>,
    /// When the registration expires (the registry renews it on credit while the sponsor is
    /// failed).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The registrant address on record, masked.
    pub address: Option<String>,
    /// Whether the desk serves this name.
    pub served: bool,
}

/// An accredited registrar a name can move to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Gaining {
    /// The EPP id.
    pub id: String,
    /// The name.
    pub name: String,
}

/// The subject a limit counts: a hash of the scope and the value, so that addresses are not
/// stored in the table of counts.
fn subject(limit: &Backoff, value: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"nameward-desk-limit\0")
        .chain_update(limit.scope.as_bytes())
        .chain_update(b"\0")
        .chain_update(value.as_bytes())
        .finalize();
    digest.iter().take(16).map(|byte| format!("{byte:02x}")).collect()
}

/// Checks `limit` for `value` and, when it passes, counts this event.
async fn limit(
    tx: &mut Tx,
    limit: &Backoff,
    value: &str,
    now: OffsetDateTime,
) -> Result<(), DeskError> {
    let subject = subject(limit, value);
    let recent = tx.desk_recent(limit.scope, &subject, now - limit.window).await?;
    limit
        .check(recent, now)
        .map_err(|retry_at| DeskRefusal::TooSoon { limit: limit.scope, retry_at })?;
    tx.desk_count(limit.scope, &subject, now, now - LONGEST_WINDOW).await?;
    Ok(())
}

fn audit(at: OffsetDateTime, action: &str, client: &str, detail: Option<String>) -> AuditEntry {
    AuditEntry { at, action: action.to_owned(), client: client.to_owned(), detail }
}

/// Refuses a domain the desk does not serve.
async fn eligible(tx: &mut Tx, domain: &Domain, options: DeskOptions) -> Result<(), DeskError> {
    if options.all_domains {
        return Ok(());
    }
    let state = tx.get_registrar(&domain.sponsor).await?.map(|registrar| registrar.state);
    if state == Some(RegistrarState::Failed) {
        return Ok(());
    }
    Err(DeskRefusal::NotEligible {
        domain: domain.name.clone(),
        reason: format!(
            "its registrar {} is {}; ask it for a transfer code",
            domain.sponsor,
            state.map_or("unknown", RegistrarState::as_str)
        ),
    }
    .into())
}

async fn load_case(tx: &mut Tx, id: &str, lock: bool) -> Result<Case, DeskError> {
    tx.get_case(id, lock).await?.ok_or_else(|| DeskRefusal::NoCase(id.to_owned()).into())
}

async fn view(tx: &mut Tx, case: Case, session: &str) -> Result<CaseView, DeskError> {
    let audit = tx.case_audit(&case.id).await?;
    let here = |held: &Option<String>| held.as_deref() == Some(session) && !session.is_empty();
    Ok(CaseView {
        code_asked_here: here(&case.code_session) && case.code_hash.is_some(),
        proven_here: here(&case.verified_session),
        code_expires_at: case.code_hash.as_ref().and(case.code_expires_at),
        next_guess_at: case.next_guess_at,
        code_failures: case.failures,
        challenge_name: challenge_name(&case.domain),
        challenge_token: case.token,
        id: case.id,
        domain: case.domain,
        kind: case.kind,
        state: case.state,
        verified_by: case.verified_by,
        locked: case.locked,
        detail: case.detail,
        created_at: case.created_at,
        updated_at: case.updated_at,
        audit,
    })
}

/// The address the holder of the case's domain is written to (the same one its notices go to).
async fn case_address(tx: &mut Tx, domain: &str) -> Result<Option<String>, DeskError> {
    let Some(found) = tx.get_domain(domain).await? else {
        return Err(DeskRefusal::NoDomain(domain.to_owned()).into());
    };
    Ok(tx.holder_address(&found.name).await?)
}

impl Registry {
    /// What the desk shows about `domain` before a case: `None` when it is not registered.
    pub async fn desk_name(
        &self,
        domain: &str,
        options: DeskOptions,
    ) -> Result<Option<NameView>, DeskError> {
        let name = crate::lifecycle::names::lookup_name(domain.trim().trim_end_matches('.'));
        if name.is_empty() || name.len() > 253 {
            return Ok(None);
        }
        let mut tx = self.store().begin_read().await?;
        let outcome = async {
            let Some(found) = tx.get_domain(&name).await? else { return Ok(None) };
            let registrar = tx.get_registrar(&found.sponsor).await?;
            let state = registrar.as_ref().map_or(RegistrarState::Terminated, |r| r.state);
            let failed_at = if state == RegistrarState::Failed {
                tx.history(ObjectKind::Registrar, &found.sponsor)
                    .await?
                    .iter()
                    .rev()
                    .find(|entry| {
                        entry.after.as_ref().and_then(|after| after.get("state"))
                            == Some(&serde_json::Value::from("FAILED"))
                    })
                    .map(|entry| entry.at)
            } else {
                None
            };
            let address = tx.holder_address(&found.name).await?.as_deref().map(mask_address);
            Ok(Some(NameView {
                served: options.all_domains || state == RegistrarState::Failed,
                sponsor_name: registrar.map_or_else(|| found.sponsor.clone(), |r| r.name),
                sponsor: found.sponsor,
                sponsor_state: state,
                failed_at,
                expires_at: found.expires_at,
                address,
                domain: found.name,
            }))
        }
        .await;
        tx.rollback().await.ok();
        outcome
    }

    /// The accredited registrars a name can be transferred to: the ACTIVE ones, by name.
    pub async fn desk_gaining_registrars(&self) -> Result<Vec<Gaining>, DeskError> {
        let mut list: Vec<Gaining> = self
            .registrars()
            .await?
            .into_iter()
            .filter(|registrar| registrar.state == RegistrarState::Active)
            .map(|registrar| Gaining { id: registrar.id, name: registrar.name })
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    /// Opens a case for a domain the desk serves, within the limits per client
    /// ([`CLIENT_CASES`]) and per domain ([`DOMAIN_CASES`]).
    pub async fn desk_open_case(
        &self,
        new: &NewCase,
        options: DeskOptions,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<CaseView, DeskError> {
        let opened = self.open_case(new, options, visitor, now).await;
        self.refused_outside(&opened, "open", None, visitor, now).await?;
        opened
    }

    async fn open_case(
        &self,
        new: &NewCase,
        options: DeskOptions,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<CaseView, DeskError> {
        let name = crate::lifecycle::names::lookup_name(new.domain.trim().trim_end_matches('.'));
        if name.is_empty() || name.len() > 253 {
            return Err(
                DeskRefusal::BadRequest("the domain name is empty or too long".into()).into()
            );
        }
        if new.detail.as_ref().is_some_and(|detail| detail.len() > MAX_DETAIL) {
            return Err(DeskRefusal::BadRequest(format!(
                "the detail is longer than {MAX_DETAIL} bytes"
            ))
            .into());
        }
        let mut case = Case {
            id: new_case_id(&mut OsRng),
            domain: name,
            sponsor: String::new(),
            kind: new.kind,
            state: CaseState::Open,
            token: new_token(&mut OsRng),
            detail: new.detail.clone(),
            code_hash: None,
            code_expires_at: None,
            codes_sent: 0,
            failures: 0,
            locked: false,
            verified_by: None,
            code_session: None,
            verified_session: None,
            next_guess_at: None,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store().begin().await?;
        let outcome = async {
            let Some(domain) = tx.get_domain(&case.domain).await? else {
                return Err(DeskRefusal::NoDomain(case.domain.clone()).into());
            };
            eligible(&mut tx, &domain, options).await?;
            limit(&mut tx, &CLIENT_CASES, visitor.client, now).await?;
            limit(&mut tx, &DOMAIN_CASES, &case.domain, now).await?;
            case.sponsor = domain.sponsor;
            tx.insert_case(&case).await?;
            let entry =
                audit(now, "opened", visitor.client, Some(format!("kind {}", case.kind.as_str())));
            tx.audit_case(&case.id, &entry).await?;
            view(&mut tx, case.clone(), visitor.session).await
        }
        .await;
        finish(tx, outcome).await
    }

    /// The case `id` with its audit trail, as `session` sees it.
    pub async fn desk_case(&self, id: &str, session: &str) -> Result<CaseView, DeskError> {
        let mut tx = self.store().begin_read().await?;
        let outcome = async {
            let case = load_case(&mut tx, id, false).await?;
            view(&mut tx, case, session).await
        }
        .await;
        tx.rollback().await.ok();
        outcome
    }

    /// Mails a fresh one-time code to the registrant address on record (replacing any code
    /// sent before), bound to the visitor's session, within the limits per recipient
    /// ([`RECIPIENT_CODES`]) and per client ([`CLIENT_CODES`]); the case moves to `verifying`.
    pub async fn desk_send_email_code(
        &self,
        id: &str,
        visitor: Visitor<'_>,
        mailer: &dyn Mailer,
        letter: &(dyn Fn(&str, &str) -> Mail + Sync),
        now: OffsetDateTime,
    ) -> Result<CodeSent, DeskError> {
        let sent = self.send_email_code(id, visitor, mailer, letter, now).await;
        self.refused_on_case(&sent, "send_code", id, visitor, now).await?;
        sent
    }

    async fn send_email_code(
        &self,
        id: &str,
        visitor: Visitor<'_>,
        mailer: &dyn Mailer,
        letter: &(dyn Fn(&str, &str) -> Mail + Sync),
        now: OffsetDateTime,
    ) -> Result<CodeSent, DeskError> {
        if visitor.session.is_empty() {
            return Err(DeskRefusal::BadRequest("a code needs a browser session".into()).into());
        }
        let code = generate_email_code(&mut OsRng);
        let auth = crate::secret::new_auth_code(&code, now, &mut OsRng);
        let expires_at = now + CODE_LIFE;
        let mut tx = self.store().begin().await?;
        let outcome = async {
            let mut case = load_case(&mut tx, id, true).await?;
            may_send_code(&case)?;
            let Some(address) = case_address(&mut tx, &case.domain).await? else {
                return Err(DeskRefusal::NoAddress(case.domain.clone()).into());
            };
            limit(&mut tx, &RECIPIENT_CODES, &address.to_ascii_lowercase(), now).await?;
            limit(&mut tx, &CLIENT_CODES, visitor.client, now).await?;
            case.state = CaseState::Verifying;
            case.code_hash = Some(auth.hash.clone());
            case.code_expires_at = Some(expires_at);
            case.code_session = Some(visitor.session.to_owned());
            case.failures = 0;
            case.next_guess_at = None;
            case.codes_sent = case.codes_sent.saturating_add(1);
            case.updated_at = now;
            tx.update_case(&case).await?;
            let masked = mask_address(&address);
            let entry = audit(now, "email_code_sent", visitor.client, Some(format!("to {masked}")));
            tx.audit_case(&case.id, &entry).await?;
            Ok((case, address, masked))
        }
        .await;
        let (case, address, masked) = finish(tx, outcome).await?;
        // Mailed after the commit: a code that is mailed is always one the desk knows.
        let mut mail = letter(&case.domain, &code);
        mail.to = address;
        if let Err(error) = mailer.send(&mail).await {
            let detail = Some(error.to_string());
            let mut tx = self.store().begin().await?;
            let logged = tx
                .audit_case(&case.id, &audit(now, "email_code_undelivered", visitor.client, detail))
                .await;
            finish(tx, logged.map_err(DeskError::from)).await?;
            return Err(DeskError::Mail(error));
        }
        Ok(CodeSent { sent_to: masked, expires_at })
    }

    /// Checks an e-mailed code entered in the visitor's session. A wrong code is counted
    /// against that code (void after [`crate::continuity::desk::MAX_FAILURES`], each entry
    /// after a doubling pause), and the refusal is returned after that count is committed.
    pub async fn desk_confirm_email_code(
        &self,
        id: &str,
        typed: &str,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<CaseView, DeskError> {
        let confirmed = self.confirm_email_code(id, typed, visitor, now).await;
        // Wrong codes are on the trail already, with their count.
        if !matches!(confirmed, Err(DeskError::Refused(DeskRefusal::WrongCode { .. }))) {
            self.refused_on_case(&confirmed, "confirm_code", id, visitor, now).await?;
        }
        confirmed
    }

    async fn confirm_email_code(
        &self,
        id: &str,
        typed: &str,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<CaseView, DeskError> {
        let code = normalize_code(typed);
        let client = visitor.client;
        let mut tx = self.store().begin().await?;
        let outcome = async {
            let mut case = load_case(&mut tx, id, true).await?;
            let matches = |hash: &str| match &code {
                Some(code) => crate::secret::verify_code(
                    code,
                    &AuthCode { hash: hash.to_owned(), set_at: now },
                ),
                None => false,
            };
            let verdict = judge_code(&case, visitor.session, matches, now);
            case.updated_at = now;
            match verdict {
                CodeVerdict::Accepted => {
                    case.state = CaseState::Verified;
                    case.verified_by = Some(Method::Email);
                    case.verified_session = Some(visitor.session.to_owned());
                    case.code_hash = None;
                    case.code_expires_at = None;
                    case.next_guess_at = None;
                    tx.update_case(&case).await?;
                    tx.audit_case(
                        &case.id,
                        &audit(now, "verified", client, Some("by e-mail code".into())),
                    )
                    .await?;
                    Ok(Ok(view(&mut tx, case, visitor.session).await?))
                }
                CodeVerdict::Wrong { void, remaining, retry_at } => {
                    case.failures = case.failures.saturating_add(1);
                    case.next_guess_at = Some(retry_at);
                    if void {
                        case.code_hash = None;
                        case.code_expires_at = None;
                    }
                    tx.update_case(&case).await?;
                    let detail = format!("failure {} of this code", case.failures);
                    tx.audit_case(&case.id, &audit(now, "email_code_wrong", client, Some(detail)))
                        .await?;
                    if void {
                        tx.audit_case(&case.id, &audit(now, "email_code_void", OPERATOR, None))
                            .await?;
                        Ok(Err(DeskRefusal::NoCode))
                    } else {
                        Ok(Err(DeskRefusal::WrongCode { remaining, retry_at }))
                    }
                }
                CodeVerdict::Refused(refusal) => Ok(Err(refusal)),
            }
        }
        .await;
        Ok(finish(tx, outcome).await??)
    }

    /// Counts a DNS check of the case's challenge against [`DOMAIN_DNS_CHECKS`] and returns
    /// the name to look up; the caller looks it up and hands the result to
    /// [`Registry::desk_confirm_dns`].
    pub async fn desk_start_dns_check(
        &self,
        id: &str,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<String, DeskError> {
        let mut tx = self.store().begin().await?;
        let outcome = async {
            let case = load_case(&mut tx, id, false).await?;
            may_check_dns(&case)?;
            limit(&mut tx, &DOMAIN_DNS_CHECKS, &case.domain, now).await?;
            Ok(challenge_name(&case.domain))
        }
        .await;
        let started = finish(tx, outcome).await;
        self.refused_on_case(&started, "dns_check", id, visitor, now).await?;
        started
    }

    /// Records the result of looking up the case's DNS challenge: `found` is every TXT string
    /// at the challenge name (the caller does the lookup). Verified, for the visitor's
    /// session, when one is the token.
    pub async fn desk_confirm_dns(
        &self,
        id: &str,
        found: &[String],
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<CaseView, DeskError> {
        let confirmed = self.confirm_dns(id, found, visitor, now).await;
        self.refused_on_case(&confirmed, "dns_check", id, visitor, now).await?;
        confirmed
    }

    async fn confirm_dns(
        &self,
        id: &str,
        found: &[String],
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<CaseView, DeskError> {
        if visitor.session.is_empty() {
            return Err(
                DeskRefusal::BadRequest("a DNS check needs a browser session".into()).into()
            );
        }
        let mut tx = self.store().begin().await?;
        let outcome = async {
            let mut case = load_case(&mut tx, id, true).await?;
            may_check_dns(&case)?;
            if !challenge_met(&case.token, found) {
                let name = challenge_name(&case.domain);
                return Err(DeskRefusal::ChallengeMissing(name).into());
            }
            case.state = CaseState::Verified;
            case.verified_by = Some(Method::Dns);
            case.verified_session = Some(visitor.session.to_owned());
            case.code_hash = None;
            case.code_expires_at = None;
            case.updated_at = now;
            tx.update_case(&case).await?;
            tx.audit_case(
                &case.id,
                &audit(now, "verified", visitor.client, Some("by DNS challenge".into())),
            )
            .await?;
            view(&mut tx, case, visitor.session).await
        }
        .await;
        finish(tx, outcome).await
    }

    /// Sets a fresh RFC 9154 transfer code on a verified transfer-code case's domain and
    /// returns it, to the session that proved control only. The domain's history records the
    /// change with actor `registry` and the case id (the code's hash only, as for every code
    /// set).
    pub async fn desk_issue_transfer_code(
        &self,
        id: &str,
        options: DeskOptions,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<IssuedCode, DeskError> {
        let issued = self.issue_transfer_code(id, options, visitor, now).await;
        self.refused_on_case(&issued, "transfer_code", id, visitor, now).await?;
        issued
    }

    async fn issue_transfer_code(
        &self,
        id: &str,
        options: DeskOptions,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<IssuedCode, DeskError> {
        let meta = Meta::operator(now);
        let meta = &meta;
        let client = visitor.client;
        let session = visitor.session;
        // Refusals come back inside `Ok` (nothing but the transaction log is written for
        // them); errors roll the transaction back and contention runs it again.
        let code_of = |outcome: &Result<IssuedCode, DeskRefusal>| match outcome {
            Ok(_) => 1000,
            Err(_) => 2304,
        };
        let done = self
            .write_coded(
                meta,
                "desk:transfer-code",
                Act::Change,
                code_of,
                |tx, sv_trid| async move {
                    with_tx!(tx, {
                        let mut case = match tx.get_case(id, true).await? {
                            Some(case) => case,
                            None => return Ok(Err(DeskRefusal::NoCase(id.to_owned()))),
                        };
                        if let Err(refusal) = may_issue_transfer_code(&case, session) {
                            return Ok(Err(refusal));
                        }
                        let before = existing(&mut tx, &case.domain, true).await?;
                        match eligible(&mut tx, &before, options).await {
                            Ok(()) => {}
                            Err(DeskError::Refused(refusal)) => return Ok(Err(refusal)),
                            Err(DeskError::Service(error)) => return Err(error),
                            Err(DeskError::Mail(error)) => {
                                return Err(ServiceError::Internal(error.to_string()));
                            }
                        }
                        let policy = policy_for(&mut tx, &before.name).await?;
                        let code = crate::secret::generate_code(&mut OsRng);
                        let mut after = before.clone();
                        after.auth = Some(crate::secret::new_auth_code(&code, now, &mut OsRng));
                        after.stamps.touch(OPERATOR, now);
                        let mut decision = Decision::new(Some(after), "desk_transfer_code");
                        decision.note = Some(format!("registrant desk case {}", case.id));
                        store_domain(&mut tx, meta, &sv_trid, &policy, &before, decision).await?;
                        let expires_at = crate::lifecycle::after(now, policy.auth_code_days);
                        case.state = CaseState::CodeIssued;
                        case.updated_at = now;
                        tx.update_case(&case).await?;
                        let detail = format!("valid until {expires_at}; svTRID {sv_trid}");
                        let entry = audit(now, "transfer_code_issued", client, Some(detail));
                        tx.audit_case(&case.id, &entry).await?;
                        Ok(Ok(IssuedCode { domain: before.name, transfer_code: code, expires_at }))
                    })
                },
            )
            .await?;
        Ok(done.value?)
    }

    /// Writes a refusal of a step on case `id` to the case's trail (to `desk_refusals` when
    /// there is no such case). Nothing for a step that was not refused.
    pub(super) async fn refused_on_case<T>(
        &self,
        outcome: &Result<T, DeskError>,
        step: &str,
        id: &str,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<(), DeskError> {
        let Err(DeskError::Refused(refusal)) = outcome else { return Ok(()) };
        if matches!(refusal, DeskRefusal::NoCase(_)) {
            return self.refused_outside(outcome, step, None, visitor, now).await;
        }
        let mut tx = self.store().begin().await?;
        let detail = Some(format!("{step}: {}", refusal.kind()));
        let written = tx.audit_case(id, &audit(now, "refused", visitor.client, detail)).await;
        finish(tx, written.map_err(DeskError::from)).await
    }

    /// Writes a refusal the desk made itself (a form without its token, say) to
    /// `desk_refusals`, with the case it was about when there is one.
    pub async fn desk_record_refusal(
        &self,
        step: &str,
        kind: &str,
        case: Option<&str>,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<(), DeskError> {
        let mut tx = self.store().begin().await?;
        let written = tx.desk_refusal(now, step, kind, visitor.client, case).await;
        finish(tx, written.map_err(DeskError::from)).await
    }

    /// Writes a refusal made outside a case to `desk_refusals`.
    async fn refused_outside<T>(
        &self,
        outcome: &Result<T, DeskError>,
        step: &str,
        case: Option<&str>,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<(), DeskError> {
        let Err(DeskError::Refused(refusal)) = outcome else { return Ok(()) };
        let mut tx = self.store().begin().await?;
        let written = tx.desk_refusal(now, step, refusal.kind(), visitor.client, case).await;
        finish(tx, written.map_err(DeskError::from)).await
    }
}

/// Commits when the step succeeded (or was refused after recording something: the inner
/// `Err` of a nested result), rolls back on any error.
async fn finish<T>(tx: Tx, outcome: Result<T, DeskError>) -> Result<T, DeskError> {
    match outcome {
        Ok(value) => {
            tx.commit().await?;
            Ok(value)
        }
        Err(error) => {
            tx.rollback().await.ok();
            Err(error)
        }
    }
}
