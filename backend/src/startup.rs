//! Building and running the application: connect, migrate, (demo) seed, bind, serve. Tests
//! call `Application::build` with port 0 and their own database and clock.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_web::{
    App, HttpServer,
    dev::Server,
    middleware::{DefaultHeaders, from_fn},
    web,
};
use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait};
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::auth::{guard, token::TokenKeys};
use crate::clock::{SharedClock, SystemClock};
use crate::config::Settings;
use crate::state::Core;
use crate::web::{AppState, errors, render::Templates, routes};

/// Content-Security-Policy of every page: no inline script, no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";
/// The API docs page (Swagger UI) needs inline styles.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                        frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

pub struct Application {
    port: u16,
    server: Server,
    pub core: Core,
}

impl Application {
    /// Connects to the configured database, migrates it and, when `demo` is on and the
    /// database is empty, loads the demo data; then binds.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = crate::db::connect_settings(&settings)
            .await
            .context("connecting to the database")?;
        let core = core(db, settings, Arc::new(SystemClock))?;
        prepare(&core).await?;
        Application::bind(core)
    }

    /// Binds an already prepared core (tests bring their own database and clock).
    pub fn bind(core: Core) -> anyhow::Result<Application> {
        Application::bind_with(core, |_| {})
    }

    /// `bind` with extra services mounted inside the app's middleware, next to the route
    /// inventory: the hook tests use to add a route the real app does not have (e.g. one that
    /// panics). `serve` never calls it.
    pub fn bind_with(
        core: Core,
        extra: fn(&mut web::ServiceConfig),
    ) -> anyhow::Result<Application> {
        let s = &core.settings.server;
        let listener = TcpListener::bind((s.host.as_str(), s.port))
            .with_context(|| format!("binding {}:{}", s.host, s.port))?;
        let port = listener.local_addr()?.port();
        let server = run(listener, core.clone(), extra)?;
        // Scheduled work (reminders, escalation); `loop.jobs_enabled = false` leaves it off.
        crate::jobs::reminders::spawn(&core);
        // Stored files no attachment refers to (an upload cut off before its commit).
        crate::jobs::orphans::spawn(&core);
        Ok(Application { port, server, core })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until stopped (SIGINT/SIGTERM stop it gracefully). With `email.worker_enabled`
    /// the outbox worker runs alongside and stops after its pass in progress.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let worker = if self.core.settings.email.worker_enabled {
            let mailer = crate::jobs::mailer::from_settings(&self.core.settings)
                .map_err(std::io::Error::other)?;
            Some(crate::jobs::outbox::Worker::spawn(
                self.core.clone(),
                mailer,
            ))
        } else {
            None
        };
        let result = self.server.await;
        if let Some(w) = worker {
            w.stop(std::time::Duration::from_secs(20)).await;
        }
        result
    }
}

/// Key of the PostgreSQL advisory lock that serialises start-up work between instances.
const SETUP_LOCK: i64 = 0x616e_7175_616e;

/// Migrates and (with `demo` on and an empty database) loads the demo data. On PostgreSQL,
/// instances starting together take turns under an advisory lock, so migrations and the demo
/// seed run once.
pub async fn prepare(core: &Core) -> anyhow::Result<()> {
    let lock = match core.db.get_database_backend() {
        DbBackend::Postgres => {
            let txn = core.db.begin().await?;
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({SETUP_LOCK})"))
                .await
                .context("taking the start-up lock")?;
            Some(txn)
        }
        _ => None,
    };
    Migrator::up(&core.db, None).await.context("migrating")?;
    if core.settings.demo_enabled() && crate::services::seed::is_empty(core).await? {
        crate::services::seed::load_demo(core).await?;
        crate::services::expert_requests::demo::load(core).await?;
        crate::services::seed_history::load(core).await?;
        tracing::info!("demo data loaded");
    }
    if let Some(txn) = lock {
        txn.commit().await?;
    }
    Ok(())
}

/// Whether `serve` must warn that the published demo accounts are reachable: they exist and
/// the server listens on more than the loopback interface.
pub fn demo_warning_due(host: &str, demo_accounts_exist: bool) -> bool {
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    demo_accounts_exist && !loopback
}

