//! The review console in process, over its real router and a real SQLite file, with a clock the
//! tests move: who may see what (by URL too), CSRF, session expiry, login throttling, decisions
//! reaching the laptop's event stream, exports, and administration.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fieldkit_domain::catalogue::{Catalogue, sample};
use fieldkit_protocol::{ApplicationRecord, Decision, Event};
use http_body_util::BodyExt;
use huduma_sync::console::auth::{PeerAddress, hash_password};
use huduma_sync::console::{Console, ConsoleSettings, router};
use huduma_sync::service::{Actor, devices};
use huduma_sync::storage::Storage;
use huduma_sync::storage::review::{
    ConsoleRole, ConsoleUser, NewAudit, ReviewStatus, ReviewStorage, verify_audit_chain,
};
use huduma_sync::storage::sqlite::SqliteStorage;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;
use tower::ServiceExt;
use uuid::Uuid;

const PASSWORD: &str = "mandazi na chai 2026";
/// 2026-11-27 07:00 UTC, 10:00 in Kenya.
const START: i64 = 1_796_281_200;

struct World {
    _dir: tempfile::TempDir,
    storage: Arc<SqliteStorage>,
    router: axum::Router,
    clock: Arc<AtomicI64>,
    /// Reference → (id, revision) of what the laptops pushed.
    pushed: HashMap<String, (Uuid, u32)>,
}

impl World {
    async fn new() -> World {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = Arc::new(SqliteStorage::open(&dir.path().join("sync.db")).expect("open"));
        let clock = Arc::new(AtomicI64::new(START));
        let now = Arc::clone(&clock);
        let console = Arc::new(Console::new(
            Arc::clone(&storage),
            ConsoleSettings::default(),
            Arc::new(move || OffsetDateTime::from_unix_timestamp(now.load(Ordering::SeqCst)).expect("time")),
        ));
        let hash = hash_password(PASSWORD).expect("hash");
        for (username, role, mda) in [
            ("wanjiku.nrb", ConsoleRole::Technician, Some("nrb")),
            ("achieng.sha", ConsoleRole::Technician, Some("sha")),
            ("admin", ConsoleRole::Admin, None),
        ] {
            let user = ConsoleUser {
                username: username.into(),
                display_name: username.into(),
                role,
                mda: mda.map(str::to_string),
                password_hash: hash.clone(),
                disabled: false,
            };
            storage
                .create_account(user, NewAudit::new("test", "account.created", username, ""), OffsetDateTime::now_utc())
                .await
                .expect("account");
        }
        let mut world = World { _dir: dir, storage, router: router(console), clock, pushed: HashMap::new() };
        // Laptop K7QM: two ID replacements and an SHA registration; laptop M2XR: the same ID
        // number again for an ID replacement.
        world.push("K7QM", 1, "national-id.replacement", "20304050").await;
        world.push("K7QM", 2, "national-id.replacement", "31415926").await;
        world.push("K7QM", 3, "sha.member-registration", "27182818").await;
        world.push("M2XR", 4, "national-id.replacement", "20304050").await;
        world
    }

    async fn push(&mut self, laptop: &str, n: u32, service_id: &str, id_number: &str) {
        let catalogue = Catalogue::built_in().expect("catalogue");
        let service = catalogue.service(service_id).expect("service");
        let today = time::macros::date!(2026 - 11 - 27);
        let (mut form, _) = sample::answers(service, today);
        form.insert("id_number".into(), json!(id_number));
        form.insert("surname".into(), json!(format!("Surname{n}")));
        let id = Uuid::now_v7();
        let reference = format!("{laptop}-{n:06}-X");
        let body = json!({
            "application": { "id": id, "reference": reference, "service_id": service_id, "revision": 1,
                "form": form, "created_by": "HC-0001", "created_at": START - 3600,
                "outreach": { "id": "a1b2c3d4-0000-4000-8000-000000000001", "name": "Othaya stadium" } },
            "citizen": { "id_number": id_number, "surname": format!("Surname{n}"), "given_names": "Wairimu",
                "date_of_birth": "1990-04-01", "sex": "female", "phone": "+254712000111",
                "county_code": "019", "registered_by": "HC-0001", "registered_at": "2026-11-27T06:00:00Z" },
        });
        let record = ApplicationRecord::new(id, 1, 1, service_id, &reference, body);
        self.storage.push(laptop, vec![record]).await.expect("push");
        self.pushed.insert(reference, (id, 1));
    }

