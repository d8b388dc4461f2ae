//! RFC 5734 data units: arbitrary byte streams through the EPP frame reader, delivered in
//! arbitrary pieces, under the limits the server and the client use and under a small limit
//! drawn from the input.
//!
//! Asserted besides "no panic": the frames and the way the stream ends do not depend on where
//! the stream was split; they are what a straightforward reading of RFC 5734 §4 gives; no
//! frame is over the limit; and reading costs memory in proportion to the octets that arrived,
//! not to the length a header declares (a counting allocator watches the peak).
//!
//! Input: octet 0 picks the limit, octet 1 seeds the piece sizes, the rest is the stream.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use nameward_epp::frame::{
    DEFAULT_MAX_FRAME, FrameLimits, HEADER_LEN, MIN_FRAME, decode_header, encode_header, read_frame,
};
use tokio::io::{AsyncRead, ReadBuf};

/// Counts the bytes held by Rust allocations since the last reset (negative when more was
/// freed than allocated since), and their peak.
struct Counting;

static HELD: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn grew(by: usize) {
    let by = isize::try_from(by).unwrap_or(isize::MAX);
    let held = HELD.fetch_add(by, Ordering::Relaxed).saturating_add(by);
    PEAK.fetch_max(held, Ordering::Relaxed);
}

fn shrank(by: usize) {
    HELD.fetch_sub(isize::try_from(by).unwrap_or(isize::MAX), Ordering::Relaxed);
}

// SAFETY: every call is passed on unchanged to the system allocator; only counts are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrank(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match new_size.checked_sub(layout.size()) {
            Some(more) => grew(more),
            None => shrank(layout.size() - new_size),
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A stream that hands out its octets in pieces of pseudo-random sizes (1 to 64), as a TCP or
/// TLS connection may.
struct Pieces<'a> {
    data: &'a [u8],
    state: u32,
}

impl AsyncRead for Pieces<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        // xorshift32: cheap, and the same seed gives the same splits.
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        let piece = 1 + (self.state % 64) as usize;
        let n = piece.min(buf.remaining()).min(self.data.len());
        let (now, later) = self.data.split_at(n);
        buf.put_slice(now);
        self.data = later;
        Poll::Ready(Ok(()))
    }
}

/// How a stream read frame by frame ends.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// Closed between frames.
    Clean,
    /// A header declaring less than [`MIN_FRAME`] or more than the limit.
    BadHeader,
    /// Closed part way through a frame.
    Truncated,
}

/// RFC 5734 §4 read straight off the whole stream.
fn reference(mut stream: &[u8], max_frame: usize) -> (Vec<&[u8]>, End) {
    let mut frames = Vec::new();
    loop {
        if stream.is_empty() {
            return (frames, End::Clean);
        }
        let Some((header, rest)) = stream.split_first_chunk::<HEADER_LEN>() else {
            return (frames, End::Truncated);
        };
        let total = u32::from_be_bytes(*header) as usize;
        if !(MIN_FRAME..=max_frame).contains(&total) {
            return (frames, End::BadHeader);
        }
        let Some((payload, rest)) = rest.split_at_checked(total - HEADER_LEN) else {
            return (frames, End::Truncated);
        };
        frames.push(payload);
        stream = rest;
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime builds")
    })
}

/// Reads `stream` frame by frame as the server does and checks every property.
fn check(stream: &[u8], seed: u8, max_frame: usize) {
    // The server's timeouts, so that the same code path runs; the stream never waits.
    let limits = FrameLimits {
        max_frame,
        idle_timeout: Some(Duration::from_secs(600)),
        frame_timeout: Some(Duration::from_secs(60)),
    };
    let (expected_frames, expected_end) = reference(stream, max_frame);
    let mut reader = Pieces { data: stream, state: u32::from(seed) | 0x100 };
    let mut frames = Vec::new();
    let end = runtime().block_on(async {
        loop {
            let before = reader.data.len();
            HELD.store(0, Ordering::Relaxed);
            PEAK.store(0, Ordering::Relaxed);
            let result = read_frame(&mut reader, &limits).await;
            let peak = usize::try_from(PEAK.load(Ordering::Relaxed)).unwrap_or(0);
            let arrived = before - reader.data.len();
            // The body buffer starts at 16 KiB at most and at most doubles what has arrived.
            assert!(
                peak <= 2 * arrived + 16 * 1024 + 1024,
                "{peak} bytes allocated reading a frame of which {arrived} octets arrived"
            );
            match result {
                Ok(Some(payload)) => {
                    assert!(!payload.is_empty() && payload.len() + HEADER_LEN <= max_frame);
                    assert!(payload.capacity() <= max_frame, "buffer beyond the limit");
                    frames.push(payload);
                }
                Ok(None) => return End::Clean,
                Err(nameward_epp::frame::FrameError::TooShort { .. })
                | Err(nameward_epp::frame::FrameError::TooLarge { .. }) => return End::BadHeader,
                Err(nameward_epp::frame::FrameError::Truncated { received, expected }) => {
                    assert!(received < expected, "truncated after {received} of {expected}");
                    return End::Truncated;
                }
                Err(other) => panic!("unexpected error from an in-memory stream: {other}"),
            }
        }
    });
    assert_eq!(end, expected_end);
    assert_eq!(frames.len(), expected_frames.len());
    for (got, want) in frames.iter().zip(&expected_frames) {
        assert_eq!(got.as_slice(), *want);
        // Written out again, a frame reads back the same.
        let header = encode_header(got.len()).expect("a read frame fits the header");
        assert_eq!(decode_header(header, max_frame).ok(), Some(got.len()));
    }
}

fuzz_target!(|data: &[u8]| {
    let [pick, seed, stream @ ..] = data else { return };
    // The server's default, the client's (16 times larger), and a small one that frames in
    // the input can reach.
    let max_frame = match pick % 4 {
        0 => DEFAULT_MAX_FRAME,
        1 => 16 * DEFAULT_MAX_FRAME,
        _ => MIN_FRAME + usize::from(*pick),
    };
    check(stream, *seed, max_frame);
});