/// The services' core for a database.
pub fn core(
    db: DatabaseConnection,
    settings: Settings,
    clock: SharedClock,
) -> anyhow::Result<Core> {
    let s = &settings.server;
    anyhow::ensure!(
        s.trusted_proxy_nets().len() == s.trusted_proxies.len(),
        "server.trusted_proxies: every entry must be an IP address or a CIDR range"
    );
    crate::auth::password::limit_concurrency(
        settings
            .auth
            .hash_concurrency
            .unwrap_or_else(crate::config::default_hash_concurrency),
    );
    let zone = crate::calendar::parse_zone(&settings.time_zone)?;
    let secret = load_secret(&settings)?;
    let storage = crate::storage::from_settings(&settings).context("setting up file storage")?;
    Ok(Core {
        db,
        calendar: crate::calendar::Calendar::new(clock.clone(), zone),
        clock,
        storage,
        keys: Arc::new(TokenKeys::new(&secret, &settings.auth.issuer)),
        secret: Arc::new(secret),
        decode_permits: Arc::new(tokio::sync::Semaphore::new(
            settings.storage.decode_permits(),
        )),
        counts: Arc::default(),
        settings: Arc::new(settings),
    })
}

/// The configured secret, or one generated once into the data folder.
fn load_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = &settings.auth.secret {
        let bytes = s.expose_secret().as_bytes().to_vec();
        anyhow::ensure!(bytes.len() >= 32, "auth.secret must be at least 32 bytes");
        return Ok(bytes);
    }
    let path = settings.data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read(&path)
        && existing.len() >= 32
    {
        return Ok(existing);
    }
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating {}", settings.data_dir.display()))?;
    let fresh: [u8; 48] = rand::random();
    let hex = crate::auth::csrf::hex(&fresh).into_bytes();
    write_private(&path, &hex)?;
    Ok(hex)
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(bytes)?;
    Ok(())
}

fn run(
    listener: TcpListener,
    core: Core,
    extra: fn(&mut web::ServiceConfig),
) -> anyhow::Result<Server> {
    let body_limit = core.settings.server.body_limit;
    // Largest accepted upload request (spreadsheet imports, photos): `storage.max_request_mb`.
    let upload_limit = core.settings.storage.max_request_bytes();
    let slots = crate::services::files::message_slots(&core.settings.storage);
    let templates = Templates::new(core.calendar.zone()).with_slots(&slots);
    let state = web::Data::new(AppState { core, templates });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(body_limit))
            .app_data(web::FormConfig::default().limit(body_limit))
            .app_data(
                web::JsonConfig::default()
                    .limit(body_limit)
                    .error_handler(crate::web::errors::json_refused),
            )
            .app_data(
                actix_multipart::form::MultipartFormConfig::default()
                    .total_limit(upload_limit)
                    .memory_limit(upload_limit),
            )
            .configure(routes::configure)
            .configure(extra)
            .service(
                web::scope("/api/docs")
                    .wrap(DefaultHeaders::new().add(("Content-Security-Policy", DOCS_CSP)))
                    .service(
                        SwaggerUi::new("/{_:.*}").config(Config::from("/api/v1/openapi.json")),
                    ),
            )
            // Inside `authenticate`: the header's unread count (站内信) for logged-in pages.
            .wrap(from_fn(crate::web::pages::notifications::count_unread))
            // Inside `authenticate` (it answers in the caller's language and portal).
            .wrap(from_fn(crate::web::panics::catch_panic))
            .wrap(from_fn(guard::authenticate))
            .wrap(from_fn(errors::render_errors))
            .wrap(
                DefaultHeaders::new()
                    .add(("Content-Security-Policy", CSP))
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Referrer-Policy", "same-origin"))
                    .add((
                        "Permissions-Policy",
                        "camera=(self), geolocation=(), microphone=()",
                    )),
            )
            .wrap(TracingLogger::default())
            .wrap(from_fn(crate::web::panics::catch_panic_outermost))
    })
    .shutdown_timeout(20)
    .listen(listener)?
    .run();
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::demo_warning_due;

    #[test]
    fn demo_accounts_on_a_non_loopback_bind_call_for_a_warning() {
        assert!(demo_warning_due("0.0.0.0", true));
        assert!(demo_warning_due("10.1.2.3", true));
        assert!(demo_warning_due("::", true));
        assert!(demo_warning_due("anquan.example.gov.cn", true));
        assert!(!demo_warning_due("127.0.0.1", true), "loopback");
        assert!(!demo_warning_due("::1", true), "loopback");
        assert!(!demo_warning_due("localhost", true), "loopback");
        assert!(!demo_warning_due("0.0.0.0", false), "no demo accounts");
    }
}
