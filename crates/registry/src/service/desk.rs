//! The registrant desk: cases opened by registrants of a failed registrar's names, verified by
//! an e-mailed code or a DNS challenge, ending in a transfer code the registry sets itself.
//!
//! Each step is one transaction that also appends to the case's audit trail. A wrong code is
//! counted and committed even though the step is refused. Codes (the e-mailed one and the
//! transfer code) are never written to the audit trail, the history or the logs.

use rand_core::OsRng;
use time::OffsetDateTime;

use super::domain::{existing, store_domain};
use super::notices::{Mail, MailError, Mailer};
use super::{Meta, Registry, ServiceError, policy_for, with_tx};
use crate::continuity::desk::{
    AuditEntry, CLIENT_WINDOW, CODE_LIFE, Case, CaseKind, CaseState, CodeVerdict, DeskRefusal,
    MAX_DETAIL, Method, challenge_met, challenge_name, generate_email_code, judge_code,
    mask_address, may_check_dns, may_issue_transfer_code, may_send_code, new_case_id, new_token,
    normalize_code,
};
use crate::continuity::registrar::Act;
use crate::lifecycle::{Decision, OPERATOR};
use crate::model::{AuthCode, Domain, RegistrarState};
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
    /// Locked after too many wrong codes.
    pub locked: bool,
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

