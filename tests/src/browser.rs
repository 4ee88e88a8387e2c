//! Browser tests of the sync server's web console: Debian's Chromium, headless (no X display),
//! driven by chromedriver through the W3C WebDriver protocol, with axe-core's accessibility checks.
//!
//! Trust: the browser is told to accept exactly one certificate, the server's own, by pinning the
//! SHA-256 of its SubjectPublicKeyInfo (`--ignore-certificate-errors-spki-list`, which Chromium
//! honours only together with `--user-data-dir`, so every browser gets a fresh profile directory).
//! `acceptInsecureCerts` stays false: any other certificate still fails, as Chromium's "Privacy
//! error" page, which [`Browser::goto`] recognises and reports (chromedriver itself says the
//! navigation succeeded).
//!
//! Waiting: finding an element uses the driver's implicit wait (10 s), and every command that
//! navigates (`goto`, and a `click` on a link or a submit button) returns only once the new page
//! has loaded, because chromedriver waits for pending navigations after each command under the
//! default page load strategy, "normal". So a test never sleeps.

use crate::webdriver::{ELEMENT, call, free_port, try_call};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Debian's chromedriver (package chromium-driver).
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's Chromium (package chromium).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// How long finding an element waits for it to appear.
pub const IMPLICIT_WAIT: Duration = Duration::from_secs(10);

/// A chromedriver of our own on a free loopback port. Dropping it shuts it down, and with it every
/// browser it still runs.
pub struct Chromedriver {
    pub addr: SocketAddr,
    child: Child,
    log: tempfile::NamedTempFile,
}

impl Chromedriver {
    /// Starts `/usr/bin/chromedriver` and returns once its `/status` says it is ready.
    pub fn start() -> Chromedriver {
        assert!(Path::new(CHROMEDRIVER).exists(), "{CHROMEDRIVER} is missing: run scripts/setup.sh (chromium-driver)");
        assert!(Path::new(CHROMIUM).exists(), "{CHROMIUM} is missing: run scripts/setup.sh (chromium)");
        // The port is free when chosen but another process could take it before chromedriver
        // binds it; then chromedriver exits and another port is tried.
        let mut failures = Vec::new();
        for _ in 0..3 {
            let port = free_port();
            let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
            let log = tempfile::NamedTempFile::new().expect("chromedriver log");
            let child = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                // Headless: nothing may reach for a display.
                .env_remove("DISPLAY")
                .env_remove("WAYLAND_DISPLAY")
                .stdin(Stdio::null())
                .stdout(log.reopen().expect("log"))
                .stderr(log.reopen().expect("log"))
                .spawn()
                .expect("start chromedriver");
            let mut driver = Chromedriver { addr, child, log };
            match driver.wait_ready() {
                Ok(()) => return driver,
                Err(e) => failures.push(format!("port {port}: {e}")),
            }
        }
        panic!("chromedriver never became ready:\n{}", failures.join("\n"))
    }

    /// Asks `/status` until it says ready (the protocol's own readiness signal; no sleeping).
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited with {status}; its log: {}", self.log_text()));
            }
            let ready = blocking_request(self.addr, "GET", "/status")
                .and_then(|body| serde_json::from_str::<Value>(&body).ok())
                .is_some_and(|v| v["value"]["ready"] == Value::Bool(true));
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("not ready after 30 s; its log: {}", self.log_text()));
            }
            std::thread::yield_now();
        }
    }

    /// What chromedriver has written to its stdout and stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // `/shutdown` quits the browsers too; a plain kill would leave them running.
        let _ = blocking_request(self.addr, "GET", "/shutdown");
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::yield_now();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One plain HTTP/1.1 request to chromedriver without a runtime (for readiness and for `Drop`):
/// the response body, or `None` if it could not be had.
fn blocking_request(addr: SocketAddr, method: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut reader = BufReader::new(stream);
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = Vec::new();
    match length {
        Some(length) => {
            body.resize(length, 0);
            reader.read_exact(&mut body).ok()?;
        }
        None => {
            reader.read_to_end(&mut body).ok()?;
        }
    }
    String::from_utf8(body).ok()
}

/// The base64 SHA-256 of a certificate's SubjectPublicKeyInfo: what
/// `--ignore-certificate-errors-spki-list` takes.
pub fn spki_sha256_base64(cert_der: &[u8]) -> String {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der).expect("a DER X.509 certificate");
    base64_encode(&Sha256::digest(cert.tbs_certificate.subject_pki.raw))
}

/// Standard base64 with padding, without pulling in a crate for it.
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A cookie as the browser holds it (WebDriver's cookie object).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cookie {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub secure: bool,
    #[serde(default)]
    pub http_only: bool,
    #[serde(default)]
    pub same_site: Option<String>,
    /// Seconds since the Unix epoch; `None` for a session cookie.
    #[serde(default)]
    pub expiry: Option<u64>,
}

