//! The `portal` command: serve, migrate, seed demo data, create users.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use portal::config::Settings;
use portal::domain::role::Role;
use portal::i18n::Lang;
use portal::services::{self, audit::Author, users::NewUser};
use portal::startup::{self, Application};

#[derive(Parser)]
#[command(name = "portal", version, about = portal::i18n::t(Lang::ZhCn, "app.name"))]
struct Cli {
    /// Settings file (TOML). Defaults to ./portal.toml when present.
    #[arg(long, global = true, env = "APP_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates first; loads demo data into an empty database when `demo`
    /// is on — by default only on the embedded SQLite database).
    Serve {
        /// Load the demo data into an empty database even on PostgreSQL (like `APP_DEMO=true`).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load data sets.
    Seed {
        #[command(subcommand)]
        what: SeedWhat,
    },
    /// Create a login account. The password is read from the PORTAL_PASSWORD environment variable or prompted on stdin.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// admin | regulator | committee | enterprise_admin | enterprise_staff | expert
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: Option<String>,
        /// Region code (regulator).
        #[arg(long)]
        region: Option<String>,
        /// Alliance name (committee).
        #[arg(long)]
        alliance: Option<String>,
        /// Enterprise credit code (enterprise roles).
        #[arg(long)]
        enterprise: Option<String>,
        /// Expert id (expert).
        #[arg(long)]
        expert: Option<i64>,
    },
}

#[derive(Subcommand)]
enum SeedWhat {
    /// The demo region, enterprises, alliances, one account per role and three months of
    /// history (rounds, inspections, hazards in every state).
    Demo,
    /// A whole generated city (瑞安市: 20,000 enterprises and 500,000 hazards at scale 1),
    /// written by bulk inserts into an empty database.
    City {
        /// Seed of the generator: the same seed (and day) gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of enterprises (default 20,000 × scale).
        #[arg(long)]
        enterprises: Option<u64>,
        /// Number of hazards (default 500,000 × scale).
        #[arg(long)]
        hazards: Option<u64>,
        /// Scale factor of both counts.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    portal::telemetry::init();
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
    match cli.command {
        Command::Serve { demo } => {
            let mut settings = settings;
            if demo {
                settings.demo = Some(true);
            }
            serve(settings).await
        }
        Command::Migrate => {
            migrated_core(settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed {
            what: SeedWhat::Demo,
        } => {
            let core = migrated_core(settings).await?;
            anyhow::ensure!(
                services::seed::is_empty(&core).await?,
                "the database already has accounts; demo data is only loaded into an empty database"
            );
            services::seed::load_demo(&core).await?;
            services::expert_requests::demo::load(&core).await?;
            services::seed_history::load(&core).await?;
            println!("demo data loaded");
            print_logins()
        }
        Command::Seed {
            what:
                SeedWhat::City {
                    seed,
                    enterprises,
                    hazards,
                    scale,
                },
        } => {
            anyhow::ensure!(
                scale.is_finite() && scale > 0.0,
                "--scale must be a positive number"
            );
            let core = migrated_core(settings).await?;
            anyhow::ensure!(
                services::seed::is_empty(&core).await?,
                "the database already has accounts; the city data is only loaded into an empty database"
            );
            let password_hash = portal::auth::password::hash(seed::city::PASSWORD.into())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let options = seed::city::Options {
                seed,
                enterprises,
                hazards,
                scale,
                today: core.today(),
                password_hash,
                progress: true,
            };
            let summary = seed::city::generate(&core.db, &options).await?;
            println!("city data loaded in {:.1} s", summary.seconds);
            for (table, rows) in &summary.rows {
                println!("  {table:<24} {rows:>10}");
            }
            println!("{}", portal::i18n::t(Lang::ZhCn, "cli.demo_logins"));
            for l in &summary.logins {
                println!(
                    "  {:<12} {:<14} {} ({})",
                    l.username,
                    seed::city::PASSWORD,
                    l.display_name,
                    l.role
                );
            }
            Ok(())
        }
        Command::CreateUser {
            username,
            display_name,
            role,
            email,
            region,
            alliance,
            enterprise,
            expert,
        } => {
            let role = Role::parse(&role).context("unknown role")?;
            let password = match std::env::var("PORTAL_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprint!("password: ");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let core = migrated_core(settings).await?;
            let txn = portal::db::begin_write(&core.db).await?;
            let new = NewUser {
                username,
                display_name,
                password,
                role,
                email,
                region_code: region,
                alliance_name: alliance,
                enterprise_credit_code: enterprise,
                expert_id: expert,
            };
            let created = services::users::create(&core, &txn, &Author::system(), new)
                .await
                .map_err(|e| {
                    anyhow::anyhow!(portal::i18n::t(portal::i18n::Lang::ZhCn, e.message_key()))
                })?;
            txn.commit().await?;
            println!("created {} ({})", created.username, created.role);
            Ok(())
        }
    }
}

/// Connects and migrates (under the start-up lock), without loading demo data.
async fn migrated_core(mut settings: Settings) -> anyhow::Result<portal::state::Core> {
    settings.demo = Some(false);
    let db = portal::db::connect_settings(&settings).await?;
    let core = startup::core(
        db,
        settings,
        std::sync::Arc::new(portal::clock::SystemClock),
    )?;
    startup::prepare(&core).await?;
    Ok(core)
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    let url = app.core.settings.public_url(app.port());
    let demo_accounts = services::seed::demo_accounts_present(&app.core).await?;
    println!();
    println!(
        "{} is running at {url}/",
        portal::i18n::t(Lang::ZhCn, "app.name")
    );
    if demo_accounts {
        print_logins()?;
    }
    let host = &app.core.settings.server.host;
    if startup::demo_warning_due(host, demo_accounts) {
        let warning = format!(
            "the demo accounts and their published passwords exist and the server listens on {host}, \
             beyond this machine: change or deactivate them before anyone else can reach it"
        );
        tracing::warn!("{warning}");
        eprintln!("WARNING: {warning}");
    }
    app.run_until_stopped().await?;
    Ok(())
}

fn print_logins() -> anyhow::Result<()> {
    println!("{}", portal::i18n::t(Lang::ZhCn, "cli.demo_logins"));
    for l in services::seed::demo_logins().map_err(|e| anyhow::anyhow!("{e}"))? {
        println!(
            "  {:<12} {:<14} → {:<12} {} ({})",
            l.username,
            l.password,
            l.role.portal().home(),
            l.display_name,
            l.role.as_str()
        );
    }
    println!();
    Ok(())
}
