//! `huduma-sync`: serve laptops over mutual TLS, and manage the deployment's CA and devices.

use clap::{Parser, Subcommand};
use fieldkit_protocol::Enrolment;
use fieldkit_protocol::provision;
use huduma_sync::config::{Config, StorageConfig};
use huduma_sync::pki;
use huduma_sync::service::accounts::{self, NewAccount};
use huduma_sync::service::catalogue::CatalogueInForce;
use huduma_sync::service::{Actor, devices, publishing, review};
use huduma_sync::storage::Storage;
use huduma_sync::storage::review::DecideOutcome;
use huduma_sync::storage::sqlite::SqliteStorage;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "huduma-sync", version, about = "The server Huduma Mashinani Field Kit laptops sync with")]
struct Cli {
    /// Configuration file (TOML). Without one, defaults and HUDUMA_SYNC_* variables apply.
    #[arg(long, short, env = "HUDUMA_SYNC_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve laptops over mutual TLS until SIGINT or SIGTERM.
    Serve,
    /// The deployment's certificate authority.
    #[command(subcommand)]
    Ca(CaCommand),
    /// Issue (or replace) the server's certificate for the names laptops dial.
    ServerCert {
        /// DNS name or IP address; repeat for several.
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
    },
    /// Enrolled laptops.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Publish a service catalogue to every laptop (and to laptops enrolled later).
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
    /// Publish the officers assigned to laptops.
    #[command(subcommand)]
    Roster(RosterCommand),
    /// Publish an outreach plan to the laptops assigned to it.
    #[command(subcommand)]
    Outreach(OutreachCommand),
    /// Import USB export bundles from laptops that had no link; safe to repeat.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the OpenAPI description of the laptops' HTTP API (docs/openapi.json is this).
    Openapi,
    /// The MDA review console's accounts.
    #[command(subcommand)]
    Console(ConsoleCommand),
    /// Record an MDA's decision on one application revision from the command line (audited as
    /// `cli`; the review console is the usual way).
    Decide {
        #[arg(long)]
        application: uuid::Uuid,
        #[arg(long, default_value_t = 1)]
        revision: u32,
        #[command(flatten)]
        decision: DecisionArgs,
    },
}

#[derive(Subcommand)]
enum ConsoleCommand {
    /// Console accounts.
    #[command(subcommand)]
    Account(AccountCommand),
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account; the first password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        /// The person's full name.
        #[arg(long)]
        name: String,
        /// `technician` (reviews one MDA's applications) or `admin`.
        #[arg(long)]
        role: String,
        /// The technician's MDA, as the catalogue names it (e.g. sha, nrb).
        #[arg(long)]
        mda: Option<String>,
    },
    /// List accounts.
    List,
}

#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct DecisionArgs {
    #[arg(long)]
    accept: bool,
    /// Reject, with the reason the citizen will be told.
    #[arg(long, value_name = "REASON")]
    reject: Option<String>,
    /// Query, with the question the officer must resolve.
    #[arg(long, value_name = "QUESTION")]
    query: Option<String>,
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Check a catalogue file as the laptops would and publish it; its version must be newer
    /// than the last one published.
    Publish { file: PathBuf },
}

#[derive(Subcommand)]
enum RosterCommand {
    /// Publish a roster file (`[[officers]]` with number, name, role, active) to laptops.
    Publish {
        file: PathBuf,
        /// A laptop to send it to; repeat for several.
        #[arg(long = "laptop", required = true)]
        laptops: Vec<String>,
    },
}

#[derive(Subcommand)]
enum OutreachCommand {
    /// Check an outreach plan file and publish it to the laptops it names.
    Publish { file: PathBuf },
}

#[derive(Subcommand)]
enum CaCommand {
    /// Create the CA in the PKI directory (refuses to replace one).
    Init {
        #[arg(long, default_value = "Huduma Mashinani Field Kit CA")]
        name: String,
        /// A trainers' demo deployment: its certificates are marked TRAINING, and production
        /// laptops and servers refuse them (as this server refuses production laptops).
        #[arg(long)]
        training: bool,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Issue a laptop's certificate, register it, and write its enrolment file.
    Enrol {
        /// The laptop's 4-character id, which prefixes its application references (e.g. K7QM).
        #[arg(long)]
        id: String,
        /// Where the laptop will reach this server, e.g. https://sync.huduma.example:8443.
        #[arg(long)]
        server_url: String,
        /// The enrolment file to write (it holds the laptop's private key: mode 0600). With
        /// --sealed, name it K7QM.fkprov.
        #[arg(long)]
        out: PathBuf,
        /// Write a provisioning bundle (the enrolment encrypted under a one-time code, printed
        /// here) instead of a plaintext TOML enrolment file. Give the code separately from the file.
        #[arg(long)]
        sealed: bool,
    },
    /// List enrolled laptops.
    List,
    /// Revoke a laptop: every request it makes is refused from now on.
    Revoke {
        #[arg(long)]
        id: String,
    },
}

type Failure = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("huduma-sync: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let config = Config::load(cli.config.as_deref(), |name| std::env::var(name).ok())?;
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::try_new(&config.log)?).init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cli.command {
        Command::Ca(CaCommand::Init { name, training }) => {
            let deployment = if training {
                fieldkit_protocol::Deployment::Training
            } else {
                fieldkit_protocol::Deployment::Production
            };
            let fingerprint = pki::init_ca_for(&config.pki_dir, &name, deployment)?;
            println!("{deployment} CA created in {} (SHA-256 {fingerprint})", config.pki_dir.display());
            Ok(())
        }
        Command::Openapi => {
            print!("{}", huduma_sync::openapi::document_text());
            Ok(())
        }
        Command::ServerCert { hosts } => {
            let fingerprint = pki::issue_server_cert(&config.pki_dir, &hosts)?;
            println!("server certificate for {} issued (SHA-256 {fingerprint})", hosts.join(", "));
            Ok(())
        }
        command => runtime.block_on(with_storage(&config, command)),
    }
}

