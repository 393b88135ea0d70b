//! # mongodb-aws — the runtime over the sans-IO core
//!
//! [`mongodb_aws_core::providers::chain`] holds every rule of MONGODB-AWS credential resolution
//! (source order, each source's steps, deadlines, retries, expiry, error mapping) as a state
//! machine without I/O. This crate runs it: it snapshots the environment, reads the files, does
//! the HTTP (ureq; rustls with webpki roots for https; no proxy, no redirects), enforces each
//! deadline as a whole-request deadline, sleeps between retries, and keeps the process-wide cache
//! (5-minute window, atomic replace, no lock during a fetch, one shared in-flight fetch,
//! generation counter, cleared after an authentication failure, environment credentials never
//! cached). The C, Python and Node bindings and the `mongodb-aws` command all call it.
//!
//! ```no_run
//! let creds = mongodb_aws::credentials()?;            // the driver's chain, cached
//! println!("{} from {}", creds.access_key_id(), creds.source().name());
//! // ... sign the MONGODB-AWS conversation with creds.as_core()? ...
//! // after a MONGODB-AWS authentication failure:
//! mongodb_aws::clear_cache();
//! # Ok::<(), mongodb_aws::Error>(())
//! ```
//!
//! A custom provider (the spec's `AWS_CREDENTIAL_PROVIDER`) runs before everything else and is
//! never cached: [`set_provider`].

#![deny(missing_docs)]
#![forbid(unsafe_code)]

/// The crate README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctest;

mod cache;
mod http;
pub mod owned;
mod process;
mod refusal;

pub use cache::{CacheOrigin, CredentialCache};
pub use mongodb_aws_core::providers::chain::{
    Decision, IoError, Subject, TraceEntry, Var, MAX_TRACE, VARS,
};
pub use mongodb_aws_core::providers::Source;
pub use mongodb_aws_core::UnixTime;
pub use refusal::{refusal_hint_for, ASSUMED_ROLE_HINT};

use mongodb_aws_core::providers::chain::{
    Action, Chain, Env, Failure, HttpAction, Outcome, Plan, MAX_READ_LEN,
};
use mongodb_aws_core::providers::{assume_role, get_caller_identity, saml, StsEndpoint};
use mongodb_aws_core::Error as CoreError;
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use zeroize::Zeroizing;

// ---------------------------------------------------------------------------------------------
// Credentials and errors
// ---------------------------------------------------------------------------------------------

/// Credentials owned by the runtime. The secret and token are zeroized on drop; `Debug` redacts them.
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    session_token: Option<Zeroizing<String>>,
    expiration: Option<UnixTime>,
    source: Source,
    arn: Option<String>,
    assumed_role_id: Option<String>,
    account_id: Option<String>,
    instance_role: Option<String>,
    origin: Option<Origin>,
    /// The chain said to keep them in the process-wide cache.
    pub(crate) cacheable: bool,
}

/// The profile of the AWS shared files that supplied a set of credentials: its name, the file
/// (path as used) and the 1-based line of its `[...]` section header. For a role chain, the
/// profile that was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The profile name.
    pub profile: String,
    /// The file.
    pub file: String,
    /// Line of the section header.
    pub line: u32,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expiration", &self.expiration)
            .field("source", &self.source)
            .field("arn", &self.arn)
            .field("origin", &self.origin)
            .finish()
    }
}

impl Credentials {
    /// Validated credentials from their parts (the core's rules; an empty token is none).
    pub fn new(
        access_key_id: &str,
        secret_access_key: &str,
        session_token: Option<&str>,
        expiration: Option<UnixTime>,
    ) -> Result<Self, Error> {
        let c = mongodb_aws_core::Credentials::new(access_key_id, secret_access_key, session_token)
            .map_err(Error::from)?;
        Ok(Credentials {
            access_key_id: c.access_key_id().to_string(),
            secret_access_key: Zeroizing::new(c.secret_access_key().to_string()),
            session_token: c.session_token().map(|t| Zeroizing::new(t.to_string())),
            expiration,
            source: Source::CustomProvider,
            arn: None,
            assumed_role_id: None,
            account_id: None,
            instance_role: None,
            origin: None,
            cacheable: false,
        })
    }

    fn from_outcome(o: &Outcome<'_>) -> Self {
        let f = &o.fetched;
        Credentials {
            access_key_id: f.credentials.access_key_id().to_string(),
            secret_access_key: Zeroizing::new(f.credentials.secret_access_key().to_string()),
            session_token: f
                .credentials
                .session_token()
                .map(|t| Zeroizing::new(t.to_string())),
            expiration: f.expiration,
            source: f.source,
            arn: f.arn.map(str::to_string),
            assumed_role_id: f.assumed_role_id.map(str::to_string),
            account_id: f.account_id.map(str::to_string),
            instance_role: o.instance_role.map(str::to_string),
            origin: o.origin.map(|p| Origin {
                profile: p.profile.to_string(),
                file: p.file.to_string(),
                line: p.line,
            }),
            cacheable: o.cache,
        }
    }

