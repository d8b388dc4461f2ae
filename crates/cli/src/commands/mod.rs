pub mod continuity;
pub mod ctl;
pub mod epp;
pub mod hip;
pub mod registry;
pub mod serve;
pub mod up;
pub mod zone;
