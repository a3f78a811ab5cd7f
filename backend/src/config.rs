//! Settings: built-in defaults, then an optional TOML file (`portal.toml` or `--config`),
//! then `APP_`-prefixed environment variables (`APP_SERVER__PORT=9000`), and `DATABASE_URL`.
//! Secrets are `SecretString` so they never print.

use std::path::{Path, PathBuf};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    /// Load the demo fixtures when `serve` finds an empty database. Unset: only on the
    /// embedded SQLite database; with PostgreSQL it must be asked for (`--demo`, `APP_DEMO=true`).
    #[serde(default)]
    pub demo: Option<bool>,
    /// Where local data lives: the SQLite file, uploaded files.
    pub data_dir: PathBuf,
    /// Where uploaded files (photos, PDFs) are kept, and how big they may be.
    #[serde(default)]
    pub storage: StorageSettings,
    /// Outgoing email: the transport, the sender and the outbox worker.
    #[serde(default)]
    pub email: EmailSettings,
    /// The closed loop's scheduled work: reminders, escalation (`[loop]`).
    #[serde(rename = "loop", default)]
    pub closed_loop: LoopSettings,
    /// The zone times are shown and dates reckoned in (an IANA name; `APP_TIME_ZONE`).
    /// Times are stored in UTC whatever it is.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// How far the lists count and page by number (`[lists]`).
    #[serde(default)]
    pub lists: ListSettings,
}

/// `[lists]`: every paginated list counts its rows up to `count_bound` (more shows as
/// "10,000+") and serves `page=N` only while the offset stays inside it; beyond, the
/// `next` cursor pages on (`services::keyset`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ListSettings {
    pub count_bound: u64,
    /// How long a count that reached the bound is remembered per list, scope and filter
    /// before it is counted again (0: never remembered).
    pub count_cache_seconds: u64,
}

impl Default for ListSettings {
    fn default() -> Self {
        ListSettings {
            count_bound: 10_000,
            count_cache_seconds: 30,
        }
    }
}

fn default_time_zone() -> String {
    crate::calendar::DEFAULT_ZONE.into()
}

/// `[loop]`: deadline reminders and escalation onto the supervision list (挂牌督办).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct LoopSettings {
    /// Remind the enterprise this many days before a deadline (each once).
    pub remind_days: Vec<u32>,
    /// Days overdue after which a general hazard goes onto the bureau's supervision list
    /// (an overdue major hazard escalates at once).
    pub escalate_after_days: u32,
    /// How often the scheduled work runs, seconds.
    pub job_interval_secs: u64,
    /// Run the scheduled work in this instance (safe on several instances at once).
    pub jobs_enabled: bool,
}

impl Default for LoopSettings {
    fn default() -> Self {
        LoopSettings {
            remind_days: vec![3, 1],
            escalate_after_days: 7,
            job_interval_secs: 300,
            jobs_enabled: true,
        }
    }
}

/// How outgoing email leaves the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    /// An SMTP server (`smtp_*`).
    Smtp,
    /// One `.eml` file per email in `dir` (default `data_dir/mail`): the demo default.
    File,
    /// Only a log line per email.
    Log,
}

/// Transport security of the SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a local relay only).
    None,
    /// Plain connection upgraded with STARTTLS (usually port 587).
    Starttls,
    /// TLS from the start (usually port 465).
    Tls,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct EmailSettings {
    pub transport: EmailTransport,
    pub from_address: String,
    pub from_name: String,
    /// Folder of the file transport; unset means `data_dir/mail`.
    pub dir: Option<PathBuf>,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    #[serde(serialize_with = "expose", default)]
    pub smtp_password: Option<SecretString>,
    /// Seconds before an SMTP conversation is given up (the attempt is retried later).
    pub smtp_timeout_secs: u64,
    /// Attempts before an email is marked failed.
    pub max_attempts: i32,
    /// Run the outbox worker inside `serve`.
    pub worker_enabled: bool,
    /// Seconds between two runs of the outbox worker.
    pub worker_interval_secs: u64,
    /// Emails claimed at a time by one worker; they are sent concurrently.
    pub batch_size: u64,
    /// Deadline of one whole send (connect, greeting, every command, the data), seconds. A
    /// send past it is a failed attempt, retried with backoff. Claims last longer than this.
    pub send_timeout_secs: u64,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            transport: EmailTransport::File,
            from_address: "noreply@anquan.example.gov.cn".into(),
            from_name: crate::i18n::t(crate::i18n::Lang::ZhCn, "app.name"),
            dir: None,
            smtp_host: "localhost".into(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            smtp_timeout_secs: 30,
            max_attempts: 8,
            worker_enabled: true,
            worker_interval_secs: 30,
            batch_size: 10,
            send_timeout_secs: 60,
        }
    }
}

