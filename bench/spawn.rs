//! Runs one command and reports its wall time, peak RSS and CPU time.
//!
//!     spawn REPORT -- COMMAND [ARG...]
//!
//! Writes `wall_ns maxrss_kib user_us system_us exit_code` to the file REPORT and exits with
//! the command's code. The command inherits standard input, output and error.
//!
//! Why not measure from the Python harness directly: a process forked from Python records
//! Python's own resident set (about 15 MiB) as its peak when it execs, so `ru_maxrss` of every
//! child would read at least that much, and Python's fork + exec costs a few milliseconds that
//! would count against commands that take 15. This helper is a few hundred KiB and spawns in a
//! fraction of a millisecond. `wait4` gives the rusage of the child and of the descendants it
//! waited for (`docker` and its `docker-compose` plugin): peak RSS is the larger, CPU the sum.
//!
//! Built by bench/run.py with plain `rustc` (std only, no crate), so it never touches the
//! package's build.

use std::os::raw::{c_int, c_long};
use std::process::Command;
use std::time::Instant;

/// `struct rusage` on Linux: two `timeval`s, then fourteen `long`s.
#[repr(C)]
#[derive(Default)]
struct Rusage {
    utime: [c_long; 2],
    stime: [c_long; 2],
    maxrss: c_long,
    rest: [c_long; 13],
}

extern "C" {
    fn wait4(pid: c_int, status: *mut c_int, options: c_int, rusage: *mut Rusage) -> c_int;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 || args[1] != "--" {
        eprintln!("usage: spawn REPORT -- COMMAND [ARG...]");
        std::process::exit(2);
    }
    let (report, command) = (&args[0], &args[2..]);

    let start = Instant::now();
    let child = match Command::new(&command[0]).args(&command[1..]).spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("spawn: cannot run {}: {e}", command[0]);
            std::process::exit(127);
        }
    };
    let pid = child.id() as c_int;
    let mut status: c_int = 0;
    let mut usage = Rusage::default();
    loop {
        // SAFETY: plain syscall wrapper; both pointers are to live locals.
        let r = unsafe { wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            eprintln!("spawn: wait4: {err}");
            std::process::exit(125);
        }
    }
    let wall = start.elapsed();

    // Exit code as a shell reports it: the code, or 128 + the signal that ended the command.
    let code = if status & 0x7f == 0 { (status >> 8) & 0xff } else { 128 + (status & 0x7f) };
    let micros = |tv: [c_long; 2]| tv[0] as i64 * 1_000_000 + tv[1] as i64;
    let line = format!(
        "{} {} {} {} {}\n",
        wall.as_nanos(),
        usage.maxrss,
        micros(usage.utime),
        micros(usage.stime),
        code
    );
    if let Err(e) = std::fs::write(report, line) {
        eprintln!("spawn: cannot write {report}: {e}");
        std::process::exit(125);
    }
    std::process::exit(code);
}
