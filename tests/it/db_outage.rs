//! PostgreSQL going away under a write load: the app reaches the database through a TCP proxy
//! inside the test, which cuts every connection and refuses new ones, then lets them through
//! again (the shared cluster itself is never restarted). While it is down the app answers 503
//! with `Retry-After` (API and pages), never 500 and never hangs; afterwards it writes again
//! without a restart, and every write that got a 2xx is in the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use portal::domain::credit_code::CreditCode;
use portal::models::enterprise;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, watch};
use tokio::task::AbortHandle;

use crate::helpers::*;
use crate::registry::new_enterprise;

/// A TCP proxy to the database server that can be cut and restored.
#[derive(Clone)]
struct Proxy {
    port: u16,
    cut: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let proxy = Proxy {
            port: listener.local_addr().expect("addr").port(),
            cut: Arc::new(AtomicBool::new(false)),
            links: Arc::new(Mutex::new(Vec::new())),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if p.cut.load(Ordering::SeqCst) {
                    drop(client); // refused: closed at once
                    continue;
                }
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                p.links.lock().await.push(link.abort_handle());
            }
        });
        proxy
    }

    /// Drops every open connection and refuses new ones.
    async fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for link in self.links.lock().await.drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

/// `host:port` of a `postgres://user@host:port/db` URL, and the URL through `127.0.0.1:port`.
fn through(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").expect("scheme");
    let (user, rest) = rest.rsplit_once('@').map_or(("", rest), |(u, r)| (u, r));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let upstream = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:5432")
    };
    let at = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    (upstream, format!("{scheme}://{at}127.0.0.1:{port}/{path}"))
}

fn code(n: usize) -> String {
    CreditCode::complete(&format!("91330381MA2X{n:05}"))
        .expect("code")
        .as_str()
        .to_string()
}

#[derive(Default, Clone)]
struct Tally {
    /// Codes of the enterprises whose registration answered 2xx.
    acknowledged: Vec<String>,
    /// 503 answers, each with `Retry-After`.
    unavailable: usize,
    /// Anything else: status (0 for no answer in time) and body.
    other: Vec<(u16, String)>,
}

#[tokio::test]
async fn the_database_going_away_answers_503_and_every_acknowledged_write_survives() {
    let Some(base) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        println!("database outage test skipped: it needs TEST_DATABASE_URL=postgres://…");
        return;
    };
    let (upstream, _) = through(&base, 0);
    let proxy = Proxy::start(upstream).await;
    let port = proxy.port;
    let (tx_url, rx_url) = std::sync::mpsc::channel::<String>();
    // The app's own fresh database, reached through the proxy.
    let app = spawn_app_with(move |s| {
        let url = s.database_url();
        s.database.url = Some(through(&url, port).1.into());
        s.database.acquire_timeout_secs = 2;
        let _ = tx_url.send(url);
    })
    .await;
    let direct_url = rx_url.recv().expect("direct url");
    let token = app.api_token(REGULATOR).await;
    let browser = app.logged_in(REGULATOR).await;
    assert_eq!(browser.get("/regulator/enterprises").await.status(), 200);

    // The load: two writers registering enterprises one after another until told to stop.
    let (tally_tx, mut tally_rx) = watch::channel(Tally::default());
    let tally_tx = Arc::new(tally_tx);
    let stop = Arc::new(AtomicBool::new(false));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let mut writers = Vec::new();
    for w in 0..2 {
        let (client, tally, stop, token) = (
            client.clone(),
            tally_tx.clone(),
            stop.clone(),
            token.clone(),
        );
        let url = app.url("/api/v1/enterprises");
        writers.push(tokio::spawn(async move {
            let mut n = w;
            while !stop.load(Ordering::SeqCst) {
                let c = code(n);
                n += 2;
                let body = new_enterprise(&c, "330381101201");
                let sent = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                match sent {
                    Ok(res) if res.status().is_success() => {
                        tally.send_modify(|t| t.acknowledged.push(c));
                    }
                    Ok(res) if res.status() == 503 && res.headers().contains_key("retry-after") => {
                        tally.send_modify(|t| t.unavailable += 1);
                    }
                    Ok(res) => {
                        let status = res.status().as_u16();
                        let text = res.text().await.unwrap_or_default();
                        tally.send_modify(|t| t.other.push((status, text)));
                    }
                    Err(e) => tally.send_modify(|t| t.other.push((0, e.to_string()))),
                }
            }
        }));
    }

    // Up: writes go through.
    let up = tally_rx
        .wait_for(|t| t.acknowledged.len() >= 6 || !t.other.is_empty())
        .await
        .expect("tally")
        .clone();
    assert!(up.other.is_empty(), "before the outage: {:?}", up.other);

    // Down: 503 with Retry-After, for the API and the pages alike.
    proxy.cut().await;
    let during = tally_rx
        .wait_for(|t| t.unavailable >= 4 || !t.other.is_empty())
        .await
        .expect("tally")
        .clone();
    assert!(
        during.other.is_empty(),
        "during the outage: {:?}",
        during.other
    );
    let page = browser.get("/regulator/enterprises").await;
    assert_eq!(page.status(), 503, "the page while the database is down");
    assert!(page.headers().contains_key("retry-after"));
    let html = page.text().await.expect("body");
    assert!(
        html.contains(&html_escape(&message("error.unavailable"))),
        "{html}"
    );
    let api = app.api_get("/api/v1/enterprises", &token).await;
    assert_eq!(api.status(), 503);
    let body: serde_json::Value = api.json().await.expect("json");
    assert_eq!(body["code"], "unavailable");

    // Back: the same app writes again, without a restart.
    proxy.restore();
    let acknowledged_at_restore = tally_rx.borrow().acknowledged.len();
    let after = tally_rx
        .wait_for(|t| t.acknowledged.len() >= acknowledged_at_restore + 6 || !t.other.is_empty())
        .await
        .expect("tally")
        .clone();
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.expect("writer");
    }
    assert!(
        after.other.is_empty(),
        "after the outage: {:?}",
        after.other
    );
    assert_eq!(
        app.api_get("/api/v1/enterprises", &token).await.status(),
        200
    );

    // Every acknowledged write is there (read past the proxy).
    let acknowledged = tally_rx.borrow().acknowledged.clone();
    let db = portal::db::connect(&direct_url, 1).await.expect("direct");
    let stored = enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.is_in(acknowledged.iter().cloned()))
        .count(&db)
        .await
        .expect("count");
    assert_eq!(
        stored,
        acknowledged.len() as u64,
        "every 2xx write is stored"
    );
}
