//! The EPP server under test: the real transport and sessions over the registry, on the
//! runtime this is spawned on, listening on a free port of 127.0.0.1.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use nameward_epp::pki::IssuedCert;
use nameward_epp::server::{EppServer, ServerOptions};
use nameward_epp::session::EppSessions;
use nameward_epp::tls;
use nameward_registry::service::Registry;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Binds and starts the server as a task of the current runtime.
pub async fn start(registry: Registry, cert: &IssuedCert, sessions: usize) -> Result<Running> {
    let config = tls::server_config_from_pem(&cert.cert_pem, &cert.key_pem)?;
    let mut options = ServerOptions::new(config);
    options.max_connections = sessions + 8;
    // Every benchmark session comes from 127.0.0.1 and connects at once: the per-address caps
    // that keep strangers from filling the server would refuse most of them.
    options.max_connections_per_address = options.max_connections;
    options.max_unauthenticated = options.max_connections;
    options.max_unauthenticated_per_address = options.max_connections;
    let server = EppServer::bind(SocketAddr::from(([127, 0, 0, 1], 0)), options).await?;
    let addr = *server.local_addrs().first().context("the EPP server bound no address")?;
    let factory = EppSessions::new(
        Arc::new(registry),
        Arc::new(time::OffsetDateTime::now_utc),
        "nameward-bench",
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(factory, async move {
        let _ = stopped.await;
    }));
    Ok(Running { addr, stop, task })
}

impl Running {
    /// Stops it and waits until it has.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
