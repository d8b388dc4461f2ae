//! TCP per RFC 7766: 2-octet length framing, pipelined queries answered in order, an idle
//! timeout that also bounds a stalled read or write, and connection limits in total and per
//! client address.
//!
//! Connections are tokio tasks: thousands of mostly idle connections cost a task each instead
//! of a thread, and timeouts are timers rather than socket options polled by blocked threads.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::timeout;

use crate::cookie::SecretsCache;
use crate::net::metrics::WorkerMetrics;
use crate::net::state::{Shared, now_secs};
use crate::net::transfer_hook::{TransferContext, transfer_response};
use crate::net::update_hook;
use crate::{Incoming, Outcome, Requester, Route, Transport, answer_incoming};

/// Counts of things open at once, in total and per client address: connections, checked when
/// one is accepted (never per query), and zone transfers under way.
#[derive(Debug)]
pub struct Limits {
    total: Arc<Semaphore>,
    per_client: Mutex<HashMap<IpAddr, usize>>,
    max_per_client: usize,
}

impl Limits {
    /// Limits of `total` connections, `per_client` from one address.
    pub fn new(total: usize, per_client: usize) -> Arc<Limits> {
        Arc::new(Limits {
            total: Arc::new(Semaphore::new(total.max(1))),
            per_client: Mutex::new(HashMap::new()),
            max_per_client: per_client.max(1),
        })
    }

    /// A place for one more from `client`, held until dropped; `None` when either limit is
    /// reached.
    pub fn admit(self: &Arc<Limits>, client: IpAddr) -> Option<Admitted> {
        let permit = Arc::clone(&self.total).try_acquire_owned().ok()?;
        let mut map = self.per_client.lock().ok()?;
        let count = map.entry(client).or_insert(0);
        if *count >= self.max_per_client {
            return None;
        }
        *count += 1;
        Some(Admitted { limits: Arc::clone(self), client, _permit: permit })
    }
}

/// A place under the limits, given back when dropped.
#[derive(Debug)]
pub struct Admitted {
    limits: Arc<Limits>,
    client: IpAddr,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Ok(mut map) = self.limits.per_client.lock()
            && let Some(count) = map.get_mut(&self.client)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                map.remove(&self.client);
            }
        }
    }
}

