pub mod ctl;
pub mod hip;
pub mod serve;
pub mod zone;