/// Which storage backend holds uploaded files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// A folder on this machine (`dir`, default `data_dir/files`).
    Local,
    /// An S3-compatible bucket (needs the `s3` cargo feature).
    S3,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct StorageSettings {
    pub kind: StorageKind,
    /// Local folder; unset means `data_dir/files`.
    pub dir: Option<PathBuf>,
    /// S3 endpoint URL (MinIO, OSS, COS …); unset means AWS for `region`.
    pub s3_endpoint: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_region: Option<String>,
    #[serde(serialize_with = "expose", default)]
    pub s3_access_key: Option<SecretString>,
    #[serde(serialize_with = "expose", default)]
    pub s3_secret_key: Option<SecretString>,
    /// Largest accepted single file, MB.
    pub max_file_mb: usize,
    /// Largest accepted upload request (all files and fields together), MB.
    pub max_request_mb: usize,
    /// Most pixels an uploaded image may declare, in millions (read from its header, before
    /// anything is decoded).
    pub max_megapixels: u32,
    /// Photos decoded at once in this process; unset: the number of CPUs.
    pub decode_concurrency: Option<usize>,
    /// Age, seconds, after which a stored file that no attachment refers to is deleted by the
    /// orphan sweep (left by an upload whose transaction never committed, e.g. a crash).
    pub orphan_grace_secs: u64,
}

impl Default for StorageSettings {
    fn default() -> Self {
        StorageSettings {
            kind: StorageKind::Local,
            dir: None,
            s3_endpoint: None,
            s3_bucket: None,
            s3_region: None,
            s3_access_key: None,
            s3_secret_key: None,
            max_file_mb: 10,
            max_request_mb: 60,
            max_megapixels: 40,
            decode_concurrency: None,
            orphan_grace_secs: 86_400,
        }
    }
}

