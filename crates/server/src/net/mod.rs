//! The network layer: sockets, threads and tasks that move bytes to and from [`crate::answer`].

pub mod control;
pub mod metrics;
pub mod notify;
pub mod rrl;
pub mod server;
pub mod state;
pub mod tcp;
pub mod transfer_hook;
pub mod udp;
pub mod update_hook;
