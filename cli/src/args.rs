//! Argument parsing for every `mongodb-aws` command, with clap (derive).
//!
//! clap tokenizes and checks the options each command declares; this module only words its errors,
//! because clap's own messages repeat the offending value (`invalid value 'X' for '--port'`) and a
//! value on these command lines may be a secret (serve's `--user`, a value given to the wrong
//! option, a stray argument, a URI with a password). A message here names the option, never its
//! value. Help is each command's hand-written text (`-h`/`--help` is an ordinary flag).

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, FromArgMatches, Parser};

/// How an argument that is not an option is named in an error: by position only, since it may be
/// a secret given without its option. `position` is 1-based among the command's arguments.
pub fn describe_unknown(arg: &str, position: usize) -> String {
    let (name, has_value) = match arg.split_once('=') {
        Some((n, _)) => (n, true),
        None => (arg, false),
    };
    let plain_name = name.starts_with('-')
        && name.len() <= 40
        && name[1..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    match (plain_name, has_value) {
        (true, false) => format!("unknown option {name}"),
        (true, true) => format!("unknown option {name}=<redacted>"),
        (false, _) => format!("unexpected argument #{position} (not an option; not shown)"),
    }
}

fn context_str(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => Some(v.join(", ")),
        _ => None,
    }
}

/// `--port <N>` -> `--port`.
fn option_name(spec: &str) -> &str {
    spec.split([' ', '=']).next().unwrap_or(spec)
}

/// The message for a clap error on `args` (the command's arguments, without its name), in the
/// project's words and without any value from the command line.
pub fn message(e: &clap::Error, args: &[String]) -> String {
    let arg = context_str(e, ContextKind::InvalidArg).unwrap_or_default();
    let flag = option_name(&arg);
    let text = match e.kind() {
        ErrorKind::UnknownArgument => {
            // clap reports `--name` (without `=value`), a short flag `-x` out of a cluster, or the
            // whole stray argument: find the argument it came from to name it safely.
            let found = args.iter().position(|a| {
                a == &arg
                    || (arg.starts_with("--") && a.starts_with(&format!("{arg}=")))
                    || (!arg.starts_with("--") && arg.starts_with('-') && a.starts_with(&arg))
            });
            match found {
                Some(i) => describe_unknown(&args[i], i + 1),
                None => "unexpected argument (not shown)".into(),
            }
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            match (
                std::error::Error::source(e),
                context_str(e, ContextKind::ValidValue).filter(|v| !v.is_empty()),
            ) {
                (Some(cause), _) => format!("{flag}: {cause}"),
                (None, Some(valid)) => format!("{flag}: expected one of {valid}"),
                (None, None) => format!("{flag} needs a value"),
            }
        }
        ErrorKind::TooManyValues | ErrorKind::NoEquals | ErrorKind::WrongNumberOfValues => {
            format!("{flag} takes no value here")
        }
        ErrorKind::ArgumentConflict => match context_str(e, ContextKind::PriorArg) {
            Some(other) => format!("{} and {flag} exclude each other", option_name(&other)),
            None => format!("{flag} cannot be used here"),
        },
        ErrorKind::MissingRequiredArgument => {
            let names: Vec<&str> = arg.split(", ").map(option_name).collect();
            format!("the options given also need {}", names.join(" and "))
        }
        ErrorKind::MissingSubcommand => "missing command".into(),
        _ => "invalid arguments".into(),
    };
    format!("{text} (see --help)")
}

/// One command's options as a parser of their own (for `parse`).
#[derive(Parser)]
#[command(no_binary_name = true, disable_help_flag = true)]
struct Only<A: Args> {
    #[command(flatten)]
    args: A,
}

/// Parses one command's arguments (`args`, without the command's name) into its options.
pub fn parse<A: Args + FromArgMatches>(args: &[String]) -> Result<A, String> {
    Only::<A>::try_parse_from(args)
        .map(|o| o.args)
        .map_err(|e| message(&e, args))
}

/// A command's options as its `options` checks them, or `None` where `help` (its `--help`) is set.
pub fn checked<A, O>(
    help: bool,
    a: A,
    options: impl FnOnce(A) -> Result<O, String>,
) -> Result<Option<O>, String> {
    if help {
        return Ok(None);
    }
    options(a).map(Some)
}

/// [`parse`] then [`checked`] (`help` reads the `--help` flag): what a command's tests check.
pub fn parse_checked<A: Args + FromArgMatches, O>(
    args: &[&str],
    help: impl FnOnce(&A) -> bool,
    options: impl FnOnce(A) -> Result<O, String>,
) -> Result<Option<O>, String> {
    let a: A = parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())?;
    checked(help(&a), a, options)
}

/// What a command runs with: its options (see [`checked`]), or the exit status it stops with at
/// once: 0 after `print_help` where `help` is set, else `usage_error`'s for an options error.
pub fn start<A, O>(
    help: bool,
    a: A,
    options: impl FnOnce(A) -> Result<O, String>,
    print_help: impl FnOnce(),
    usage_error: impl FnOnce(&str) -> i32,
) -> Result<O, i32> {
    match checked(help, a, options) {
        Ok(Some(o)) => Ok(o),
        Ok(None) => {
            print_help();
            Err(0)
        }
        Err(e) => Err(usage_error(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Args, Debug)]
    struct Demo {
        #[arg(long)]
        port: Option<u16>,
        #[arg(long)]
        flag: bool,
        #[arg(long, requires = "flag")]
        needs_flag: Option<String>,
    }

    fn p(v: &[&str]) -> Result<Demo, String> {
        parse::<Demo>(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn messages_never_repeat_a_value() {
        const SECRET: &str = "Zq9/xT7+vP3kLmN0sR8uW2yB5dF1gH4jK6cV0aQe";
        assert_eq!(p(&["--port", "7"]).unwrap().port, Some(7));
        assert_eq!(p(&["--port=7"]).unwrap().port, Some(7));
        let cases: &[(&[&str], &str)] = &[
            (&["--port", SECRET], "--port: "),
            (&["--port"], "--port needs a value (see --help)"),
            (&["--flag=x"], "--flag takes no value here (see --help)"),
            (
                &[SECRET],
                "unexpected argument #1 (not an option; not shown) (see --help)",
            ),
            (
                &["--flag", &format!("--{SECRET}")],
                "unexpected argument #2",
            ),
            (&[&format!("-{SECRET}")], "unexpected argument #1"),
            (&["--bogus"], "unknown option --bogus (see --help)"),
            (
                &[&format!("--bogus={SECRET}")],
                "unknown option --bogus=<redacted> (see --help)",
            ),
            (
                &["--needs-flag", SECRET],
                "the options given also need --flag (see --help)",
            ),
        ];
        for (args, want) in cases {
            let e = p(args).unwrap_err();
            assert!(e.starts_with(want), "{args:?}: {e}");
            for piece in SECRET.as_bytes().chunks(6) {
                assert!(!e.contains(std::str::from_utf8(piece).unwrap()), "{e}");
            }
        }
    }
}