    #[cfg(test)]
    pub(crate) fn for_test(id: &str, expiration: Option<UnixTime>, source: Source) -> Self {
        let mut c =
            Credentials::new(id, "secret", None, expiration).unwrap_or_else(|e| panic!("{e}"));
        c.source = source;
        c.cacheable = source.is_cacheable();
        c
    }

    /// The borrowed, validated form the core signs with.
    pub fn as_core(&self) -> Result<mongodb_aws_core::Credentials<'_>, Error> {
        mongodb_aws_core::Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            self.session_token.as_ref().map(|t| t.as_str()),
        )
        .map_err(Error::from)
    }

    /// Access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }
    /// Secret access key (secret: never log it).
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }
    /// Session token (secret: never log it).
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_ref().map(|t| t.as_str())
    }
    /// When they expire (`None`: environment credentials, or a provider that gave none).
    pub fn expiration(&self) -> Option<UnixTime> {
        self.expiration
    }
    /// Where they came from.
    pub fn source(&self) -> Source {
        self.source
    }
    /// Role ARN (ECS `RoleArn`, STS `AssumedRoleUser.Arn`).
    pub fn arn(&self) -> Option<&str> {
        self.arn.as_deref()
    }
    /// STS `AssumedRoleUser.AssumedRoleId`.
    pub fn assumed_role_id(&self) -> Option<&str> {
        self.assumed_role_id.as_deref()
    }
    /// EKS Pod Identity `AccountId`.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }
    /// The EC2 instance role (IMDS).
    pub fn instance_role(&self) -> Option<&str> {
        self.instance_role.as_deref()
    }
    /// The profile, file and line that supplied them, when they came from the AWS shared files.
    pub fn origin(&self) -> Option<&Origin> {
        self.origin.as_ref()
    }
}

/// A failure: the core's typed error (stable name and number, shared by every host) and the one
/// message the chain writes for it (source, step, URL or file, status, STS Code and Message,
/// field). Never contains a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    error: CoreError,
    message: String,
    source: Option<Source>,
}

impl Error {
    fn from_failure(f: &Failure<'_>) -> Self {
        Error {
            error: f.error,
            message: f.to_string(),
            source: f.source,
        }
    }

    fn with(error: CoreError, detail: impl std::fmt::Display) -> Self {
        Error {
            error,
            message: format!("{} [{detail}]", error.message()),
            source: None,
        }
    }

    /// The core's error.
    pub fn error(&self) -> CoreError {
        self.error
    }
    /// Stable upper-case name (`"ENDPOINT_TIMEOUT"`).
    pub fn code(&self) -> &'static str {
        self.error.name()
    }
    /// Stable number.
    pub fn number(&self) -> u32 {
        self.error.code()
    }
    /// The full message.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The source that failed, when one was chosen.
    pub fn credential_source(&self) -> Option<Source> {
        self.source
    }
}

impl From<CoreError> for Error {
    fn from(error: CoreError) -> Self {
        Error {
            error,
            message: error.to_string(),
            source: None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error.name(), self.message)
    }
}

impl std::error::Error for Error {}

// ---------------------------------------------------------------------------------------------
// The custom provider hook
// ---------------------------------------------------------------------------------------------

/// An application-supplied provider (the spec's `AWS_CREDENTIAL_PROVIDER`): runs before every
/// other source; its answer is validated by the core and never cached. Its error text is kept in
/// the resulting [`Error`]'s message (it must not contain secrets).
pub type Provider = Arc<dyn Fn() -> Result<Provided, String> + Send + Sync>;

/// A custom provider's answer as it gave it: the chain validates it (an empty id with a secret is
/// `MISSING_ACCESS_KEY_ID`, a malformed id `INVALID_ACCESS_KEY_ID`, an answer expired or within 5
/// minutes of it `CREDENTIALS_EXPIRED`, ...). The secret and token are wiped on drop; `Debug`
/// redacts them.
#[derive(Clone, Default)]
pub struct Provided {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Zeroizing<String>,
    /// Session token (empty counts as none).
    pub session_token: Option<Zeroizing<String>>,
    /// When they expire, if the provider knows.
    pub expiration: Option<UnixTime>,
}

impl std::fmt::Debug for Provided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provided")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

impl From<&Credentials> for Provided {
    fn from(c: &Credentials) -> Self {
        Provided {
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.clone(),
            session_token: c.session_token.clone(),
            expiration: c.expiration,
        }
    }
}

fn provider_slot() -> &'static RwLock<Option<Provider>> {
    static SLOT: RwLock<Option<Provider>> = RwLock::new(None);
    &SLOT
}

/// Installs (or, with `None`, removes) the process-wide custom provider.
pub fn set_provider(provider: Option<Provider>) {
    *provider_slot().write().unwrap_or_else(|p| p.into_inner()) = provider;
}

