//! What the status bar shows about the laptop. Reading it (sysfs, the mount table) and the
//! monitor thread are the shell's; the view is here so the UI's type is generated.

use fieldkit_core::sync::PowerReading;
use schemars::JsonSchema;
use serde::Serialize;

/// Event carrying a fresh [`DeviceStatus`].
pub const DEVICE_EVENT: &str = "device-status";
/// Event telling the UI the session locked itself for idleness.
pub const LOCKED_EVENT: &str = "session-locked";

/// Where the laptop's power comes from.
#[derive(Debug, Clone, Copy, Default, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Power {
    /// Mains (or a generator).
    Mains,
    Battery,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Default, Serialize, JsonSchema, PartialEq, Eq)]
pub struct DeviceStatus {
    /// Battery charge in percent, when the laptop has a battery.
    pub battery_percent: Option<u8>,
    pub power: Power,
    /// Free bytes on the file system holding the data directory.
    pub disk_free_bytes: Option<u64>,
    /// Some network interface other than loopback is up.
    pub link_up: bool,
    /// Battery at or below the configured warning level while not on mains.
    pub low_battery: bool,
}

impl DeviceStatus {
    pub fn power_reading(&self) -> PowerReading {
        PowerReading { on_battery: self.power == Power::Battery, battery_percent: self.battery_percent }
    }
}
