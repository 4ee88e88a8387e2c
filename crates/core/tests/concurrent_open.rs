//! Threads opening and closing encrypted stores at the same time, as tests and the app's
//! background work do.
//!
//! Under heavy load opening a store has failed, rarely, with SQLCipher's "An error occurred with
//! PRAGMA key" while other threads were keying or closing stores (twice in a few hundred runs
//! with builds competing for the CPUs; once in CI while apt was installing packages beside it);
//! SQLCipher logged nothing to say why, and neither CPU hogs nor this churn provoke it on demand.
//! `Store::open` keys one connection at a time and tries a fresh connection again on that error.
//! This test churns opens and closes on several threads to guard that path.

use fieldkit_core::Store;
use fieldkit_core::crypto::DataKey;
use std::sync::{Arc, Barrier};

#[test]
fn opens_and_closes_from_many_threads_all_succeed() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 40;
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
