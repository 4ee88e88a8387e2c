//! `fieldkit`: the Field Kit's offline store from the command line, for scripts, support and tests.
//!
//! Every command is a thin translation to `fieldkit_core`: parse arguments, sign in, call one
//! session method, print the result as text or (with `--json`) as JSON. Errors leave with a
//! non-zero exit status and the core's stable error code.

use fieldkit_core::documents::{self, Paper, SlipOptions};
use fieldkit_core::paths;
use fieldkit_core::provisioning::EnrolmentFile;
mod pin;

use clap::{Parser, Subcommand};
use fieldkit_core::catalogue::Catalogue;
use fieldkit_core::{
    Application, ApplicationState, Citizen, Config, CoreError, FormCheck, Lang, LaptopPrefix, NewApplication,
    NewCitizen, NewOfficer, Profile, Role, Session, messages,
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
    /// Language of messages: en (English) or sw (Kiswahili)
    #[arg(long, global = true, env = "FIELDKIT_LANG", default_value = "en")]
    lang: String,
    /// Service catalogue file to use instead of the built-in one
    #[arg(long, global = true, env = "FIELDKIT_CATALOGUE")]
    catalogue: Option<PathBuf>,
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
        /// A trainer's demo profile: refuses production enrolments and servers, and marks its
        /// slips and reports TRAINING
        #[arg(long)]
        training: bool,
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
    /// List the services in the catalogue, in the chosen language
    Services,
    /// Work with service catalogue files
    #[command(subcommand)]
    Catalogue(CatalogueCommand),
    /// Install this laptop's enrolment from `huduma-sync device enrol`: a provisioning bundle
    /// (`--sealed`, opened with its one-time code) or a plaintext enrolment file (ICT officer)
    Enrol {
        #[arg(long)]
        from: std::path::PathBuf,
        /// The bundle's one-time code (e.g. 7KQ2-M9XD-4HNP-0RTA); prefer FIELDKIT_PROVISION_CODE
        /// or the prompt, since arguments show in the process list
        #[arg(long, env = "FIELDKIT_PROVISION_CODE", hide_env_values = true)]
        code: Option<String>,
    },
    /// Send the outbox to the sync server and fetch MDA decisions, showing progress
    Sync,
    /// When the laptop last synced, where its pull cursor is, and the last error
    SyncStatus,
    /// Seal the outbox into an encrypted, signed bundle file in DIR (a USB stick) for the
    /// server to import when the laptop has had no link for days (centre manager)
    ExportBundle {
        #[arg(long)]
        to: PathBuf,
    },
    /// Officers the server assigned to this laptop, and whether each is set up here
    Roster,
    /// Outreach plans this laptop is assigned to, soonest first
    Outreaches,
    /// Write the acknowledgement slip of a saved application as a PDF (officers who capture)
    Slip {
        /// The application's reference (e.g. K7QM-000042-T) or id
        reference: String,
        /// The PDF to write [default: slip-<REFERENCE>.pdf in the current directory]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Paper in the printer: a5, or receipt80 for an 80 mm roll [default: the configuration's
        /// `[printing] paper`, else a5]
        #[arg(long)]
        paper: Option<String>,
        /// Mark the slip TRAINING (a trainer's demo profile; FIELDKIT_DEMO=1 sets it too)
        #[arg(long, env = "FIELDKIT_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
        training: bool,
        /// Venue to print when no outreach plan on this laptop covers the day
        #[arg(long)]
        venue: Option<String>,
    },
    /// Write the outreach day report as PDF and CSV (centre manager)
    Report {
        /// The day, YYYY-MM-DD [default: today in Kenya]
        #[arg(long)]
        date: Option<String>,
        /// Where to write day-report-<DATE>.pdf and .csv
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
        /// Mark the report TRAINING (a trainer's demo profile; FIELDKIT_DEMO=1 sets it too)
        #[arg(long, env = "FIELDKIT_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
        training: bool,
    },
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Check a catalogue file before publishing it; prints what it holds, or why it is refused
    Check { file: PathBuf },
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
    /// Change your own PIN: the current one from FIELDKIT_PIN (or a prompt), the new one from
    /// FIELDKIT_NEW_PIN (or a prompt, typed twice)
    ChangePin,
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
    /// Check an application file (JSON) against the catalogue without saving: errors and warnings
    Check {
        #[arg(long = "from")]
        from: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    Verify,
}

/// A failure on the way out: a core error, or a problem with the command line's own input.
enum Failure {
    Core(CoreError),
    Usage {
        code: &'static str,
        message: String,
    },
    /// `application check` found errors: the whole check is reported.
    FormRefused(FormCheck),
}

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        Failure::Core(e)
    }
}

