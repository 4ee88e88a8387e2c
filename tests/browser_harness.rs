//! The browser harness itself (`fieldkit_e2e::browser`), against a small HTTPS site of its own:
//! headless Chromium trusts exactly the pinned server certificate, drives a form that posts and
//! sets a cookie, and axe-core tells an accessible page from one with a known violation.

use axum::Router;
use axum::extract::State;
use axum::http::header::{CONTENT_SECURITY_POLICY, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use fieldkit_e2e::browser::{AxeViolation, Browser, Chromedriver, serious_violations_report};
use huduma_sync::pki;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const TITLE: &str = "Harness form - Field Kit";
/// The console will send a strict policy; axe must still be injectable under one.
const CSP: &str =
    "default-src 'none'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const COUNTIES: [(&str, &str); 3] = [("001", "Mombasa"), ("022", "Kiambu"), ("047", "Nairobi")];

/// A small HTTPS site on a loopback port, with a certificate our CA issued for 127.0.0.1.
struct Site {
    base: String,
    cert_der: Vec<u8>,
    /// How many times the form page was requested.
    form_requests: Arc<AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
    _pki: tempfile::TempDir,
}

impl Site {
    async fn start() -> Site {
        let dir = tempfile::tempdir().expect("tempdir");
        let cert_der = server_cert(dir.path());
        let chain = huduma_sync::tls::load_certs(&dir.path().join(pki::SERVER_CERT)).expect("chain");
        let key = huduma_sync::tls::load_key(&dir.path().join(pki::SERVER_KEY)).expect("key");
        let mut tls = rustls::ServerConfig::builder_with_provider(huduma_sync::tls::provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .expect("TLS 1.3")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server config");
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let form_requests = Arc::new(AtomicUsize::new(0));
        let router = Router::new()
            .route("/", get(form_page))
            .route("/submit", post(submit))
            .route("/done", get(done))
            .route("/bad", get(bad_page))
            .with_state(form_requests.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("https://{}", listener.local_addr().expect("addr"));
        let server = tokio::spawn(serve(listener, TlsAcceptor::from(Arc::new(tls)), router));
        Site { base, cert_der, form_requests, server, _pki: dir }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A fresh CA in `dir` and a server certificate it issued for 127.0.0.1 (the DER).
fn server_cert(dir: &std::path::Path) -> Vec<u8> {
    pki::init_ca(dir, "Browser harness CA").expect("CA");
    pki::issue_server_cert(dir, &["127.0.0.1".into()]).expect("server certificate");
    let chain = huduma_sync::tls::load_certs(&dir.join(pki::SERVER_CERT)).expect("server certificate");
    chain[0].to_vec()
}

async fn serve(listener: TcpListener, acceptor: TlsAcceptor, router: Router) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else { continue };
        let (acceptor, router) = (acceptor.clone(), router.clone());
        tokio::spawn(async move {
            // A browser that does not trust the certificate abandons the handshake: nothing to serve.
            let Ok(stream) = acceptor.accept(tcp).await else { return };
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(router))
                .await;
        });
    }
}

fn page(title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body><main>{body}</main></body></html>\n"
    );
    ([(CONTENT_SECURITY_POLICY, CSP)], Html(html)).into_response()
}

async fn form_page(State(requests): State<Arc<AtomicUsize>>) -> Response {
    requests.fetch_add(1, Ordering::SeqCst);
    let options: String =
        COUNTIES.iter().map(|(code, name)| format!("<option value=\"{code}\">{name}</option>")).collect();
    page(
        TITLE,
        &format!(
            "<h1>Register</h1>\
             <form method=\"post\" action=\"/submit\">\
             <label for=\"name\">Full name</label> <input id=\"name\" name=\"name\" autocomplete=\"name\" required>\
             <label for=\"county\">County</label> <select id=\"county\" name=\"county\">{options}</select>\
             <button type=\"submit\">Send</button></form>"
        ),
    )
}

/// Post/redirect/get: the answer is a cookie and a redirect to the result page.
async fn submit(body: String) -> Response {
    let mut headers = HeaderMap::new();
    for key in ["name", "county"] {
        // The raw urlencoded value is safe in a cookie; anything else is refused.
        let Some(raw) =
            form_field(&body, key).filter(|v| v.bytes().all(|b| b.is_ascii_alphanumeric() || b"%+*._-".contains(&b)))
        else {
            return (StatusCode::BAD_REQUEST, format!("no usable {key}")).into_response();
        };
        let cookie = format!("harness_{key}={raw}; Path=/; Secure; HttpOnly; SameSite=Strict");
        headers.append(SET_COOKIE, HeaderValue::from_str(&cookie).expect("cookie header"));
    }
    headers.insert(LOCATION, HeaderValue::from_static("/done"));
    (StatusCode::SEE_OTHER, headers).into_response()
}

async fn done(headers: HeaderMap) -> Response {
    let cookies: Vec<(&str, &str)> = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .collect();
    let cookie = |name: &str| cookies.iter().find(|(n, _)| *n == name).map(|(_, v)| decode(v));
    let result = match (cookie("harness_name"), cookie("harness_county")) {
        (Some(name), Some(code)) => {
            let county = COUNTIES.iter().find(|(c, _)| *c == code).map_or("unknown county", |(_, n)| n);
            format!("Received: {} ({county})", escape(&name))
        }
        _ => "No submission yet".to_string(),
    };
    page("Submitted - Field Kit", &format!("<h1>Thank you</h1><p id=\"result\">{result}</p>"))
}

/// Known serious violations: an input without a label (`label`) and an image without alt text
/// (`image-alt`).
async fn bad_page() -> Response {
    page(
        "Harness bad page - Field Kit",
        "<h1>Inaccessible</h1><input id=\"nameless\" type=\"text\">\
         <img id=\"mute\" src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\">",
    )
}

fn form_field<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.split('&').filter_map(|pair| pair.split_once('=')).find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// application/x-www-form-urlencoded decoding.
fn decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_trusts_the_pinned_certificate_and_no_other() {
    let site = Site::start().await;
    let driver = Chromedriver::start();
    let browser = Browser::start(&driver, &site.cert_der).await;
    browser.goto(&site.url("/")).await;
    assert_eq!(browser.title().await, TITLE);
    assert_eq!(browser.current_url().await, site.url("/"));
    assert!(browser.page_source().await.contains("<label for=\"name\">Full name</label>"));
    assert_eq!(site.form_requests.load(Ordering::SeqCst), 1);
    browser.close().await;

    // Pinned to another server's certificate (another CA, same host), the browser refuses ours
    // before any request reaches the site.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let stranger = Browser::start(&driver, &server_cert(elsewhere.path())).await;
    let refused = stranger.try_goto(&site.url("/")).await;
    let error = refused.expect_err("a browser pinned to another certificate loaded our page");
    assert!(error.contains("net::ERR_CERT_AUTHORITY_INVALID"), "{error}");
    assert_ne!(stranger.title().await, TITLE);
    assert_eq!(site.form_requests.load(Ordering::SeqCst), 1, "the untrusted browser reached the site");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_submits_sets_a_cookie_and_shows_its_result() {
    let site = Site::start().await;
    let driver = Chromedriver::start();
    let browser = Browser::start(&driver, &site.cert_der).await;
    browser.goto(&site.url("/")).await;
    assert_eq!(browser.find_all("#county option").await.len(), COUNTIES.len());
    assert!(browser.present("#name").await && !browser.present("#result").await);
    assert_eq!(browser.attribute("#name", "autocomplete").await.as_deref(), Some("name"));
    browser.type_into("#name", "typed by mistake").await;
    browser.clear("#name").await;
    browser.type_into("#name", "Wanjiru O'Brien & Co").await;
    browser.select_option("#county", "047").await;
    assert_eq!(browser.script("return document.getElementById('county').value;", serde_json::json!([])).await, "047");
    browser.click("button[type=submit]").await;
    // The click returned after the POST, the redirect and the new page's load: no waiting here.
    assert_eq!(browser.current_url().await, site.url("/done"));
    assert_eq!(browser.title().await, "Submitted - Field Kit");
    assert_eq!(browser.text("#result").await, "Received: Wanjiru O'Brien & Co (Nairobi)");

    let cookie = browser.cookie("harness_name").await.expect("the name cookie");
    assert_eq!(cookie.value, "Wanjiru+O%27Brien+%26+Co");
    assert!(cookie.secure && cookie.http_only, "{cookie:?}");
    assert_eq!(cookie.same_site.as_deref(), Some("Strict"));
    assert_eq!(browser.cookies().await.len(), 2);

    browser.delete_cookies().await;
    assert!(browser.cookies().await.is_empty());
    browser.goto(&site.url("/done")).await;
    assert_eq!(browser.text("#result").await, "No submission yet");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_passes_the_accessible_page_and_names_the_violations_on_the_other() {
    let site = Site::start().await;
    let driver = Chromedriver::start();
    let browser = Browser::start(&driver, &site.cert_der).await;
    browser.goto(&site.url("/")).await;
    browser.assert_no_serious_axe_violations("the form page").await;

    browser.goto(&site.url("/bad")).await;
    let violations = browser.axe().await;
    let rule = |id: &str| -> &AxeViolation {
        violations.iter().find(|v| v.id == id).unwrap_or_else(|| panic!("axe missed {id}: {violations:#?}"))
    };
    let label = rule("label");
    assert!(label.is_serious(), "{label:?}");
    assert_eq!(label.nodes.iter().map(|n| n.target.as_str()).collect::<Vec<_>>(), ["#nameless"]);
    let image = rule("image-alt");
    assert!(image.is_serious(), "{image:?}");
    assert_eq!(image.nodes.iter().map(|n| n.target.as_str()).collect::<Vec<_>>(), ["#mute"]);
    let report = serious_violations_report(&violations).expect("a report");
    assert!(report.contains("label (critical)") && report.contains("image-alt (critical)"), "{report}");

    // And the assertion fails, naming both.
    let runtime = tokio::runtime::Handle::current();
    let outcome = tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            scope.spawn(|| runtime.block_on(browser.assert_no_serious_axe_violations("the bad page"))).join()
        })
    });
    let panic = outcome.expect_err("the bad page passed the axe assertion");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.starts_with("the bad page (") && message.contains("#nameless") && message.contains("#mute"),
        "{message}"
    );
    browser.close().await;
}
