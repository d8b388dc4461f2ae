//! What every listener of nameward needs against floods: [`slots`] counts connections in
//! total and per client address (EPP counts its sessions with them too), and [`http`] serves
//! an axum router within such slots, with a deadline for each request head and a lifetime for
//! each connection, so that neither many clients nor slow ones can hold a listener.

pub mod slots;

#[cfg(feature = "http")]
pub mod http;