impl From<fieldkit_core::error::DomainError> for Failure {
    fn from(e: fieldkit_core::error::DomainError) -> Self {
        Failure::Core(e.into())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    // An unknown language is itself reported, in English.
    let lang = Lang::parse(&cli.lang).unwrap_or_default();
    let outcome = Lang::parse(&cli.lang).map_err(Failure::from).and_then(|_| run(cli, lang));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let (report, text) = match failure {
                Failure::Core(e) => {
                    let report = e.to_report();
                    let text = messages::report(&report, lang);
                    (serde_json::to_value(report).unwrap_or_default(), text)
                }
                Failure::Usage { code, message } => {
                    let key = format!("error.{code}");
                    let values = [("detail", message.clone())].into_iter().collect();
                    let text = messages::fill(&messages::template(&key, lang), &values);
                    (serde_json::json!({ "code": code, "message_key": key, "message": message }), text)
                }
                Failure::FormRefused(check) => {
                    let text = form_problems_text(&check, lang);
                    let value = serde_json::json!({ "code": "form_invalid", "message_key": "error.form_invalid",
                                                    "check": check });
                    (value, text)
                }
            };
            if json {
                println!("{}", serde_json::json!({ "ok": false, "error": report, "text": text }));
            } else {
                let code = report["code"].as_str().unwrap_or("unknown");
                if text.contains('\n') {
                    eprintln!("fieldkit [{code}]:\n{text}");
                } else {
                    eprintln!("fieldkit: {text} [{code}]");
                }
            }
            ExitCode::FAILURE
        }
    }
}

/// A provisioning bundle's one-time code from a hidden prompt (`--code` and
/// `FIELDKIT_PROVISION_CODE` were not given). Hidden like a PIN: it opens the laptop's key.
fn read_provision_code(from: &std::path::Path) -> Result<String, Failure> {
    rpassword::prompt_password(format!("One-time code for {}: ", from.display())).map_err(|e| Failure::Usage {
        code: "provisioning_code_unavailable",
        message: format!("{e} (give --code or set FIELDKIT_PROVISION_CODE)"),
    })
}

