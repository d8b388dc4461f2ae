//! Starting, running and stopping a server: binds every socket, starts the UDP worker threads
//! and the tokio runtime that carries TCP, the control socket, metrics and signals.

use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::routing::get;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::runtime::Runtime;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::config::Config;
use crate::net::state::{ReloadReport, Shared};
use crate::net::{control, notify, tcp, udp};

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A zone did not load; each line names the file and line.
    #[error("{0}")]
    Zones(String),
    /// The configuration is incomplete.
    #[error("{0}")]
    Config(String),
    /// A socket could not be set up.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: io::Error,
    },
}

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> StartError {
    let what = what.into();
    move |source| StartError::Io { what, source }
}

/// A running server. Dropping it without [`Server::shutdown`] stops it too, less gracefully.
pub struct Server {
    shared: Arc<Shared>,
    runtime: Option<Runtime>,
    stop: watch::Sender<bool>,
    udp_stop: Arc<AtomicBool>,
    udp_threads: Vec<JoinHandle<()>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    addrs: Vec<SocketAddr>,
    metrics_addr: Option<SocketAddr>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addrs", &self.addrs).finish_non_exhaustive()
    }
}

impl Server {
    /// Loads the zones, binds every address (UDP and TCP on the same port; port 0 picks one)
    /// and starts answering.
    pub fn start(config: Config) -> Result<Server, StartError> {
        if config.listen.is_empty() {
            return Err(StartError::Config("nothing to listen on: give --listen ADDR:PORT".into()));
        }
        let workers = config.worker_count();
        let shared = Arc::new(Shared::load(config).map_err(StartError::Zones)?);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("nameward-tcp")
            .enable_all()
            .build()
            .map_err(io_error("starting the TCP runtime"))?;
        let (stop, stop_rx) = watch::channel(false);
        let udp_stop = Arc::new(AtomicBool::new(false));
        let mut server = Server {
            shared: Arc::clone(&shared),
            runtime: None,
            stop,
            udp_stop: Arc::clone(&udp_stop),
            udp_threads: Vec::new(),
            tasks: Vec::new(),
            addrs: Vec::new(),
            metrics_addr: None,
        };
        let _entered = runtime.enter();
        if !shared.update_policies.is_empty() {
            crate::net::update_hook::start(&shared).map_err(io_error("starting the updater"))?;
        }
        let config = &shared.config;
        let limits =
            tcp::Limits::new(config.tcp.max_connections, config.tcp.max_connections_per_client);
        let tcp_metrics: Vec<_> = (0..workers).map(|_| shared.metrics.worker("tcp")).collect();
        for &wanted in &config.listen {
            let (sockets, listener) = bind_pair(wanted, workers)?;
            let addr = listener.local_addr().map_err(io_error("reading a bound address"))?;
            let listener = tokio::net::TcpListener::from_std(listener)
                .map_err(io_error(format!("listening on TCP {addr}")))?;
            for (i, socket) in sockets.into_iter().enumerate() {
                let shared = Arc::clone(&shared);
                let metrics = shared.metrics.worker("udp");
                let stop = Arc::clone(&udp_stop);
                let thread = std::thread::Builder::new()
                    .name(format!("nameward-udp-{i}"))
                    .spawn(move || udp::run(socket, shared, metrics, &stop))
                    .map_err(io_error("starting a UDP worker"))?;
                server.udp_threads.push(thread);
            }
            let task = tcp::serve(
                listener,
                Arc::clone(&shared),
                Arc::clone(&limits),
                tcp_metrics.clone(),
                stop_rx.clone(),
            );
            server.tasks.push(runtime.spawn(task));
            server.addrs.push(addr);
        }
        server.tasks.push(runtime.spawn(notify::run(Arc::clone(&shared), stop_rx.clone())));
        if let Some(path) = &config.control {
            // A socket file left by a server that did not stop cleanly would refuse the bind.
            if std::os::unix::net::UnixStream::connect(path).is_err() {
                let _ = std::fs::remove_file(path);
            }
            // Its directory (/run/nameward by default) does not exist on a fresh machine.
            if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(io_error(format!("control socket directory {}", dir.display())))?;
            }
            let listener = tokio::net::UnixListener::bind(path)
                .map_err(io_error(format!("control socket {}", path.display())))?;
            // Only the server's own user may reload it.
            std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .map_err(io_error(format!("control socket {}", path.display())))?;
            let task = control::serve(listener, Arc::clone(&shared), stop_rx.clone());
            server.tasks.push(runtime.spawn(task));
        }
        if let Some(addr) = config.metrics {
            let listener = StdTcpListener::bind(addr)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .and_then(tokio::net::TcpListener::from_std)
                .map_err(io_error(format!("metrics on {addr}")))?;
            server.metrics_addr = listener.local_addr().ok();
            let app = Router::new().route("/metrics", get(metrics)).with_state(Arc::clone(&shared));
            let mut stop = stop_rx.clone();
            let task = async move {
                let graceful = async move {
                    let _ = stop.wait_for(|s| *s).await;
                };
                nameward_listen::http::serve(
                    listener,
                    app,
                    nameward_listen::http::INTERNAL,
                    graceful,
                )
                .await;
            };
            server.tasks.push(runtime.spawn(task));
        }
        let hangup = signal(SignalKind::hangup()).map_err(io_error("handling SIGHUP"))?;
        server.tasks.push(runtime.spawn(reload_on_hangup(hangup, Arc::clone(&shared), stop_rx)));
        drop(_entered);
        server.runtime = Some(runtime);
        server.log_ready();
        Ok(server)
    }

    fn log_ready(&self) {
        let addrs: Vec<String> = self.addrs.iter().map(|a| a.to_string()).collect();
        let zones: Vec<String> = self
            .shared
            .status()
            .iter()
            .map(|z| match z.serial {
                Some(serial) => format!("{} (serial {serial})", z.origin),
                None => z.origin.to_string(),
            })
            .collect();
        tracing::info!(
            "nameward ready: UDP and TCP on {}; {} UDP workers per address; zones: {}{}{}",
            addrs.join(", "),
            self.shared.config.worker_count(),
            zones.join(", "),
            self.metrics_addr
                .map(|a| format!("; metrics on http://{a}/metrics"))
                .unwrap_or_default(),
            self.shared
                .config
                .control
                .as_ref()
                .map(|p| format!("; control socket {}", p.display()))
                .unwrap_or_default(),
        );
    }

    /// The addresses answered on, with the ports actually bound.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Where `/metrics` is served.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The shared state: zones, settings, counters.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Reloads every zone file now (as SIGHUP and `nameward ctl reload` do).
    pub fn reload(&self) -> ReloadReport {
        self.shared.reload()
    }

    /// Blocks until SIGTERM or SIGINT, then shuts down.
    pub fn run_until_signal(self) -> io::Result<()> {
        if let Some(runtime) = &self.runtime {
            runtime.block_on(async {
                let mut term = signal(SignalKind::terminate())?;
                let mut int = signal(SignalKind::interrupt())?;
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
                    _ = int.recv() => tracing::info!("SIGINT: shutting down"),
                }
                Ok::<(), io::Error>(())
            })?;
        }
        self.shutdown();
        Ok(())
    }

    /// Stops accepting, lets every connection finish the query it is on, and waits for the
    /// workers.
    pub fn shutdown(mut self) {
        self.stop_all();
        tracing::info!("nameward stopped");
    }

    fn stop_all(&mut self) {
        let _ = self.stop.send(true);
        self.udp_stop.store(true, Ordering::Relaxed);
        for thread in self.udp_threads.drain(..) {
            let _ = thread.join();
        }
        if let Some(runtime) = self.runtime.take() {
            let tasks = std::mem::take(&mut self.tasks);
            runtime.block_on(async {
                for task in tasks {
                    let _ = task.await;
                }
            });
            runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            if let Some(path) = &self.shared.config.control {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_all();
    }
}

async fn reload_on_hangup(
    mut hangup: tokio::signal::unix::Signal,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            got = hangup.recv() => if got.is_none() { return },
            _ = stop.wait_for(|s| *s) => return,
        }
        tracing::info!("SIGHUP: reloading zones");
        let shared = Arc::clone(&shared);
        let _ = tokio::task::spawn_blocking(move || shared.reload()).await;
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> impl axum::response::IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], shared.metrics.render())
}

/// Binds `workers` UDP sockets and a TCP listener on the same address. With port 0 the first
/// UDP socket picks the port, and another is tried if TCP cannot have it.
fn bind_pair(
    wanted: SocketAddr,
    workers: usize,
) -> Result<(Vec<UdpSocket>, StdTcpListener), StartError> {
    let tries = if wanted.port() == 0 { 20 } else { 1 };
    let mut last = None;
    for _ in 0..tries {
        let first = udp::bind(wanted).map_err(io_error(format!("binding UDP {wanted}")))?;
        let addr = first.local_addr().map_err(io_error("reading a bound address"))?;
        match bind_tcp(addr) {
            Ok(listener) => {
                let mut sockets = vec![first];
                for _ in 1..workers.max(1) {
                    sockets.push(udp::bind(addr).map_err(io_error(format!("binding UDP {addr}")))?);
                }
                return Ok((sockets, listener));
            }
            Err(e) => {
                last = Some(StartError::Io { what: format!("binding TCP {addr}"), source: e })
            }
        }
    }
    Err(last.unwrap_or_else(|| StartError::Config(format!("cannot bind {wanted}"))))
}

fn bind_tcp(addr: SocketAddr) -> io::Result<StdTcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}
