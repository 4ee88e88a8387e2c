//! `huduma_sync::start` / `run`: the whole server composed in one call — the laptops' listener,
//! and with `[console] listen`, the console and the delivery worker — listening when it returns,
//! and stopped, every listener closed, when its shutdown future completes.

use huduma_sync::RunError;
use huduma_sync::config::Config;
use huduma_sync::pki;
use huduma_sync::storage::sqlite::SqliteStorage;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpStream;

fn config(dir: &Path, extra: &str) -> Config {
    let pki_dir = dir.join("pki");
    pki::init_ca(&pki_dir, "Test CA").expect("ca");
    pki::issue_server_cert(&pki_dir, &["127.0.0.1".into()]).expect("server cert");
    let file = dir.join("huduma-sync.toml");
    let text = format!(
        "listen = \"127.0.0.1:0\"\npki_dir = \"pki\"\n[storage]\nbackend = \"sqlite\"\npath = \"sync.db\"\n\
         [console]\nlisten = \"127.0.0.1:0\"\n{extra}"
    );
    std::fs::write(&file, text).expect("write config");
    Config::load(Some(&file), |_| None).expect("config")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_server_listens_until_told_to_stop() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config(dir.path(), "");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("sync.db")).expect("store"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = huduma_sync::start(&config, storage, async {
        let _ = stopped.await;
    })
    .await
    .expect("start");
    let (laptops, console) = (server.laptops, server.console.expect("the console is configured"));
    assert_ne!(laptops.port(), 0, "bound");
    for address in [laptops, console] {
        TcpStream::connect(address).await.expect("listening");
    }

    let _ = stop.send(());
    server.wait().await.expect("stops cleanly");
    for address in [laptops, console] {
        assert!(TcpStream::connect(address).await.is_err(), "{address} is closed after the server stopped");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_endpoint_without_its_token_stops_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("sha-ca.pem"), "").expect("ca file");
    let delivery = "[[console.delivery]]\nmda = \"sha\"\nurl = \"https://intake.sha.example/huduma\"\n\
                    ca_file = \"sha-ca.pem\"\ntoken_env = \"HUDUMA_TEST_TOKEN_THAT_IS_NEVER_SET\"\n";
    let config = config(dir.path(), delivery);
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("sync.db")).expect("store"));
    let refused = huduma_sync::run(&config, storage, std::future::pending()).await;
    assert!(
        matches!(&refused, Err(RunError::MissingToken { mda, variable })
            if mda == "sha" && variable == "HUDUMA_TEST_TOKEN_THAT_IS_NEVER_SET"),
        "{refused:?}"
    );
}