fn installed_provider() -> Option<Provider> {
    provider_slot()
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

// ---------------------------------------------------------------------------------------------
// The MFA callback
// ---------------------------------------------------------------------------------------------

/// Gives the current code of an MFA device when a profile's role has `mfa_serial` (the CLI
/// prompts on the terminal; the bindings call the application's callable). `Err(message)` fails
/// the resolution with `MFA_CODE_UNAVAILABLE` and the message (it must not contain secrets).
/// Without one, such a profile fails with `MFA_CODE_REQUIRED`. A code given after
/// [`MfaRequest::timeout`] (the core's `MFA_TIMEOUT_MS`, or `MONGODB_AWS_MFA_TIMEOUT`) is refused
/// the same way; a provider that can stop waiting (Node's bridge to a Promise) stops then.
pub type MfaProvider = Arc<dyn Fn(&MfaRequest) -> Result<Zeroizing<String>, String> + Send + Sync>;

/// What an [`MfaProvider`] is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaRequest {
    /// The device: the profile's `mfa_serial` (an ARN or a hardware serial number).
    pub serial: String,
    /// The profile whose role needs it.
    pub profile: String,
    /// How long the provider may take: the chain's deadline for the code.
    pub timeout: Duration,
}

/// The provider's answer for `request`, refused when it came after the request's deadline.
fn ask_mfa(provider: &MfaProvider, request: &MfaRequest) -> Result<Zeroizing<String>, String> {
    let started = std::time::Instant::now();
    let answer = provider(request)?;
    let took = started.elapsed();
    if took > request.timeout {
        return Err(format!(
            "the MFA code came after {:.1} s, later than the deadline of {} s \
             (MONGODB_AWS_MFA_TIMEOUT sets it)",
            took.as_secs_f64(),
            Seconds(request.timeout)
        ));
    }
    Ok(answer)
}

/// A deadline in seconds as the variables write it: `300`, `0.5`.
struct Seconds(Duration);

impl std::fmt::Display for Seconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{}", ms / 1000)
        } else {
            write!(f, "{}", self.0.as_secs_f64())
        }
    }
}

fn mfa_slot() -> &'static RwLock<Option<MfaProvider>> {
    static SLOT: RwLock<Option<MfaProvider>> = RwLock::new(None);
    &SLOT
}

/// Installs (or, with `None`, removes) the process-wide MFA callback.
pub fn set_mfa_provider(provider: Option<MfaProvider>) {
    *mfa_slot().write().unwrap_or_else(|p| p.into_inner()) = provider;
}

fn installed_mfa() -> Option<MfaProvider> {
    mfa_slot().read().unwrap_or_else(|p| p.into_inner()).clone()
}

// ---------------------------------------------------------------------------------------------
// The resolver
// ---------------------------------------------------------------------------------------------

/// Credentials with where they came from.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The credentials (shared with the cache for endpoint sources).
    pub credentials: Arc<Credentials>,
    /// Whether they came out of the cache (this call made no request).
    pub from_cache: bool,
}

/// Runs the chain with explicit settings. [`credentials`] is `Resolver::new().resolve()`.
#[derive(Clone, Default)]
pub struct Resolver<'c> {
    env: Option<HashMap<String, Zeroizing<String>>>,
    provider: Option<Option<Provider>>,
    mfa: Option<Option<MfaProvider>>,
    profile: Option<String>,
    cache: Option<&'c CredentialCache>,
}

impl std::fmt::Debug for Resolver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver").finish_non_exhaustive()
    }
}

/// Owned values of [`VARS`], from the process or a map.
struct Snapshot(Vec<Option<Zeroizing<String>>>);

impl Snapshot {
    fn take(map: Option<&HashMap<String, Zeroizing<String>>>) -> Self {
        Snapshot(
            VARS.iter()
                .map(|n| {
                    match map {
                        Some(m) => m.get(*n).map(|v| v.to_string()),
                        None => std::env::var(n).ok(),
                    }
                    .map(Zeroizing::new)
                })
                .collect(),
        )
    }

    fn env(&self) -> Env<'_> {
        let mut it = self.0.iter();
        Env::from_fn(|_| it.next().and_then(|v| v.as_ref().map(|s| s.as_str())))
    }
}

fn random16() -> Result<[u8; 16], Error> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| Error::with(CoreError::InvalidParameter, format!("no randomness: {e}")))?;
    Ok(b)
}

/// The system clock in Unix seconds, as the chain and the cache read it (0 before 1970).
pub fn now() -> UnixTime {
    UnixTime(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

/// Reads at most `MAX_READ_LEN` bytes (enough for the chain to refuse a longer file).
fn read_file(path: &str) -> Result<Zeroizing<Vec<u8>>, IoError> {
    let f = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => IoError::NotFound,
        _ => IoError::Unreadable,
    })?;
    let mut buf = Zeroizing::new(Vec::new());
    f.take(MAX_READ_LEN as u64)
        .read_to_end(&mut buf)
        .map_err(|_| IoError::Unreadable)?;
    Ok(buf)
}

enum Ran {
    Done(Credentials),
    UseCache,
    /// A dry run reached its first HTTP request.
    Request(PlannedRequest),
}

/// The first HTTP request a resolution would send ([`Resolver::first_request`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedRequest {
    /// The method.
    pub method: &'static str,
    /// The URL, without query.
    pub url: String,
    /// What it is for (`"STS AssumeRole"`, `"IMDSv2 token"` ...).
    pub step: &'static str,
}

