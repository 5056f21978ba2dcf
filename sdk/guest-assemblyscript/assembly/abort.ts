// The module's abort function. AssemblyScript calls abort on a failed
// assertion, a `throw` or an out-of-bounds access, and by default imports it
// from the host as env.abort, which Synod refuses. The kit's asconfig.json
// points abort here instead (`"use": ["abort=..."]`): it writes the message
// as one line to standard error, which the host adds to the trap's reason,
// and traps.

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: u32, written: usize): u16;

const stderr: u32 = 2;

/** Writes `abort: MESSAGE at FILE:LINE:COLUMN` to standard error and traps. */
export function synodAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = "abort: " + (message !== null ? message : "(no message)");
  if (fileName !== null) {
    text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  }
  const bytes = String.UTF8.encode(text.replaceAll("\n", " ") + "\n");
  const iov = memory.data(16); // one iovec, then the count written
  store<u32>(iov, changetype<usize>(bytes));
  store<u32>(iov, <u32>bytes.byteLength, 4);
  fd_write(stderr, iov, 1, iov + 8);
  unreachable();
}
