//! Shared helpers for the end-to-end tests: a provisioned laptop profile in a temp directory, and a
//! seeded random generator so randomised tests can be replayed.

use fieldkit_core::{Config, LaptopPrefix, NewOfficer, Profile, Role};
use std::path::Path;

/// Officer number of the one officer that [`provision`] creates.
pub const OFFICER: &str = "CM001";
/// That officer's PIN.
pub const PIN: &str = "482913";
/// Laptop prefix of a provisioned profile: every reference it issues starts with it.
pub const LAPTOP_PREFIX: &str = "K7QM";

/// Creates a profile at `dir` whose one officer ([`OFFICER`], a centre manager, so they may both
/// manage the roster and capture applications) is signed out again on return.
///
/// Uses [`Config::for_tests`] (cheap PIN derivation), since the tests sign in thousands of times; a
/// process opening this profile must use the same configuration.
pub fn provision(dir: &Path) -> Profile {
    let profile = Profile::new(dir, Config::for_tests());
    let prefix = LaptopPrefix::parse(LAPTOP_PREFIX).expect("prefix");
    let officer =
        NewOfficer { number: OFFICER.into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
    profile.create(&prefix, &officer, PIN).expect("create profile");
    profile
}

/// A small deterministic generator (xorshift64*), so a failing trial can be replayed from its seed.
/// Not for anything secret.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Spread small seeds (1, 2, 3…) over the state, and keep the state non-zero: xorshift stays
        // at zero forever.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Roughly uniform in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        assert!(low <= high, "empty range {low}..={high}");
        low + self.next_u64() % (high - low + 1)
    }

    /// True with probability roughly `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.next_u64().is_multiple_of(n)
    }
}
