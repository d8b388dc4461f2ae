pub mod hip;
pub mod zone;