/// What [`Resolver::first_request`] found.
#[derive(Clone, Debug)]
pub enum DryRun {
    /// The resolution would send this request first (nothing was sent).
    Request(PlannedRequest),
    /// The resolution finished without any request.
    Resolved(Arc<Credentials>),
}

/// One HTTP exchange the runtime made, as diagnostics see it: the step, the URL without its query,
/// the status or transport failure, and the answer's `Date` header (to measure clock skew). No
/// other header, no body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// What the request was for (`"IMDSv2 token"`, `"STS GetCallerIdentity"` …).
    pub step: &'static str,
    /// The method.
    pub method: &'static str,
    /// The URL, without query.
    pub url: String,
    /// Which attempt (1-based).
    pub attempt: u8,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// What the transport reported instead of an answer.
    pub io: Option<IoError>,
    /// The answer's `Date` header, verbatim.
    pub date: Option<String>,
    /// When the request was sent (this machine's clock).
    pub sent_at: std::time::SystemTime,
    /// How long the exchange took.
    pub elapsed: Duration,
}

/// Sends one request, noting the exchange in `log` when there is one.
fn send_logged(
    h: &HttpAction<'_>,
    log: &mut Option<&mut Vec<Exchange>>,
) -> Result<http::Response, IoError> {
    let sent_at = std::time::SystemTime::now();
    let started = std::time::Instant::now();
    let r = http::send(h);
    if let Some(log) = log.as_deref_mut() {
        let mut url = String::new();
        let _ = h.request.write_url(&mut url);
        let (status, io, date) = match &r {
            Ok(resp) => (
                Some(resp.status),
                None,
                resp.headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("date"))
                    .map(|(_, v)| v.clone()),
            ),
            Err(e) => (None, Some(*e), None),
        };
        log.push(Exchange {
            step: h.step,
            method: h.request.method(),
            url,
            attempt: h.attempt,
            status,
            io,
            date,
            sent_at,
            elapsed: started.elapsed(),
        });
    }
    r
}

/// Drives a chain to its end: the only I/O loop of the project.
fn drive(
    chain: &mut Chain<'_>,
    provider: Option<&Provider>,
    mfa: Option<&MfaProvider>,
    mut log: Option<&mut Vec<Exchange>>,
    dry: bool,
) -> Result<Ran, Error> {
    let mut provider_error: Option<String> = None;
    loop {
        match chain.poll() {
            Action::Http(h) if dry => {
                let mut url = String::new();
                let _ = h.request.write_url(&mut url);
                return Ok(Ran::Request(PlannedRequest {
                    method: h.request.method(),
                    url,
                    step: h.step,
                }));
            }
            Action::RunProcess(p) => match process::run(&p) {
                Ok(exit) => chain.on_process_exit(exit.code, &exit.stdout, &exit.stderr),
                Err(e) => chain.on_io_error(e),
            },
            Action::AskMfa {
                serial,
                profile,
                timeout_ms,
            } => {
                let request = MfaRequest {
                    serial: serial.to_string(),
                    profile: profile.to_string(),
                    timeout: Duration::from_millis(u64::from(timeout_ms)),
                };
                match mfa.map(|m| ask_mfa(m, &request)) {
                    Some(Ok(code)) => chain.on_mfa_code(&code),
                    Some(Err(msg)) => {
                        provider_error = Some(msg);
                        chain.on_mfa_failed()
                    }
                    None => chain.on_mfa_unavailable(),
                }
            }
            Action::WriteFile { path, content } => match process::write_atomic(path, content) {
                Ok(()) => chain.on_written(),
                Err(e) => chain.on_io_error(e),
            },
            Action::ReadFile { path, .. } => match read_file(path) {
                Ok(content) => chain.on_file(&content),
                Err(e) => chain.on_io_error(e),
            },
            Action::Http(h) => match send_logged(&h, &mut log) {
                Ok(r) => {
                    let headers: Vec<(&str, &str)> = r
                        .headers
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.as_str()))
                        .collect();
                    chain.on_response(r.status, &headers, &r.body)
                }
                Err(e) => chain.on_io_error(e),
            },
            Action::Wait { millis } => {
                std::thread::sleep(Duration::from_millis(u64::from(millis)));
                chain.on_wake();
            }
            Action::CallProvider => match provider.map(|p| p()) {
                Some(Ok(p)) => chain.on_provided(
                    &p.access_key_id,
                    &p.secret_access_key,
                    p.session_token.as_ref().map(|t| t.as_str()),
                    p.expiration,
                ),
                Some(Err(msg)) => {
                    provider_error = Some(msg);
                    chain.on_provider_failed()
                }
                None => chain.on_provider_failed(),
            },
            Action::UseCache => return Ok(Ran::UseCache),
            Action::Done(o) => return Ok(Ran::Done(Credentials::from_outcome(&o))),
            Action::Failed(f) => {
                let mut e = Error::from_failure(&f);
                if let Some(p) = provider_error.take() {
                    e.message = format!("{}: {p}", e.message);
                }
                return Err(e);
            }
        }
    }
}

