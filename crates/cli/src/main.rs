//! `fieldkit`: the Field Kit's offline store from the command line, for scripts, support and tests.
//!
//! Every command is a thin translation to `fieldkit_core`: parse arguments, sign in, call one
//! session method, print the result as text or (with `--json`) as JSON. Errors leave with a
//! non-zero exit status and the core's stable error code.

mod paths;
mod pin;

use clap::{Parser, Subcommand};
use fieldkit_core::{
    Application, ApplicationState, Citizen, Config, CoreError, LaptopPrefix, NewApplication, NewCitizen, NewOfficer,
    Profile, Role, Session,
};
use serde::Serialize;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "fieldkit", version, about = "Huduma Mashinani Field Kit: the offline store from the command line")]
struct Cli {
    /// Profile directory [default: $XDG_DATA_HOME/huduma-fieldkit/production]
    #[arg(long, global = true, env = "FIELDKIT_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Configuration file [default: $XDG_CONFIG_HOME/huduma-fieldkit/fieldkit.toml]
    #[arg(long, global = true, env = "FIELDKIT_CONFIG")]
    config: Option<PathBuf>,
    /// Signed-in officer's number (the PIN comes from FIELDKIT_PIN or a prompt, never an argument)
    #[arg(long, global = true, env = "FIELDKIT_OFFICER")]
    officer: Option<String>,
    /// Print results and errors as JSON
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a profile on this laptop with its first officer (a centre manager or ICT officer)
    Init {
        /// The laptop's 4-character code, issued at enrolment (e.g. K7QM)
        #[arg(long)]
        laptop_prefix: String,
        #[arg(long)]
        number: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "ict-officer")]
        role: String,
    },
    /// Check an officer's PIN (counts towards the wrong-PIN lockout)
    SignIn,
    /// Manage the roster
    #[command(subcommand)]
    Officer(OfficerCommand),
    /// Register and find citizens
    #[command(subcommand)]
    Citizen(CitizenCommand),
    /// Create, submit and show applications
    #[command(subcommand)]
    Application(ApplicationCommand),
    /// The outbox: applications waiting for sync
    Queue,
    /// Applications, optionally only those in one state
    List {
        #[arg(long)]
        state: Option<String>,
    },
    /// Check the audit log's hash chain and every record against it
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum OfficerCommand {
    /// Add an officer; their PIN comes from FIELDKIT_NEW_PIN or a prompt
    Add {
        #[arg(long)]
        number: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
    },
    /// Remove an officer from this laptop
    Remove { number: String },
    /// List the roster
    List,
}

#[derive(Subcommand)]
enum CitizenCommand {
    /// Register a citizen from JSON (a file, or - for standard input)
    Register {
        #[arg(long = "from")]
        from: String,
    },
    /// Find citizens by ID number, phone or name
    Find { query: String },
}

