//! RFC 5734 §4 data units: a 4-octet big-endian total length (header included) and then the XML
//! instance, moved as opaque bytes.
//!
//! The length comes from the peer, so it is checked against a limit before anything is read
//! after it, and the body buffer grows with the octets that actually arrive rather than with
//! what the header claims: a peer that declares a megabyte and sends ten octets costs ten.

use std::future::Future;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Octets in the length header.
pub const HEADER_LEN: usize = 4;

/// The smallest total length that carries any XML at all: the header plus one octet.
pub const MIN_FRAME: usize = HEADER_LEN + 1;

/// Default limit on the total length of an incoming frame (1 MiB); EPP commands are small, and
/// the largest legitimate ones (a domain with many DS records) stay far below this.
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;

/// The first read of a body is at most this large; later reads double it up to the declared
/// length, so small frames never reserve more than they need.
const FIRST_BODY_CHUNK: usize = 16 * 1024;

/// What went wrong while reading or writing one frame.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The header declares less than [`MIN_FRAME`] octets.
    #[error(
        "EPP frame header declares a total length of {declared} octets; the minimum is 5 \
         (the 4-octet header and at least one octet of XML)"
    )]
    TooShort {
        /// The total length from the header.
        declared: u32,
    },
    /// The header declares more than the configured limit.
    #[error("EPP frame header declares a total length of {declared} octets; the limit is {max}")]
    TooLarge {
        /// The total length from the header.
        declared: u32,
        /// The configured limit on the total length.
        max: usize,
    },
    /// The peer closed the connection part way through a frame.
    #[error("connection closed after {received} of {expected} octets of an EPP frame")]
    Truncated {
        /// Octets of the frame (header included) that arrived.
        received: usize,
        /// Octets the frame needed: 4 while reading the header, the declared total afterwards.
        expected: usize,
    },
    /// No frame began within the idle timeout.
    #[error("no EPP frame began within the idle timeout of {0:?}")]
    Idle(Duration),
    /// A frame began but was not complete within the per-frame deadline.
    #[error("EPP frame not complete within {0:?} of its first octet")]
    Deadline(Duration),
    /// An outgoing payload does not fit a 32-bit total length.
    #[error("outgoing EPP frame of {0} octets does not fit the 32-bit length header")]
    OutgoingTooLarge(usize),
    /// The underlying stream failed.
    #[error("EPP frame I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Limits applied to incoming frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameLimits {
    /// Largest accepted total length (header included).
    pub max_frame: usize,
    /// How long to wait for the first octet of a frame; `None` waits for ever.
    pub idle_timeout: Option<Duration>,
    /// How long a frame may take from its first octet to its last; `None` waits for ever.
    pub frame_timeout: Option<Duration>,
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits { max_frame: DEFAULT_MAX_FRAME, idle_timeout: None, frame_timeout: None }
    }
}

/// Checks a length header and returns the payload length it announces.
pub fn decode_header(header: [u8; HEADER_LEN], max_frame: usize) -> Result<usize, FrameError> {
    let declared = u32::from_be_bytes(header);
    let total =
        usize::try_from(declared).map_err(|_| FrameError::TooLarge { declared, max: max_frame })?;
    if total < MIN_FRAME {
        return Err(FrameError::TooShort { declared });
    }
    if total > max_frame {
        return Err(FrameError::TooLarge { declared, max: max_frame });
    }
    Ok(total - HEADER_LEN)
}

/// The length header for a payload of `payload_len` octets.
pub fn encode_header(payload_len: usize) -> Result<[u8; HEADER_LEN], FrameError> {
    payload_len
        .checked_add(HEADER_LEN)
        .and_then(|total| u32::try_from(total).ok())
        .map(u32::to_be_bytes)
        .ok_or(FrameError::OutgoingTooLarge(payload_len))
}