impl StorageSettings {
    pub fn max_file_bytes(&self) -> usize {
        self.max_file_mb.saturating_mul(1024 * 1024)
    }
    pub fn max_request_bytes(&self) -> usize {
        self.max_request_mb.saturating_mul(1024 * 1024)
    }
    pub fn max_pixels(&self) -> u64 {
        u64::from(self.max_megapixels).saturating_mul(1_000_000)
    }
    /// `decode_concurrency`, or one decode per CPU.
    pub fn decode_permits(&self) -> usize {
        self.decode_concurrency
            .unwrap_or_else(default_hash_concurrency)
            .max(1)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// The address users reach the portal at (printed at start, used in emails).
    pub public_url: Option<String>,
    /// Largest accepted request body in bytes (forms and JSON).
    pub body_limit: usize,
    /// Honour `X-Forwarded-For` from a reverse proxy for the client IP.
    pub trust_proxy: bool,
    /// With `trust_proxy`: the proxies (IPs or CIDR ranges) whose `X-Forwarded-For` hops are
    /// skipped from the right; the first other hop is the client.
    #[serde(default = "loopback_proxies")]
    pub trusted_proxies: Vec<String>,
}

fn loopback_proxies() -> Vec<String> {
    vec!["127.0.0.0/8".into(), "::1".into()]
}

impl ServerSettings {
    /// `trusted_proxies` parsed (entries that do not parse are refused at start-up).
    pub fn trusted_proxy_nets(&self) -> Vec<crate::auth::client_ip::IpNet> {
        self.trusted_proxies
            .iter()
            .filter_map(|s| crate::auth::client_ip::IpNet::parse(s))
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DatabaseSettings {
    /// `sqlite://…` or `postgres://…`; empty means the SQLite file in `data_dir`.
    #[serde(serialize_with = "expose", default)]
    pub url: Option<SecretString>,
    pub max_connections: u32,
    /// Seconds a request waits for a database connection before it is answered 503.
    #[serde(default = "default_acquire_timeout_secs")]
    pub acquire_timeout_secs: u64,
}

fn default_acquire_timeout_secs() -> u64 {
    crate::db::ACQUIRE_TIMEOUT.as_secs()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AuthSettings {
    /// HMAC key for tokens and CSRF; at least 32 bytes. Generated into the data folder when
    /// absent (fine for one instance; set it explicitly when several instances run).
    #[serde(serialize_with = "expose", default)]
    pub secret: Option<SecretString>,
    pub issuer: String,
    /// Mark cookies `Secure`. Unset: on when `server.public_url` is https, off otherwise
    /// (plain-http local use).
    pub secure_cookie: Option<bool>,
    /// Page sessions end after this many idle minutes.
    pub idle_minutes: i64,
    /// Hard lifetime of a page session, hours.
    pub web_session_hours: i64,
    /// Lifetime of an API bearer token, hours.
    pub api_token_hours: i64,
    pub max_failed_logins: i32,
    pub lockout_minutes: i64,
    /// Login attempts per username in one window before 429 (0: no limit).
    #[serde(default = "default_limit_per_username")]
    pub login_limit_per_username: u32,
    /// Login attempts per client IP in one window before 429 (0: no limit).
    #[serde(default = "default_limit_per_ip")]
    pub login_limit_per_ip: u32,
    /// Length of the login rate-limit window, seconds.
    #[serde(default = "default_limit_window")]
    pub login_limit_window_secs: u64,
    /// Password hashes computed at once in this process; unset: the number of CPUs.
    #[serde(default)]
    pub hash_concurrency: Option<usize>,
}

fn default_limit_per_username() -> u32 {
    10
}

fn default_limit_per_ip() -> u32 {
    30
}

fn default_limit_window() -> u64 {
    60
}

/// One password hash at a time per CPU.
pub fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

fn expose<S: serde::Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(secret) => s.serialize_some(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            server: ServerSettings {
                host: "127.0.0.1".into(),
                port: 8080,
                public_url: None,
                body_limit: 2 * 1024 * 1024,
                trust_proxy: false,
                trusted_proxies: loopback_proxies(),
            },
            database: DatabaseSettings {
                url: None,
                max_connections: 10,
                acquire_timeout_secs: default_acquire_timeout_secs(),
            },
            auth: AuthSettings {
                secret: None,
                issuer: "anquan-hulian".into(),
                secure_cookie: None,
                idle_minutes: 30,
                web_session_hours: 12,
                api_token_hours: 8,
                max_failed_logins: 5,
                lockout_minutes: 15,
                login_limit_per_username: default_limit_per_username(),
                login_limit_per_ip: default_limit_per_ip(),
                login_limit_window_secs: default_limit_window(),
                hash_concurrency: None,
            },
            demo: None,
            data_dir: PathBuf::from("data"),
            storage: StorageSettings::default(),
            email: EmailSettings::default(),
            closed_loop: LoopSettings::default(),
            time_zone: default_time_zone(),
            lists: ListSettings::default(),
        }
    }
}

impl Settings {
    /// Defaults ← file (if it exists) ← `APP_*` ← `DATABASE_URL`.
    pub fn load(file: Option<&Path>) -> Result<Settings, Box<figment::Error>> {
        let file = file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| "portal.toml".into());
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        if file.exists() {
            fig = fig.merge(Toml::file(file));
        }
        fig = fig.merge(Env::prefixed("APP_").split("__"));
        if let Ok(url) = std::env::var("DATABASE_URL")
            && !url.is_empty()
        {
            fig = fig.merge(("database.url", url));
        }
        fig.extract().map_err(Box::new)
    }

