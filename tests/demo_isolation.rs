//! Training (demo) and production never meet, whichever way round and even when someone misuses
//! one CA for both: a training profile refuses a production enrolment and server, a production
//! profile refuses a training enrolment and server, and a production server refuses a training
//! laptop's certificate during the handshake. Nothing is stored on the wrong side.

use fieldkit_core::sync::{BatchSizer, sync_once};
use fieldkit_core::{Config, LaptopPrefix, NewOfficer, Profile, Role, Session};
use fieldkit_e2e::deployment::{self, RunningServer};
use fieldkit_e2e::{ICT_OFFICER, LAPTOP_PREFIX, OFFICER, PIN, capture};
use fieldkit_protocol::{Deployment, Enrolment};
use huduma_sync::pki;
use huduma_sync::storage::Storage;
use huduma_sync::storage::sqlite::SqliteStorage;
use std::path::Path;
use std::sync::Arc;

/// A new profile whose first officer, an ICT officer (who may enrol), is signed in.
fn laptop(dir: &Path, deployment: Deployment) -> (Profile, Session) {
    let profile = Profile::new(dir.join("laptop"), Config::for_tests());
    let profile = if deployment == Deployment::Training { profile.for_training() } else { profile };
    let prefix = LaptopPrefix::parse(LAPTOP_PREFIX).expect("prefix");
    let ict = NewOfficer { number: ICT_OFFICER.into(), display_name: "Brian Kiprono".into(), role: Role::IctOfficer };
    let session = profile.create(&prefix, &ict, PIN).expect("create profile");
    (profile, session)
}

/// The ICT officer adds a centre manager, who signs in to capture applications.
fn manager(profile: &Profile, ict: &mut Session) -> Session {
    let manager =
        NewOfficer { number: OFFICER.into(), display_name: "Achieng Otieno".into(), role: Role::CentreManager };
    ict.add_officer(&manager, PIN).expect("add manager");
    profile.sign_in(OFFICER, PIN).expect("sign in")
}

/// A server whose CA is of `ca`, and whose own certificate is of `server` (the same unless the
/// test plays a misused CA), with the laptop enrolled using a certificate of `device`.
struct World {
    _dir: tempfile::TempDir,
    pki_dir: std::path::PathBuf,
    storage: Arc<SqliteStorage>,
    server: RunningServer,
    enrolment: Enrolment,
}

async fn world(ca: Deployment, server: Deployment, device: Deployment) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki_dir = dir.path().join("pki");
    pki::init_ca_for(&pki_dir, "Isolation test CA", ca).expect("ca");
    pki::issue_server_cert_as(&pki_dir, &["127.0.0.1".into()], server).expect("server cert");
    let storage = Arc::new(SqliteStorage::open(&dir.path().join("server.db")).expect("server store"));
    let running = RunningServer::start(&pki_dir, Arc::clone(&storage)).await;
    let credentials = pki::issue_device_cert_as(&pki_dir, LAPTOP_PREFIX, device).expect("device cert");
    huduma_sync::service::devices::enrol(
        &*storage,
        &huduma_sync::service::Actor::cli(Some("test")),
        LAPTOP_PREFIX,
        &credentials.fingerprint,
        time::OffsetDateTime::now_utc(),
    )
    .await
    .expect("register");
    let enrolment = Enrolment {
        device_id: LAPTOP_PREFIX.into(),
        server_url: format!("https://{}", running.addr),
        ca_pem: pki::ca_pem(&pki_dir).expect("ca pem"),
        cert_pem: credentials.cert_pem,
        key_pem: credentials.key_pem,
        import_key: None,
    };
    World { _dir: dir, pki_dir, storage, server: running, enrolment }
}

