//! `huduma-sync` binary. Serving over mutual TLS, device enrolment and configuration arrive with
//! the rest of issue 4; until then the binary only reports its protocol version, so that nothing
//! can run it as a plain-HTTP server by mistake.

use std::process::ExitCode;

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("--version") | Some("version") => {
            println!("huduma-sync {} (protocol {})", env!("CARGO_PKG_VERSION"), fieldkit_protocol::PROTOCOL_VERSION);
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("huduma-sync: serving is not available in this build yet (mutual TLS is required; see issue 4)");
            ExitCode::FAILURE
        }
    }
}
