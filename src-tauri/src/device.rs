//! What the status bar shows about the laptop: battery and power source, free disk, whether a
//! network link is up. Read from the kernel's sysfs (`/sys/class/power_supply`,
//! `/sys/class/net`) and the mount table (sysinfo), a few small reads every half minute.
//!
//! The same thread acts on what it reads ([`monitor`]): a link coming up or mains returning wakes
//! the sync; the battery falling to the warning level flushes the store; and it locks the screen
//! when the officer's session idles out, so a laptop left on the table does not stay open.

use fieldkit_app_api::App;
use fieldkit_app_api::device::{DEVICE_EVENT, DeviceStatus, LOCKED_EVENT, Power};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};

/// How often the readings are refreshed (battery and link change slowly).
const INTERVAL: Duration = Duration::from_secs(30);

/// Reads the status now. `power_supply` and `net` are the sysfs directories (tests pass their
/// own); `data_dir` is where the store lives.
pub fn read(power_supply: &Path, net: &Path, data_dir: &Path, warn_at_percent: u8) -> DeviceStatus {
    let mut status = DeviceStatus { power: Power::Unknown, ..DeviceStatus::default() };
    let mut mains_online = None;
    for entry in std::fs::read_dir(power_supply).into_iter().flatten().flatten() {
        let dir = entry.path();
        match read_trimmed(&dir.join("type")).as_deref() {
            Some("Battery") => {
                status.battery_percent = read_trimmed(&dir.join("capacity")).and_then(|c| c.parse::<u8>().ok());
                if let Some(state) = read_trimmed(&dir.join("status")) {
                    // A battery that is charging or full sits on mains even where no Mains
                    // supply is listed.
                    if mains_online.is_none() && (state == "Charging" || state == "Full") {
                        mains_online = Some(true);
                    }
                    if state == "Discharging" {
                        mains_online = Some(false);
                    }
                }
            }
            Some("Mains") => {
                let online = read_trimmed(&dir.join("online")).is_some_and(|o| o == "1");
                mains_online = Some(online || mains_online == Some(true));
            }
            _ => {}
        }
    }
    status.power = match (mains_online, status.battery_percent) {
        (Some(true), _) => Power::Mains,
        (Some(false), Some(_)) => Power::Battery,
        // A desktop with no battery is on mains.
        (None, None) => Power::Mains,
        _ => Power::Unknown,
    };
    status.low_battery = status.power == Power::Battery && status.battery_percent.is_some_and(|p| p <= warn_at_percent);
    status.link_up = std::fs::read_dir(net)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name() != "lo")
        .any(|e| read_trimmed(&e.path().join("operstate")).is_some_and(|s| s == "up"));
    status.disk_free_bytes = free_bytes(data_dir);
    status
}

/// Where sysfs is: `/sys`, or `FIELDKIT_SYSFS_DIR` (a copy of its `class/` tree) for testing
/// the power policy and for hardware whose supplies show up elsewhere.
fn sysfs() -> PathBuf {
    std::env::var_os("FIELDKIT_SYSFS_DIR").map_or_else(|| PathBuf::from("/sys"), PathBuf::from)
}

/// Reads the status for the app's profile. In training mode a scenario may play a battery
/// running down (`Scenario::simulated_battery`), which the sync policy then sees too.
pub fn read_for(state: &App) -> DeviceStatus {
    let root = sysfs();
    let warn_at_percent = state.profile.config().low_battery_percent;
    let mut status =
        read(&root.join("class/power_supply"), &root.join("class/net"), state.profile.dir(), warn_at_percent);
    if let Some(percent) = state.scenario().and_then(|s| s.simulated_battery()).filter(|_| state.demo) {
        status.power = Power::Battery;
        status.battery_percent = Some(percent);
        status.low_battery = percent <= warn_at_percent;
    }
    status
}