    fn id_of(&self, reference: &str) -> (Uuid, u32) {
        self.pushed[reference]
    }

    fn advance(&self, seconds: i64) {
        self.clock.fetch_add(seconds, Ordering::SeqCst);
    }

    fn browser(&self) -> Browser {
        Browser {
            router: self.router.clone(),
            cookies: HashMap::new(),
            address: "10.0.0.7:50000".parse().expect("addr"),
        }
    }
}

/// A browser of sorts: keeps cookies, follows nothing, reads forms' CSRF tokens.
struct Browser {
    router: axum::Router,
    cookies: HashMap<String, String>,
    address: std::net::SocketAddr,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    body: String,
    headers: axum::http::HeaderMap,
}

impl Page {
    fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
        self.body[at..].split('"').next().expect("token").to_string()
    }

    fn error_code(&self) -> Option<&str> {
        let at = self.body.find("data-error-code=\"")? + 17;
        self.body[at..].split('"').next()
    }
}

impl Browser {
    async fn request(&mut self, method: &str, path: &str, form: Option<Vec<(&str, String)>>) -> Page {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let mut request = Request::builder().method(method).uri(path).header(header::COOKIE, cookie);
        let body = match form {
            Some(fields) => {
                request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                let mut serializer = form_urlencoded::Serializer::new(String::new());
                for (k, v) in fields {
                    serializer.append_pair(k, &v);
                }
                Body::from(serializer.finish())
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).expect("request");
        request.extensions_mut().insert(axum::Extension(PeerAddress(self.address)));
        let response = self.router.clone().oneshot(request).await.expect("response");
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().expect("cookie");
            let pair = text.split(';').next().expect("pair");
            let (name, value) = pair.split_once('=').expect("name=value");
            if text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.into(), value.into());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers.get(header::LOCATION).map(|l| l.to_str().expect("location").to_string());
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Page { status, location, body: String::from_utf8_lossy(&bytes).into_owned(), headers }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.request("GET", path, None).await
    }

    async fn post(&mut self, path: &str, form: Vec<(&str, String)>) -> Page {
        self.request("POST", path, Some(form)).await
    }

    async fn try_login(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let token = form.csrf();
        self.post(
            "/login",
            vec![("csrf", token), ("username", username.into()), ("password", password.into()), ("next", "/".into())],
        )
        .await
    }

    async fn login(&mut self, username: &str) -> Page {
        let page = self.try_login(username, PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "login as {username}: {}", page.body);
        page
    }