/// One failed axe-core rule on a page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AxeViolation {
    /// The rule, e.g. `label`, `image-alt`, `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical` (axe may leave it out).
    pub impact: Option<String>,
    pub help: String,
    pub help_url: String,
    pub nodes: Vec<AxeNode>,
}

/// An element a rule failed on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AxeNode {
    /// CSS selector of the element (frames and shadow roots joined by ` >>> `).
    pub target: String,
    /// The element's opening HTML.
    pub html: String,
}

impl AxeViolation {
    /// Whether this is one a page must not have: impact "serious" or "critical".
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }
}

/// Every serious or critical violation, one per line with its elements, or `None` if there is none.
pub fn serious_violations_report(violations: &[AxeViolation]) -> Option<String> {
    let lines: Vec<String> = violations
        .iter()
        .filter(|v| v.is_serious())
        .map(|v| {
            let targets: Vec<&str> = v.nodes.iter().map(|n| n.target.as_str()).collect();
            format!(
                "  {} ({}): {} [{}] <{}>",
                v.id,
                v.impact.as_deref().unwrap_or("?"),
                v.help,
                targets.join(", "),
                v.help_url
            )
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// axe-core's script, as `scripts/setup.sh` installs it (`npm ci` in `tests/console`).
pub fn axe_script_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("console/node_modules/axe-core/axe.min.js")
}

fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = axe_script_path();
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: {e}: run scripts/setup.sh (it runs npm ci in tests/console)", path.display())
        })
    })
}

/// An element the driver found (its WebDriver id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element(pub String);

