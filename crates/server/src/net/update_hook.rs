//! The updater: one thread that takes UPDATE messages (from the UDP workers and TCP tasks)
//! and flushes (from the control socket) off a bounded queue and runs them one at a time, so
//! that each update decides against the version the previous one served, its difference is
//! on disk before it is answered, and a flush never interleaves with an update. The queue is
//! bounded: beyond [`QUEUE`] waiting messages, updates are answered SERVFAIL at once.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Weak};

use nameward_dns::Name;
use nameward_dns::message::rcode;

use crate::net::state::{Applied, Shared, now_ms};
use crate::update::journal::{Appender, sync_dir};
use crate::update::wire::{self, Read};
use crate::update::{Decision, process};

/// Updates waiting at most.
pub const QUEUE: usize = 256;

/// Where an answer goes.
pub type Reply = Box<dyn FnOnce(Vec<u8>) + Send>;

/// Work for the updater.
pub enum Job {
    /// An UPDATE message from `peer`; `reply` sends the answer.
    Update {
        /// The message.
        bytes: Vec<u8>,
        /// Who sent it.
        peer: SocketAddr,
        /// Sends the answer.
        reply: Reply,
    },
    /// Writes every updated zone back to its file and empties its journal; `reply` gets what
    /// was done or why not.
    Flush {
        /// Gets the outcome.
        reply: Box<dyn FnOnce(Result<String, String>) + Send>,
    },
}

/// The updater's queue.
#[derive(Debug, Clone)]
pub struct UpdateQueue {
    sender: SyncSender<Job>,
}

impl UpdateQueue {
    /// Queues `job`; when the queue is full or the updater gone, gives it back.
    pub fn submit(&self, job: Job) -> Result<(), Job> {
        self.sender.try_send(job).map_err(|e| match e {
            TrySendError::Full(job) | TrySendError::Disconnected(job) => job,
        })
    }
}

/// Answers an UPDATE SERVFAIL at once (queue full, no updater).
pub fn busy(bytes: &[u8]) -> Option<Vec<u8>> {
    let id = u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]);
    Some(wire::response(id, None, rcode::SERVFAIL, None, 0))
}

/// The answer to an UPDATE where no zone takes updates: REFUSED, as servers without update
/// rules answer (`None` for a response or a message too short to answer).
pub fn refused(incoming: &crate::Incoming<'_>) -> Option<Vec<u8>> {
    if incoming.is_response() {
        return None;
    }
    Some(wire::response(incoming.id(), None, rcode::REFUSED, None, 0))
}

/// Runs an UPDATE from an async task: queued to the updater and awaited. `None`: no answer.
pub async fn answer_async(
    shared: &Shared,
    incoming: crate::Incoming<'_>,
    peer: SocketAddr,
) -> Option<Vec<u8>> {
    if shared.updater.get().is_none() {
        return refused(&incoming);
    }
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let reply = Box::new(move |answer: Vec<u8>| {
        let _ = sender.send(answer);
    });
    submit(shared, incoming.bytes().to_vec(), peer, reply);
    // The connection waits for the updater no longer than for a client that went quiet.
    let deadline = shared.config.tcp.idle_timeout();
    tokio::time::timeout(deadline, receiver).await.ok()?.ok()
}

/// Hands an UPDATE to the updater, or answers it SERVFAIL through `reply` when it cannot.
pub fn submit(shared: &Shared, bytes: Vec<u8>, peer: SocketAddr, reply: Reply) {
    let job = Job::Update { bytes, peer, reply };
    let refused = match shared.updater.get() {
        Some(queue) => queue.submit(job).err(),
        None => Some(job),
    };
    if let Some(Job::Update { bytes, reply, .. }) = refused
        && let Some(answer) = busy(&bytes)
    {
        tracing::warn!(%peer, "update answered SERVFAIL: the update queue is full");
        reply(answer);
    }
}

/// Starts the updater for `shared` (once; later calls do nothing). It ends when `shared` is
/// dropped.
pub fn start(shared: &Arc<Shared>) -> std::io::Result<()> {
    let (sender, receiver) = sync_channel(QUEUE);
    if shared.updater.set(UpdateQueue { sender }).is_err() {
        return Ok(());
    }
    let weak = Arc::downgrade(shared);
    std::thread::Builder::new()
        .name("nameward-update".to_owned())
        .spawn(move || run(weak, receiver))
        .map(|_| ())
}

fn run(shared: Weak<Shared>, receiver: Receiver<Job>) {
    let mut journals: HashMap<Name, Appender> = HashMap::new();
    while let Ok(job) = receiver.recv() {
        let Some(shared) = shared.upgrade() else { return };
        match job {
            Job::Update { bytes, peer, reply } => {
                if let Some(answer) = update(&shared, &mut journals, &bytes, peer) {
                    reply(answer);
                }
            }
            Job::Flush { reply } => reply(flush(&shared, &mut journals)),
        }
    }
}