impl<'c> Resolver<'c> {
    /// The default: the process environment, the process-wide cache, the installed provider.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the chain's variables from `vars` instead of the process environment.
    /// The values (they may hold secrets) are wiped when the resolver is dropped.
    pub fn env(mut self, vars: HashMap<String, String>) -> Self {
        self.env = Some(
            vars.into_iter()
                .map(|(k, v)| (k, Zeroizing::new(v)))
                .collect(),
        );
        self
    }

    /// Uses `provider` (or none) instead of the one installed with [`set_provider`].
    pub fn provider(mut self, provider: Option<Provider>) -> Self {
        self.provider = Some(provider);
        self
    }

    /// Resolves the profile `name` of the AWS shared files (`None`: `AWS_DEFAULT_PROFILE`, else
    /// `AWS_PROFILE`, else `default`). Like those variables, it does not switch environment keys
    /// off (they come first in the order), and a name in neither file is `PROFILE_NOT_FOUND`.
    pub fn profile(mut self, name: Option<String>) -> Self {
        self.profile = name;
        self
    }

    /// Uses `mfa` (or none) instead of the MFA callback installed with [`set_mfa_provider`].
    pub fn mfa(mut self, mfa: Option<MfaProvider>) -> Self {
        self.mfa = Some(mfa);
        self
    }

    fn the_mfa(&self) -> Option<MfaProvider> {
        match &self.mfa {
            Some(m) => m.clone(),
            None => installed_mfa(),
        }
    }

