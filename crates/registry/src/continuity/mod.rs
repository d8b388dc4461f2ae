//! When a registrar fails, no registrant loses a name: the registry's own decisions for a
//! failing registrar, as pure functions the service runs inside its transactions.
//!
//! - [`registrar`]: the standing of a registrar (ACTIVE → SUSPENDED → FAILED → TERMINATED,
//!   and SUSPENDED → ACTIVE), which only the operator moves; the terms of accreditation
//!   (security deposit, designated successor); who may take part in a bulk transfer.
//! - [`transfer`]: the bulk transfer of a failed registrar's portfolio the way ICANN's
//!   De-Accredited Registrar Transition Procedure does it — no extra year, expiry unchanged,
//!   no charge, names in grace or redemption included, resellers' names only when asked.
//! - [`notices`]: what registrants are told, and when; [`desk`]: the registrant desk's cases,
//!   verification codes and their limits.
//! - [`portfolio`]: what a portfolio looks like at an instant: domains by state and the
//!   expiry cliff, week by week.
//! - [`dns`]: continuity DNS, the registry serving the zones the failed registrar hosted.
//! - [`resellers`]: names held through resellers, linked from the registrar's escrow.
//! - [`lookback`]: the names a registrar deleted in the weeks before its failure, brought
//!   back into its portfolio when it is declared failed.
//!
//! While the registrar is FAILED, the lifecycle engine already keeps its names
//! ([`crate::lifecycle::due::continuity`]): nothing is deleted or purged, and names reaching
//! expiry are renewed one year on credit. From the moment it is SUSPENDED, its deleted names
//! are not purged: they wait in pendingDelete until the operator reinstates it (purges resume)
//! or declares it failed (the look-back brings them back).

pub mod desk;
pub mod dns;
pub mod lookback;
pub mod notices;
pub mod portfolio;
pub mod registrar;
pub mod resellers;
pub mod transfer;
