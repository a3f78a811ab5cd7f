//! A real browser on a phone-sized screen: every role signs in through the login form, lands
//! on its portal, and signs out again.
//!
//! Headless Chromium is driven through `chromedriver` (started here as a child process on a
//! free port). Without `/usr/bin/chromedriver` the test is skipped, unless
//! `BROWSER_TESTS=required`, where it fails (CI sets that).

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use portal::i18n::{self, Lang};
use serde_json::json;

use crate::helpers::{PASSWORD, ROLE_HOMES, spawn_app};

mod demo_history;
mod expert_service;
mod inspection;
mod rectification;

pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const PHONE: (u32, u32) = (390, 844);
/// How long a page may take to arrive after a click.
pub(crate) const NAV_TIMEOUT: Duration = Duration::from_secs(10);

/// A `chromedriver` child process, killed (with the browsers it started) when dropped.
pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    pub(crate) fn start(log: &Path) -> Driver {
        use std::os::unix::process::CommandExt;

        let port = free_port();
        let log_file = std::fs::File::create(log).expect("chromedriver log file");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("chromedriver log file"))
            .stderr(log_file)
            // Its own process group, so that the browsers it starts go down with it.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let mut driver = Driver { child, port };

        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return driver;
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                let output = std::fs::read_to_string(log).unwrap_or_default();
                panic!("chromedriver exited ({status}) before accepting connections:\n{output}");
            }
            if Instant::now() > deadline {
                let output = std::fs::read_to_string(log).unwrap_or_default();
                panic!("chromedriver did not listen on port {port} within 15 s:\n{output}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and any Chromium left behind by a failed test.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// Connects a new headless Chromium session, phone-sized, asking for Chinese pages.
pub(crate) async fn open_browser(driver: &Driver, profile: &Path) -> Client {
    let (w, h) = PHONE;
    let mut caps = fantoccini::wd::Capabilities::new();
    caps.insert(
        "goog:chromeOptions".to_string(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
                format!("--window-size={w},{h}"),
                format!("--user-data-dir={}", profile.display()),
                "--lang=zh-CN",
            ],
            "prefs": { "intl.accept_languages": "zh-CN,zh" },
        }),
    );
    // fantoccini is built without TLS: a plain HTTP connector to the local chromedriver.
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url())
        .await
        .unwrap_or_else(|e| panic!("cannot open a Chromium session through chromedriver: {e}"))
}

/// Waits until the browser is on `path` (or the timeout); returns the path it is on.
pub(crate) async fn wait_for_path(client: &Client, path: &str) -> String {
    let deadline = Instant::now() + NAV_TIMEOUT;
    loop {
        let current = client
            .current_url()
            .await
            .expect("current url")
            .path()
            .to_string();
        if current == path || Instant::now() > deadline {
            return current;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn body_text(client: &Client) -> String {
    client
        .find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("body text")
}

/// Opens the login page on a clean browser and submits `username` with the demo password.
pub(crate) async fn fill_login(client: &Client, app: &crate::helpers::TestApp, username: &str) {
    client.delete_all_cookies().await.ok();
    client.goto(&app.url("/login")).await.expect("open /login");
    let field = client
        .wait()
        .at_most(NAV_TIMEOUT)
        .for_element(Locator::Css("input[name=username]"))
        .await
        .expect("username field on /login");
    field.send_keys(username).await.expect("type username");
    client
        .find(Locator::Css("input[name=password]"))
        .await
        .expect("password field on /login")
        .send_keys(PASSWORD)
        .await
        .expect("type password");
    client
        .find(Locator::Css("button[type=submit]"))
        .await
        .expect("submit button on /login")
        .click()
        .await
        .expect("click submit");
}

pub(crate) async fn sign_in(
    client: &Client,
    app: &crate::helpers::TestApp,
    username: &str,
    home: &str,
) {
    fill_login(client, app, username).await;
    assert_eq!(
        wait_for_path(client, home).await,
        home,
        "{username} signs in"
    );
}

pub(crate) async fn click(client: &Client, css: &str) {
    let el = match client
        .wait()
        .at_most(NAV_TIMEOUT)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(el) => el,
        Err(_) => panic!("no {css}; page says:\n{}", body_text(client).await),
    };
    // Bring it into view first: a phone screen shows a little at a time.
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&el).expect("el")],
        )
        .await
        .ok();
    el.click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

