//! The RFC 5205 §3 lookup with every answer it uses validated from a trust anchor, as RFC 5205
//! §8 asks: a HIT is only as trustworthy as the answer that carried it.

use nameward_dns::dnssec::validate::{Context, Finding, Memo, Security, Work, validate};
use nameward_dns::rdata::RecordData;
use nameward_dns::{Class, Name, Question};

use super::{Lookup, LookupError, Procedure, ResolverConfig};

/// One question of the lookup and what validation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The question.
    pub question: Question,
    /// Its answer's security.
    pub security: Security,
    /// Why it is insecure or bogus.
    pub finding: Option<Finding>,
    /// What validating it cost: questions asked, signatures verified, NSEC3 hashes.
    pub work: Work,
}

/// A lookup and the security of the answers it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated {
    /// What was found; when an answer was bogus, what was found before it (the procedure
    /// stops there).
    pub lookup: Lookup,
    /// The worst of the answers': secure only when every one was.
    pub security: Security,
    /// Each answer validated, in the order asked.
    pub checked: Vec<Checked>,
}

impl Validated {
    /// The first answer as bad as the whole: the reason to give for an insecure or bogus lookup.
    pub fn worst(&self) -> Option<&Checked> {
        self.checked.iter().find(|c| c.security == self.security && c.finding.is_some())
    }
}

/// Runs the lookup of `name` with DNSSEC: each question is validated (RFC 4035 §5) from the
/// trust anchor of `cx` before the procedure sees its answer. Addresses are taken only from
/// answers to A and AAAA questions, never from an additional section, which carries no
/// signatures of its own; a CNAME's target RRset is validated as well. A bogus answer ends the
/// lookup.
pub fn resolve_validated(
    name: &Name,
    config: &ResolverConfig,
    cx: &Context,
) -> Result<Validated, LookupError> {
    let mut client = config.client();
    client.dnssec_ok = true;
    // The chain of trust is asked for once and validated again for each answer.
    let mut client = Memo::new(client);
    let mut procedure = Procedure::new(name.clone(), config.fallback);
    let mut checked = Vec::new();
    let mut security = Security::Secure;
    while let Some(question) = procedure.next_query() {
        let verdict = validate(&mut client, cx, &question.name, question.qtype)?;
        let mut response = verdict.response;
        let mut record = |question: Question, s: Security, finding, work| {
            security = security.worst(s);
            checked.push(Checked { question, security: s, finding, work });
        };
        record(question.clone(), verdict.security, verdict.finding, verdict.work);
        let target = response.answers.iter().find_map(|r| match &r.data {
            RecordData::Cname(c) if r.owner == question.name => Some(c.cname.clone()),
            _ => None,
        });
        if let Some(target) = target {
            let verdict = validate(&mut client, cx, &target, question.qtype)?;
            let q = Question { name: target, qtype: question.qtype, qclass: Class::IN };
            record(q, verdict.security, verdict.finding, verdict.work);
        }
        if security == Security::Bogus {
            break;
        }
        response.additional.clear();
        procedure.receive(&question, &response)?;
    }
    Ok(Validated { lookup: procedure.finish(), security, checked })
}