    /// The CSRF token of the signed-in session (read from any page's sign-out form).
    async fn token(&mut self) -> String {
        self.get("/batches").await.csrf()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sha_technician_cannot_list_open_decide_or_export_an_id_application() {
    let world = World::new().await;
    let id_app = world.id_of("K7QM-000001-X");
    let sha_app = world.id_of("K7QM-000003-X");

    // NRB accepts its own application first, so an export could carry it if it leaked.
    let mut nrb = world.browser();
    nrb.login("wanjiku.nrb").await;
    let token = nrb.token().await;
    let accepted = nrb
        .post(
            &format!("/applications/{}/{}/decide", id_app.0, id_app.1),
            vec![("csrf", token), ("decision", "accept".into())],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);

    let mut sha = world.browser();
    sha.login("achieng.sha").await;
    let batches = sha.get("/batches").await;
    assert_eq!(batches.status, StatusCode::OK);
    assert!(batches.body.contains("K7QM") && batches.body.contains("Othaya stadium"));
    let list = sha.get("/applications").await;
    assert!(list.body.contains("K7QM-000003-X"), "its own application is listed");
    for reference in ["K7QM-000001-X", "K7QM-000002-X", "M2XR-000004-X"] {
        assert!(!list.body.contains(reference), "{reference} listed to SHA");
    }
    // Searching for it, or filtering by its laptop, finds nothing either.
    let searched = sha.get("/applications?q=K7QM-000001").await;
    assert!(!searched.body.contains("K7QM-000001-X") && searched.body.contains("0 applications"));
    let by_laptop = sha.get("/applications?device=M2XR").await;
    assert!(by_laptop.body.contains("0 applications"));

    // By URL: not found, and nothing of the citizen shows.
    let opened = sha.get(&format!("/applications/{}/{}", id_app.0, id_app.1)).await;
    assert_eq!(opened.status, StatusCode::NOT_FOUND);
    assert_eq!(opened.error_code(), Some("not_found"));
    assert!(!opened.body.contains("Surname1") && !opened.body.contains("20304050"));
    let own = sha.get(&format!("/applications/{}/{}", sha_app.0, sha_app.1)).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("Surname3"));

    // Deciding it by a forged POST, alone or in a bulk accept, changes nothing.
    let token = sha.token().await;
    let pending = world.id_of("K7QM-000002-X");
    let forged = sha
        .post(
            &format!("/applications/{}/{}/decide", pending.0, pending.1),
            vec![("csrf", token.clone()), ("decision", "accept".into())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    let bulk =
        sha.post("/applications/accept", vec![("csrf", token), ("item", format!("{}/{}", pending.0, pending.1))]).await;
    assert_eq!(bulk.status, StatusCode::SEE_OTHER);
    assert!(bulk.location.as_deref().is_some_and(|l| l.contains("Accepted%200")), "{:?}", bulk.location);
    let services = vec!["national-id.replacement".to_string()];
    let untouched = world.storage.review_item(&services, pending.0, pending.1).await.expect("read").expect("there");
    assert_eq!(untouched.status(), ReviewStatus::Pending);

    // Exports carry only SHA's accepted applications: none yet, and never NRB's.
    for path in ["/export/accepted.csv", "/export/accepted.json", "/export/accepted.csv?device=K7QM"] {
        let export = sha.get(path).await;
        assert_eq!(export.status, StatusCode::OK, "{path}");
        assert!(
            !export.body.contains("K7QM-000001-X") && !export.body.contains("20304050"),
            "{path} leaked: {}",
            export.body
        );
    }
    let nrb_export = nrb.get("/export/accepted.json").await;
    let records: Value = serde_json::from_str(&nrb_export.body).expect("json");
    assert_eq!(records.as_array().map(Vec::len), Some(1), "{records}");
    assert!(nrb_export.headers.get(header::CONTENT_DISPOSITION).is_some());

    // Roles: an administrator sees no applications; a technician administers nothing.
    let mut admin = world.browser();
    admin.login("admin").await;
    for path in ["/applications", "/batches", "/export/accepted.csv"] {
        assert_eq!(admin.get(path).await.status, StatusCode::FORBIDDEN, "admin {path}");
    }
    assert_eq!(admin.get(&format!("/applications/{}/{}", id_app.0, id_app.1)).await.status, StatusCode::FORBIDDEN);
    for path in ["/admin/accounts", "/admin/devices", "/admin/audit", "/admin/catalogue"] {
        assert_eq!(sha.get(path).await.status, StatusCode::FORBIDDEN, "technician {path}");
    }
    // And nobody signed in sees anything: every page sends them to sign in.
    let mut stranger = world.browser();
    let sent = stranger.get(&format!("/applications/{}/{}", id_app.0, id_app.1)).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert!(sent.location.as_deref().is_some_and(|l| l.starts_with("/login?next=%2Fapplications")));
}

/// Every state-changing route: refused without the session's token (`csrf`), and refused to the
/// other role even with it (`forbidden`), so nothing changes either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_form_needs_the_token_and_the_right_role() {
    let world = World::new().await;
    let (id, revision) = world.id_of("K7QM-000002-X");
    let mut admin = world.browser();
    admin.login("admin").await;
    let admin_token = admin.get("/admin/accounts").await.csrf();
    let mut nrb = world.browser();
    nrb.login("wanjiku.nrb").await;
    let nrb_token = nrb.token().await;
    let audited = world.storage.audit_chain().await.expect("chain").len();

    let technician_forms = [format!("/applications/{id}/{revision}/decide"), "/applications/accept".to_string()];
    let admin_forms = [
        "/admin/accounts",
        "/admin/accounts/wanjiku.nrb/disable",
        "/admin/accounts/wanjiku.nrb/password",
        "/admin/devices/K7QM/revoke",
        "/admin/catalogue",
    ];
    for path in &technician_forms {
        assert_eq!(nrb.post(path, vec![("decision", "accept".into())]).await.error_code(), Some("csrf"), "{path}");
        let as_admin = admin.post(path, vec![("csrf", admin_token.clone()), ("decision", "accept".into())]).await;
        assert_eq!(as_admin.error_code(), Some("forbidden"), "admin {path}");
    }
    for path in admin_forms {
        assert_eq!(admin.post(path, vec![]).await.error_code(), Some("csrf"), "{path}");
        let as_technician = nrb.post(path, vec![("csrf", nrb_token.clone())]).await;
        assert_eq!(as_technician.error_code(), Some("forbidden"), "technician {path}");
    }
    let audit = world.storage.audit_chain().await.expect("chain");
    assert!(
        audit[audited..].iter().all(|e| e.action.starts_with("login")),
        "nothing but sign-ins was recorded: {:?}",
        &audit[audited..]
    );
    let services = vec!["national-id.replacement".to_string()];
    let item = world.storage.review_item(&services, id, revision).await.expect("read").expect("there");
    assert_eq!(item.status(), ReviewStatus::Pending, "nothing was decided");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_the_sessions_token_change_nothing() {
    let world = World::new().await;
    let (id, revision) = world.id_of("K7QM-000002-X");
    let decide = format!("/applications/{id}/{revision}/decide");
    let mut nrb = world.browser();
    nrb.login("wanjiku.nrb").await;
    let mut other = world.browser();
    other.login("wanjiku.nrb").await;
    let others_token = other.token().await;

    for form in [
        vec![("decision", "accept".to_string())],
        vec![("csrf", "0".repeat(64)), ("decision", "accept".into())],
        vec![("csrf", others_token.clone()), ("decision", "accept".into())],
    ] {
        let refused = nrb.post(&decide, form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.error_code(), Some("csrf"));
    }
    let bulk = nrb.post("/applications/accept", vec![("item", format!("{id}/{revision}"))]).await;
    assert_eq!(bulk.error_code(), Some("csrf"));
    let services = vec!["national-id.replacement".to_string()];
    let item = world.storage.review_item(&services, id, revision).await.expect("read").expect("there");
    assert_eq!(item.status(), ReviewStatus::Pending, "nothing was decided");

    // Sign-out needs the token too; without it the session lives on.
    assert_eq!(nrb.post("/logout", vec![]).await.error_code(), Some("csrf"));
    assert_eq!(nrb.get("/batches").await.status, StatusCode::OK);

    // The login form's token must match its own cookie: a login posted from elsewhere is refused.
    let mut forger = world.browser();
    let refused = forger
        .post(
            "/login",
            vec![("csrf", "f".repeat(64)), ("username", "wanjiku.nrb".into()), ("password", PASSWORD.into())],
        )
        .await;
    assert_eq!(refused.error_code(), Some("csrf"));
    assert!(!forger.cookies.contains_key("__Host-console"));

    // With the token it all works, and sign-out ends the session.
    let token = nrb.token().await;
    assert_eq!(
        nrb.post(&decide, vec![("csrf", token.clone()), ("decision", "accept".into())]).await.status,
        StatusCode::SEE_OTHER
    );
    let out = nrb.post("/logout", vec![("csrf", token)]).await;
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert_eq!(nrb.get("/batches").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_when_idle_and_after_their_lifetime() {
    let world = World::new().await;
    let mut nrb = world.browser();
    nrb.login("wanjiku.nrb").await;
    let cookie = nrb.cookies.get("__Host-console").cloned().expect("session cookie");
    assert_eq!(cookie.len(), 64, "256 random bits");

    // Idle 14 minutes twice: each request moves the idle clock, so the session lives.
    for _ in 0..2 {
        world.advance(14 * 60);
        assert_eq!(nrb.get("/batches").await.status, StatusCode::OK);
    }
    // Idle past 15 minutes: over, with a notice on the sign-in page, and gone from the database.
    world.advance(15 * 60 + 1);
    let expired = nrb.get("/batches").await;
    assert_eq!(expired.status, StatusCode::SEE_OTHER);
    let location = expired.location.expect("to sign in");
    assert!(location.contains("expired=1"), "{location}");
    assert!(nrb.get(&location).await.body.contains("Your session ended"));
    let hash = huduma_sync::console::auth::token_hash(&cookie);
    assert_eq!(world.storage.session(&hash).await.expect("read"), None);

    // However busy, a session ends 8 hours after sign-in.
    nrb.login("wanjiku.nrb").await;
    for _ in 0..(8 * 60 / 10) {
        world.advance(10 * 60);
        assert_eq!(nrb.get("/batches").await.status, StatusCode::OK);
    }
    world.advance(10 * 60);
    let over = nrb.get("/batches").await;
    assert!(over.location.is_some_and(|l| l.contains("expired=1")));

    // The cookie is locked down.
    let fresh = world.browser().try_login("wanjiku.nrb", PASSWORD).await;
    let set = fresh
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .collect::<Vec<_>>();
    let session = set.iter().find(|c| c.starts_with("__Host-console=")).expect("session cookie set");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(attribute), "{session} lacks {attribute}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_throttled_per_account_and_per_address() {
    let world = World::new().await;
    let mut guesser = world.browser();
    for _ in 0..5 {
        let wrong = guesser.try_login("achieng.sha", "not the password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("The username or password is wrong"));
    }
    // Locked: even the right password is refused now, from any address, with a Retry-After.
    let mut owner = world.browser();
    owner.address = "10.0.0.99:40000".parse().expect("addr");
    let locked = owner.try_login("achieng.sha", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("900"));
    assert!(locked.body.contains("wait 15 minutes"));
    // Another account is not locked by it.
    owner.login("wanjiku.nrb").await;
    // After the window the owner gets in, and a success clears the count.
    world.advance(15 * 60 + 1);
    owner.cookies.clear();
    owner.login("achieng.sha").await;

    // One address guessing across many usernames is stopped too.
    let mut sprayer = world.browser();
    sprayer.address = "192.0.2.50:1234".parse().expect("addr");
    for n in 0..30 {
        let wrong = sprayer.try_login(&format!("user{n}"), "password123456").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(sprayer.try_login("wanjiku.nrb", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);

    let log = world.storage.audit_log(500, 0).await.expect("audit");
    let count = |action: &str| log.iter().filter(|e| e.action == action).count();
    assert_eq!(count("login.failed"), 35);
    assert_eq!(count("login.throttled"), 2);
    assert!(log.iter().all(|e| !e.detail.contains(PASSWORD) && !e.detail.contains("not the password")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_are_audited_reach_the_laptop_and_export_minimised() {
    let world = World::new().await;
    let mut nrb = world.browser();
    nrb.login("wanjiku.nrb").await;
    let token = nrb.token().await;
    let (one, two, four) = (world.id_of("K7QM-000001-X"), world.id_of("K7QM-000002-X"), world.id_of("M2XR-000004-X"));

    // The page shows the answers and the same ID number at the other laptop.
    let page = nrb.get(&format!("/applications/{}/{}", one.0, one.1)).await;
    assert!(page.body.contains("Possible duplicates") && page.body.contains("M2XR-000004-X"), "{}", page.body);
    assert!(!page.body.contains("registered_by") && !page.body.contains("HC-0001"), "the profile is minimised");

    // A rejection needs its reason; without one, nothing is decided and the page says why.
    let decide = |id: (Uuid, u32)| format!("/applications/{}/{}/decide", id.0, id.1);
    let empty = nrb
        .post(&decide(two), vec![("csrf", token.clone()), ("decision", "reject".into()), ("reason", "  ".into())])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Write the reason"));
    let rejected = nrb
        .post(
            &decide(two),
            vec![
                ("csrf", token.clone()),
                ("decision", "reject".into()),
                ("reason", "Police abstract is missing".into()),
            ],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    // Bulk accept of the other two; a second decision on the rejected one is refused.
    let bulk = nrb
        .post(
            "/applications/accept",
            vec![
                ("csrf", token.clone()),
                ("item", format!("{}/{}", one.0, one.1)),
                ("item", format!("{}/{}", four.0, four.1)),
                ("item", format!("{}/{}", two.0, two.1)),
                ("back", "/applications?status=pending".into()),
            ],
        )
        .await;
    let location = bulk.location.expect("back to the list");
    assert!(location.starts_with("/applications?status=pending&done=Accepted%202"), "{location}");

    // Each laptop's event stream has its own decisions.
    let (events, _) = world.storage.pull("K7QM", 0, 100).await.expect("pull");
    let decisions: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::Review { application_id, decision, .. } => Some((*application_id, decision.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        decisions,
        [(two.0, Decision::Rejected { reason: "Police abstract is missing".into() }), (one.0, Decision::Accepted)]
    );
    let (events, _) = world.storage.pull("M2XR", 0, 100).await.expect("pull");
    assert_eq!(events.len(), 1);

    // Audited by name, in an unbroken chain.
    let chain = world.storage.audit_chain().await.expect("chain");
    verify_audit_chain(&chain).expect("verifies");
    let decided: Vec<_> = chain
        .iter()
        .filter(|e| e.action.starts_with("decision."))
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        decided,
        [
            ("wanjiku.nrb", "decision.rejected"),
            ("wanjiku.nrb", "decision.accepted"),
            ("wanjiku.nrb", "decision.accepted")
        ]
    );

    // The CSV export: the accepted two, with only the profile attributes the service asks for.
    let csv = nrb.get("/export/accepted.csv").await;
    assert_eq!(csv.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("text/csv; charset=utf-8"));
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let header_row = reader.headers().expect("header").clone();
    assert!(header_row.iter().any(|h| h == "answer.id_number"));
    assert!(!header_row.iter().any(|h| h.contains("registered") || h == "applicant.county_code"), "{header_row:?}");
    let rows: Vec<_> = reader.records().collect::<Result<_, _>>().expect("rows");
    let references: Vec<&str> = rows.iter().map(|r| r.get(0).expect("reference")).collect();
    assert_eq!(references.len(), 2);
    assert!(references.contains(&"K7QM-000001-X") && references.contains(&"M2XR-000004-X"));
    assert!(world.storage.audit_log(1, 0).await.expect("log")[0].action == "export.csv");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_manage_accounts_and_devices_with_every_change_audited() {
    let world = World::new().await;
    devices::enrol(&*world.storage, &Actor::cli(Some("test")), "K7QM", &"ab".repeat(32), OffsetDateTime::now_utc())
        .await
        .expect("enrol");
    let mut admin = world.browser();
    admin.login("admin").await;
    let token = admin.get("/admin/accounts").await.csrf();

    // A weak password or a technician without an MDA is refused in words, and nothing is made.
    let weak = admin
        .post(
            "/admin/accounts",
            vec![
                ("csrf", token.clone()),
                ("username", "otieno.kra".into()),
                ("display_name", "Otieno".into()),
                ("role", "technician".into()),
                ("mda", "kra".into()),
                ("password", "short".into()),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("at least 12 characters"));
    let no_mda = admin
        .post(
            "/admin/accounts",
            vec![
                ("csrf", token.clone()),
                ("username", "otieno.kra".into()),
                ("display_name", "Otieno".into()),
                ("role", "technician".into()),
                ("mda", "".into()),
                ("password", "a long enough passphrase".into()),
            ],
        )
        .await;
    assert!(no_mda.body.contains("must belong to one MDA"));
    assert_eq!(world.storage.account("otieno.kra").await.expect("read"), None);
    let made = admin
        .post(
            "/admin/accounts",
            vec![
                ("csrf", token.clone()),
                ("username", "Otieno.KRA".into()),
                ("display_name", "Otieno".into()),
                ("role", "technician".into()),
                ("mda", "kra".into()),
                ("password", "a long enough passphrase".into()),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let created = world.storage.account("otieno.kra").await.expect("read").expect("created");
    assert_eq!((created.role, created.mda.as_deref()), (ConsoleRole::Technician, Some("kra")));

    // Disabling ends the person's session at once.
    let mut otieno = world.browser();
    let signed_in = otieno.try_login("otieno.kra", "a long enough passphrase").await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(otieno.get("/batches").await.status, StatusCode::OK);
    let disabled = admin.post("/admin/accounts/otieno.kra/disable", vec![("csrf", token.clone())]).await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert_eq!(otieno.get("/batches").await.status, StatusCode::SEE_OTHER);
    assert_eq!(otieno.try_login("otieno.kra", "a long enough passphrase").await.status, StatusCode::UNAUTHORIZED);

    // Devices: listed, revoked.
    let devices = admin.get("/admin/devices").await;
    assert!(devices.body.contains("K7QM") && devices.body.contains("never"));
    assert_eq!(
        admin.post("/admin/devices/K7QM/revoke", vec![("csrf", token.clone())]).await.status,
        StatusCode::SEE_OTHER
    );
    let device = world.storage.devices().await.expect("devices").into_iter().find(|d| d.id == "K7QM").expect("there");
    assert!(device.revoked_at.is_some());
    assert_eq!(
        admin.post("/admin/devices/ZZZZ/revoke", vec![("csrf", token.clone())]).await.status,
        StatusCode::NOT_FOUND
    );

    // A catalogue that a laptop would refuse is not published.
    let bad = admin
        .post("/admin/catalogue", vec![("csrf", token.clone()), ("catalogue", "format = 1\nversion = 2\n".into())])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(world.storage.latest_catalogue().await.expect("latest"), None);

    let audit = admin.get("/admin/audit").await;
    assert!(audit.body.contains("the hash chain is unbroken"), "{}", audit.body);
    for action in ["account.created", "account.disabled", "device.revoked"] {
        assert!(audit.body.contains(action), "{action} audited");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_see_each_outreach_with_its_applications_and_feedback() {
    use fieldkit_protocol::{FeedbackRecord, OutreachPlan, OutreachStatus};
    use huduma_sync::storage::outreach::OutreachStorage;
    let world = World::new().await;
    devices::enrol(&*world.storage, &Actor::cli(Some("test")), "K7QM", &"ab".repeat(32), OffsetDateTime::now_utc())
        .await
        .expect("enrol");
    let plan = OutreachPlan {
        id: Uuid::parse_str("a1b2c3d4-0000-4000-8000-000000000001").expect("uuid"),
        revision: 1,
        name: "Othaya stadium day".into(),
        centre: "Nyeri".into(),
        county_code: "019".into(),
        place: "Othaya stadium".into(),
        starts_on: "2026-11-27".into(),
        ends_on: "2026-11-27".into(),
        services: vec!["sha.member-registration".into()],
        status: OutreachStatus::Running,
        laptops: vec!["K7QM".into()],
        ..OutreachPlan::default()
    };
    world.storage.keep_plan("K7QM", plan.clone(), OffsetDateTime::now_utc()).await.expect("plan");
    let feedback: Vec<FeedbackRecord> = [5u8, 4, 2]
        .iter()
        .enumerate()
        .map(|(n, rating)| FeedbackRecord {
            id: Uuid::from_u128(n as u128 + 1),
            outreach_id: Some(plan.id),
            service_id: None,
            given_on: "2026-11-27".into(),
            satisfaction: Some(*rating),
            comment: Some("secret comment".into()),
            complaint: None,
        })
        .collect();
    world.storage.push_feedback("K7QM", feedback, OffsetDateTime::now_utc()).await.expect("feedback");

    let mut admin = world.browser();
    admin.login("admin").await;
    let page = admin.get("/admin/outreaches").await;
    assert_eq!(page.status, StatusCode::OK);
    let row = page.body.split("Othaya stadium day").nth(1).expect("the outreach is listed");
    // The four applications World pushed were captured at this outreach; 2 of 3 ratings are 4 or 5.
    for expected in ["<td class=\"number\">4</td>", "<td class=\"number\">3</td>", "67 %", "3.7"] {
        assert!(row.contains(expected), "{expected} in {row}");
    }
    assert!(!page.body.contains("secret comment"), "comments are not shown");
    // Technicians do not see it.
    let mut sha = world.browser();
    sha.login("achieng.sha").await;
    assert_eq!(sha.get("/admin/outreaches").await.status, StatusCode::FORBIDDEN);
}