pub(crate) async fn type_into(client: &Client, css: &str, text: &str) {
    let el = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"));
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&el).expect("el")],
        )
        .await
        .ok();
    el.send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Waits until the page's address carries `done=<what>` (the notice after a form).
pub(crate) async fn wait_for_done(client: &Client, what: &str) {
    let deadline = Instant::now() + NAV_TIMEOUT;
    let want = format!("done={what}");
    loop {
        let url = client.current_url().await.expect("url");
        if url.query().is_some_and(|q| q.contains(&want)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "expected {want} after the form; page says:\n{}",
            body_text(client).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `test` with a phone-sized Chromium and a scratch folder; skipped (or failed under
/// `BROWSER_TESTS=required`) without chromedriver. The session is closed even when the test
/// panics, and the panic is passed on.
pub(crate) async fn in_browser<F, Fut>(test: F)
where
    F: FnOnce(Client, std::path::PathBuf) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let required = std::env::var("BROWSER_TESTS").is_ok_and(|v| v == "required");
    if !Path::new(CHROMEDRIVER).exists() {
        assert!(
            !required,
            "BROWSER_TESTS=required but {CHROMEDRIVER} is missing: \
             apt-get install chromium chromium-driver fonts-wqy-microhei"
        );
        println!("browser test skipped: chromium-driver is not installed ({CHROMEDRIVER} missing)");
        return;
    }
    let scratch = tempfile::tempdir().expect("tempdir");
    let profile = scratch.path().join("profile");
    std::fs::create_dir_all(&profile).expect("profile dir");
    let driver = Driver::start(&scratch.path().join("chromedriver.log"));
    let client = open_browser(&driver, &profile).await;
    let outcome = tokio::spawn(test(client.clone(), scratch.path().to_path_buf())).await;
    let _ = client.close().await;
    drop(driver);
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("browser test task failed: {e}"),
        }
    }
}

/// Signs `username` in on a fresh app, checks the portal, signs out.
async fn sign_in_and_out(client: &Client, username: &str, home: &str) {
    let app = spawn_app().await;
    let portal = home.trim_start_matches('/');
    let key = format!("portal.{portal}");
    let word = i18n::t(Lang::ZhCn, &key);
    assert_ne!(
        word, key,
        "the zh-CN catalog has no name for the {portal} portal"
    );

    // Sign in through the form, as a person would.
    fill_login(client, &app, username).await;

    let path = wait_for_path(client, home).await;
    assert_eq!(
        path,
        home,
        "{username} should land on {home} after signing in; page says:\n{}",
        body_text(client).await
    );
    let main = client
        .wait()
        .at_most(NAV_TIMEOUT)
        .for_element(Locator::Css("main[data-portal]"))
        .await
        .expect("main[data-portal] on the portal home");
    assert_eq!(
        main.attr("data-portal")
            .await
            .expect("data-portal")
            .as_deref(),
        Some(portal),
        "{username}: data-portal of {home}"
    );
    let text = body_text(client).await;
    assert!(
        text.contains(&word),
        "{username}: {home} should say {word:?}; page says:\n{text}"
    );

    // Sign out. On a narrow screen the menu may be folded behind its toggle.
    let logout = client
        .find(Locator::Css(r#"form[action="/logout"] button"#))
        .await
        .unwrap_or_else(|_| panic!("{username}: no logout button on {home}"));
    if !logout.is_displayed().await.unwrap_or(false)
        && let Ok(toggle) = client.find(Locator::Css(".nav-toggle")).await
    {
        toggle.click().await.expect("open the menu");
    }
    logout.click().await.expect("click logout");
    let path = wait_for_path(client, "/login").await;
    assert_eq!(
        path, "/login",
        "{username}: logging out should lead to /login"
    );

    // The session is gone: the portal sends us back to the login page.
    client.goto(&app.url(home)).await.expect("reopen home");
    let path = wait_for_path(client, "/login").await;
    assert_eq!(
        path, "/login",
        "{username}: {home} after logout should redirect to /login"
    );
}

#[tokio::test]
async fn every_role_signs_in_and_out_on_a_phone() {
    in_browser(|client, _| async move {
        for (username, home) in ROLE_HOMES {
            sign_in_and_out(&client, username, home).await;
        }
    })
    .await;
}