/// Reads one frame and returns its payload, or `None` when the peer closed the connection
/// cleanly between frames.
///
/// The idle timeout runs until the first octet arrives; the frame deadline runs from there to
/// the last octet, so a peer that trickles a frame one octet at a time is cut off. On any error
/// the stream is left part way through a frame and should be closed.
pub async fn read_frame<R>(
    reader: &mut R,
    limits: &FrameLimits,
) -> Result<Option<Vec<u8>>, FrameError>
where
    R: AsyncRead + Unpin,
{
    let mut header = [0u8; HEADER_LEN];
    let first =
        within(limits.idle_timeout, reader.read(&mut header[..1]), FrameError::Idle).await??;
    if first == 0 {
        return Ok(None);
    }
    within(limits.frame_timeout, read_rest(reader, header, limits.max_frame), FrameError::Deadline)
        .await?
        .map(Some)
}

/// The rest of a frame whose first header octet is already in `header[0]`.
async fn read_rest<R>(
    reader: &mut R,
    mut header: [u8; HEADER_LEN],
    max_frame: usize,
) -> Result<Vec<u8>, FrameError>
where
    R: AsyncRead + Unpin,
{
    let mut filled = 1;
    while let Some(rest) = header.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        let n = reader.read(rest).await?;
        if n == 0 {
            return Err(FrameError::Truncated { received: filled, expected: HEADER_LEN });
        }
        filled += n;
    }
    let len = decode_header(header, max_frame)?;
    read_body(reader, len).await
}

/// Reads exactly `len` octets, growing the buffer only as data arrives.
async fn read_body<R>(reader: &mut R, len: usize) -> Result<Vec<u8>, FrameError>
where
    R: AsyncRead + Unpin,
{
    let mut body = Vec::new();
    let mut filled = 0;
    while filled < len {
        if filled == body.len() {
            let grow_to = len.min(body.len().saturating_mul(2).max(FIRST_BODY_CHUNK));
            body.reserve_exact(grow_to - body.len());
            body.resize(grow_to, 0);
        }
        let Some(space) = body.get_mut(filled..) else { break };
        let n = reader.read(space).await?;
        if n == 0 {
            return Err(FrameError::Truncated {
                received: HEADER_LEN + filled,
                expected: HEADER_LEN + len,
            });
        }
        filled += n;
    }
    Ok(body)
}

/// Writes one frame (header and payload in a single write, so they leave in one TLS record
/// where they fit) and flushes it.
pub async fn write_frame<W>(writer: &mut W, payload: &[u8]) -> Result<(), FrameError>
where
    W: AsyncWrite + Unpin,
{
    let header = encode_header(payload.len())?;
    let mut frame = Vec::with_capacity(HEADER_LEN + payload.len());
    frame.extend_from_slice(&header);
    frame.extend_from_slice(payload);
    writer.write_all(&frame).await?;
    writer.flush().await?;
    Ok(())
}