/// A headless Chromium session. Dropping it without [`Browser::close`] still ends the session.
pub struct Browser {
    base: String,
    driver: SocketAddr,
    session_id: String,
    client: reqwest::Client,
    closed: bool,
    // The browser's profile; removed after the session ends (fields drop after `Drop::drop`).
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A new session in a fresh profile that trusts exactly `trusted_cert_der` (the DER of the
    /// server's certificate) and no other certificate that the system's roots would not.
    pub async fn start(driver: &Chromedriver, trusted_cert_der: &[u8]) -> Browser {
        // reqwest is built on rustls without a default provider; plain HTTP to the driver still
        // wants one installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().timeout(Duration::from_secs(120)).build().expect("client");
        let profile = tempfile::tempdir().expect("profile dir");
        let pin = spki_sha256_base64(trusted_cert_der);
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--ignore-certificate-errors-spki-list={pin}"),
        ];
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "acceptInsecureCerts": false,
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args }
        } } });
        let root = driver.base();
        let answer = try_call(&client, reqwest::Method::POST, &format!("{root}/session"), Some(capabilities))
            .await
            .unwrap_or_else(|e| panic!("no browser session: {e}\nchromedriver's log: {}", driver.log_text()));
        let session_id = answer["sessionId"].as_str().expect("session id").to_string();
        let browser = Browser {
            base: format!("{root}/session/{session_id}"),
            driver: driver.addr,
            session_id,
            client,
            closed: false,
            _profile: profile,
        };
        let implicit = u64::try_from(IMPLICIT_WAIT.as_millis()).expect("ms");
        browser.post("/timeouts", json!({ "implicit": implicit, "script": 60_000, "pageLoad": 60_000 })).await;
        browser
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

    async fn delete(&self, path: &str) -> Value {
        call(&self.client, reqwest::Method::DELETE, &format!("{}{path}", self.base), None).await
    }

    /// Opens `url` and returns once it has loaded; panics if it cannot be loaded.
    pub async fn goto(&self, url: &str) {
        self.try_goto(url).await.unwrap_or_else(|e| panic!("{e}"));
    }

    /// Opens `url`; an error if the page could not be loaded. Chromedriver itself answers with an
    /// error for some failures (connection refused), but for a certificate the browser does not
    /// trust it reports success and the tab shows Chromium's "Privacy error" interstitial: that
    /// is recognised here by the error code the interstitial carries (`net::ERR_CERT_…`).
    pub async fn try_goto(&self, url: &str) -> Result<(), String> {
        self.try_post("/url", json!({ "url": url })).await?;
        let source = self.page_source().await;
        let marker = "\"errorCode\":\"";
        if let Some(at) = source.find(&format!("{marker}net::ERR_")) {
            let code = source[at + marker.len()..].split('"').next().unwrap_or_default();
            return Err(format!("{url}: the browser shows its error page for {code}"));
        }
        Ok(())
    }

    pub async fn current_url(&self) -> String {
        self.get("/url").await.as_str().unwrap_or_default().to_string()
    }

    pub async fn title(&self) -> String {
        self.get("/title").await.as_str().unwrap_or_default().to_string()
    }

    pub async fn page_source(&self) -> String {
        self.get("/source").await.as_str().unwrap_or_default().to_string()
    }

    /// The first element matching `css`, waiting (implicitly) until one exists.
    pub async fn find(&self, css: &str) -> Element {
        let value = match self.try_post("/element", json!({ "using": "css selector", "value": css })).await {
            Ok(value) => value,
            Err(e) => {
                let page = self.page_source().await;
                let body = page.find("<body").map_or(page.as_str(), |at| &page[at..]);
                panic!("no element {css} ({e}); the page shows: {}", &body[..body.len().min(3000)]);
            }
        };
        Element(value[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {value}")).to_string())
    }

    /// Every element matching `css`. Waits (implicitly) for at least one; for an answer without
    /// waiting use [`Browser::present`].
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

    /// Whether an element matches `css` now (no waiting).
    pub async fn present(&self, css: &str) -> bool {
        self.script("return document.querySelector(arguments[0]) !== null;", json!([css])).await == Value::Bool(true)
    }

    /// Clicks the element. If the click follows a link or submits a form, this returns once the
    /// resulting page has loaded (chromedriver waits for the navigation it started).
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.post(&format!("/element/{}/click", element.0), json!({})).await;
    }

    /// Types `text` into the element, after whatever it already holds.
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.post(&format!("/element/{}/value", element.0), json!({ "text": text })).await;
    }

    /// Empties an input or text area.
    pub async fn clear(&self, css: &str) {
        let element = self.find(css).await;
        self.post(&format!("/element/{}/clear", element.0), json!({})).await;
    }

    /// Chooses the option with `value` in the `<select>` matching `css` (one selector, not a list),
    /// by clicking it as a person would.
    pub async fn select_option(&self, css: &str, value: &str) {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        self.click(&format!("{css} option[value=\"{escaped}\"]")).await;
    }

    /// The element's rendered text.
    pub async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.get(&format!("/element/{}/text", element.0)).await.as_str().unwrap_or_default().to_string()
    }

    /// The element's attribute `name`, if it has one.
    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let element = self.find(css).await;
        self.get(&format!("/element/{}/attribute/{name}", element.0)).await.as_str().map(str::to_string)
    }

    /// Waits until `css`'s text satisfies `ready`, re-reading it as the page updates, up to
    /// `timeout` (for pages that change without navigating).
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

    /// Runs `script` as a function body in the page (`arguments` are `args`, a JSON array) and
    /// returns what it returns.
    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": args })).await
    }

    /// Like [`Browser::script`], but the answer is what the script passes to its last argument,
    /// the callback `arguments[arguments.length - 1]` (script timeout 60 s).
    pub async fn script_async(&self, script: &str, args: Value) -> Value {
        self.post("/execute/async", json!({ "script": script, "args": args })).await
    }

    /// The cookies the browser holds for the current page, HttpOnly ones included.
    pub async fn cookies(&self) -> Vec<Cookie> {
        serde_json::from_value(self.get("/cookie").await).expect("cookies")
    }

    /// The cookie `name` for the current page, if the browser holds it.
    pub async fn cookie(&self, name: &str) -> Option<Cookie> {
        self.cookies().await.into_iter().find(|c| c.name == name)
    }

    /// Deletes every cookie for the current page.
    pub async fn delete_cookies(&self) {
        self.delete("/cookie").await;
    }

    /// Runs axe-core on the current page and returns its violations. axe is injected afresh (each
    /// navigation loses it); injection goes through the driver, so a page's Content-Security-Policy
    /// does not stop it.
    pub async fn axe(&self) -> Vec<AxeViolation> {
        self.script(axe_source(), json!([])).await;
        let run = r"
            const done = arguments[arguments.length - 1];
            const target = (t) => Array.isArray(t) ? t.map(target).join(' >>> ') : String(t);
            axe.run(document, { resultTypes: ['violations'] }).then(
                (results) => done({ violations: results.violations.map((v) => ({
                    id: v.id, impact: v.impact || null, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map((n) => ({ target: target(n.target), html: n.html })),
                })) }),
                (error) => done({ error: String(error && error.stack || error) }),
            );
        ";
        let answer = self.script_async(run, json!([])).await;
        if let Some(error) = answer.get("error") {
            panic!("axe.run failed on {}: {error}", self.current_url().await);
        }
        serde_json::from_value(answer["violations"].clone()).expect("axe violations")
    }

    /// Panics listing every serious or critical axe violation on the current page.
    pub async fn assert_no_serious_axe_violations(&self, page_name: &str) {
        let violations = self.axe().await;
        if let Some(report) = serious_violations_report(&violations) {
            panic!("{page_name} ({}) has serious accessibility violations:\n{report}", self.current_url().await);
        }
    }

    /// Ends the session (the browser quits).
    pub async fn close(mut self) {
        self.closed = true;
        let _ = self.client.delete(&self.base).send().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.closed {
            let _ = blocking_request(self.driver, "DELETE", &format!("/session/{}", self.session_id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(input.as_bytes()), expected);
        }
        assert_eq!(base64_encode(&[0xfb, 0xff]), "+/8=");
    }
}
