//! Shared helpers for the end-to-end tests: a provisioned laptop profile in a temp directory.

use fieldkit_core::{Config, LaptopPrefix, NewOfficer, Profile, Role};
use std::path::Path;

pub const OFFICER: &str = "CM001";
pub const PIN: &str = "482913";

/// Creates a profile at `dir` whose one officer (a centre manager) may both manage and capture.
/// Uses the test configuration (cheap PIN derivation), since trials sign in thousands of times.
pub fn provision(dir: &Path) -> Profile {
    let profile = Profile::new(dir, Config::for_tests());
    let prefix = LaptopPrefix::parse("K7QM").expect("prefix");
    let officer =
        NewOfficer { number: OFFICER.into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
    profile.create(&prefix, &officer, PIN).expect("create profile");
    profile
}

/// A small deterministic generator (xorshift64*), so a failing trial can be replayed from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }
}
