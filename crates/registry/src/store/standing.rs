//! What registrants of a failed registrar's names have been told and have done: the counts
//! behind `nameward continuity status`.

use super::codec::get_u64;
use super::error::StoreError;
use super::tx::Tx;

/// Counts about one registrar's portfolio in continuity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ContinuityCounts {
    /// Names whose failure notice the mail server accepted.
    pub names_notified: u64,
    /// Names whose failure notice was refused for good (bounced) or given up.
    pub names_unreached: u64,
    /// Names whose failure notice is still waiting to go out.
    pub names_notice_queued: u64,
    /// Desk cases opened for names it sponsored.
    pub desk_cases: u64,
    /// Transfer codes the desk issued for names it sponsored.
    pub codes_issued: u64,
}

impl Tx {
    /// The notice and desk counts of `registrar`'s portfolio.
    pub async fn continuity_counts(
        &mut self,
        registrar: &str,
    ) -> Result<ContinuityCounts, StoreError> {
        // The failure notice's occasion names the failed sponsor (`sponsor:<id>`), so it is
        // counted here even after the names have moved on.
        let occasion = crate::continuity::notices::failure_occasion(registrar);
        let query = sqlx::query(
            "SELECT \
               COALESCE(SUM(CASE WHEN n.state = 'sent' THEN 1 ELSE 0 END), 0) AS sent, \
               COALESCE(SUM(CASE WHEN n.state IN ('bounced', 'failed') THEN 1 ELSE 0 END), 0) \
                 AS unreached, \
               COALESCE(SUM(CASE WHEN n.state = 'queued' THEN 1 ELSE 0 END), 0) AS queued \
             FROM notice_items i JOIN notices n ON n.id = i.notice \
             WHERE i.kind = 'failure' AND i.occasion = $1",
        )
        .bind(occasion);
        let notices = self.one("counting failure notices", query).await?;
        let query = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM desk_cases WHERE sponsor = $1) AS cases, \
               (SELECT COUNT(*) FROM desk_audit a JOIN desk_cases c ON c.id = a.case_id \
                WHERE c.sponsor = $1 AND a.action = 'transfer_code_issued') AS codes",
        )
        .bind(registrar);
        let desk = self.one("counting desk cases", query).await?;
        Ok(ContinuityCounts {
            names_notified: get_u64(&notices, "sent")?,
            names_unreached: get_u64(&notices, "unreached")?,
            names_notice_queued: get_u64(&notices, "queued")?,
            desk_cases: get_u64(&desk, "cases")?,
            codes_issued: get_u64(&desk, "codes")?,
        })
    }
}