/// Runs `fut` under an optional time limit, turning expiry into `on_expiry(limit)`.
async fn within<T, F>(
    limit: Option<Duration>,
    fut: F,
    on_expiry: fn(Duration) -> FrameError,
) -> Result<T, FrameError>
where
    F: Future<Output = T>,
{
    match limit {
        Some(limit) => tokio::time::timeout(limit, fut).await.map_err(|_| on_expiry(limit)),
        None => Ok(fut.await),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    fn read_all(bytes: &[u8], max_frame: usize) -> Vec<Result<Option<Vec<u8>>, String>> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async {
            let mut reader = bytes;
            let limits = FrameLimits { max_frame, ..FrameLimits::default() };
            let mut out = Vec::new();
            loop {
                let result = read_frame(&mut reader, &limits).await;
                let stop = !matches!(result, Ok(Some(_)));
                if let Ok(Some(payload)) = &result {
                    assert!(payload.capacity() <= max_frame, "buffer beyond the limit");
                }
                out.push(result.map_err(|e| e.to_string()));
                if stop {
                    return out;
                }
            }
        })
    }

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut out = encode_header(payload.len()).unwrap().to_vec();
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn header_counts_itself() {
        assert_eq!(encode_header(1).unwrap(), [0, 0, 0, 5]);
        assert_eq!(decode_header([0, 0, 0, 5], 100).unwrap(), 1);
        assert!(matches!(
            decode_header([0, 0, 0, 4], 100),
            Err(FrameError::TooShort { declared: 4 })
        ));
        assert!(matches!(
            decode_header([0, 0, 0, 0], 100),
            Err(FrameError::TooShort { declared: 0 })
        ));
        assert!(matches!(
            decode_header([0xff; 4], DEFAULT_MAX_FRAME),
            Err(FrameError::TooLarge { declared: u32::MAX, max: DEFAULT_MAX_FRAME })
        ));
        assert_eq!(decode_header([0, 0, 0, 100], 100).unwrap(), 96);
        assert!(decode_header([0, 0, 0, 101], 100).is_err());
    }

    #[test]
    fn frames_in_sequence_then_clean_end() {
        let mut wire = frame(b"<epp/>");
        wire.extend(frame(b"x"));
        let got = read_all(&wire, 100);
        assert_eq!(got, vec![Ok(Some(b"<epp/>".to_vec())), Ok(Some(b"x".to_vec())), Ok(None)]);
    }

    #[test]
    fn truncation_is_reported_with_counts() {
        let got = read_all(&[0, 0], 100);
        assert_eq!(got.len(), 1);
        let message = got[0].as_ref().unwrap_err();
        assert!(message.contains("2 of 4"), "{message}");
        let got = read_all(&[0, 0, 0, 10, b'a'], 100);
        let message = got[0].as_ref().unwrap_err();
        assert!(message.contains("5 of 10"), "{message}");
    }

    #[test]
    fn large_frame_grows_past_first_chunk() {
        let payload = vec![7u8; 3 * FIRST_BODY_CHUNK + 5];
        let got = read_all(&frame(&payload), DEFAULT_MAX_FRAME);
        assert_eq!(got[0], Ok(Some(payload)));
    }

    #[tokio::test(start_paused = true)]
    async fn trickle_hits_the_frame_deadline() {
        let (mut client, mut server) = tokio::io::duplex(64);
        let limits = FrameLimits {
            frame_timeout: Some(Duration::from_secs(2)),
            idle_timeout: Some(Duration::from_secs(60)),
            ..FrameLimits::default()
        };
        let writer = tokio::spawn(async move {
            for byte in [0u8, 0, 0, 9, b'a', b'b'] {
                client.write_all(&[byte]).await.unwrap();
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            client
        });
        let result = read_frame(&mut server, &limits).await;
        assert!(matches!(result, Err(FrameError::Deadline(_))), "{result:?}");
        drop(writer.await.unwrap());
    }

    #[tokio::test(start_paused = true)]
    async fn silence_hits_the_idle_timeout() {
        let (_client, mut server) = tokio::io::duplex(64);
        let limits =
            FrameLimits { idle_timeout: Some(Duration::from_secs(5)), ..FrameLimits::default() };
        let result = read_frame(&mut server, &limits).await;
        assert!(matches!(result, Err(FrameError::Idle(_))), "{result:?}");
    }

    proptest! {
        #[test]
        fn decode_never_panics_nor_overallocates(bytes in proptest::collection::vec(any::<u8>(), 0..600), max in 5usize..300) {
            for result in read_all(&bytes, max) {
                if let Ok(Some(payload)) = result {
                    prop_assert!(payload.len() + HEADER_LEN <= max);
                }
            }
        }

        #[test]
        fn round_trip(payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..200), 0..5)) {
            let wire: Vec<u8> = payloads.iter().flat_map(|p| frame(p)).collect();
            let got = read_all(&wire, 1000);
            let mut expected: Vec<_> = payloads.into_iter().map(|p| Ok(Some(p))).collect();
            expected.push(Ok(None));
            prop_assert_eq!(got, expected);
        }
    }
}