/// Opens the configured backend and runs `command` against it.
async fn with_storage(config: &Config, command: Command) -> Result<(), Failure> {
    match &config.storage {
        StorageConfig::Sqlite { path } => on_storage(config, Arc::new(SqliteStorage::open(path)?), command).await,
        StorageConfig::Postgres { url } => {
            let storage = huduma_sync::storage::postgres::PostgresStorage::connect(url).await?;
            on_storage(config, Arc::new(storage), command).await
        }
    }
}

async fn on_storage<S: huduma_sync::Backend>(
    config: &Config,
    storage: Arc<S>,
    command: Command,
) -> Result<(), Failure> {
    // Whoever runs the command line is named in the audit log of every change it makes.
    let actor = Actor::cli_from_env();
    let in_force = CatalogueInForce::new();
    let now = time::OffsetDateTime::now_utc;
    match command {
        Command::Serve => serve_all(config, storage).await,
        Command::Console(ConsoleCommand::Account(AccountCommand::Add { username, name, role, mda })) => {
            let catalogue = in_force.get(&*storage, now(), time::Duration::ZERO).await?;
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let account = NewAccount::new(&username, &name, &role, mda.as_deref(), password);
            let user = accounts::create(&*storage, &actor, account, &catalogue, now()).await?;
            println!("console account {} ({}) created", user.username, user.role.as_str());
            Ok(())
        }
        Command::Console(ConsoleCommand::Account(AccountCommand::List)) => {
            for account in storage.accounts().await? {
                let state = if account.disabled { "disabled" } else { "active" };
                println!(
                    "{:<24} {:<10} {:<14} {state}",
                    account.username,
                    account.role.as_str(),
                    account.mda.unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Device(DeviceCommand::Enrol { id, server_url, out, sealed }) => {
            enrol(config, &*storage, &actor, &id, &server_url, &out, sealed).await
        }
        Command::Device(DeviceCommand::List) => {
            println!("{:<6} {:<22} {:<22} fingerprint", "id", "enrolled", "revoked");
            for device in storage.devices().await? {
                println!(
                    "{:<6} {:<22} {:<22} {}",
                    device.id,
                    device.enrolled_at,
                    device.revoked_at.as_deref().unwrap_or("-"),
                    device.fingerprint
                );
            }
            Ok(())
        }
        Command::Device(DeviceCommand::Revoke { id }) => {
            let device = devices::revoke(&*storage, &actor, &id, now()).await?;
            println!("{} revoked at {}", device.id, device.revoked_at.as_deref().unwrap_or("?"));
            Ok(())
        }
        Command::Decide { application, revision, decision } => {
            let decision = match (decision.accept, decision.reject, decision.query) {
                (true, _, _) => fieldkit_protocol::Decision::Accepted,
                (_, Some(reason), _) => fieldkit_protocol::Decision::Rejected { reason },
                (_, _, Some(question)) => fieldkit_protocol::Decision::Queried { question },
                _ => return Err("say --accept, --reject REASON or --query QUESTION".into()),
            };
            let catalogue = in_force.get(&*storage, now(), time::Duration::ZERO).await?;
            let outcome =
                review::decide_as_operator(&*storage, &catalogue, &actor, application, revision, decision, now())
                    .await?;
            match outcome {
                DecideOutcome::Decided => {
                    println!(
                        "decision recorded for {application} revision {revision}; the laptop gets it at its next sync"
                    );
                    Ok(())
                }
                other => Err(format!("not decided: {other:?}").into()),
            }
        }
        Command::Catalogue(CatalogueCommand::Publish { file }) => {
            let (name, text) = read_input(&file)?;
            let published = publishing::catalogue(&*storage, &in_force, &actor, &name, &text, now()).await?;
            println!(
                "catalogue version {} published to {} laptop(s) and kept for laptops enrolled later",
                published.version, published.laptops
            );
            Ok(())
        }
        Command::Roster(RosterCommand::Publish { file, laptops }) => {
            let (name, text) = read_input(&file)?;
            let count = publishing::roster(&*storage, &actor, &name, &text, &laptops, now()).await?;
            println!("roster of {count} officer(s) published to {}", laptops.join(", "));
            Ok(())
        }
        Command::Outreach(OutreachCommand::Publish { file }) => {
            let (name, text) = read_input(&file)?;
            let catalogue = in_force.get(&*storage, now(), time::Duration::ZERO).await?;
            let published = publishing::outreach(&*storage, &catalogue, &actor, &name, &text, now()).await?;
            println!(
                "outreach {} revision {} published to {}",
                published.id,
                published.revision,
                published.laptops.join(", ")
            );
            Ok(())
        }
        Command::Import { files } => {
            let secret = pki::import_key(&config.pki_dir)?;
            let mut failed = 0;
            for file in files {
                let name = file.display().to_string();
                let outcome = match std::fs::read(&file) {
                    Ok(bytes) => {
                        huduma_sync::import::import_bundle(&*storage, &secret, &bytes).await.map_err(|e| e.to_string())
                    }
                    Err(e) => Err(e.to_string()),
                };
                match outcome {
                    Ok(r) => println!(
                        "{name}: from {} made {}: {} stored, {} already stored, {} conflicts, {} refused",
                        r.device_id, r.created_at, r.stored, r.already_stored, r.conflicts, r.invalid
                    ),
                    Err(e) => {
                        failed += 1;
                        eprintln!("{name}: not imported: {e}");
                    }
                }
            }
            if failed > 0 {
                return Err(format!("{failed} bundle(s) not imported").into());
            }
            Ok(())
        }
        Command::Ca(_) | Command::ServerCert { .. } | Command::Openapi => Err("not a storage command".into()),
    }
}

/// The whole server ([`huduma_sync::start`]) until SIGINT or SIGTERM.
async fn serve_all<S: huduma_sync::Backend>(config: &Config, storage: Arc<S>) -> Result<(), Failure> {
    let server = huduma_sync::start(config, storage, shutdown_signal()).await?;
    // Stable lines for supervisors and tests (the log format may change).
    if let Some(console) = server.console {
        println!("console on https://{console}");
    }
    println!("listening on {}", server.laptops);
    server.wait().await?;
    Ok(())
}

async fn enrol<S: Storage>(
    config: &Config,
    storage: &S,
    actor: &Actor,
    id: &str,
    server_url: &str,
    out: &Path,
    sealed: bool,
) -> Result<(), Failure> {
    if !server_url.starts_with("https://") {
        return Err(format!("--server-url {server_url}: laptops only sync over https://").into());
    }
    if out.exists() {
        return Err(format!("{} already exists; refusing to overwrite an enrolment file", out.display()).into());
    }
    let credentials = pki::issue_device_cert(&config.pki_dir, id)?;
    let enrolment = Enrolment {
        device_id: credentials.device_id.clone(),
        server_url: server_url.to_string(),
        ca_pem: pki::ca_pem(&config.pki_dir)?,
        cert_pem: credentials.cert_pem,
        key_pem: credentials.key_pem,
        import_key: Some(pki::import_key(&config.pki_dir)?.public_hex()),
    };
    // Sealed before the device is registered, so a failure here leaves no registration behind.
    // The code is kept nowhere: it exists only in this process and on the officer's screen.
    let (bytes, code) = if sealed {
        let code = provision::OneTimeCode::generate()?;
        let created_at = time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339)?;
        (provision::seal(&enrolment, &code, &created_at)?, Some(code))
    } else {
        (toml::to_string(&enrolment)?.into_bytes(), None)
    };
    // Registered first: a file without a registration would be refused anyway, while a
    // registration without a file can simply be revoked.
    devices::enrol(storage, actor, id, &credentials.fingerprint, time::OffsetDateTime::now_utc()).await?;
    write_secret(out, &bytes)?;
    match code {
        None => println!(
            "{id} enrolled (certificate SHA-256 {}); enrolment file {}",
            credentials.fingerprint,
            out.display()
        ),
        Some(code) => {
            println!(
                "{id} enrolled (certificate SHA-256 {}); provisioning bundle {}",
                credentials.fingerprint,
                out.display()
            );
            println!("One-time code: {}", *code.grouped());
            println!(
                "Give this code to the laptop's ICT officer separately from the file (by phone or in person, \
                 never on the same stick or in the same message): the file is useless without it."
            );
        }
    }
    Ok(())
}

/// A file's name (for messages) and text; refuses anything that is not UTF-8 text.
fn read_input(path: &Path) -> Result<(String, String), Failure> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{name}: not UTF-8 text"))?;
    Ok((name, text))
}

fn write_secret(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