    /// Uses `cache` instead of the process-wide one.
    pub fn cache(mut self, cache: &'c CredentialCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The cache: the one given with [`Resolver::cache`], else the process-wide one of the
    /// selected profile when one is named (option, `AWS_DEFAULT_PROFILE`, `AWS_PROFILE`), else
    /// the process-wide default.
    fn cache_for(&self, env: &Env<'_>) -> &'c CredentialCache {
        match self.cache {
            Some(c) => c,
            None => match env.selected_profile(self.profile.as_deref()) {
                (name, Some(_)) => cache::for_profile(name),
                (_, None) => cache::global(),
            },
        }
    }

    /// The credentials in the cache [`Resolver::resolve`] uses (see [`Resolver::cache`]: the one
    /// given, else the selected profile's, else the process-wide default), fresh or not; `None`
    /// when it is empty. For diagnostics and a driver's cache hooks. Reads nothing but the
    /// environment snapshot: no file, no I/O.
    pub fn cached(&self) -> Option<Arc<Credentials>> {
        let snapshot = Snapshot::take(self.env.as_ref());
        self.cache_for(&snapshot.env()).peek()
    }

    /// Runs the resolution without the cache and without sending anything: files are read,
    /// a `credential_process` runs and the MFA callback is asked as in [`Resolver::resolve`],
    /// but at the first HTTP request it stops and returns that request (which STS, SSO or
    /// metadata host, which step). For diagnostics and the differential tests.
    pub fn first_request(&self) -> Result<DryRun, Error> {
        let provider = match &self.provider {
            Some(p) => p.clone(),
            None => installed_provider(),
        };
        let mfa = self.the_mfa();
        let snapshot = Snapshot::take(self.env.as_ref());
        let mut chain = boxed_chain(
            snapshot.env(),
            Plan::Default {
                custom_provider: provider.is_some(),
                fresh_cache: false,
                profile: self.profile.as_deref(),
            },
            now(),
            random16()?,
        );
        match drive(&mut chain, provider.as_ref(), mfa.as_ref(), None, true)? {
            Ran::Request(r) => Ok(DryRun::Request(r)),
            Ran::Done(c) => Ok(DryRun::Resolved(Arc::new(c))),
            Ran::UseCache => Err(Error::from(CoreError::UnexpectedChainEvent)),
        }
    }

    /// Resolves credentials as a driver does.
    pub fn resolve(&self) -> Result<Resolved, Error> {
        self.run_default(None, |_| ()).0
    }

    /// Resolves credentials as [`Resolver::resolve`] does, and returns with the result the chain's
    /// trace (every source considered, taken, skipped or shadowed and why; each file read and
    /// request) and every HTTP exchange made (with its `Date` header). When another caller's
    /// fetch was in flight and its answer was shared, the trace ends at the selection and no
    /// exchange is listed. For diagnostics (`mongodb-aws doctor`).
    pub fn resolve_traced(&self) -> Traced {
        let mut exchanges = Vec::new();
        let (result, (trace, trace_dropped)) = self.run_default(Some(&mut exchanges), |c| {
            (c.trace().to_vec(), c.trace_dropped())
        });
        Traced {
            result,
            trace,
            trace_dropped,
            exchanges,
        }
    }

    /// Runs the default chain; `inspect` sees the chain once it ended.
    /// (`R::default()` when no chain could be made.)
    fn run_default<R: Default>(
        &self,
        mut log: Option<&mut Vec<Exchange>>,
        inspect: impl FnOnce(&Chain<'_>) -> R,
    ) -> (Result<Resolved, Error>, R) {
        let provider = match &self.provider {
            Some(p) => p.clone(),
            None => installed_provider(),
        };
        let snapshot = Snapshot::take(self.env.as_ref());
        let cache = self.cache_for(&snapshot.env());
        let fresh = cache.get_fresh(now());
        let random = match random16() {
            Ok(r) => r,
            Err(e) => return (Err(e), R::default()),
        };
        let mut chain = boxed_chain(
            snapshot.env(),
            Plan::Default {
                custom_provider: provider.is_some(),
                fresh_cache: fresh.is_some(),
                profile: self.profile.as_deref(),
            },
            now(),
            random,
        );
        // Custom provider, cache and environment resolve without I/O and bypass the cache;
        // endpoint sources go through the cache's single flight.
        let mfa = self.the_mfa();
        let needs_io = matches!(
            chain.poll(),
            Action::ReadFile { .. }
                | Action::Http(_)
                | Action::Wait { .. }
                | Action::RunProcess(_)
                | Action::AskMfa { .. }
                | Action::WriteFile { .. }
        );
        let result = if !needs_io {
            match drive(&mut chain, provider.as_ref(), mfa.as_ref(), log, false) {
                Ok(Ran::Done(c)) => Ok(Resolved {
                    credentials: Arc::new(c),
                    from_cache: false,
                }),
                Ok(Ran::Request(_)) => Err(Error::from(CoreError::UnexpectedChainEvent)),
                Ok(Ran::UseCache) => match fresh {
                    Some(c) => Ok(Resolved {
                        credentials: c,
                        from_cache: true,
                    }),
                    None => Err(Error::from(CoreError::UnexpectedChainEvent)),
                },
                Err(e) => Err(e),
            }
        } else {
            let (result, origin) = cache.get_or_fetch(now, || {
                match drive(
                    &mut chain,
                    provider.as_ref(),
                    mfa.as_ref(),
                    log.take(),
                    false,
                ) {
                    Ok(Ran::Done(c)) => Ok(Arc::new(c)),
                    Ok(Ran::UseCache | Ran::Request(_)) => {
                        Err(Error::from(CoreError::UnexpectedChainEvent))
                    }
                    Err(e) => Err(e),
                }
            });
            result.map(|c| Resolved {
                credentials: c,
                from_cache: origin == CacheOrigin::Cached,
            })
        };
        let seen = inspect(&chain);
        (result, seen)
    }
}

/// What [`Resolver::resolve_traced`] found.
#[derive(Clone, Debug)]
pub struct Traced {
    /// The resolution, exactly as [`Resolver::resolve`] would have returned it.
    pub result: Result<Resolved, Error>,
    /// The chain's trace, in order.
    pub trace: Vec<TraceEntry>,
    /// Trace entries that did not fit ([`MAX_TRACE`]).
    pub trace_dropped: u16,
    /// The HTTP exchanges the chain made, in order.
    pub exchanges: Vec<Exchange>,
}

/// The driver's chain with the process environment, the process-wide cache and the installed
/// provider.
pub fn credentials() -> Result<Arc<Credentials>, Error> {
    Resolver::new().resolve().map(|r| r.credentials)
}

/// Empties the process-wide caches (the default one and those of named profiles). Call after
/// any MONGODB-AWS authentication failure.
pub fn clear_cache() {
    cache::clear_all();
}

/// The process-wide cache of resolutions that name no profile (a named profile has its own:
/// [`Resolver::cached`] finds the one a resolver uses).
pub fn global_cache() -> &'static CredentialCache {
    cache::global()
}

// ---------------------------------------------------------------------------------------------
// Explicit STS calls
// ---------------------------------------------------------------------------------------------

/// Options of an explicit STS AssumeRole.
#[derive(Clone, Debug, Default)]
pub struct AssumeRole {
    /// Role to assume.
    pub role_arn: String,
    /// Session name (generated when `None`).
    pub session_name: Option<String>,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
    /// MFA device serial number and its current code.
    pub mfa: Option<(String, String)>,
}

/// Options of an explicit STS AssumeRoleWithSAML.
#[derive(Clone, Debug, Default)]
pub struct AssumeRoleWithSaml {
    /// Role to assume.
    pub role_arn: String,
    /// SAML provider ARN.
    pub principal_arn: String,
    /// Path of a file holding the base64 SAML response (whitespace ignored).
    pub assertion_file: String,
    /// `DurationSeconds`.
    pub duration_seconds: Option<u32>,
}

/// A chain built in its box (about 230 KiB): [`Chain::new`] is always inlined, so an optimised
/// build writes it straight into the allocation, never onto the caller's stack (a resolve works on
/// a 128 KiB thread: musl's default, tests/small_stack.rs).
fn boxed_chain<'a>(
    env: Env<'a>,
    plan: Plan<'a>,
    now: UnixTime,
    random: [u8; 16],
) -> Box<Chain<'a>> {
    Box::write(Box::new_uninit(), Chain::new(env, plan, now, random))
}

fn run_plan(snapshot: &Snapshot, plan: Plan<'_>) -> Result<Credentials, Error> {
    let mut chain = boxed_chain(snapshot.env(), plan, now(), random16()?);
    match drive(&mut chain, None, None, None, false)? {
        Ran::Done(c) => Ok(c),
        Ran::UseCache | Ran::Request(_) => Err(Error::from(CoreError::UnexpectedChainEvent)),
    }
}