fn run(cli: Cli, lang: Lang) -> Result<(), Failure> {
    let catalogue = match &cli.catalogue {
        Some(path) => Some(std::sync::Arc::new(fieldkit_core::catalogue_file::load(path)?)),
        None => None,
    };
    let out = Output { json: cli.json };
    match &cli.command {
        Command::Services => {
            let catalogue = match &catalogue {
                Some(c) => std::sync::Arc::clone(c),
                None => std::sync::Arc::new(Catalogue::built_in()?),
            };
            print_services(&out, &catalogue, lang);
            return Ok(());
        }
        Command::Catalogue(CatalogueCommand::Check { file }) => {
            let checked = fieldkit_core::catalogue_file::load(file)?;
            let summary = serde_json::json!({ "file": file, "format": checked.format, "version": checked.version,
                                              "published": checked.published, "services": checked.services.len() });
            out.print(
                &summary,
                &format!(
                    "{}: catalogue version {} ({}), {} services, all checks passed",
                    file.display(),
                    checked.version,
                    checked.published,
                    checked.services.len()
                ),
            );
            return Ok(());
        }
        _ => {}
    }
    let config_path = cli.config.clone().or_else(paths::default_config_file);
    let config = Config::load(config_path.as_deref(), |name| std::env::var(name).ok())?;
    let data_dir = match cli.data_dir.clone().or_else(paths::default_data_dir) {
        Some(dir) => dir,
        None => return Err(usage("no_data_dir", "cannot work out a data directory: set --data-dir or HOME")),
    };
    let profile = match catalogue {
        Some(catalogue) => Profile::new(data_dir, config).with_catalogue(catalogue),
        None => Profile::new(data_dir, config),
    };

    match cli.command {
        Command::Init { laptop_prefix, number, name, role, training } => {
            let prefix = LaptopPrefix::parse(&laptop_prefix)?;
            let first = NewOfficer { number, display_name: name, role: Role::parse(&role)? };
            let pin = pin::read_new("FIELDKIT_PIN", &format!("New PIN for {}: ", first.number))?;
            let profile = if training { profile.clone().for_training() } else { profile.clone() };
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
        Command::Officer(OfficerCommand::ChangePin) => {
            let Some(number) = cli.officer.as_deref().map(str::trim).filter(|n| !n.is_empty()) else {
                return Err(usage("officer_required", "say whose PIN: --officer or FIELDKIT_OFFICER"));
            };
            let old = pin::read_existing(&format!("Current PIN for {number}: "))?;
            let new = pin::read_new("FIELDKIT_NEW_PIN", &format!("New PIN for {number}: "))?;
            let mut session = profile.sign_in(number, &old)?;
            session.change_pin(&old, &new)?;
            let officer = session.officer();
            out.print(officer, &format!("PIN changed for {}", officer.number));
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
                // Answered above, before signing in, because it needs the current PIN itself.
                OfficerCommand::ChangePin => return Err(usage("officer_command", "officer change-pin")),
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
                ApplicationCommand::Check { from } => {
                    let new: NewApplication = read_json(&from)?;
                    let check = session.check_application(&new)?;
                    if !check.is_ok() {
                        return Err(Failure::FormRefused(check));
                    }
                    out.print(&check, &form_problems_text(&check, lang));
                    return Ok(());
                }
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
        Command::Services | Command::Catalogue(_) => {}
        Command::Enrol { from, code } => {
            // The file is read (and a bundle opened) before the PIN is asked for, so a wrong file
            // or code is reported without signing anyone in.
            let file = EnrolmentFile::read(&from)?;
            let sealed = file.needs_code();
            let code = match code {
                Some(code) => Some(code),
                None if sealed => Some(read_provision_code(&from)?),
                None => None,
            };
            let enrolment = file.open(code.as_deref())?;
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            session.enrol(&enrolment)?;
            let value = serde_json::json!({ "device_id": enrolment.device_id, "server_url": enrolment.server_url,
                                            "sealed": sealed });
            out.print(
                &value,
                &format!(
                    "Enrolled as {} for {}\n{} holds this laptop's private key: delete it, and any copy, now that it is installed.",
                    enrolment.device_id,
                    enrolment.server_url,
                    from.display()
                ),
            );
        }
        Command::Sync => {
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            let client = session.sync_client()?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| usage("runtime", &e.to_string()))?;
            let json = out.json;
            let mut show = |p: &fieldkit_core::sync::Progress| {
                if !json {
                    eprintln!(
                        "  {}/{} sent, {} events received, {} B up, {} B down (batch {})",
                        p.records_sent,
                        p.records_waiting,
                        p.events_received,
                        p.bytes_sent,
                        p.bytes_received,
                        p.batch_size
                    );
                }
            };
            let mut sizer = fieldkit_core::sync::BatchSizer::default();
            let report =
                runtime.block_on(fieldkit_core::sync::sync_once(&mut session, &client, &mut sizer, &mut show))?;
            let pulled = &report.pulled;
            let text = format!(
                "Synced: {} sent ({} of them already on the server), {} skipped, {} conflicts, {} refused; {} decisions applied; \
                 {} new catalogue(s), {} refused; {} roster(s), {} officer(s) deactivated; {} outreach plan(s); \
                 {} B up, {} B down",
                report.pushed.synced,
                report.pushed.already_on_server,
                report.pushed.skipped,
                report.pushed.conflicts,
                report.pushed.invalid,
                pulled.decisions_applied,
                pulled.catalogues_installed,
                pulled.catalogues_refused,
                pulled.rosters,
                pulled.officers_deactivated,
                pulled.outreaches_updated,
                report.bytes_sent,
                report.bytes_received
            );
            out.print(&report, &text);
        }
        Command::SyncStatus => {
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            let state = session.sync_state()?;
            let mut text = format!(
                "Last success: {}\nLast attempt: {}\nLast error: {}\nPull cursor: {}\nCatalogue in force: version {}",
                state.last_success_at.map_or("never".into(), |t| t.to_string()),
                state.last_attempt_at.map_or("never".into(), |t| t.to_string()),
                state.last_error.as_ref().map_or("none".into(), |f| messages::failure(f, lang)),
                state.pull_cursor,
                session.catalogue()?.version
            );
            if let Some(at) = state.revoked_at {
                text.push_str(&format!(
                    "\nREVOKED by the server at {at}: sync stopped until the ICT officer enrols this laptop again"
                ));
            }
            out.print(&state, &text);
        }
        Command::ExportBundle { to } => {
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            let bundle = session.export_bundle()?;
            let path = bundle.write_into(&to)?;
            let value = serde_json::json!({ "path": path, "records": bundle.records, "bytes": bundle.bytes.len() });
            let text = format!(
                "Exported {} application(s) to {} ({} bytes). They stay in the outbox until the server acknowledges them.",
                bundle.records,
                path.display(),
                bundle.bytes.len()
            );
            out.print(&value, &text);
        }
        Command::Roster => {
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            let roster = session.roster()?;
            let lines: Vec<String> = roster
                .iter()
                .map(|e| {
                    format!(
                        "{:<8} {:<24} {:<20} {:<8} {}",
                        e.officer.number,
                        e.officer.name,
                        e.officer.role,
                        if e.officer.active { "active" } else { "inactive" },
                        if e.on_laptop { "set up here" } else { "not set up here" }
                    )
                })
                .collect();
            let text = if lines.is_empty() { "No roster received yet".to_string() } else { lines.join("\n") };
            out.print(&roster, &text);
        }
        Command::Outreaches => {
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            let plans = session.outreaches()?;
            let lines: Vec<String> = plans
                .iter()
                .map(|p| {
                    format!(
                        "{} to {}  {} ({}, county {})  {:?}  services: {}",
                        p.starts_on,
                        p.ends_on,
                        p.name,
                        p.place,
                        p.county_code,
                        p.status,
                        p.services.join(", ")
                    )
                })
                .collect();
            let text = if lines.is_empty() { "No outreach plans received yet".to_string() } else { lines.join("\n") };
            out.print(&plans, &text);
        }
        Command::Slip { reference, out: file, paper, training, venue } => {
            let paper = match paper {
                Some(paper) => Paper::parse(&paper)?,
                None => profile.config().slip_paper,
            };
            let options = SlipOptions { paper, training, venue };
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            let reference = session.application(&reference)?.reference;
            let pdf = session.slip(reference.as_str(), &options)?;
            let path = file.unwrap_or_else(|| PathBuf::from(format!("slip-{reference}.pdf")));
            write_file(&path, &pdf)?;
            let value = serde_json::json!({ "reference": reference, "path": path, "bytes": pdf.len(),
                                            "paper": options.paper, "training": training });
            out.print(&value, &format!("Slip for {reference} written to {} ({} bytes)", path.display(), pdf.len()));
        }
        Command::Report { date, out_dir, training } => {
            let date = date.as_deref().map(documents::parse_day).transpose()?;
            let mut session = sign_in(&profile, cli.officer.as_deref())?;
            // A training profile's report is marked already; the flag only adds the mark.
            let report = session.day_report(date)?;
            let report = if training { report.with_training(true) } else { report };
            std::fs::create_dir_all(&out_dir)
                .map_err(|source| CoreError::Io { path: out_dir.display().to_string(), source })?;
            let stem = out_dir.join(format!("day-report-{}", report.date));
            let (pdf_path, csv_path) = (stem.with_extension("pdf"), stem.with_extension("csv"));
            write_file(&pdf_path, &report.to_pdf()?)?;
            write_file(&csv_path, &report.to_csv()?)?;
            let value = serde_json::json!({ "pdf": pdf_path, "csv": csv_path, "report": report });
            let text = format!(
                "Day report for {}: {} citizen(s) served, {} application(s), {} draft(s); not yet synced: {} from the day, {} on the laptop\nWrote {} and {}",
                report.date,
                report.citizens_served.total,
                report.applications.total,
                report.drafts,
                report.unsynced_day,
                report.unsynced_total,
                pdf_path.display(),
                csv_path.display()
            );
            out.print(&value, &text);
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

/// A form check as the officer reads it: errors first, then warnings, each on its own line.
fn form_problems_text(check: &FormCheck, lang: Lang) -> String {
    let heading = |key: &str| messages::template(key, lang);
    let mut lines = Vec::new();
    if check.errors.is_empty() && check.warnings.is_empty() {
        lines.push(format!("{}: OK", check.service_id));
    }
    for problem in &check.errors {
        lines.push(format!("{}: {}  ({})", heading("word.error"), messages::problem(problem, lang), problem.field));
    }
    for problem in &check.warnings {
        lines.push(format!("{}: {}  ({})", heading("word.warning"), messages::problem(problem, lang), problem.field));
    }
    lines.join("\n")
}

fn print_services(out: &Output, catalogue: &Catalogue, lang: Lang) {
    let lines: Vec<String> = catalogue
        .services
        .iter()
        .map(|s| {
            let mda = catalogue.mda(&s.mda).map(|m| m.name.get(lang)).unwrap_or(&s.mda);
            let fee = if s.fee_ksh == 0 { "-".to_string() } else { format!("KSh {}", s.fee_ksh) };
            format!("{:<36} {:<10} {:>4}d  {}  ({mda})", s.id, fee, s.turnaround_days, s.name.get(lang))
        })
        .collect();
    let summary: Vec<serde_json::Value> = catalogue
        .services
        .iter()
        .map(|s| {
            serde_json::json!({ "id": s.id, "mda": s.mda, "name": s.name.get(lang), "fee_ksh": s.fee_ksh,
                                "turnaround_days": s.turnaround_days })
        })
        .collect();
    let text = format!("Catalogue version {} ({})\n{}", catalogue.version, catalogue.published, lines.join("\n"));
    out.print(&summary, &text);
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

/// Writes a document the officer asked for; a failure names the file.
fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes)
        .map_err(|source| Failure::Core(CoreError::Io { path: path.display().to_string(), source }))
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
