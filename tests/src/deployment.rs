//! A whole deployment on loopback: a CA and server certificate in a temp directory, a server on a
//! port the OS picked, and enrolment files for laptops, made the way `huduma-sync` makes them.

use fieldkit_protocol::Enrolment;
use huduma_sync::pki;
use huduma_sync::storage::Storage;
use huduma_sync::storage::sqlite::SqliteStorage;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::oneshot;

/// A CA directory with a server certificate for 127.0.0.1 and localhost.
pub fn pki_dir(root: &Path) -> PathBuf {
    let dir = root.join("pki");
    pki::init_ca(&dir, "Test deployment CA").expect("ca");
    pki::issue_server_cert(&dir, &["127.0.0.1".into(), "localhost".into()]).expect("server cert");
    dir
}

/// Issues a certificate for `device_id`, registers it in `storage`, and returns the laptop's
/// enrolment for `server`.
pub async fn enrol<S: Storage>(pki_dir: &Path, storage: &S, device_id: &str, server: SocketAddr) -> Enrolment {
    let credentials = pki::issue_device_cert(pki_dir, device_id).expect("device cert");
    huduma_sync::service::devices::enrol(
        storage,
        &huduma_sync::service::Actor::cli(Some("test")),
        device_id,
        &credentials.fingerprint,
        time::OffsetDateTime::now_utc(),
    )
    .await
    .expect("register");
    Enrolment {
        device_id: device_id.into(),
        server_url: format!("https://{server}"),
        ca_pem: pki::ca_pem(pki_dir).expect("ca pem"),
        cert_pem: credentials.cert_pem,
        key_pem: credentials.key_pem,
        import_key: Some(pki::import_key(pki_dir).expect("import key").public_hex()),
    }
}

/// A server task on a loopback port; stops when dropped.
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl RunningServer {
    pub async fn start<S: huduma_sync::Backend>(pki_dir: &Path, storage: Arc<S>) -> RunningServer {
        let tls = huduma_sync::tls::server_config(pki_dir).expect("tls config");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(huduma_sync::serve::serve(listener, tls, storage, async {
            let _ = stopped.await;
        }));
        RunningServer { addr, stop: Some(stop), task: Some(task) }
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server");
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The common case: a SQLite-backed server with one enrolled laptop, [`crate::LAPTOP_PREFIX`].
pub struct Deployment {
    pub dir: tempfile::TempDir,
    pub pki: PathBuf,
    pub storage: Arc<SqliteStorage>,
    pub server: RunningServer,
    pub enrolment: Enrolment,
}

impl Deployment {
    pub async fn start() -> Deployment {
        let dir = tempfile::tempdir().expect("tempdir");
        let pki = pki_dir(dir.path());
        let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("server store"));
        let server = RunningServer::start(&pki, Arc::clone(&storage)).await;
        let enrolment = enrol(&pki, &*storage, crate::LAPTOP_PREFIX, server.addr).await;
        Deployment { dir, pki, storage, server, enrolment }
    }

    /// The enrolment pointed at another address (a proxy in front of the server, say).
    pub fn enrolment_via(&self, addr: SocketAddr) -> Enrolment {
        Enrolment { server_url: format!("https://{addr}"), ..self.enrolment.clone() }
    }
}

/// The real `huduma-sync` binary, built beside this test by `cargo test --workspace`.
pub fn huduma_sync_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    // target/<profile>/deps/<test> -> target/<profile>/huduma-sync
    let binary = exe.parent().and_then(Path::parent).map(|dir| dir.join("huduma-sync")).expect("target dir");
    assert!(binary.exists(), "{} is missing: run the tests with `cargo test --workspace`", binary.display());
    binary
}

/// `huduma-sync serve` as its own process, so a test can kill it with SIGKILL.
pub struct ServerProcess {
    pub addr: SocketAddr,
    child: std::process::Child,
}

impl ServerProcess {
    /// Starts `huduma-sync --config <config> serve` and waits for the line that says where it
    /// listens (the config should ask for port 0, so the OS picks a free one).
    pub fn start(config: &Path) -> ServerProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(huduma_sync_binary())
            .arg("--config")
            .arg(config)
            .arg("serve")
            .env("HUDUMA_SYNC_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn huduma-sync");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines.next().expect("huduma-sync exited before listening").expect("read");
            if let Some(addr) = line.strip_prefix("listening on ") {
                break addr.trim().parse().expect("address");
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        ServerProcess { addr, child }
    }

    /// SIGKILL, then reap: nothing in the server gets to clean up.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `huduma-sync --config <config> <args>` to completion: its exit success and its stdout
/// and stderr together.
pub fn run_cli(config: &Path, args: &[&str]) -> (bool, String) {
    let output = std::process::Command::new(huduma_sync_binary())
        .arg("--config")
        .arg(config)
        .args(args)
        .env("HUDUMA_SYNC_LOG", "warn")
        .output()
        .expect("run huduma-sync");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

impl Deployment {
    /// A configuration file for running `huduma-sync` commands against this deployment's store.
    pub fn cli_config(&self) -> PathBuf {
        let path = self.dir.path().join("huduma-sync.toml");
        let db = self.dir.path().join("server.db");
        write_config(&path, &self.pki, &format!("backend = \"sqlite\"\npath = {:?}", db.display().to_string()));
        path
    }
}

/// Writes a `huduma-sync` configuration for a loopback server on a free port.
pub fn write_config(path: &Path, pki_dir: &Path, storage: &str) {
    let text = format!(
        "listen = \"127.0.0.1:0\"\npki_dir = {pki:?}\nlog = \"warn\"\n[storage]\n{storage}\n",
        pki = pki_dir.display().to_string()
    );
    std::fs::write(path, text).expect("write config");
}

/// The review console over HTTPS on a loopback port, in this process, with the real clock;
/// stops when dropped.
pub struct RunningConsole {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl RunningConsole {
    pub async fn start<S: huduma_sync::Backend>(pki_dir: &Path, storage: Arc<S>) -> RunningConsole {
        use huduma_sync::console::{Console, ConsoleSettings};
        let tls = huduma_sync::tls::console_config(pki_dir).expect("console tls config");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let console =
            Arc::new(Console::new(storage, ConsoleSettings::default(), Arc::new(time::OffsetDateTime::now_utc)));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(huduma_sync::console::serve::serve(listener, tls, console, async {
            let _ = stopped.await;
        }));
        RunningConsole { addr, stop: Some(stop) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.addr)
    }
}

impl Drop for RunningConsole {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Creates a console account directly in `storage`.
pub async fn console_account<S: huduma_sync::storage::review::ReviewStorage>(
    storage: &S,
    username: &str,
    role: huduma_sync::storage::review::ConsoleRole,
    mda: Option<&str>,
    password: &str,
) {
    use huduma_sync::storage::review::{ConsoleUser, NewAudit};
    let user = ConsoleUser {
        username: username.into(),
        display_name: username.into(),
        role,
        mda: mda.map(str::to_string),
        password_hash: huduma_sync::console::auth::hash_password(password).expect("hash"),
        disabled: false,
    };
    storage
        .create_account(
            user,
            NewAudit::new("test", "account.created", format!("account:{username}"), ""),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .expect("account");
}

/// The DER of the deployment's server certificate (what a browser is told to trust).
pub fn server_cert_der(pki_dir: &Path) -> Vec<u8> {
    let certs = huduma_sync::tls::load_certs(&pki_dir.join(pki::SERVER_CERT)).expect("server cert");
    certs[0].as_ref().to_vec()
}