async fn view(tx: &mut Tx, case: Case) -> Result<CaseView, DeskError> {
    let audit = tx.case_audit(&case.id).await?;
    Ok(CaseView {
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
    /// Opens a case for a domain the desk serves.
    pub async fn desk_open_case(
        &self,
        new: &NewCase,
        options: DeskOptions,
        client: &str,
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
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store().begin().await?;
        let outcome = async {
            let Some(domain) = tx.get_domain(&case.domain).await? else {
                return Err(DeskRefusal::NoDomain(case.domain.clone()).into());
            };
            eligible(&mut tx, &domain, options).await?;
            case.sponsor = domain.sponsor;
            tx.insert_case(&case).await?;
            let entry = audit(now, "opened", client, Some(format!("kind {}", case.kind.as_str())));
            tx.audit_case(&case.id, &entry).await?;
            view(&mut tx, case.clone()).await
        }
        .await;
        finish(tx, outcome).await
    }

    /// The case `id` with its audit trail.
    pub async fn desk_case(&self, id: &str) -> Result<CaseView, DeskError> {
        let mut tx = self.store().begin_read().await?;
        let outcome = async {
            let case = load_case(&mut tx, id, false).await?;
            view(&mut tx, case).await
        }
        .await;
        tx.rollback().await.ok();
        outcome
    }

    /// Mails a fresh one-time code to the registrant address on record (replacing any code
    /// sent before) and moves the case to `verifying`.
    pub async fn desk_send_email_code(
        &self,
        id: &str,
        client: &str,
        mailer: &dyn Mailer,
        registry_name: &str,
        now: OffsetDateTime,
    ) -> Result<CodeSent, DeskError> {
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
            case.state = CaseState::Verifying;
            case.code_hash = Some(auth.hash.clone());
            case.code_expires_at = Some(expires_at);
            case.codes_sent = case.codes_sent.saturating_add(1);
            case.updated_at = now;
            tx.update_case(&case).await?;
            let masked = mask_address(&address);
            let entry = audit(now, "email_code_sent", client, Some(format!("to {masked}")));
            tx.audit_case(&case.id, &entry).await?;
            Ok((case, address, masked))
        }
        .await;
        let (case, address, masked) = finish(tx, outcome).await?;
        // Mailed after the commit: a code that is mailed is always one the desk knows.
        let mail = Mail {
            to: address,
            subject: format!("Your registrant desk code for {}", case.domain),
            body: format!(
                "Someone, we hope you, asked {registry_name}'s registrant desk to confirm that \
                 you hold {domain} (case {id}).\n\nYour code: {code}\n\nIt works for 30 \
                 minutes, and only at the desk. If you did not ask for it, ignore this message: \
                 nothing changes without the code. Never give this code to anyone by e-mail or \
                 telephone.\n",
                domain = case.domain,
                id = case.id,
            ),
            message_id: None,
        };
        if let Err(error) = mailer.send(&mail).await {
            let detail = Some(error.to_string());
            let mut tx = self.store().begin().await?;
            let logged = tx
                .audit_case(&case.id, &audit(now, "email_code_undelivered", client, detail))
                .await;
            finish(tx, logged.map_err(DeskError::from)).await?;
            return Err(DeskError::Mail(error));
        }
        Ok(CodeSent { sent_to: masked, expires_at })
    }

    /// Checks an e-mailed code. A wrong code is counted against the case (which locks after
    /// five) and the client (refused for an hour after ten), and the refusal is returned after
    /// that count is committed.
    pub async fn desk_confirm_email_code(
        &self,
        id: &str,
        typed: &str,
        client: &str,
        now: OffsetDateTime,
    ) -> Result<CaseView, DeskError> {
        let code = normalize_code(typed);
        let mut tx = self.store().begin().await?;
        let outcome = async {
            let mut case = load_case(&mut tx, id, true).await?;
            let client_failures = tx.desk_failures_since(client, now - CLIENT_WINDOW).await?;
            let matches = |hash: &str| match &code {
                Some(code) => crate::secret::verify_code(
                    code,
                    &AuthCode { hash: hash.to_owned(), set_at: now },
                ),
                None => false,
            };
            let verdict = judge_code(&case, matches, client_failures, now);
            case.updated_at = now;
            match verdict {
                CodeVerdict::Accepted => {
                    case.state = CaseState::Verified;
                    case.verified_by = Some(Method::Email);
                    case.code_hash = None;
                    case.code_expires_at = None;
                    tx.update_case(&case).await?;
                    tx.audit_case(
                        &case.id,
                        &audit(now, "verified", client, Some("by e-mail code".into())),
                    )
                    .await?;
                    Ok(Ok(view(&mut tx, case).await?))
                }
                CodeVerdict::Wrong { locks, remaining } => {
                    case.failures = case.failures.saturating_add(1);
                    if locks {
                        case.locked = true;
                        case.state = CaseState::Closed;
                        case.code_hash = None;
                    }
                    tx.update_case(&case).await?;
                    tx.record_desk_failure(client, &case.id, now).await?;
                    let detail = format!("failure {}", case.failures);
                    tx.audit_case(&case.id, &audit(now, "email_code_wrong", client, Some(detail)))
                        .await?;
                    if locks {
                        tx.audit_case(&case.id, &audit(now, "locked", OPERATOR, None)).await?;
                        Ok(Err(DeskRefusal::Locked))
                    } else {
                        Ok(Err(DeskRefusal::WrongCode { remaining }))
                    }
                }
                CodeVerdict::Refused(refusal) => {
                    let detail = Some(refusal.to_string());
                    tx.audit_case(&case.id, &audit(now, "email_code_refused", client, detail))
                        .await?;
                    Ok(Err(refusal))
                }
            }
        }
        .await;
        Ok(finish(tx, outcome).await??)
    }

    /// Records the result of looking up the case's DNS challenge: `found` is every TXT string
    /// at the challenge name (the caller does the lookup). Verified when one is the token.
    pub async fn desk_confirm_dns(
        &self,
        id: &str,
        found: &[String],
        client: &str,
        now: OffsetDateTime,
    ) -> Result<CaseView, DeskError> {
        let mut tx = self.store().begin().await?;
        let outcome = async {
            let mut case = load_case(&mut tx, id, true).await?;
            may_check_dns(&case)?;
            if !challenge_met(&case.token, found) {
                let name = challenge_name(&case.domain);
                let detail = format!("{} TXT string(s) at {name}, none the token", found.len());
                tx.audit_case(&case.id, &audit(now, "dns_challenge_missing", client, Some(detail)))
                    .await?;
                return Ok(Err(DeskRefusal::ChallengeMissing(name)));
            }
            case.state = CaseState::Verified;
            case.verified_by = Some(Method::Dns);
            case.code_hash = None;
            case.code_expires_at = None;
            case.updated_at = now;
            tx.update_case(&case).await?;
            tx.audit_case(
                &case.id,
                &audit(now, "verified", client, Some("by DNS challenge".into())),
            )
            .await?;
            Ok(Ok(view(&mut tx, case).await?))
        }
        .await;
        Ok(finish(tx, outcome).await??)
    }

    /// The name a case's DNS challenge is published at, and the token, for the lookup.
    pub async fn desk_challenge(&self, id: &str) -> Result<(String, String), DeskError> {
        let case = self.desk_case(id).await?;
        Ok((case.challenge_name, case.challenge_token))
    }

    /// Sets a fresh RFC 9154 transfer code on a verified transfer-code case's domain and
    /// returns it, once. The domain's history records the change with actor `registry` and the
    /// case id (the code's hash only, as for every code set).
    pub async fn desk_issue_transfer_code(
        &self,
        id: &str,
        options: DeskOptions,
        client: &str,
        now: OffsetDateTime,
    ) -> Result<IssuedCode, DeskError> {
        let meta = Meta::operator(now);
        let meta = &meta;
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
                        if let Err(refusal) = may_issue_transfer_code(&case) {
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
