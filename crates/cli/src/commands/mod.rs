pub mod ctl;
pub mod serve;
pub mod zone;