/// The device monitor's loop; ends when the app's window is gone. Sleeps until the next reading
/// or the idle deadline, whichever is sooner; sign-in and unlock wake it (the deadline moved).
pub fn monitor(app: AppHandle) {
    let state = app.state::<App>();
    state.set_monitor(std::thread::current());
    let mut before: Option<DeviceStatus> = None;
    let mut next_reading = std::time::Instant::now();
    loop {
        if std::time::Instant::now() >= next_reading {
            let now = read_for(&state);
            *fieldkit_app_api::lock(&state.power) = now.power_reading();
            let was = before.as_ref();
            if let Some(triggers) = state.sync_triggers() {
                if now.link_up && was.is_some_and(|w| !w.link_up) {
                    triggers.link_up();
                }
                if !now.low_battery && was.is_some_and(|w| w.low_battery) {
                    triggers.power_restored();
                }
            }
            if now.low_battery && !was.is_some_and(|w| w.low_battery) {
                state.flush();
            }
            if app.emit(DEVICE_EVENT, &now).is_err() {
                return;
            }
            before = Some(now);
            next_reading = std::time::Instant::now() + INTERVAL;
        }
        if state.lock_if_idle() && app.emit(LOCKED_EVENT, ()).is_err() {
            return;
        }
        let until_reading = next_reading.saturating_duration_since(std::time::Instant::now());
        let wait = state.until_idle_lock().map_or(until_reading, |idle| idle.min(until_reading));
        // A little past the deadline, so the check above finds the session idle.
        std::thread::park_timeout(wait + Duration::from_millis(50));
    }
}

fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

/// Free space on the file system holding `dir`: the mounted disk with the longest mount point
/// that is a prefix of `dir`.
fn free_bytes(dir: &Path) -> Option<u64> {
    let dir = std::fs::canonicalize(dir).ok().or_else(|| dir.parent().and_then(|p| std::fs::canonicalize(p).ok()))?;
    let disks = sysinfo::Disks::new_with_refreshed_list();
    disks
        .list()
        .iter()
        .filter(|disk| dir.starts_with(disk.mount_point()))
        .max_by_key(|disk| disk.mount_point().as_os_str().len())
        .map(|disk| disk.available_space())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn supply(root: &Path, name: &str, files: &[(&str, &str)]) {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).expect("dir");
        for (file, text) in files {
            std::fs::write(dir.join(file), format!("{text}\n")).expect("write");
        }
    }

    #[test]
    fn a_discharging_battery_below_the_level_warns() {
        let root = tempfile::tempdir().expect("tempdir");
        let (power, net) = (root.path().join("power"), root.path().join("net"));
        supply(&power, "BAT0", &[("type", "Battery"), ("capacity", "14"), ("status", "Discharging")]);
        supply(&power, "AC", &[("type", "Mains"), ("online", "0")]);
        supply(&net, "lo", &[("operstate", "unknown")]);
        supply(&net, "wlan0", &[("operstate", "down")]);
        let status = read(&power, &net, root.path(), 15);
        assert_eq!(
            (status.battery_percent, status.power, status.low_battery, status.link_up),
            (Some(14), Power::Battery, true, false)
        );
        assert!(status.disk_free_bytes.is_some_and(|b| b > 0));
    }

    #[test]
    fn on_mains_nothing_warns_and_a_link_shows() {
        let root = tempfile::tempdir().expect("tempdir");
        let (power, net) = (root.path().join("power"), root.path().join("net"));
        supply(&power, "BAT0", &[("type", "Battery"), ("capacity", "9"), ("status", "Charging")]);
        supply(&power, "AC", &[("type", "Mains"), ("online", "1")]);
        supply(&net, "eth0", &[("operstate", "up")]);
        let status = read(&power, &net, root.path(), 15);
        assert_eq!((status.power, status.low_battery, status.link_up), (Power::Mains, false, true));
    }

    #[test]
    fn a_machine_without_a_battery_is_on_mains() {
        let root = tempfile::tempdir().expect("tempdir");
        let status = read(&root.path().join("none"), &root.path().join("none"), root.path(), 15);
        assert_eq!((status.battery_percent, status.power, status.low_battery), (None, Power::Mains, false));
    }
}
