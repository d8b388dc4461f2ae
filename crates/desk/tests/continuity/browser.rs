//! The registrant's journey in a real browser: Debian's chromium, driven through chromedriver
//! (WebDriver, fantoccini), headless. The failure notice arrives at a real SMTP server
//! (aiosmtpd); the registrant follows its link, chooses to move the name, has a code mailed,
//! types it, and gets the transfer code, which another registrar then uses. Every page is
//! checked with axe-core (zero violations) and kept under 100 KB; the main pages are
//! photographed, into the directory `NAMEWARD_SCREENSHOTS` names (`docs/desk` to refresh the
//! README's) or else under the build's temporary directory, so that a test run leaves the
//! source tree as it was. The same journey runs again with JavaScript disabled.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use nameward_desk::testing::SmtpSink;
use nameward_desk::{SmtpConfig, SmtpMailer};
use nameward_registry::service::{Registry, SendOptions};
use nameward_registry::testing::both;
use serde_json::json;
use time::Duration;

use crate::support::{FAILED_AT, TestClock, alpha_asks_for, desk_for, fail, letterhead, registry};

/// Largest page the desk may send.
const MAX_PAGE: usize = 100 * 1024;

/// axe-core's browser build: `NAMEWARD_AXE`, else where `.ci/run` installs it with npm.
fn axe_path() -> PathBuf {
    std::env::var_os("NAMEWARD_AXE").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        home.join(".cache/nameward-tools/node_modules/axe-core/axe.min.js")
    })
}

/// Whether the browser tests can run: chromium, chromedriver and axe-core.
fn peers() -> bool {
    let axe = axe_path();
    nameward_peer::program("the desk's browser tests", "chromium", "chromium")
        && nameward_peer::program("the desk's browser tests", "chromedriver", "chromium-driver")
        && nameward_peer::available(
            "the desk's browser tests",
            axe.is_file(),
            &format!("{} is missing (npm install axe-core)", axe.display()),
        )
}

/// chromedriver on a free port, stopped on drop.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < StdDuration::from_secs(20), "chromedriver did not start");
            std::thread::sleep(StdDuration::from_millis(50));
        }
        let profile =
            std::env::temp_dir().join(format!("nameward-chromium-{}-{port}", std::process::id()));
        Driver { child, port, profile }
    }

    /// A headless chromium with a fresh profile, phone-sized; JavaScript off when `!script`.
    async fn browser(&self, script: bool) -> Client {
        std::fs::create_dir_all(&self.profile).unwrap();
        let mut options = json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=412,1000",
                format!("--user-data-dir={}", self.profile.display()),
            ],
        });
        if !script {
            options["prefs"] = json!({"profile.managed_default_content_settings.javascript": 2});
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".to_owned(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a WebDriver session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Checks the page in the browser: under [`MAX_PAGE`], and (when scripts run) no axe-core
/// violations; photographs it as `NAME.png` when `shot` names it.
async fn check_page(browser: &Client, script: bool, shot: Option<&str>) {
    let url = browser.current_url().await.unwrap();
    let source = browser.source().await.unwrap();
    assert!(source.len() < MAX_PAGE, "{url} is {} bytes", source.len());
    if script {
        let axe = std::fs::read_to_string(axe_path()).unwrap();
        browser.execute(&axe, vec![]).await.unwrap();
        let found = browser
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, {resultTypes: ['violations']})\
                    .then(r => done(JSON.stringify(r.violations.map(v => \
                        ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html)})))))\
                    .catch(e => done('error: ' + e));",
                vec![],
            )
            .await
            .unwrap();
        let found = found.as_str().unwrap_or_default().to_owned();
        assert_eq!(found, "[]", "axe-core found violations on {url}");
    }
    if let Some(name) = shot {
        let png = browser.screenshot().await.unwrap();
        let dir = std::env::var_os("NAMEWARD_SCREENSHOTS")
            .map_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("desk"), PathBuf::from);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

