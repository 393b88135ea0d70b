//! MFA codes for the CLI: asked for on the terminal without echo (as botocore's `getpass`), or one
//! line each from stdin when stdin is not a terminal (a script pipes them in; the prompt goes to
//! stderr). The code is never printed.

use mongodb_aws::{MfaProvider, MfaRequest};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::sync::Arc;
use zeroize::Zeroizing;

/// Longest line read for one code (MFA codes are 6 digits; the rest is room for stray spaces).
const MAX_LINE: u64 = 64;

/// Writes the prompt `Enter MFA code for SERIAL: ` (botocore's) to `prompt` and reads one line
/// from `input`: the code with surrounding whitespace removed.
pub fn read_code(
    serial: &str,
    input: &mut dyn BufRead,
    prompt: &mut dyn Write,
) -> Result<Zeroizing<String>, String> {
    let _ = write!(prompt, "Enter MFA code for {serial}: ");
    let _ = prompt.flush();
    let mut line = Zeroizing::new(String::with_capacity(MAX_LINE as usize + 1));
    let n = input
        .take(MAX_LINE)
        .read_line(&mut line)
        .map_err(|e| format!("cannot read it from stdin: {e}"))?;
    if n == 0 {
        return Err("stdin ended before a code (give one line per MFA code)".into());
    }
    if n as u64 == MAX_LINE && !line.ends_with('\n') {
        return Err(format!("the line read is longer than {MAX_LINE} bytes"));
    }
    let code = line.trim();
    if code.is_empty() {
        return Err("an empty line was read".into());
    }
    Ok(Zeroizing::new(code.to_string()))
}

/// Asks for the code of `serial`: on the controlling terminal with echo off when stdin is one
/// (`rpassword`, as botocore's `getpass.getpass`), else one line from stdin with the prompt on
/// stderr.
pub fn ask(serial: &str) -> Result<Zeroizing<String>, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let line = Zeroizing::new(
            rpassword::prompt_password(format!("Enter MFA code for {serial}: "))
                .map_err(|e| format!("cannot read it from the terminal: {e}"))?,
        );
        let code = line.trim();
        if code.is_empty() || code.len() as u64 > MAX_LINE {
            return Err(format!(
                "expected a code of 1 to {MAX_LINE} characters, read {} characters",
                code.len()
            ));
        }
        return Ok(Zeroizing::new(code.to_string()));
    }
    let mut stderr = std::io::stderr().lock();
    let code = read_code(serial, &mut stdin.lock(), &mut stderr);
    // A pipe does not echo the line's end: end the prompt's line.
    let _ = writeln!(stderr);
    code
}

/// The runtime's MFA callback for the CLI: [`ask`].
pub fn terminal() -> MfaProvider {
    Arc::new(|r: &MfaRequest| ask(&r.serial))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_code() {
        let mut input: &[u8] = b" 123456 \r\n654321\n";
        let mut prompt = Vec::new();
        let a = read_code("arn:aws:iam::1:mfa/u", &mut input, &mut prompt).unwrap();
        let b = read_code("arn:aws:iam::1:mfa/u", &mut input, &mut prompt).unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("123456", "654321"));
        assert_eq!(
            String::from_utf8(prompt).unwrap(),
            "Enter MFA code for arn:aws:iam::1:mfa/u: ".repeat(2)
        );
        assert!(read_code("s", &mut input, &mut Vec::new())
            .unwrap_err()
            .contains("stdin ended"));
        let mut blank: &[u8] = b"\n";
        assert!(read_code("s", &mut blank, &mut Vec::new()).is_err());
        let long = [b'1'; 100];
        assert!(read_code("s", &mut &long[..], &mut Vec::new())
            .unwrap_err()
            .contains("longer than 64"));
    }
}