/// Accepts connections until `stop` turns true, then waits for the open ones to finish the
/// query they are on.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    limits: Arc<Limits>,
    metrics: Vec<Arc<WorkerMetrics>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    let mut next = 0usize;
    let counters = &shared.metrics.shared;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!("TCP accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(admitted) = limits.admit(peer.ip()) else {
            counters.tcp_refused.fetch_add(1, Ordering::Relaxed);
            drop(stream);
            continue;
        };
        counters.tcp_accepted.fetch_add(1, Ordering::Relaxed);
        counters.tcp_open.fetch_add(1, Ordering::Relaxed);
        next = next.wrapping_add(1);
        let Some(block) = metrics.get(next % metrics.len().max(1)).cloned() else { continue };
        let shared = Arc::clone(&shared);
        let stop = stop.clone();
        connections.spawn(async move {
            let _ = stream.set_nodelay(true);
            let timed_out = connection(stream, peer, &shared, &block, stop).await;
            let counters = &shared.metrics.shared;
            if timed_out {
                counters.tcp_timed_out.fetch_add(1, Ordering::Relaxed);
            }
            counters.tcp_open.fetch_sub(1, Ordering::Relaxed);
            drop(admitted);
        });
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Serves one connection; returns true when it ended on the timeout.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    metrics: &WorkerMetrics,
    mut stop: watch::Receiver<bool>,
) -> bool {
    let tcp = &shared.config.tcp;
    let idle = tcp.idle_timeout();
    let (reader, writer) = stream.into_split();
    let mut reader = BufReader::with_capacity(16 * 1024, reader);
    let mut writer = BufWriter::with_capacity(16 * 1024, writer);
    let mut query = vec![0u8; usize::from(tcp.max_message_size.max(12))];
    let mut out = shared.config.response_buffer(Transport::Tcp);
    let mut secrets = SecretsCache::default();
    loop {
        let mut prefix = [0u8; 2];
        // Waiting for the next query is where an idle connection sits, and where shutdown
        // reaches it; a query already read is answered before the connection closes.
        let read = tokio::select! {
            read = timeout(idle, reader.read_exact(&mut prefix)) => read,
            _ = stop.wait_for(|s| *s) => return false,
        };
        match read {
            Ok(Ok(_)) => {}
            Ok(Err(_)) => return false,
            Err(_) => return true,
        }
        let len = usize::from(u16::from_be_bytes(prefix));
        let Some(body) = query.get_mut(..len).filter(|_| len > 0) else {
            // Longer than we accept: the rest cannot be skipped cheaply, so close (§6.2.3).
            metrics.dropped();
            return false;
        };
        match timeout(idle, reader.read_exact(body)).await {
            Ok(Ok(_)) => {}
            Ok(Err(_)) => return false,
            Err(_) => return true,
        }
        // Read once; everything below looks at this view.
        let incoming = Incoming::parse(body);
        metrics.query(incoming.as_ref().and_then(Incoming::qtype));
        let sent = if let Some(incoming) = incoming.filter(|m| m.route() == Route::Update) {
            match update_hook::answer_async(shared, incoming, peer).await {
                Some(answer) => write(&mut writer, &answer, idle).await,
                None => Ok(()),
            }
        } else if let Some(incoming) = incoming.filter(|m| m.route() == Route::Transfer) {
            let zones = shared.zones.load();
            let journals = shared.journals.load();
            let ctx = TransferContext {
                zones: &zones,
                config: &shared.config,
                transfer: &shared.transfer,
                journals: &journals,
                peer,
                transport: Transport::Tcp,
                counters: &shared.metrics.shared,
                limits: Some(&shared.transfer_limits),
            };
            let responses = transfer_response(&ctx, &incoming);
            drop(zones);
            drop(journals);
            let mut result = Ok(());
            if let Some((code, responses)) = responses {
                metrics.response(code, false);
                // Each message is made as the one before has been written: a transfer holds
                // one message, not the zone, and a slow reader slows only its own transfer.
                for message in responses {
                    result = write(&mut writer, &message, idle).await;
                    if result.is_err() {
                        break;
                    }
                }
            }
            result
        } else if let Some(incoming) = incoming {
            let now = now_secs();
            let secrets = shared.cookies.as_ref().map(|c| secrets.get(c, now));
            let requester = Requester { address: Some(peer.ip()), now, cookies: secrets.as_ref() };
            let outcome = answer_incoming(&shared.zones.load(), &incoming, &requester, &mut out);
            match outcome {
                Outcome::Response(summary) => {
                    metrics.response(summary.rcode, summary.truncated);
                    write(&mut writer, out.as_bytes(), idle).await
                }
                Outcome::NoResponse => {
                    metrics.dropped();
                    Ok(())
                }
            }
        } else {
            // Shorter than a header.
            metrics.dropped();
            Ok(())
        };
        if let Err(timed_out) = sent {
            return timed_out;
        }
        // Responses to pipelined queries already buffered go out together.
        if reader.buffer().is_empty() {
            match timeout(idle, writer.flush()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return false,
                Err(_) => return true,
            }
        }
    }
}

/// Writes one length-prefixed message; the error says whether it was the timeout.
async fn write<W: AsyncWriteExt + Unpin>(
    writer: &mut W,
    message: &[u8],
    idle: std::time::Duration,
) -> Result<(), bool> {
    let len = u16::try_from(message.len()).map_err(|_| false)?;
    let written = timeout(idle, async {
        writer.write_all(&len.to_be_bytes()).await?;
        writer.write_all(message).await
    })
    .await;
    match written {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(false),
        Err(_) => Err(true),
    }
}
