//! The module's exports, which [`crate::export!`] defines by calling these.

use crate::{host, Error, CODE_UNKNOWN};
use std::cell::RefCell;

/// How much heap start-up reserves (see [`initialize`]): enough for the
/// buffers of common calls. Each byte is in the memory that every instance
/// starts from, so it is not free either.
const HEAP_RESERVE: usize = 192 << 10;

thread_local! {
    /// The buffers handed out by `synod_alloc`, kept until the entry point
    /// that reads them returns. Moving a `Vec` does not move its bytes, so
    /// their addresses stay valid.
    static REQUESTS: RefCell<Vec<Vec<u8>>> = RefCell::new(Vec::new());
}

/// `synod_alloc`: returns the address of `size` zeroed bytes that stay valid
/// until the next entry point returns.
pub fn alloc(size: u32) -> *mut u8 {
    // A zero-size request still gets a distinct, valid address.
    let mut buf = vec![0u8; (size as usize).max(1)];
    let ptr = buf.as_mut_ptr();
    REQUESTS.with(|r| r.borrow_mut().push(buf));
    ptr
}

/// `synod_update` and `synod_query`: runs `handler` on the `len` bytes at
/// `ptr` (a buffer from [`alloc`]) and reports its outcome to the host: the
/// result through `set_output`, or an application error through
/// `set_error`. Returns 0 on success, else the error's code.
///
/// A panic in the handler is deliberately not caught: it traps, which the
/// host turns into a rollback and a fresh instance.
pub fn call(ptr: *mut u8, len: u32, handler: fn(&[u8]) -> Result<Vec<u8>, Error>) -> i32 {
    let requests = REQUESTS.with(|r| std::mem::take(&mut *r.borrow_mut()));
    let input: &[u8] = if len == 0 {
        &[]
    } else {
        // SAFETY: the host copied len bytes to ptr, a buffer from alloc that
        // requests owns until this function returns.
        unsafe { std::slice::from_raw_parts(ptr, len as usize) }
    };
    let outcome = report(handler(input));
    drop(requests);
    outcome
}

/// Reports a handler's outcome to the host and returns the entry point's
/// return value.
fn report(outcome: Result<Vec<u8>, Error>) -> i32 {
    match outcome {
        Ok(out) => {
            if !out.is_empty() {
                host::set_output(&out);
            }
            0
        }
        Err(err) => {
            // The fields are public, so code 0 may still reach here.
            let code = if err.code == 0 { CODE_UNKNOWN } else { err.code };
            host::set_error(code, &err.message);
            code as i32
        }
    }
}

/// `_initialize`: runs once, when the host starts an instance. It makes the
/// allocator take `HEAP_RESERVE` bytes from the host and give them back to
/// its free list. Every update starts from the memory as start-up left it
/// (docs/abi.md), so without this, each update's first allocations would
/// grow the memory again, and `memory.grow` is the dearest instruction
/// there is (65,536 fuel a page): a put of examples/kv-rust costs about
/// 83,000 fuel without the reserve and 17,000 with it.
///
/// It also sets the panic hook (see `host::report_panic`).
pub fn initialize() {
    std::panic::set_hook(Box::new(|info| host::report_panic(&info.to_string())));
    let mut reserve = Vec::<u8>::with_capacity(HEAP_RESERVE);
    // SAFETY: the capacity is not zero. The volatile write keeps the
    // compiler from eliding an allocation that is never read.
    unsafe { std::ptr::write_volatile(reserve.as_mut_ptr(), 0) };
}