/// The text of a received message, quoted-printable decoded (headers pass through as they are).
fn text_of(data: &str) -> String {
    let joined = data.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes.get(at + 1..at + 3).and_then(|pair| std::str::from_utf8(pair).ok());
        match (bytes[at], hex.and_then(|pair| u8::from_str_radix(pair, 16).ok())) {
            (b'=', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The code mail that names `case_url`, once the SMTP server has it (within 10 s).
async fn code_mail(sink: &SmtpSink, case_url: &str) -> String {
    let deadline = Instant::now() + StdDuration::from_secs(10);
    loop {
        let found = sink
            .received()
            .into_iter()
            .map(|mail| text_of(&mail.data))
            .find(|text| text.contains("Your code: ") && text.contains(case_url));
        if let Some(mail) = found {
            return mail;
        }
        assert!(Instant::now() < deadline, "no code mail names the case page {case_url}");
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

/// Clicks the button `css` names once the page shows it: the page the last click led to may
/// still be loading.
async fn click_button(browser: &Client, css: &str) {
    let button = match browser.wait().for_element(Locator::Css(css)).await {
        Ok(button) => button,
        Err(error) => {
            let url = browser.current_url().await.map(|url| url.to_string()).unwrap_or_default();
            let source = browser.source().await.unwrap_or_default();
            panic!("no {css} on {url}: {error}\n{source}");
        }
    };
    button.click().await.unwrap();
}

/// The desk on a loopback port, and the failure notices sent through `sink` linking to it.
async fn desk_and_notices(
    registry: &Registry,
    sink: &SmtpSink,
    clock: &TestClock,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let mailer =
        SmtpMailer::new(&SmtpConfig::parse(&sink.relay(), "desk@nic.example").unwrap()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let mut desk = desk_for(registry, Arc::new(mailer.clone()), clock);
    desk.public_url = format!("http://{addr}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(nameward_desk::serve(listener, desk, async move {
        let _ = stopped.await;
    }));
    let mut head = letterhead();
    head.desk_url = format!("http://{addr}");
    registry.queue_notices(FAILED_AT).await.unwrap();
    let mut options = SendOptions::new(head);
    options.rate_per_second = 100.0;
    registry.send_notices(&mailer, &options, FAILED_AT).await.unwrap();
    (addr, stop, server)
}

/// One registrant's journey from the notice to a transfer code another registrar uses.
#[allow(clippy::too_many_arguments)]
async fn journey(
    registry: &Registry,
    sink: &SmtpSink,
    clock: &TestClock,
    addr: SocketAddr,
    driver: &Driver,
    script: bool,
    domain: &str,
    photos: bool,
) {
    let link = format!("http://{addr}/en/name?d={domain}");
    let notice = sink
        .received()
        .into_iter()
        .map(|mail| text_of(&mail.data))
        .find(|text| text.contains(&link))
        .expect("the notice links to the name's page");
    assert!(notice.contains("MIME-Version: 1.0") && notice.contains("Message-ID: <"), "{notice}");

    let browser = driver.browser(script).await;
    browser.goto(&link).await.unwrap();
    check_page(&browser, script, photos.then_some("1-landing")).await;
    // Page action 1: move the name.
    click_button(&browser, "form.choice input[value=transfer-code] ~ button").await;
    check_page(&browser, script, photos.then_some("2-prove")).await;
    // Page action 2: have the code mailed.
    click_button(&browser, "form[action$='/email'] button").await;
    // The case page with the code field: the click's page has loaded.
    let field = browser.wait().for_element(Locator::Css("#code")).await.unwrap();
    let case_url = browser.current_url().await.unwrap().to_string();
    let mail = code_mail(sink, &case_url).await;
    let at = mail.find("Your code: ").unwrap() + "Your code: ".len();
    let code = mail[at..at + 8].to_owned();
    check_page(&browser, script, photos.then_some("3-enter-code")).await;
    // Page action 3: type it.
    field.send_keys(&code).await.unwrap();
    click_button(&browser, "form[action$='/code'] button").await;
    check_page(&browser, script, photos.then_some("4-proven")).await;
    // Page action 4: the transfer code.
    click_button(&browser, "form[action$='/transfer-code'] button").await;
    check_page(&browser, script, photos.then_some("5-transfer-code")).await;
    let transfer_code = browser
        .wait()
        .for_element(Locator::Css("#transfer-code"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .expect("the code is on the page");
    let page = browser.source().await.unwrap();
    assert!(page.contains("Alpha Registrar") && page.contains("Beta Registrar"), "{page}");
    assert!(!page.contains("Gone Registrar ("), "the failed registrar is not offered");

    // The case page, in Hindi, tells the story without the code.
    browser.goto(&case_url.replace("/en/", "/hi/")).await.unwrap();
    check_page(&browser, script, photos.then_some("6-case-hindi")).await;
    let page = browser.source().await.unwrap();
    assert!(page.contains("ट्रांसफ़र कोड जारी हुआ") && !page.contains(&transfer_code), "{page}");
    browser.close().await.unwrap();

    // Another registrar asks for the name with it.
    alpha_asks_for(registry, domain, &transfer_code, clock.get() + Duration::hours(1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registrant_follows_the_notice_to_a_transfer_code_in_a_real_browser() {
    if !peers() {
        return;
    }
    both(|store| async move {
        let registry = registry(store).await;
        fail(&registry, "gone").await;
        let Some(sink) = SmtpSink::start(&[]) else { return };
        let clock = TestClock::new(FAILED_AT);
        let (addr, stop, server) = desk_and_notices(&registry, &sink, &clock).await;
        let driver = Driver::start();
        let photos = registry.store().engine() == nameward_registry::store::Engine::Sqlite;
        journey(&registry, &sink, &clock, addr, &driver, true, "a.example", photos).await;
        journey(&registry, &sink, &clock, addr, &driver, false, "c.example", false).await;
        let _ = stop.send(());
        server.await.unwrap();
    })
    .await;
}
