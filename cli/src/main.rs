//! `mongodb-aws`: a thin dispatcher, one subcommand per module. clap parses every command line
//! (`mongodb_aws_cli::args` words its errors without repeating a value); each module checks and
//! runs its own options.

mod bsonw;
mod demo;
mod doctor;
mod http;
mod mongo_client;
mod server;
mod sts_verifier;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Parser, Subcommand};
use mongodb_aws_cli::{args, credentials};

const USAGE: &str = "\
mongodb-aws: MONGODB-AWS authentication tools

USAGE:
    mongodb-aws <COMMAND> [OPTIONS]

COMMANDS:
    credentials  resolve AWS credentials like a driver and show which identity they are (secrets redacted;
                 --profile NAME for a profile of the AWS shared files, --format env|process|json to hand
                 them to another program)
    demo         run one whole authentication on this machine and explain every step
    doctor       explain why MONGODB-AWS does or does not log in here (credential chain, tokens,
                 STS identity and $external user, clock skew; with --uri the whole authentication)
    serve        a MongoDB test server that accepts MONGODB-AWS (for driver tests)

Run `mongodb-aws <COMMAND> --help` for a command's options.
";

#[derive(Parser)]
#[command(
    name = "mongodb-aws",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[arg(short, long)]
    help: bool,
    #[arg(short = 'V', long)]
    version: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    #[command(disable_help_flag = true)]
    Credentials(credentials::command::Args),
    #[command(disable_help_flag = true)]
    Demo(demo::Args),
    #[command(disable_help_flag = true)]
    Doctor(doctor::Args),
    #[command(disable_help_flag = true)]
    Serve(server::cli::Args),
    /// Same as --help.
    Help,
}

/// A command line clap refused: the command's own usage message, exit status 2.
fn usage_error(e: &clap::Error, argv: &[String]) -> i32 {
    if e.kind() == ErrorKind::InvalidSubcommand {
        let name = match e.get(ContextKind::InvalidSubcommand) {
            Some(ContextValue::String(s)) => s.as_str(),
            _ => "",
        };
        eprintln!("mongodb-aws: unknown command '{name}'\n");
        eprint!("{USAGE}");
        return 2;
    }
    let rest = argv.get(1..).unwrap_or_default();
    match argv.first().map(String::as_str) {
        Some("credentials") => credentials::command::usage_error(
            &args::message(e, rest),
            &mut std::io::stderr().lock(),
        ),
        Some("demo") => demo::usage_error(&args::message(e, rest)),
        Some("doctor") => doctor::usage_error(&args::message(e, rest)),
        Some("serve") => server::cli::usage_error(&args::message(e, rest)),
        _ => {
            eprintln!("mongodb-aws: {}\n", args::message(e, argv));
            eprint!("{USAGE}");
            2
        }
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let cli =
        match Cli::try_parse_from(std::iter::once("mongodb-aws".to_string()).chain(argv.clone())) {
            Ok(c) => c,
            Err(e) => std::process::exit(usage_error(&e, &argv)),
        };
    let code = match cli.command {
        _ if cli.version => {
            println!("mongodb-aws {}", env!("CARGO_PKG_VERSION"));
            0
        }
        // `mongodb-aws --help credentials` is the overview, as before any command.
        _ if cli.help => {
            print!("{USAGE}");
            0
        }
        Some(Command::Credentials(a)) => credentials::command::run(a),
        Some(Command::Demo(a)) => demo::main(a),
        Some(Command::Doctor(a)) => doctor::main(a),
        Some(Command::Serve(a)) => server::cli::main(a),
        Some(Command::Help) => {
            print!("{USAGE}");
            0
        }
        None => {
            eprint!("{USAGE}");
            2
        }
    };
    std::process::exit(code)
}
