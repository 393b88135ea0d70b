//! `mongodb-aws`: a thin dispatcher, one match arm per subcommand; each lives in its own module.

mod bsonw;
mod demo;
mod doctor;
mod http;
mod mongo_client;
mod server;
mod sts_verifier;

const USAGE: &str = "\
mongodb-aws: MONGODB-AWS authentication tools

USAGE:
    mongodb-aws <COMMAND> [OPTIONS]

COMMANDS:
    credentials  resolve AWS credentials like a driver and show which identity they are (secrets redacted)
    demo         run one whole authentication on this machine and explain every step
    doctor       explain why MONGODB-AWS does or does not log in here (credential chain, tokens,
                 STS identity and $external user, clock skew; with --uri the whole authentication)
    serve        a MongoDB test server that accepts MONGODB-AWS (for driver tests)

Run `mongodb-aws <COMMAND> --help` for a command's options.
";

/// A subcommand's parsed options, or the exit code to return: `Ok(None)` from its parser is
/// `--help` (the help on stdout, exit 0); an error is `mongodb-aws COMMAND: message` on stderr,
/// followed by the help when `help_on_error` (exit 2).
fn options<T>(
    command: &str,
    help: &str,
    parsed: Result<Option<T>, String>,
    help_on_error: bool,
) -> Result<T, i32> {
    let help = help.trim_end_matches('\n');
    match parsed {
        Ok(Some(o)) => Ok(o),
        Ok(None) => {
            println!("{help}");
            Err(0)
        }
        Err(e) if help_on_error => {
            eprintln!("mongodb-aws {command}: {e}\n\n{help}");
            Err(2)
        }
        Err(e) => {
            eprintln!("mongodb-aws {command}: {e}");
            Err(2)
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    let rest: Vec<String> = args.collect();
    let code = match command.as_deref() {
        Some("credentials") => mongodb_aws_cli::credentials::command::run(&rest),
        Some("demo") => demo::main(&rest),
        Some("doctor") => doctor::main(&rest),
        Some("serve") => server::cli::main(&rest),
        Some("-V" | "--version") => {
            println!("mongodb-aws {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            0
        }
        None => {
            eprint!("{USAGE}");
            2
        }
        Some(other) => {
            eprintln!("mongodb-aws: unknown command '{other}'\n");
            eprint!("{USAGE}");
            2
        }
    };
    std::process::exit(code)
}
