pub mod zone;
