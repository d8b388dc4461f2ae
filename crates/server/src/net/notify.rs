//! Sends the NOTIFYs queued by loads and reloads (the `transfer::Notifier` state machines say
//! what and when) and hands the secondaries' answers back to them.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::net::state::{Shared, now_ms};
use crate::transfer::NotifyEvent;

/// How often the queue is looked at, and the longest wait for an answer.
const TICK: Duration = Duration::from_millis(100);

/// Runs until `stop` is set. One socket per address family, bound to an ephemeral port.
pub fn run(shared: Arc<Shared>, stop: &AtomicBool) {
    let v4 = UdpSocket::bind("0.0.0.0:0").ok();
    let v6 = UdpSocket::bind("[::]:0").ok();
    for socket in [&v4, &v6].into_iter().flatten() {
        let _ = socket.set_read_timeout(Some(TICK / 2));
    }
    let mut seed = now_ms() as u32 | 1;
    let mut next_id = move || {
        // xorshift: IDs an off-path attacker cannot guess from the previous one at a glance.
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        (seed >> 8) as u16
    };
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        let now = now_ms();
        let mut outgoing = Vec::new();
        if let Ok(mut notifiers) = shared.notifiers.lock() {
            for n in notifiers.iter_mut() {
                let (out, events) = n.poll(now, &mut next_id);
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
        for out in outgoing {
            let socket = if out.to.is_ipv4() { &v4 } else { &v6 };
            if let Some(socket) = socket {
                let sent = socket.send_to(&out.message, out.to);
                if sent.is_ok() {
                    shared.metrics.shared.notifies.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let mut idle = true;
        for socket in [&v4, &v6].into_iter().flatten() {
            let Ok((len, from)) = socket.recv_from(&mut buf) else { continue };
            idle = false;
            answered(&shared, from, buf.get(..len).unwrap_or_default());
        }
        if idle && v4.is_none() && v6.is_none() {
            std::thread::sleep(TICK);
        }
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
