//! The only module that writes to the terminal. Everything else returns data.

use std::io::Write;

/// Prints command output on standard output.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.is_empty() && !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

/// A warning on standard error.
pub fn warn(msg: &str) {
    eprintln!("WARN: {msg}");
}

/// An error on standard error, printed once by `main`.
pub fn error(msg: &str) {
    eprintln!("error: {msg}");
}
