//! Threads opening and closing encrypted stores at the same time, as tests and the app's
//! background work do, including at the very start of a process, while SQLCipher is still
//! starting up (see `store::wait_for_sqlcipher`).

use fieldkit_core::Store;
use fieldkit_core::crypto::DataKey;
use std::process::Command;
use std::sync::{Arc, Barrier};

const THREADS: usize = 8;
const ROUNDS: usize = 40;

/// Every thread's first open is this process's first use of SQLite, all released at once.
#[test]
fn opens_and_closes_from_many_threads_all_succeed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let dir = dir.path().to_path_buf();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let key = DataKey::generate().expect("key");
                barrier.wait();
                let mut failures = Vec::new();
                for round in 0..ROUNDS {
                    let path = dir.join(format!("store-{i}-{round}.db"));
                    if let Err(e) = Store::open(&path, &key) {
                        failures.push(e.to_string());
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = handles.into_iter().flat_map(|h| h.join().expect("thread")).collect();
    assert!(failures.is_empty(), "{} of {} opens failed: {failures:?}", failures.len(), THREADS * ROUNDS);
}

/// The race made certain: the test above runs under gdb in non-stop mode, which halts the thread
/// that starts SQLCipher inside `sqlcipher_extra_init` while the other threads run on. Without
/// the start-up gate those threads key their stores before SQLCipher is ready and most of their
/// opens fail; with it they wait, and every open succeeds once the halted thread is let go.
/// (The halt lasts a second to give the others time to run into the race; the verdict does not
/// depend on how long it lasts, only how many failures a broken build shows.)
#[test]
fn opens_wait_while_sqlcipher_is_still_starting() {
    let script = tempfile::NamedTempFile::new().expect("gdb script");
    std::fs::write(
        script.path(),
        "set pagination off\nset confirm off\nset non-stop on\nbreak sqlcipher_extra_init\nrun\n\
         shell sleep 1\ncontinue -a\n",
    )
    .expect("write gdb script");
    let this_binary = std::env::current_exe().expect("test binary");
    let output = Command::new("gdb")
        .arg("-q")
        .arg("-batch")
        .arg("-x")
        .arg(script.path())
        .arg("--args")
        .arg(&this_binary)
        .args(["opens_and_closes_from_many_threads_all_succeed", "--exact", "--nocapture"])
        .output()
        .expect("gdb runs (scripts/setup.sh installs it)");
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(printed.contains("hit Breakpoint 1"), "gdb never halted SQLCipher's start-up:\n{printed}");
    assert!(printed.contains("test result: ok. 1 passed"), "opens failed while SQLCipher was starting:\n{printed}");
}
