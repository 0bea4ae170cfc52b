//! Ctrl-C (SIGINT) and SIGTERM as a request to end a stream cleanly: once [`catch`] ran, the
//! signal only sets a flag ([`requested`]); a followed file ([`super::follow::Follow`]) and
//! standard input read through [`UntilInterrupted`] then end as if the stream ended, so
//! `classify --follow`, `classify -` and `classify --lsl` finish their output and print their
//! end-of-stream summary (exit 0).

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by SIGINT and SIGTERM once [`catch`] ran.
static STOP: AtomicBool = AtomicBool::new(false);

/// Longest wait on standard input before looking at the flag again, ms.
const POLL_MS: i32 = 100;

/// Whether Ctrl-C (or SIGTERM) came since [`catch`].
pub fn requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// From now on SIGINT and SIGTERM set the flag instead of ending the process.
#[cfg(unix)]
pub fn catch() {
    extern "C" fn on_signal(_: i32) {
        STOP.store(true, Ordering::SeqCst);
    }
    extern "C" {
        fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
    }
    // SAFETY: `signal` from the C library the process is linked with; the handler only
    // stores to an atomic, which is async-signal-safe
    unsafe {
        signal(2, on_signal); // SIGINT
        signal(15, on_signal); // SIGTERM
    }
}

/// From now on SIGINT and SIGTERM set the flag instead of ending the process.
#[cfg(not(unix))]
pub fn catch() {}

/// Standard input that ends (reads 0 bytes) once Ctrl-C came: it waits for data in steps of
/// 100 ms (poll(2)), so a blocked read never outlives the interrupt.
pub struct UntilInterrupted<R: Read> {
    inner: R,
}

impl<R: Read> UntilInterrupted<R> {
    /// Wraps a reader of standard input (file descriptor 0).
    pub fn new(inner: R) -> UntilInterrupted<R> {
        UntilInterrupted { inner }
    }
}

#[cfg(unix)]
fn stdin_ready(timeout_ms: i32) -> bool {
    #[repr(C)]
    struct PollFd {
        fd: i32,
        events: i16,
        revents: i16,
    }
    extern "C" {
        fn poll(fds: *mut PollFd, nfds: u64, timeout: i32) -> i32;
    }
    let mut fd = PollFd {
        fd: 0,
        events: 1, // POLLIN
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call
    let n = unsafe { poll(&mut fd, 1, timeout_ms) };
    // an error (EINTR) counts as not ready, a hang-up or error on the fd as ready: the read
    // then says what it is
    n > 0
}

#[cfg(not(unix))]
fn stdin_ready(_timeout_ms: i32) -> bool {
    true
}

impl<R: Read> Read for UntilInterrupted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if requested() {
                return Ok(0);
            }
            if stdin_ready(POLL_MS) {
                return self.inner.read(buf);
            }
        }
    }
}
