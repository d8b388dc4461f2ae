//! The local control socket that `nameward ctl` talks to: one command line in, a status line
//! (`ok` or `error`) and details out, then the connection closes.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::sync::watch;

use crate::net::state::Shared;

/// The longest command line read.
const MAX_COMMAND: u64 = 256;

/// Serves control commands until `stop` turns true: `reload`, `status` and `flush`.
pub async fn serve(listener: UnixListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let (reader, mut writer) = stream.into_split();
            let mut line = String::new();
            let mut reader = BufReader::new(tokio::io::AsyncReadExt::take(reader, MAX_COMMAND));
            if reader.read_line(&mut line).await.is_err() {
                return;
            }
            let reply = match line.trim() {
                "reload" => {
                    let report = tokio::task::spawn_blocking(move || shared.reload()).await;
                    match report {
                        Ok(r) => {
                            format!("{}\n{}\n", if r.ok() { "ok" } else { "error" }, r.summary())
                        }
                        Err(e) => format!("error\nreload did not finish: {e}\n"),
                    }
                }
                "status" => {
                    let zones: Vec<String> = shared
                        .status()
                        .iter()
                        .map(|z| {
                            let serial = z.serial.map_or_else(|| "-".into(), |s| s.to_string());
                            format!("{} serial {serial}", z.origin)
                        })
                        .collect();
                    format!("ok\n{}\n", zones.join("\n"))
                }
                "flush" => flush(&shared).await,
                other => format!("error\nunknown command `{other}` (reload, status, flush)\n"),
            };
            let _ = writer.write_all(reply.as_bytes()).await;
            let _ = writer.shutdown().await;
        });
    }
}

/// Has the updater write the updated zones back to their files.
async fn flush(shared: &Shared) -> String {
    use crate::net::update_hook::Job;
    let Some(queue) = shared.updater.get() else {
        return "ok\nno zone takes updates: nothing to flush\n".to_owned();
    };
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let job = Job::Flush {
        reply: Box::new(move |outcome| {
            let _ = sender.send(outcome);
        }),
    };
    if queue.submit(job).is_err() {
        return "error\nthe updater is busy; try again\n".to_owned();
    }
    match receiver.await {
        Ok(Ok(done)) => format!("ok\n{done}\n"),
        Ok(Err(e)) => format!("error\n{e}\n"),
        Err(_) => "error\nthe updater stopped\n".to_owned(),
    }
}

/// Sends `command` to the server listening on `path`; returns whether it succeeded and the
/// details it gave. Blocking, for the command-line client.
pub fn request(path: &Path, command: &str) -> io::Result<(bool, String)> {
    let mut stream = UnixStream::connect(path)?;
    // A reload of large zones takes a while; a server that says nothing for this long is stuck.
    stream.set_read_timeout(Some(Duration::from_secs(600)))?;
    stream.write_all(format!("{command}\n").as_bytes())?;
    let mut reply = String::new();
    stream.take(1 << 20).read_to_string(&mut reply)?;
    let (status, details) = reply.split_once('\n').unwrap_or((reply.as_str(), ""));
    match status {
        "ok" => Ok((true, details.trim_end().to_string())),
        "error" => Ok((false, details.trim_end().to_string())),
        _ => {
            Err(io::Error::new(io::ErrorKind::InvalidData, "the server's reply is not understood"))
        }
    }
}