/// STS AssumeRole signed with `base` (STS endpoint from the environment: `AWS_REGION`,
/// `AWS_STS_REGIONAL_ENDPOINTS`, `MONGODB_AWS_STS_ENDPOINT`).
pub fn assume_role(base: &Credentials, o: &AssumeRole) -> Result<Credentials, Error> {
    Resolver::new().assume_role(base, o)
}

/// STS AssumeRoleWithSAML.
pub fn assume_role_with_saml(o: &AssumeRoleWithSaml) -> Result<Credentials, Error> {
    Resolver::new().assume_role_with_saml(o)
}

/// Calls STS GetCallerIdentity with `creds` (endpoint from the environment, as for AssumeRole).
pub fn caller_identity(creds: &Credentials) -> Result<CallerIdentity, Error> {
    Resolver::new().caller_identity(creds)
}

/// What STS GetCallerIdentity says about a set of credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The caller's ARN.
    pub arn: String,
    /// `UserId`.
    pub user_id: Option<String>,
    /// `Account`.
    pub account: Option<String>,
    /// The MongoDB `$external` user the server maps this ARN to.
    pub mongodb_user: String,
}

impl Resolver<'_> {
    /// STS AssumeRole signed with `base`, with this resolver's environment.
    pub fn assume_role(&self, base: &Credentials, o: &AssumeRole) -> Result<Credentials, Error> {
        let snapshot = Snapshot::take(self.env.as_ref());
        run_plan(
            &snapshot,
            Plan::AssumeRole {
                base: base.as_core()?,
                role_arn: &o.role_arn,
                session_name: o.session_name.as_deref(),
                external_id: o.external_id.as_deref(),
                duration_seconds: o.duration_seconds,
                mfa: o.mfa.as_ref().map(|(s, c)| assume_role::Mfa {
                    serial_number: s,
                    token_code: c,
                }),
            },
        )
    }

    /// STS AssumeRoleWithSAML, with this resolver's environment.
    pub fn assume_role_with_saml(&self, o: &AssumeRoleWithSaml) -> Result<Credentials, Error> {
        let mut content = std::fs::read(&o.assertion_file)
            .map(Zeroizing::new)
            .map_err(|e| {
                Error::with(
                    CoreError::FileUnreadable,
                    format!("file {}: {}", o.assertion_file, e.kind()),
                )
            })?;
        let assertion = saml::assertion_from_file(&mut content)
            .map_err(|e| Error::with(e, format!("file {}", o.assertion_file)))?;
        let snapshot = Snapshot::take(self.env.as_ref());
        run_plan(
            &snapshot,
            Plan::Saml {
                role_arn: &o.role_arn,
                principal_arn: &o.principal_arn,
                assertion,
                duration_seconds: o.duration_seconds,
            },
        )
    }

    /// STS AssumeRoleWithSAML with the base64 SAML response itself (ASCII whitespace ignored, as
    /// in a file; `o.assertion_file` is not read), with this resolver's environment. For hosts
    /// whose API takes the assertion rather than a file.
    pub fn assume_role_with_saml_assertion(
        &self,
        o: &AssumeRoleWithSaml,
        assertion: &str,
    ) -> Result<Credentials, Error> {
        let mut content = Zeroizing::new(assertion.as_bytes().to_vec());
        let assertion = saml::assertion_from_file(&mut content)?;
        let snapshot = Snapshot::take(self.env.as_ref());
        run_plan(
            &snapshot,
            Plan::Saml {
                role_arn: &o.role_arn,
                principal_arn: &o.principal_arn,
                assertion,
                duration_seconds: o.duration_seconds,
            },
        )
    }

    /// STS GetCallerIdentity with `creds`, with this resolver's environment.
    pub fn caller_identity(&self, creds: &Credentials) -> Result<CallerIdentity, Error> {
        let snapshot = Snapshot::take(self.env.as_ref());
        let env = snapshot.env();
        caller_identity_at(creds, &sts_endpoint(&env), &mut None)
    }

    /// GetCallerIdentity at the global STS endpoint and, when `AWS_REGION` is set, at the
    /// regional one too (whatever `AWS_STS_REGIONAL_ENDPOINTS` says: a host that can reach only
    /// one of them fails every STS call of the other mode). The core resolves both URLs;
    /// `MONGODB_AWS_STS_ENDPOINT` replaces them as for every STS call, and
    /// [`REGIONAL_STS_ENDPOINT_OVERRIDE_VAR`] the regional one (tests). For diagnostics.
    pub fn caller_identity_probes(&self, creds: &Credentials) -> Vec<StsProbe> {
        let snapshot = Snapshot::take(self.env.as_ref());
        let env = snapshot.env();
        let regional_override = match &self.env {
            Some(m) => m
                .get(REGIONAL_STS_ENDPOINT_OVERRIDE_VAR)
                .map(|v| v.to_string()),
            None => std::env::var(REGIONAL_STS_ENDPOINT_OVERRIDE_VAR).ok(),
        }
        .filter(|v| !v.is_empty());
        let real_url = |sts: StsEndpoint<'_>| -> Option<String> {
            let (ep, _) = StsEndpoint {
                override_url: None,
                ..sts
            }
            .resolve()
            .ok()?;
            Some(base_url(&ep))
        };
        let configured = real_url(sts_endpoint(&env));
        let global = StsEndpoint {
            regional_endpoints: None,
            ..sts_endpoint(&env)
        };
        let mut targets = vec![(StsTarget::Global, global)];
        if env.get(Var::Region).is_some() {
            targets.push((
                StsTarget::Regional,
                StsEndpoint {
                    override_url: regional_override
                        .as_deref()
                        .or(env.get(Var::StsEndpointOverride)),
                    regional_endpoints: Some("regional"),
                    region: env.get(Var::Region),
                },
            ));
        }
        targets
            .into_iter()
            .map(|(target, sts)| {
                let mut log = Vec::new();
                let result = caller_identity_at(creds, &sts, &mut Some(&mut log));
                let url = log.first().map(|x| x.url.clone()).unwrap_or_else(|| {
                    sts.resolve()
                        .map(|(ep, _)| base_url(&ep))
                        .unwrap_or_default()
                });
                StsProbe {
                    target,
                    configured: configured.is_some() && real_url(sts) == configured,
                    url,
                    result,
                    exchange: log.pop(),
                }
            })
            .collect()
    }
}

