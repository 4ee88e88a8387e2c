//! Just enough of the W3C WebDriver protocol to drive the real app: tauri-driver (in front of
//! WebKitWebDriver) under a private Xvfb display. Finding elements uses the driver's implicit wait,
//! so a test waits for the UI to show something rather than sleeping.

use serde_json::{Value, json};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The element-id key every W3C driver uses.
pub(crate) const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// An X server of our own, on a display number it picks itself.
pub struct Display {
    pub name: String,
    child: Child,
}

impl Display {
    pub fn start() -> Display {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1280x900x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb (package xvfb)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line).expect("Xvfb display number");
        Display { name: format!(":{}", line.trim()), child }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// `tauri-driver` on free ports, with the app's environment.
pub struct Driver {
    pub addr: SocketAddr,
    child: Child,
}

impl Driver {
    pub fn start(display: &Display, env: &[(&str, &Path)]) -> Driver {
        let (port, native) = (free_port(), free_port());
        let mut command = Command::new(tauri_driver());
        command
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("DISPLAY", &display.name)
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("start tauri-driver");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        // Ready when it accepts connections (its own readiness signal; no sleeping).
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not listen on {addr}");
            std::thread::yield_now();
        }
        Driver { addr, child }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tauri-driver` as `scripts/test` installs it (`cargo install tauri-driver`).
pub fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let path = home.join("bin").join("tauri-driver");
    assert!(path.exists(), "{} is missing: scripts/test installs it (cargo install tauri-driver)", path.display());
    path
}

/// The app binary: `FIELDKIT_APP_BINARY` if set (the benchmark measures a release build this
/// way), else the one built beside this test (`target/<profile>/huduma-fieldkit`), else the
/// debug one.
pub fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("FIELDKIT_APP_BINARY") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test exe");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target dir");
    let binary = profile_dir.join("huduma-fieldkit");
    if binary.exists() {
        return binary;
    }
    let debug = profile_dir.parent().map(|target| target.join("debug").join("huduma-fieldkit")).expect("target");
    assert!(debug.exists(), "{} is missing: build the workspace first", binary.display());
    debug
}

/// WebDriver's key codes for keys that are not characters.
pub const TAB: char = '\u{E004}';
pub const ENTER: char = '\u{E007}';
pub const ALT: char = '\u{E00A}';

pub struct Session {
    base: String,
    client: reqwest::Client,
}

#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    pub async fn start(driver: &Driver, application: &Path) -> Session {
        // reqwest is built on rustls without a default provider (the laptop's client passes its
        // own); plain HTTP to the driver still wants one installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().expect("client");
        let root = format!("http://{}", driver.addr);
        // tauri-driver listens before WebKitWebDriver behind it is ready: ask /status until it says
        // ready (the protocol's own readiness signal).
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = match client.get(format!("{root}/status")).send().await {
                Ok(response) => response.json_value().await.is_some_and(|v| v["value"]["ready"] == Value::Bool(true)),
                Err(_) => false,
            };
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "tauri-driver at {root} never became ready");
            tokio::task::yield_now().await;
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "wry",
            "tauri:options": { "application": application.display().to_string() }
        } } });
        let answer = call(&client, reqwest::Method::POST, &format!("{root}/session"), Some(capabilities)).await;
        let id = answer["sessionId"].as_str().expect("session id").to_string();
        let session = Session { base: format!("{root}/session/{id}"), client };
        session.post("/timeouts", json!({ "implicit": 15_000 })).await;
        session
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        call(&self.client, reqwest::Method::POST, &format!("{}{path}", self.base), Some(body)).await
    }

    async fn try_post(&self, path: &str, body: Value) -> Result<Value, String> {
        try_call(&self.client, reqwest::Method::POST, &format!("{}{path}", self.base), Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        call(&self.client, reqwest::Method::GET, &format!("{}{path}", self.base), None).await
    }

    /// The element matching `css`, waiting (implicitly) until it exists.
    pub async fn find(&self, css: &str) -> Element {
        let value = match self.try_post("/element", json!({ "using": "css selector", "value": css })).await {
            Ok(value) => value,
            Err(e) => {
                let page = self.get("/source").await;
                let text = page.as_str().unwrap_or_default();
                let body = text.find("<main").map_or(text, |at| &text[at..]);
                panic!("no element {css} ({e}); the page shows: {}", &body[..body.len().min(3000)]);
            }
        };
        Element(value[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {value}")).to_string())
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let value = self.post("/elements", json!({ "using": "css selector", "value": css })).await;
        value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v[ELEMENT].as_str())
            .map(|id| Element(id.into()))
            .collect()
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.post(&format!("/element/{}/click", element.0), json!({})).await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.post(&format!("/element/{}/value", element.0), json!({ "text": text })).await;
    }

    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.get(&format!("/element/{}/text", element.0)).await.as_str().unwrap_or_default().to_string()
    }

    pub async fn tag_name(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.get(&format!("/element/{}/name", element.0)).await.as_str().unwrap_or_default().to_lowercase()
    }

    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args })).await
    }

    /// Waits until `css`'s text satisfies `ready`, re-reading it as the UI updates (the driver has
    /// no wait for text, so this asks again, up to `timeout`).
    pub async fn wait_for_text(&self, css: &str, timeout: Duration, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.text(css).await;
            if ready(&found) {
                return found;
            }
            assert!(Instant::now() < deadline, "{css} still says {found:?}");
            tokio::task::yield_now().await;
        }
    }

    /// Presses keys on whatever has the focus, as a person at the keyboard would (W3C actions):
    /// each character of `text` down and up in turn. WebDriver's special keys are characters in
    /// the private-use area: [`TAB`], [`ENTER`].
    pub async fn keys(&self, text: &str) {
        let actions: Vec<Value> = text
            .chars()
            .flat_map(|c| [json!({ "type": "keyDown", "value": c }), json!({ "type": "keyUp", "value": c })])
            .collect();
        self.post("/actions", json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })).await;
    }

    /// Alt and `key` together (the app's shortcuts).
    pub async fn alt(&self, key: char) {
        let actions = json!([
            { "type": "keyDown", "value": ALT }, { "type": "keyDown", "value": key },
            { "type": "keyUp", "value": key }, { "type": "keyUp", "value": ALT }
        ]);
        self.post("/actions", json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })).await;
    }

    /// The id of the element that has the keyboard focus ("" for none).
    pub async fn focused_id(&self) -> String {
        let value = self.script("return document.activeElement ? document.activeElement.id : '';", json!([])).await;
        value.as_str().unwrap_or_default().to_string()
    }

    /// Saves a PNG of the window to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let value = self.get("/screenshot").await;
        let png = base64_decode(value.as_str().expect("base64"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot dir");
        }
        std::fs::write(path, png).expect("write screenshot");
    }

    pub async fn close(self) {
        let _ = self.client.delete(&self.base).send().await;
    }
}

trait JsonValue {
    async fn json_value(self) -> Option<Value>;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> Option<Value> {
        let text = self.text().await.ok()?;
        serde_json::from_str(&text).ok()
    }
}

pub(crate) async fn call(client: &reqwest::Client, method: reqwest::Method, url: &str, body: Option<Value>) -> Value {
    try_call(client, method, url, body).await.unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) async fn try_call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let mut request = client.request(method, url).header("content-type", "application/json");
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| format!("{url}: {e}"))?;
    let value: Value = serde_json::from_str(&text).map_err(|_| format!("{url}: not JSON: {text}"))?;
    if !status.is_success() {
        return Err(format!("{url}: {status}: {value}"));
    }
    Ok(value["value"].clone())
}

/// Standard base64 (the screenshot's encoding), without pulling in a crate for it.
fn base64_decode(text: &str) -> Vec<u8> {
    fn value(c: u8) -> Option<u8> {
        match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter_map(value) {
        buffer = (buffer << 6) | u32::from(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}
