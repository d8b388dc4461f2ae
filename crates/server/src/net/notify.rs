//! Sends the NOTIFYs queued by loads and reloads (the `transfer::Notifier` state machines say
//! what and when) and hands the secondaries' answers back to them.
//!
//! A task on the server's runtime: it sends a queued NOTIFY as soon as it is queued
//! (serving a new version wakes it), so a secondary hears of a new serial within
//! moments of its publication, and looks at the queue every [`TICK`] for retransmissions.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::watch;

use crate::net::state::{Shared, now_ms};
use crate::transfer::{NotifyEvent, Outgoing};

/// The longest the queue goes unlooked at (retransmissions are seconds apart; a NOTIFY held
/// back to keep a zone's NOTIFYs apart is sent at its time).
const TICK: Duration = Duration::from_millis(100);

/// Runs until `stop` turns true. One socket per address family, bound to an ephemeral port.
pub async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let v4 = UdpSocket::bind("0.0.0.0:0").await.ok();
    let v6 = UdpSocket::bind("[::]:0").await.ok();
    let mut seed = now_ms() as u32 | 1;
    let mut next_id = move || {
        // xorshift: IDs an off-path attacker cannot guess from the previous one at a glance.
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        (seed >> 8) as u16
    };
    let (mut buf4, mut buf6) = ([0u8; 4096], [0u8; 4096]);
    loop {
        for out in due(&shared, &mut next_id) {
            let socket = if out.to.is_ipv4() { &v4 } else { &v6 };
            if let Some(socket) = socket
                && socket.send_to(&out.message, out.to).await.is_ok()
            {
                shared.metrics.shared.notifies.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::select! {
            _ = stop.wait_for(|stop| *stop) => return,
            () = shared.notifier_queued() => {}
            () = tokio::time::sleep(until_next(&shared)) => {}
            Some((len, from)) = receive(v4.as_ref(), &mut buf4) => {
                answered(&shared, from, buf4.get(..len).unwrap_or_default());
            }
            Some((len, from)) = receive(v6.as_ref(), &mut buf6) => {
                answered(&shared, from, buf6.get(..len).unwrap_or_default());
            }
        }
    }
}

/// What the queued notifiers want sent now; finished ones leave the queue.
fn due(shared: &Shared, next_id: &mut impl FnMut() -> u16) -> Vec<Outgoing> {
    let mut outgoing = Vec::new();
    let now = now_ms();
    if let Ok(mut notifiers) = shared.notifiers.lock() {
        for n in notifiers.iter_mut() {
            let (out, events) = n.poll(now, &mut *next_id);
            outgoing.extend(out);
            for event in events {
                if let NotifyEvent::GaveUp(to) = event {
                    tracing::warn!(zone = %n.zone(), "NOTIFY to {to} never answered");
                    bump(&shared.metrics.shared.notify_unanswered);
                }
            }
        }
        notifiers.retain(|n| !n.is_finished());
    }
    outgoing
}

/// How long until a queued notifier has something to send, [`TICK`] at most.
fn until_next(shared: &Shared) -> Duration {
    let next = shared
        .notifiers
        .lock()
        .ok()
        .and_then(|notifiers| notifiers.iter().filter_map(|n| n.next_deadline()).min());
    next.map_or(TICK, |at| Duration::from_millis(at.saturating_sub(now_ms())).min(TICK))
}

/// The next datagram on `socket`, or never when there is no socket (or it fails).
async fn receive(socket: Option<&UdpSocket>, buf: &mut [u8]) -> Option<(usize, SocketAddr)> {
    match socket {
        Some(socket) => socket.recv_from(buf).await.ok(),
        None => std::future::pending().await,
    }
}

fn bump(counter: &std::sync::atomic::AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn answered(shared: &Shared, from: SocketAddr, message: &[u8]) {
    let Ok(mut notifiers) = shared.notifiers.lock() else { return };
    for n in notifiers.iter_mut() {
        match n.on_response(from, message, now_ms()) {
            Some(NotifyEvent::Rejected(to, code)) => {
                tracing::warn!(zone = %n.zone(), "NOTIFY to {to} answered with rcode {code}");
                bump(&shared.metrics.shared.notify_rejected);
                return;
            }
            Some(NotifyEvent::Acknowledged(_)) => {
                bump(&shared.metrics.shared.notify_acknowledged);
                return;
            }
            Some(NotifyEvent::GaveUp(_)) => return,
            None => {}
        }
    }
}