/// rustls with the enrolment's CA and certificate and no deployment check of its own.
fn trusting_only_the_ca(enrolment: &Enrolment) -> rustls::ClientConfig {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(enrolment.ca_pem.as_bytes()) {
        roots.add(cert.expect("ca")).expect("root");
    }
    let chain: Vec<_> =
        CertificateDer::pem_slice_iter(enrolment.cert_pem.as_bytes()).map(|c| c.expect("cert")).collect();
    let key = PrivateKeyDer::from_pem_slice(enrolment.key_pem.as_bytes()).expect("key");
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("tls 1.3")
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .expect("client auth")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_training_profile_syncs_with_a_training_server() {
    let world = world(Deployment::Training, Deployment::Training, Deployment::Training).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (profile, mut ict) = laptop(dir.path(), Deployment::Training);
    assert_eq!(ict.deployment().expect("deployment"), Deployment::Training);
    ict.enrol(&world.enrolment).expect("a training enrolment suits a training profile");
    let mut session = manager(&profile, &mut ict);
    capture(&mut session, 24_000_000, 3);
    let client = session.sync_client().expect("client");
    let report = sync_once(&mut session, &client, &mut BatchSizer::default(), &mut |_| {}).await.expect("sync");
    assert_eq!(report.pushed.synced, 3);
    assert_eq!(world.storage.count().await.expect("count"), 3);
    world.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_training_profile_refuses_a_production_enrolment() {
    let world = world(Deployment::Production, Deployment::Production, Deployment::Production).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (profile, mut session) = laptop(dir.path(), Deployment::Training);
    let refused = session.enrol(&world.enrolment).expect_err("production enrolment");
    assert_eq!(refused.code(), "training_profile_refuses_production");
    // The ICT officer may not sync; the manager, who may, finds the laptop still unenrolled.
    let mut manager = manager(&profile, &mut session);
    assert_eq!(manager.sync_client().expect_err("not enrolled").code(), "not_enrolled", "nothing was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_production_profile_refuses_a_training_enrolment() {
    let world = world(Deployment::Training, Deployment::Training, Deployment::Training).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (profile, mut session) = laptop(dir.path(), Deployment::Production);
    let refused = session.enrol(&world.enrolment).expect_err("training enrolment");
    assert_eq!(refused.code(), "production_profile_refuses_training");
    let mut manager = manager(&profile, &mut session);
    assert_eq!(manager.sync_client().expect_err("not enrolled").code(), "not_enrolled", "nothing was stored");
}

/// The production CA was misused to give a server a training certificate: the production laptop
/// trusts the CA, but refuses the server during the handshake, before any application is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_production_laptop_refuses_a_training_server_even_from_its_own_ca() {
    let world = world(Deployment::Production, Deployment::Training, Deployment::Production).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (profile, mut ict) = laptop(dir.path(), Deployment::Production);
    assert_eq!(ict.deployment().expect("deployment"), Deployment::Production);
    ict.enrol(&world.enrolment).expect("the enrolment itself is production");
    let mut session = manager(&profile, &mut ict);
    capture(&mut session, 25_000_000, 2);
    let client = session.sync_client().expect("client");
    let refused =
        sync_once(&mut session, &client, &mut BatchSizer::default(), &mut |_| {}).await.expect_err("training server");
    assert_eq!(refused.code(), "production_profile_refuses_training", "{refused}");
    assert_eq!(world.storage.count().await.expect("count"), 0, "nothing reached the training server");
    assert_eq!(session.queue().expect("queue").len(), 2, "both applications still wait on the laptop");
}

/// The production CA was misused to issue a training laptop's certificate: the production server
/// refuses it in the handshake even though its own CA signed it. A client that does not check the
/// server (rustls with just the CA) plays the training laptop, so only the server's check is tested.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_production_server_refuses_a_training_laptop_even_from_its_own_ca() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let world = world(Deployment::Production, Deployment::Production, Deployment::Training).await;
    let tls = trusting_only_the_ca(&world.enrolment);
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
    let tcp = tokio::net::TcpStream::connect(world.server.addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
    // TLS 1.3: the client finishes its side of the handshake before the server has judged the
    // client certificate, so the refusal shows as an alert on the first read.
    let answer = match connector.connect(name, tcp).await {
        Err(e) => Err(e),
        Ok(mut stream) => {
            let request = "POST /v1/pull HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
                           content-length: 41\r\n\r\n{\"protocol\":1,\"cursor\":0,\"limit\":10}     ";
            let _ = stream.write_all(request.as_bytes()).await;
            let mut reply = Vec::new();
            stream.read_to_end(&mut reply).await.map(|_| reply)
        }
    };
    match answer {
        Err(e) => assert!(e.to_string().contains("alert") || e.to_string().contains("Certificate"), "{e}"),
        Ok(reply) => assert!(reply.is_empty(), "the server answered: {}", String::from_utf8_lossy(&reply)),
    }
    let devices = world.storage.devices().await.expect("devices");
    assert!(devices.iter().all(|d| d.revoked_at.is_none()), "refusal is not revocation");
    assert_eq!(world.storage.count().await.expect("count"), 0);
    // The same CA's production laptop certificate is still welcome: the refusal was the mark.
    let welcome = deployment::enrol(&world.pki_dir, &*world.storage, "P2ZX", world.server.addr).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = fieldkit_e2e::provision_enrolled_as(&dir.path().join("p2zx"), "P2ZX", &welcome);
    let mut session = profile.sign_in(OFFICER, PIN).expect("sign in");
    let client = session.sync_client().expect("client");
    sync_once(&mut session, &client, &mut BatchSizer::default(), &mut |_| {}).await.expect("production laptop syncs");
}
