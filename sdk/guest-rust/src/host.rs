//! The host functions of the ABI's `synod` import module, as safe calls on
//! slices. On wasm32 they are the real imports; elsewhere they act on the
//! in-memory shard of [`crate::testing`].

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "synod")]
    extern "C" {
        pub fn kv_get(key: *const u8, key_len: u32, buf: *mut u8, buf_cap: u32) -> i32;
        pub fn kv_set(key: *const u8, key_len: u32, val: *const u8, val_len: u32);
        pub fn kv_delete(key: *const u8, key_len: u32);
        pub fn kv_scan(
            start: *const u8,
            start_len: u32,
            end: *const u8,
            end_len: u32,
            limit: i32,
            buf: *mut u8,
            buf_cap: u32,
        ) -> i32;
        pub fn set_output(ptr: *const u8, len: u32);
        pub fn set_error(code: u32, msg: *const u8, msg_len: u32);
    }
}

/// Looks `key` up: -1 if absent, else the value's length n, copied into
/// `buf`'s spare capacity (and `buf`'s length set to n) only if it fits.
#[cfg(target_arch = "wasm32")]
pub fn get(key: &[u8], buf: &mut Vec<u8>) -> i32 {
    buf.clear();
    // SAFETY: the host writes at most buf.capacity() bytes into buf, and
    // only sets the length it reports when that fits.
    unsafe {
        let n = imports::kv_get(key.as_ptr(), key.len() as u32, buf.as_mut_ptr(), buf.capacity() as u32);
        if n >= 0 && n as usize <= buf.capacity() {
            buf.set_len(n as usize);
        }
        n
    }
}

/// Writes `key = value`.
#[cfg(target_arch = "wasm32")]
pub fn set(key: &[u8], value: &[u8]) {
    // SAFETY: the host only reads the two slices.
    unsafe { imports::kv_set(key.as_ptr(), key.len() as u32, value.as_ptr(), value.len() as u32) }
}

/// Deletes `key`.
#[cfg(target_arch = "wasm32")]
pub fn delete(key: &[u8]) {
    // SAFETY: the host only reads the slice.
    unsafe { imports::kv_delete(key.as_ptr(), key.len() as u32) }
}

/// Encodes at most `limit` entries of [start, end) into `buf` as `get`
/// does: returns the encoding's length, copied only if it fits.
#[cfg(target_arch = "wasm32")]
pub fn scan(start: &[u8], end: &[u8], limit: i32, buf: &mut Vec<u8>) -> i32 {
    buf.clear();
    // SAFETY: as in get.
    unsafe {
        let n = imports::kv_scan(
            start.as_ptr(),
            start.len() as u32,
            end.as_ptr(),
            end.len() as u32,
            limit,
            buf.as_mut_ptr(),
            buf.capacity() as u32,
        );
        if n >= 0 && n as usize <= buf.capacity() {
            buf.set_len(n as usize);
        }
        n
    }
}

/// Sets the current call's result.
#[cfg(target_arch = "wasm32")]
pub fn set_output(out: &[u8]) {
    // SAFETY: the host only reads the slice.
    unsafe { imports::set_output(out.as_ptr(), out.len() as u32) }
}

/// Records the current call's application error.
#[cfg(target_arch = "wasm32")]
pub fn set_error(code: u32, msg: &str) {
    // SAFETY: the host only reads the slice.
    unsafe { imports::set_error(code, msg.as_ptr(), msg.len() as u32) }
}

/// Writes `message`, the text of a panic, to standard error, from where the
/// host adds its first line to the reason of the trap that follows: the
/// client then sees `module trapped: wasm error: unreachable (panicked at
/// '…', src/lib.rs:12:5)`. This is the module's one WASI import, and only
/// a panic calls it.
#[cfg(target_arch = "wasm32")]
pub fn report_panic(message: &str) {
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        fn fd_write(fd: u32, iovs: *const [u32; 2], iovs_len: u32, nwritten: *mut u32) -> u16;
    }
    const STDERR: u32 = 2;
    let line = message.lines().next().unwrap_or_default();
    let iov = [line.as_ptr() as u32, line.len() as u32];
    let mut written = 0;
    // SAFETY: iov describes line, which the host only reads; the host
    // writes the count to written. The result does not matter: a trap
    // follows whatever it is.
    unsafe { fd_write(STDERR, &iov, 1, &mut written) };
}

#[cfg(not(target_arch = "wasm32"))]
pub use crate::testing::host::{delete, get, report_panic, scan, set, set_error, set_output};