    /// The database URL in force: the configured one, or the SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) if !url.expose_secret().is_empty() => url.expose_secret().to_string(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("portal.db").display()
            ),
        }
    }

    /// Whether `serve` loads the demo data into an empty database: as configured, else only on
    /// SQLite (the embedded default), so an empty production PostgreSQL never gets the
    /// published demo passwords by accident.
    pub fn demo_enabled(&self) -> bool {
        self.demo
            .unwrap_or_else(|| self.database_url().starts_with("sqlite:"))
    }

    /// Whether cookies carry the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.auth.secure_cookie.unwrap_or_else(|| {
            self.server
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))
        })
    }

    /// The folder of the local file storage.
    pub fn files_dir(&self) -> PathBuf {
        self.storage
            .dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("files"))
    }

    /// The folder of the file mail transport.
    pub fn mail_dir(&self) -> PathBuf {
        self.email
            .dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("mail"))
    }

    pub fn public_url(&self, port: u16) -> String {
        self.server
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}:{}", self.server.host, port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_behind_https_unless_told_otherwise() {
        let mut s = Settings::default();
        assert!(!s.secure_cookies(), "plain local http");
        s.server.public_url = Some("https://anquan.example.gov.cn".into());
        assert!(s.secure_cookies());
        s.auth.secure_cookie = Some(false);
        assert!(!s.secure_cookies());
    }

    #[test]
    fn the_default_database_is_a_sqlite_file_in_the_data_folder() {
        let mut s = Settings {
            data_dir: "/srv/anquan".into(),
            ..Settings::default()
        };
        assert_eq!(s.database_url(), "sqlite:///srv/anquan/portal.db?mode=rwc");
        s.database.url = Some("postgres://db/portal".to_string().into());
        assert_eq!(s.database_url(), "postgres://db/portal");
    }

    #[test]
    fn files_live_in_the_data_folder_unless_told_otherwise() {
        let mut s = Settings {
            data_dir: "/srv/anquan".into(),
            ..Settings::default()
        };
        assert_eq!(s.files_dir(), PathBuf::from("/srv/anquan/files"));
        assert_eq!(s.storage.kind, StorageKind::Local);
        assert_eq!(s.storage.max_file_bytes(), 10 * 1024 * 1024);
        s.storage.dir = Some("/mnt/photos".into());
        assert_eq!(s.files_dir(), PathBuf::from("/mnt/photos"));
    }

    #[test]
    fn storage_settings_come_from_the_file() {
        let toml = "[storage]\nkind = \"s3\"\ns3_bucket = \"evidence\"\ns3_secret_key = \"s3-secret-key-value\"\nmax_file_mb = 5\n";
        let s: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(toml))
            .extract()
            .expect("settings");
        assert_eq!(s.storage.kind, StorageKind::S3);
        assert_eq!(s.storage.s3_bucket.as_deref(), Some("evidence"));
        assert_eq!(s.storage.max_file_mb, 5);
        assert_eq!(
            s.storage.max_request_mb, 60,
            "unset keys keep their default"
        );
        assert!(!format!("{s:?}").contains("s3-secret-key-value"));
    }

    #[test]
    fn loop_settings_come_from_the_loop_section() {
        let s = Settings::default();
        assert_eq!(s.closed_loop.remind_days, vec![3, 1]);
        assert_eq!(s.closed_loop.escalate_after_days, 7);
        let toml = "[loop]\nremind_days = [5, 2]\njobs_enabled = false\n";
        let s: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(toml))
            .extract()
            .expect("settings");
        assert_eq!(s.closed_loop.remind_days, vec![5, 2]);
        assert!(!s.closed_loop.jobs_enabled);
        assert_eq!(
            s.closed_loop.job_interval_secs, 300,
            "unset keys keep their default"
        );
    }

    #[test]
    fn email_settings_come_from_the_file_and_default_to_the_mail_folder() {
        let d = Settings::default();
        assert_eq!(
            d.email.transport,
            EmailTransport::File,
            "the demo needs no server"
        );
        assert_eq!(d.mail_dir(), PathBuf::from("data/mail"));
        let toml = "[email]\ntransport = \"smtp\"\nsmtp_host = \"smtp.example.gov.cn\"\nsmtp_tls = \"tls\"\nsmtp_port = 465\nsmtp_password = \"smtp-password-value\"\n";
        let s: Settings = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(toml))
            .extract()
            .expect("settings");
        assert_eq!(s.email.transport, EmailTransport::Smtp);
        assert_eq!(s.email.smtp_tls, SmtpTls::Tls);
        assert_eq!(s.email.smtp_port, 465);
        assert_eq!(s.email.max_attempts, 8, "unset keys keep their default");
        assert!(!format!("{s:?}").contains("smtp-password-value"));
    }

    fn loaded(toml: &str) -> Settings {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(toml))
            .extract()
            .expect("settings")
    }

    #[test]
    fn demo_data_loads_by_default_only_on_the_embedded_sqlite_database() {
        assert!(loaded("").demo_enabled(), "the embedded SQLite default");
        assert!(
            !loaded("[database]\nurl = \"postgres://portal@db/portal\"\n").demo_enabled(),
            "PostgreSQL without an explicit demo"
        );
        assert!(
            loaded("demo = true\n[database]\nurl = \"postgres://portal@db/portal\"\n")
                .demo_enabled(),
            "PostgreSQL with demo = true"
        );
        assert!(
            !loaded("demo = false\n").demo_enabled(),
            "SQLite with demo = false"
        );
    }

    #[test]
    fn the_time_zone_defaults_to_shanghai_and_comes_from_the_file() {
        assert_eq!(Settings::default().time_zone, "Asia/Shanghai");
        assert_eq!(loaded("").time_zone, "Asia/Shanghai");
        assert_eq!(loaded("time_zone = \"UTC\"\n").time_zone, "UTC");
    }

    #[test]
    fn secrets_never_print() {
        let mut s = Settings::default();
        s.auth.secret = Some(
            "a-very-secret-value-of-32-bytes-at-least"
                .to_string()
                .into(),
        );
        assert!(!format!("{s:?}").contains("a-very-secret"));
    }
}
