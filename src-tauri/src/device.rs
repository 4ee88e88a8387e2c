//! What the status bar shows about the laptop: battery and power source, free disk, whether a
//! network link is up. Read from the kernel's sysfs (`/sys/class/power_supply`,
//! `/sys/class/net`) and the mount table (sysinfo), a few small reads every half minute.

use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct DeviceStatus {
    /// Battery charge in percent, when the laptop has a battery.
    pub battery_percent: Option<u8>,
    /// `mains` (or a generator), `battery`, or `unknown`.
    pub power: &'static str,
    /// Free bytes on the file system holding the data directory.
    pub disk_free_bytes: Option<u64>,
    /// Some network interface other than loopback is up.
    pub link_up: bool,
    /// Battery at or below the configured warning level while not on mains.
    pub low_battery: bool,
}

/// Reads the status now. `power_supply` and `net` are the sysfs directories (tests pass their
/// own); `data_dir` is where the store lives.
pub fn read(power_supply: &Path, net: &Path, data_dir: &Path, warn_at_percent: u8) -> DeviceStatus {
    let mut status = DeviceStatus { power: "unknown", ..DeviceStatus::default() };
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
        (Some(true), _) => "mains",
        (Some(false), Some(_)) => "battery",
        // A desktop with no battery is on mains.
        (None, None) => "mains",
        _ => "unknown",
    };
    status.low_battery = status.power == "battery" && status.battery_percent.is_some_and(|p| p <= warn_at_percent);
    status.link_up = std::fs::read_dir(net)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name() != "lo")
        .any(|e| read_trimmed(&e.path().join("operstate")).is_some_and(|s| s == "up"));
    status.disk_free_bytes = free_bytes(data_dir);
    status
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
            (Some(14), "battery", true, false)
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
        assert_eq!((status.power, status.low_battery, status.link_up), ("mains", false, true));
    }

    #[test]
    fn a_machine_without_a_battery_is_on_mains() {
        let root = tempfile::tempdir().expect("tempdir");
        let status = read(&root.path().join("none"), &root.path().join("none"), root.path(), 15);
        assert_eq!((status.battery_percent, status.power, status.low_battery), (None, "mains", false));
    }
}