/// The variable that replaces the regional STS endpoint in
/// [`Resolver::caller_identity_probes`] (a test override, like `MONGODB_AWS_STS_ENDPOINT`; base
/// URL, plain http only on loopback).
pub const REGIONAL_STS_ENDPOINT_OVERRIDE_VAR: &str = "MONGODB_AWS_STS_REGIONAL_ENDPOINT";

/// Which STS endpoint a probe called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StsTarget {
    /// `https://sts.amazonaws.com`.
    Global,
    /// `https://sts.<AWS_REGION>.amazonaws.com`.
    Regional,
}

impl StsTarget {
    /// `global` or `regional`.
    pub fn name(self) -> &'static str {
        match self {
            StsTarget::Global => "global",
            StsTarget::Regional => "regional",
        }
    }
}

/// One GetCallerIdentity probe of [`Resolver::caller_identity_probes`].
#[derive(Clone, Debug)]
pub struct StsProbe {
    /// Which endpoint.
    pub target: StsTarget,
    /// Whether the chain's own STS calls (web identity) use this endpoint
    /// (`AWS_STS_REGIONAL_ENDPOINTS`, `AWS_REGION`).
    pub configured: bool,
    /// The URL called.
    pub url: String,
    /// What STS said.
    pub result: Result<CallerIdentity, Error>,
    /// The exchange (with STS's `Date`), when a request was sent.
    pub exchange: Option<Exchange>,
}

fn base_url(ep: &mongodb_aws_core::providers::Endpoint) -> String {
    format!("{}://{}/", ep.scheme().as_str(), ep.authority())
}

fn sts_endpoint<'e>(env: &Env<'e>) -> StsEndpoint<'e> {
    StsEndpoint {
        override_url: env.get(Var::StsEndpointOverride),
        regional_endpoints: env.get(Var::StsRegionalEndpoints),
        region: env.get(Var::Region),
    }
}

/// GetCallerIdentity with `creds` at `sts`.
fn caller_identity_at(
    creds: &Credentials,
    sts: &StsEndpoint<'_>,
    log: &mut Option<&mut Vec<Exchange>>,
) -> Result<CallerIdentity, Error> {
    use mongodb_aws_core::caller_identity::{parse_reply, user_name, StsReply};
    use mongodb_aws_core::providers::chain::{ENDPOINT_TIMEOUT_MS, STS_CONNECT_TIMEOUT_MS};
    let c = creds.as_core()?;
    let plan = get_caller_identity::request(&c, sts, now())?;
    let mut url = String::new();
    let _ = plan.write_url(&mut url);
    let action = HttpAction {
        request: plan,
        connect_timeout_ms: STS_CONNECT_TIMEOUT_MS,
        timeout_ms: ENDPOINT_TIMEOUT_MS,
        attempt: 1,
        step: "STS GetCallerIdentity",
    };
    let r = send_logged(&action, log).map_err(|e| {
        Error::with(
            match e {
                IoError::ConnectTimeout | IoError::Timeout => CoreError::EndpointTimeout,
                IoError::Refused => CoreError::EndpointUnreachable,
                _ => CoreError::EndpointBadResponse,
            },
            format!("POST {url}: {e:?}"),
        )
    })?;
    let mut scratch = Zeroizing::new(vec![0u8; r.body.len()]);
    match parse_reply(r.status, &r.body, &mut scratch)
        .map_err(|e| Error::with(e, format!("POST {url}")))?
    {
        StsReply::Identity(id) => Ok(CallerIdentity {
            arn: id.arn.to_string(),
            user_id: id.user_id.map(str::to_string),
            account: id.account.map(str::to_string),
            mongodb_user: user_name(id.arn)?.to_string(),
        }),
        StsReply::Rejected(e) => Err(Error::with(
            CoreError::StsErrorResponse,
            format!(
                "POST {url}; HTTP {}; STS {}: {}",
                r.status, e.code, e.message
            ),
        )),
    }
}