/// Runs one UPDATE; the answer, if one is due.
fn update(
    shared: &Shared,
    journals: &mut HashMap<Name, Appender>,
    bytes: &[u8],
    peer: SocketAddr,
) -> Option<Vec<u8>> {
    let now = now_ms() / 1000;
    let request = match wire::read(bytes, &shared.transfer.keys, now) {
        Read::Drop => return None,
        Read::Answer(answer) => {
            tracing::info!(%peer, "update refused before reading: TSIG or format");
            return Some(answer);
        }
        Read::Request(request) => request,
    };
    let id = request.message.header.id;
    let zone_section = request.message.questions.first();
    let answer = |decision: &Decision| {
        let code = decision.rcode;
        Some(wire::response(id, zone_section, code, request.verified.as_ref(), now))
    };
    let zones = shared.zones.load();
    let (zone, policy) = match zone_section {
        Some(q) if request.message.questions.len() == 1 => {
            let Some(zone) = zones.get(&q.name) else {
                let decision =
                    Decision { rcode: rcode::NOTAUTH, diff: None, reason: String::new() };
                tracing::info!(%peer, zone = %q.name, "update for a zone not served: NOTAUTH");
                return answer(&decision);
            };
            let Some(policy) = shared.update_policies.get(zone.origin()) else {
                let decision =
                    Decision { rcode: rcode::REFUSED, diff: None, reason: String::new() };
                tracing::info!(%peer, zone = %q.name, "update for a zone without update rules: REFUSED");
                return answer(&decision);
            };
            (Arc::clone(zone), policy)
        }
        _ => {
            let decision = Decision { rcode: rcode::FORMERR, diff: None, reason: String::new() };
            return answer(&decision);
        }
    };
    drop(zones);
    let mut decision = process(&*zone, policy, &request.signer, &request.message);
    let origin = zone.origin().clone();
    if let Some(diff) = decision.diff.take() {
        let journal = match journal_for(shared, journals, &origin) {
            Ok(journal) => journal,
            Err(e) => {
                tracing::error!(zone = %origin, "update answered SERVFAIL: {e}");
                decision.rcode = rcode::SERVFAIL;
                return answer(&decision);
            }
        };
        match shared.apply_update(&origin, diff, |diff| journal.append(diff)) {
            Ok(serial) => {
                tracing::info!(%peer, zone = %origin, serial, "update applied: {}", decision.reason);
            }
            // A zone the checks refuse (a delegation without its glue, say) is the update's
            // fault: REFUSED, so the client does not retry it. A journal that cannot be
            // written is ours: SERVFAIL, and nothing was served.
            Err(e @ Applied::Zone(_)) => {
                tracing::info!(%peer, zone = %origin, "update refused: {e}");
                decision.rcode = rcode::REFUSED;
            }
            Err(e @ Applied::Journal(_)) => {
                tracing::error!(%peer, zone = %origin, "update answered SERVFAIL: {e}");
                decision.rcode = rcode::SERVFAIL;
            }
        }
    } else {
        tracing::info!(%peer, zone = %origin, rcode = decision.rcode, "update: {}", decision.reason);
    }
    answer(&decision)
}

/// The open journal of the zone at `origin`.
fn journal_for<'j>(
    shared: &Shared,
    journals: &'j mut HashMap<Name, Appender>,
    origin: &Name,
) -> Result<&'j mut Appender, String> {
    if !journals.contains_key(origin) {
        let config = shared
            .config
            .zones
            .iter()
            .find(|z| Name::parse(&z.origin, Some(&Name::root())).is_ok_and(|o| o == *origin))
            .ok_or_else(|| format!("zone {origin} is not configured"))?;
        let appender = Appender::open(&config.journal_path())?;
        journals.insert(origin.clone(), appender);
    }
    journals.get_mut(origin).ok_or_else(|| format!("zone {origin}: no journal"))
}

/// Writes each updatable zone to its file (a new file renamed over the old, both fsynced) and
/// empties its journal, with nothing else changing zones meanwhile.
fn flush(shared: &Shared, journals: &mut HashMap<Name, Appender>) -> Result<String, String> {
    shared.exclusive(|| {
        let zones = shared.zones.load();
        let mut done = Vec::new();
        for config in shared.config.zones.iter().filter(|z| !z.update.is_empty()) {
            let origin = Name::parse(&config.origin, Some(&Name::root()))
                .map_err(|e| format!("bad zone origin `{}`: {e}", config.origin))?;
            let Some(zone) = zones.get(&origin) else { continue };
            write_zone_file(&config.file, zone).map_err(|e| {
                format!("{}: cannot write zone {origin}: {e}", config.file.display())
            })?;
            match journals.get_mut(&origin) {
                Some(journal) => journal.clear(),
                None => match std::fs::remove_file(config.journal_path()) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                    _ => Ok(()),
                },
            }
            .map_err(|e| format!("zone {origin}: cannot empty the journal: {e}"))?;
            let serial = zone.serial().map_or_else(|| "-".to_owned(), |s| s.to_string());
            done.push(format!("{origin} serial {serial}: written to {}", config.file.display()));
        }
        Ok(done.join("\n"))
    })
}

/// Writes `zone` to `path` atomically: a temporary file beside it, fsynced, renamed over it,
/// the directory fsynced.
fn write_zone_file(path: &std::path::Path, zone: &crate::Zone) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".flush");
    let temporary = std::path::PathBuf::from(temporary);
    let result = (|| {
        let file = std::fs::File::create(&temporary)?;
        let mut out = std::io::BufWriter::new(file);
        writeln!(out, "; written by nameward ctl flush")?;
        writeln!(out, "$ORIGIN {}", zone.origin())?;
        for record in zone.records() {
            writeln!(out, "{record}")?;
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        sync_dir(path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