#[derive(Subcommand)]
enum ApplicationCommand {
    /// Create an application from JSON (a file, or - for standard input) as a draft, or queued with --submit
    Create {
        #[arg(long = "from")]
        from: String,
        #[arg(long)]
        submit: bool,
    },
    /// Queue a draft, or resubmit a corrected queried application
    Submit { id_or_reference: String },
    /// Show one application by id or reference
    Show { id_or_reference: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    Verify,
}

/// A failure on the way out: a core error, or a problem with the command line's own input.
enum Failure {
    Core(CoreError),
    Usage { code: &'static str, message: String },
}

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        Failure::Core(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let report = match failure {
                Failure::Core(e) => serde_json::to_value(e.to_report()),
                Failure::Usage { code, message } => serde_json::to_value(
                    serde_json::json!({ "code": code, "message_key": format!("error.{code}"), "message": message }),
                ),
            }
            .unwrap_or_default();
            if json {
                println!("{}", serde_json::json!({ "ok": false, "error": report }));
            } else {
                let message = report["message"].as_str().unwrap_or("unknown error");
                let code = report["code"].as_str().unwrap_or("unknown");
                eprintln!("fieldkit: {message} [{code}]");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let config_path = cli.config.clone().or_else(paths::default_config_file);
    let config = Config::load(config_path.as_deref(), |name| std::env::var(name).ok())?;
    let data_dir = match cli.data_dir.clone().or_else(paths::default_data_dir) {
        Some(dir) => dir,
        None => return Err(usage("no_data_dir", "cannot work out a data directory: set --data-dir or HOME")),
    };
    let profile = Profile::new(data_dir, config);
    let out = Output { json: cli.json };

    match cli.command {
        Command::Init { laptop_prefix, number, name, role } => {
            let prefix = LaptopPrefix::parse(&laptop_prefix)?;
            let first = NewOfficer { number, display_name: name, role: Role::parse(&role)? };
            let pin = pin::read_new("FIELDKIT_PIN", &format!("New PIN for {}: ", first.number))?;
            let session = profile.create(&prefix, &first, &pin)?;
            out.print(
                &serde_json::json!({ "profile": profile.dir(), "officer": session.officer() }),
                &format!("Created profile at {} with officer {}", profile.dir().display(), session.officer().number),
            );
        }
        Command::SignIn => {
            let session = sign_in(&profile, cli.officer.as_deref())?;
            let officer = session.officer();
            out.print(
                officer,
                &format!("Signed in: {} ({}, {})", officer.number, officer.display_name, officer.role.as_str()),
            );
        }
        Command::Officer(command) => {
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            match command {
                OfficerCommand::Add { number, name, role } => {
                    let new = NewOfficer { number, display_name: name, role: Role::parse(&role)? };
                    let pin = pin::read_new("FIELDKIT_NEW_PIN", &format!("New PIN for {}: ", new.number))?;
                    let officer = session.add_officer(&new, &pin)?;
                    out.print(&officer, &format!("Added {} ({})", officer.number, officer.role.as_str()));
                }
                OfficerCommand::Remove { number } => {
                    let officer = session.remove_officer(&number)?;
                    out.print(&officer, &format!("Removed {}", officer.number));
                }
                OfficerCommand::List => {
                    let officers = session.officers()?;
                    let text: Vec<String> = officers
                        .iter()
                        .map(|o| format!("{:<10} {:<20} {}", o.number, o.role.as_str(), o.display_name))
                        .collect();
                    out.print(&officers, &text.join("\n"));
                }
            }
        }
        Command::Citizen(command) => {
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            match command {
                CitizenCommand::Register { from } => {
                    let new: NewCitizen = read_json(&from)?;
                    let citizen = session.register_citizen(&new)?;
                    out.print(&citizen, &format!("Registered {}", citizen_line(&citizen)));
                }
                CitizenCommand::Find { query } => {
                    let found = session.find_citizens(&query)?;
                    let text: Vec<String> = found.iter().map(citizen_line).collect();
                    out.print(&found, &text.join("\n"));
                }
            }
        }
        Command::Application(command) => {
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            let application = match command {
                ApplicationCommand::Create { from, submit } => {
                    let new: NewApplication = read_json(&from)?;
                    if submit { session.save_and_submit(&new)? } else { session.save_draft(&new)? }
                }
                ApplicationCommand::Submit { id_or_reference } => {
                    let id = session.application(&id_or_reference)?.id;
                    session.submit_application(id)?
                }
                ApplicationCommand::Show { id_or_reference } => session.application(&id_or_reference)?,
            };
            out.print(&application, &application_line(&application));
        }
        Command::Queue => {
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            print_applications(&out, &session.queue()?);
        }
        Command::List { state } => {
            let state = state.as_deref().map(ApplicationState::parse).transpose()?;
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            print_applications(&out, &session.applications(state)?);
        }
        Command::Audit(AuditCommand::Verify) => {
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            let report = session.verify_audit()?;
            let text = if report.is_intact() {
                format!("Audit log intact: {} entries, head {}", report.entries, report.head_hash)
            } else {
                format!("AUDIT LOG DAMAGED: {} problem(s)\n{:#?}", report.problems.len(), report.problems)
            };
            out.print(&report, &text);
            if !report.is_intact() {
                return Err(usage("audit_damaged", "the audit log failed verification"));
            }
        }
    }
    Ok(())
}

fn usage(code: &'static str, message: &str) -> Failure {
    Failure::Usage { code, message: message.to_string() }
}

fn sign_in(profile: &Profile, officer: Option<&str>) -> Result<Session, Failure> {
    let Some(number) = officer.map(str::trim).filter(|n| !n.is_empty()) else {
        return Err(usage("officer_required", "say which officer is signing in: --officer or FIELDKIT_OFFICER"));
    };
    let pin = pin::read_existing(&format!("PIN for {number}: "))?;
    Ok(profile.sign_in(number, &pin)?)
}

/// Reads JSON input from a file, or standard input for `-`; malformed input is refused whole.
fn read_json<T: serde::de::DeserializeOwned>(from: &str) -> Result<T, Failure> {
    let text = if from == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| usage("input_unreadable", &format!("cannot read standard input: {e}")))?;
        text
    } else {
        std::fs::read_to_string(from).map_err(|e| usage("input_unreadable", &format!("cannot read {from}: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| usage("input_malformed", &format!("{from}: {e}")))
}

fn citizen_line(c: &Citizen) -> String {
    let d = &c.details;
    format!(
        "{}  {} {}  ID {}  born {}  {}",
        c.id,
        d.given_names,
        d.surname,
        d.id_number.as_deref().unwrap_or("-"),
        d.date_of_birth,
        d.phone.as_deref().unwrap_or("")
    )
}

fn application_line(a: &Application) -> String {
    let note = a.review_note.as_deref().map(|n| format!("  ({n})")).unwrap_or_default();
    format!("{}  {:<10} {:<28} {}{}", a.reference, a.state.as_str(), a.service_id, a.id, note)
}

fn print_applications(out: &Output, applications: &[Application]) {
    let text: Vec<String> = applications.iter().map(application_line).collect();
    let text = if text.is_empty() { "(none)".to_string() } else { text.join("\n") };
    out.print(&applications, &text);
}

struct Output {
    json: bool,
}

impl Output {
    fn print<T: Serialize + ?Sized>(&self, value: &T, text: &str) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(json) => println!("{json}"),
                Err(e) => eprintln!("fieldkit: cannot encode output: {e}"),
            }
        } else {
            println!("{text}");
        }
    }
}
