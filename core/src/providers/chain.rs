//! THE credential chain, as a sans-IO state machine (the quinn-proto pattern): every rule of
//! credential resolution lives here, once; a runtime (the `mongodb-aws` crate, or a driver's own
//! HTTP stack through the C ABI) carries out the I/O the chain asks for.
//!
//! ```text
//! let mut chain = Chain::new(env, Plan::Default { custom_provider, fresh_cache }, now, random);
//! loop {
//!     match chain.poll() {
//!         Action::ReadFile { path }        => read it; chain.on_file(&bytes) or chain.on_io_error(IoError::NotFound)
//!         Action::Http(h)                  => send h.request with h.connect_timeout_ms / h.timeout_ms (whole request);
//!                                             chain.on_response(status, &headers, &body) or chain.on_io_error(..)
//!         Action::Wait { millis }          => sleep; chain.on_wake()
//!         Action::CallProvider             => call the application's provider; chain.on_provided(..)
//!         Action::UseCache                 => answer from the process-wide cache (it is fresh)
//!         Action::Done(outcome)            => credentials (+ whether to cache them)
//!         Action::Failed(failure)          => one typed Error with its detail
//!     }
//! }
//! ```
//!
//! # Rules (PROTOCOL.md A7, A8; the AWS SDKs where the MongoDB spec is silent)
//!
//! **Order** ([`crate::cache::consider`], the one place it is written): custom provider; fresh
//! cached endpoint credentials;
//! environment (any of the three variables non-empty); web identity (token file and role ARN);
//! ECS (relative URI); container full URI; EC2 IMDSv2 unless `AWS_EC2_METADATA_DISABLED=true`
//! ([`Error::NoCredentials`]). There is no fall-back: the chosen source's answer is the answer.
//!
//! **Deadlines** (each a whole-request deadline: connect, send and the complete answer):
//!
//! | source | connect | whole request | retries (attempts in all) |
//! |---|---|---|---|
//! | EC2 IMDS, each of its 3 steps | 1 s | 1 s | `AWS_METADATA_SERVICE_NUM_ATTEMPTS` (default 1, 1..=10) on 429/5xx, timeout, refused, reset; no backoff |
//! | ECS, container full URI | 2 s | 10 s | 3 on 429/500/502/503/504 and reset/closed; backoff 200 ms, 400 ms |
//! | STS (web identity, AssumeRole, SAML) | 5 s | 10 s | 3 on 429/500/502/503/504, throttling codes, `IDPCommunicationError`, reset/closed; backoff 200 ms, 400 ms |
//!
//! `AWS_METADATA_SERVICE_TIMEOUT` (seconds, integer or decimal, > 0 and ≤ 3600) replaces the IMDS
//! connect and request deadlines; as in the AWS SDKs it applies to IMDS only. An invalid value of
//! either variable is [`Error::InvalidEnvironmentVariable`].
//!
//! **Errors** (after the retries): a status other than 200 is [`Error::EndpointHttpStatus`]
//! (redirects are not followed), except that an STS error document at any status is
//! [`Error::StsErrorResponse`] with its Code and Message; refused is
//! [`Error::EndpointUnreachable`]; closed, reset, truncated, oversized (over
//! [`MAX_RESPONSE_LEN`](super::MAX_RESPONSE_LEN)) or non-HTTP answers are
//! [`Error::EndpointBadResponse`]; a connect timeout is [`Error::EndpointTimeout`]; a request timeout
//! is [`Error::EndpointTimeout`] except on the IMDS token PUT, where it is
//! [`Error::ImdsTokenTimeout`] (the hop-limit symptom); a missing or unreadable file is
//! [`Error::FileUnreadable`]; credentials that expired or expire within 5 minutes
//! ([`crate::cache::REFRESH_WINDOW_SECONDS`]) are [`Error::CredentialsExpired`]. STS answers must
//! carry `SessionToken`. Every [`Failure`] names the source, the step, the URL (without query),
//! the file or variable, the HTTP status, the STS Code/Message and the missing field where they
//! apply; none carries a secret.
//!
//! **Trace** ([`Chain::trace`]): every candidate of the order, [taken, skipped or
//! shadowed](Decision) with the reason and the variable that decided it, then each file read and
//! request (step, attempt, the variable naming its endpoint, the status or I/O failure), then
//! success or failure; at most [`MAX_TRACE`] entries, static text only. `mongodb-aws doctor`
//! prints it.
//!
//! **Limits** (fixed-capacity buffers; PROTOCOL.md A10): files [`MAX_FILE_LEN`], session token
//! [`MAX_SESSION_TOKEN_LEN`], ARN 2048, IMDS token [`imds::MAX_TOKEN_LEN`], role name 64.

use super::{
    assume_role, container, ecs, env as env_src, imds, profile, saml, sts_response, web_identity,
    FetchedCredentials, RandomSessionName, RequestPlan, Source, StsEndpoint,
};
use crate::cache::{consider, is_fresh, ChainInputs, Step, REFRESH_WINDOW_SECONDS};
use crate::credentials::{MAX_ACCESS_KEY_ID_LEN, MAX_SECRET_LEN};
use crate::{AmzDate, Credentials, Error, UnixTime};
use core::fmt;
use zeroize::Zeroize;

/// Largest file the chain reads (a web identity token is at most 20000 characters; an
/// authorization token file is small).
pub const MAX_FILE_LEN: usize = 20 * 1024;
/// Longest session token the chain keeps (AWS: "make no assumption"; STS tokens are 1–2 KB,
/// larger with session policies and tags).
pub const MAX_SESSION_TOKEN_LEN: usize = 16 * 1024;
/// Longest ARN kept (the STS limit).
pub const MAX_ARN_LEN: usize = 2048;
/// Unescaping room for one answer's strings.
const SCRATCH_LEN: usize = 20 * 1024;
/// Largest backoff honoured from a `Retry-After` header.
const MAX_RETRY_AFTER_MS: u32 = 2_000;

/// Attempts in all for the container endpoints and STS.
pub const ENDPOINT_ATTEMPTS: u8 = 3;
/// Backoff before attempt 2; doubled before each later attempt.
pub const BACKOFF_BASE_MS: u32 = 200;
/// IMDS deadline (connect and whole request) when `AWS_METADATA_SERVICE_TIMEOUT` is unset.
pub const IMDS_TIMEOUT_MS: u32 = 1_000;
/// Container endpoints: connect deadline.
pub const CONTAINER_CONNECT_TIMEOUT_MS: u32 = 2_000;
/// Container endpoints and STS: whole-request deadline (the MongoDB spec's 10 s).
pub const ENDPOINT_TIMEOUT_MS: u32 = 10_000;
/// STS: connect deadline.
pub const STS_CONNECT_TIMEOUT_MS: u32 = 5_000;
/// Largest `AWS_METADATA_SERVICE_NUM_ATTEMPTS`.
pub const MAX_IMDS_ATTEMPTS: u8 = 10;

macro_rules! vars {
    ($($(#[$doc:meta])* $v:ident = $name:expr;)*) => {
        /// A variable the chain reads. [`VARS`] lists their names in this order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(usize)]
        #[allow(missing_docs)]
        pub enum Var { $($(#[$doc])* $v,)* }
        /// The names of every environment variable the chain reads, in [`Var`] order: a host
        /// snapshots exactly these.
        pub const VARS: &[&str] = &[$($name,)*];
        const ALL_VARS: &[Var] = &[$(Var::$v,)*];
    };
}

vars! {
    AccessKeyId = env_src::AWS_ACCESS_KEY_ID;
    SecretAccessKey = env_src::AWS_SECRET_ACCESS_KEY;
    SessionToken = env_src::AWS_SESSION_TOKEN;
    WebIdentityTokenFile = web_identity::AWS_WEB_IDENTITY_TOKEN_FILE;
    RoleArn = web_identity::AWS_ROLE_ARN;
    RoleSessionName = web_identity::AWS_ROLE_SESSION_NAME;
    StsRegionalEndpoints = web_identity::AWS_STS_REGIONAL_ENDPOINTS;
    Region = web_identity::AWS_REGION;
    StsEndpointOverride = web_identity::STS_ENDPOINT_OVERRIDE_VAR;
    EcsRelativeUri = ecs::AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
    EcsEndpointOverride = ecs::ENDPOINT_OVERRIDE_VAR;
    ContainerFullUri = container::AWS_CONTAINER_CREDENTIALS_FULL_URI;
    ContainerAuthTokenFile = container::AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    ContainerAuthToken = container::AWS_CONTAINER_AUTHORIZATION_TOKEN;
    Ec2MetadataDisabled = imds::DISABLED_VAR;
    Ec2MetadataEndpointOverride = imds::ENDPOINT_OVERRIDE_VAR;
    Ec2MetadataServiceEndpoint = imds::AWS_SDK_ENDPOINT_VAR;
    MetadataServiceTimeout = METADATA_SERVICE_TIMEOUT;
    MetadataServiceNumAttempts = METADATA_SERVICE_NUM_ATTEMPTS;
    ConfigFile = profile::AWS_CONFIG_FILE;
    SharedCredentialsFile = profile::AWS_SHARED_CREDENTIALS_FILE;
    Home = profile::HOME;
    UserProfile = profile::USERPROFILE;
    Profile = profile::AWS_PROFILE;
    DefaultProfile = profile::AWS_DEFAULT_PROFILE;
    DefaultRegion = profile::AWS_DEFAULT_REGION;
    EndpointUrlSts = profile::AWS_ENDPOINT_URL_STS;
    EndpointUrl = profile::AWS_ENDPOINT_URL;
    EndpointUrlSso = profile::AWS_ENDPOINT_URL_SSO;
    IgnoreConfiguredEndpointUrls = profile::AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
    SsoEndpointOverride = profile::SSO_ENDPOINT_OVERRIDE_VAR;
    SsoOidcEndpointOverride = profile::SSO_OIDC_ENDPOINT_OVERRIDE_VAR;
    EndpointUrlSsoOidc = profile::AWS_ENDPOINT_URL_SSO_OIDC;
}

/// `AWS_METADATA_SERVICE_TIMEOUT` (AWS SDK convention, IMDS only).
pub const METADATA_SERVICE_TIMEOUT: &str = "AWS_METADATA_SERVICE_TIMEOUT";
/// `AWS_METADATA_SERVICE_NUM_ATTEMPTS` (AWS SDK convention, IMDS only).
pub const METADATA_SERVICE_NUM_ATTEMPTS: &str = "AWS_METADATA_SERVICE_NUM_ATTEMPTS";

impl Var {
    /// The variable's name.
    pub fn name(self) -> &'static str {
        VARS.get(self as usize).copied().unwrap_or("")
    }
}

/// The environment snapshot the host passes in: the value of each of [`VARS`] (`None` when unset;
/// empty values count as unset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Env<'a> {
    values: [Option<&'a str>; VARS.len()],
}

impl Default for Env<'_> {
    fn default() -> Self {
        Env::new()
    }
}

impl<'a> Env<'a> {
    /// An empty snapshot.
    pub const fn new() -> Self {
        Env {
            values: [None; VARS.len()],
        }
    }

    /// A snapshot taken by calling `lookup` once for every name in [`VARS`].
    pub fn from_fn(mut lookup: impl FnMut(&'static str) -> Option<&'a str>) -> Self {
        let mut e = Env::new();
        for (slot, name) in e.values.iter_mut().zip(VARS) {
            *slot = lookup(name);
        }
        e
    }

    /// Sets a variable by name; `false` when the chain does not read `name`.
    pub fn set(&mut self, name: &str, value: Option<&'a str>) -> bool {
        match VARS.iter().position(|n| *n == name) {
            Some(i) => match self.values.get_mut(i) {
                Some(slot) => {
                    *slot = value;
                    true
                }
                None => false,
            },
            None => false,
        }
    }

    /// The value of `v`, `None` when unset or empty.
    pub fn get(&self, v: Var) -> Option<&'a str> {
        self.values
            .get(v as usize)
            .copied()
            .flatten()
            .filter(|s| !s.is_empty())
    }

    /// The variables that are set, with their values (for diagnostics; may include secrets).
    pub fn iter(&self) -> impl Iterator<Item = (Var, &'a str)> + '_ {
        ALL_VARS
            .iter()
            .filter_map(|v| self.get(*v).map(|s| (*v, s)))
    }

    fn sts(&self) -> StsEndpoint<'a> {
        StsEndpoint {
            override_url: self.get(Var::StsEndpointOverride),
            regional_endpoints: self.get(Var::StsRegionalEndpoints),
            region: self.get(Var::Region),
        }
    }
}

/// What the chain is asked to do.
#[derive(Clone, Copy, Debug)]
pub enum Plan<'a> {
    /// The default chain of a MONGODB-AWS authentication.
    Default {
        /// The application configured a custom provider (it runs first; its answer is not cached).
        custom_provider: bool,
        /// The host's process-wide cache holds a set that [`crate::cache::is_fresh`] now.
        fresh_cache: bool,
        /// The profile the application named explicitly (the host's profile option): it wins over
        /// `AWS_DEFAULT_PROFILE` and `AWS_PROFILE`, and, like them, a name in neither shared
        /// file is [`Error::ProfileNotFound`]. `None`: those variables, else `default`.
        profile: Option<&'a str>,
    },
    /// An explicit STS AssumeRole signed with `base` (the session name is generated when `None`).
    AssumeRole {
        /// The credentials that sign the call.
        base: Credentials<'a>,
        /// `RoleArn`.
        role_arn: &'a str,
        /// `RoleSessionName`.
        session_name: Option<&'a str>,
        /// `ExternalId`.
        external_id: Option<&'a str>,
        /// `DurationSeconds`.
        duration_seconds: Option<u32>,
        /// MFA device and current code.
        mfa: Option<assume_role::Mfa<'a>>,
    },
    /// An explicit STS AssumeRoleWithSAML.
    Saml {
        /// `RoleArn`.
        role_arn: &'a str,
        /// `PrincipalArn`.
        principal_arn: &'a str,
        /// The base64 SAML response (see [`saml::assertion_from_file`]).
        assertion: &'a str,
        /// `DurationSeconds`.
        duration_seconds: Option<u32>,
    },
}

/// One HTTP exchange the chain asks for.
#[derive(Clone, Debug)]
pub struct HttpAction<'c> {
    /// The request: [`RequestPlan::write`] renders it, or use its parts with an HTTP library.
    pub request: RequestPlan<'c>,
    /// Deadline for the connection.
    pub connect_timeout_ms: u32,
    /// Deadline for the whole exchange (connect, send, complete answer), from its start.
    pub timeout_ms: u32,
    /// Which attempt this is (1-based).
    pub attempt: u8,
    /// What the request is for (`"IMDS token"`, `"ECS credentials"` …), for logs.
    pub step: &'static str,
}

/// What the host must do next.
// A request plan is large but lives on the stack only while the host handles it (no alloc here).
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Action<'c> {
    /// Read this file completely (at most [`MAX_FILE_LEN`] bytes are needed; report larger
    /// content as it is, the chain refuses it) and answer with [`Chain::on_file`] or
    /// [`Chain::on_io_error`].
    ReadFile {
        /// The path, as the environment gave it.
        path: &'c str,
        /// The variable that named it.
        variable: &'static str,
    },
    /// Send this request; answer with [`Chain::on_response`] or [`Chain::on_io_error`].
    Http(HttpAction<'c>),
    /// Wait this long, then call [`Chain::on_wake`].
    Wait {
        /// Milliseconds.
        millis: u32,
    },
    /// Call the application's custom provider; answer with [`Chain::on_provided`] or
    /// [`Chain::on_provider_failed`].
    CallProvider,
    /// Answer from the process-wide cache: it holds fresh endpoint credentials.
    UseCache,
    /// Run a profile's `credential_process`: `program` with `args` (already split by the core as
    /// a POSIX shell would, without a shell), stdin closed (null), stdout and stderr captured
    /// (up to [`MAX_PROCESS_OUTPUT`] bytes each), killed and reaped when it runs past
    /// `timeout_ms`. Answer with [`Chain::on_process_exit`], or [`Chain::on_io_error`] with
    /// [`IoError::NotFound`] / [`IoError::Unreadable`] (cannot be started) or
    /// [`IoError::Timeout`] (killed at the deadline).
    RunProcess(ProcessAction<'c>),
    /// Ask the application's MFA callback for the current code of the device `serial` (needed
    /// by the role of `profile`); answer with [`Chain::on_mfa_code`] or
    /// [`Chain::on_mfa_unavailable`] (no callback, or it failed).
    AskMfa {
        /// The `mfa_serial` of the profile (an ARN or a hardware device's serial number).
        serial: &'c str,
        /// The profile whose `mfa_serial` it is.
        profile: &'c str,
    },
    /// Replace the file `path` with `content` (the SSO token cache after a refresh; it holds
    /// tokens: write it atomically, readable by the user only). Answer with
    /// [`Chain::on_written`] or [`Chain::on_io_error`]; a failed write is not fatal.
    WriteFile {
        /// The path.
        path: &'c str,
        /// The new content (secret).
        content: &'c [u8],
    },
    /// Finished with credentials.
    Done(Outcome<'c>),
    /// Finished with an error.
    Failed(Failure<'c>),
}

/// Credentials the chain produced.
#[derive(Clone, Copy, Debug)]
pub struct Outcome<'c> {
    /// The credentials and their details.
    pub fetched: FetchedCredentials<'c>,
    /// The EC2 instance role (IMDS step 2), when EC2 was the source.
    pub instance_role: Option<&'c str>,
    /// Whether the host must store them in its process-wide cache (endpoint credentials, role,
    /// SSO and `credential_process` credentials with an `Expiration`; never environment,
    /// custom-provider or static profile keys).
    pub cache: bool,
    /// The profile that supplied them, when they came from the shared files.
    pub origin: Option<ProfileOrigin<'c>>,
}

/// Where credentials from the shared files came from: the profile that was asked for (for a role
/// chain, the first profile of the chain), the file of its section and the 1-based line of that
/// section's `[...]` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfileOrigin<'c> {
    /// The profile name.
    pub profile: &'c str,
    /// The file, as its path was used.
    pub file: &'c str,
    /// Line of the section header.
    pub line: u32,
}

/// Largest stdout and stderr the host needs to keep from a `credential_process` (each).
pub const MAX_PROCESS_OUTPUT: usize = 64 * 1024;
/// Deadline of a `credential_process` run (botocore sets none; a hung helper must not hang the
/// authentication forever).
pub const PROCESS_TIMEOUT_MS: u32 = 60_000;

/// A `credential_process` to run (see [`Action::RunProcess`]).
#[derive(Clone, Debug)]
pub struct ProcessAction<'c> {
    /// The program (first word of the command).
    pub program: &'c str,
    /// Its arguments, in order.
    pub args: Args<'c>,
    /// Kill it when it has not exited after this long.
    pub timeout_ms: u32,
}

/// The arguments of a [`ProcessAction`]: an iterator of `&str`. `Debug` shows their number only
/// (a command line may carry secrets).
#[derive(Clone)]
pub struct Args<'c> {
    rest: Option<core::str::Split<'c, char>>,
}

impl<'c> Args<'c> {
    /// Arguments stored as words separated by NUL (a NUL cannot be part of an argument).
    fn new(words: &'c str) -> Self {
        Args {
            rest: (!words.is_empty()).then(|| words.split('\0')),
        }
    }
}

impl<'c> Iterator for Args<'c> {
    type Item = &'c str;
    fn next(&mut self) -> Option<&'c str> {
        self.rest.as_mut()?.next()
    }
}

impl fmt::Debug for Args<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Args({} redacted)", self.clone().count())
    }
}

/// A failed I/O the host reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoError {
    /// The file does not exist.
    NotFound,
    /// The file exists but cannot be read (permissions, a directory, an I/O error).
    Unreadable,
    /// The connection was refused, or the host has no route / name.
    Refused,
    /// The connection was not established within the connect deadline.
    ConnectTimeout,
    /// The whole-request deadline passed before the answer was complete.
    Timeout,
    /// The connection was reset or closed before a complete answer.
    Closed,
    /// The answer is not HTTP/1.x, is truncated (shorter than its Content-Length or chunking), or
    /// its body is longer than [`MAX_RESPONSE_LEN`](super::MAX_RESPONSE_LEN).
    BadResponse,
}

impl IoError {
    /// Stable number (C ABI).
    pub const fn code(self) -> u32 {
        match self {
            IoError::NotFound => 1,
            IoError::Unreadable => 2,
            IoError::Refused => 3,
            IoError::ConnectTimeout => 4,
            IoError::Timeout => 5,
            IoError::Closed => 6,
            IoError::BadResponse => 7,
        }
    }

    /// The error with this stable number.
    pub const fn from_code(n: u32) -> Option<IoError> {
        Some(match n {
            1 => IoError::NotFound,
            2 => IoError::Unreadable,
            3 => IoError::Refused,
            4 => IoError::ConnectTimeout,
            5 => IoError::Timeout,
            6 => IoError::Closed,
            7 => IoError::BadResponse,
            _ => return None,
        })
    }

    fn describe(self) -> &'static str {
        match self {
            IoError::NotFound => "no such file",
            IoError::Unreadable => "the file cannot be read",
            IoError::Refused => "connection refused",
            IoError::ConnectTimeout => "connect timed out",
            IoError::Timeout => "no complete answer before the deadline",
            IoError::Closed => "connection closed before a complete answer",
            IoError::BadResponse => "malformed, truncated or oversized HTTP answer",
        }
    }
}

/// Entries a chain's [trace](Chain::trace) holds. Past that, entries are counted in
/// [`Chain::trace_dropped`] and lost, except the last (success or failure), which always fits.
pub const MAX_TRACE: usize = 48;

/// What a trace entry is about: a credential source, or the host's process-wide cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The process-wide cache of endpoint credentials.
    Cache,
    /// A credential source.
    Source(Source),
}

impl Subject {
    /// `cache`, or the source's stable name ([`Source::name`]).
    pub const fn name(&self) -> &'static str {
        match self {
            Subject::Cache => "cache",
            Subject::Source(s) => s.name(),
        }
    }

    fn of(step: Step) -> Option<Subject> {
        Some(match step {
            Step::CustomProvider => Subject::Source(Source::CustomProvider),
            Step::Cache => Subject::Cache,
            Step::Environment => Subject::Source(Source::Environment),
            Step::WebIdentity => Subject::Source(Source::WebIdentity),
            Step::Ecs => Subject::Source(Source::Ecs),
            Step::ContainerFullUri => Subject::Source(Source::ContainerFullUri),
            Step::Ec2 => Subject::Source(Source::Ec2),
            Step::None => return None,
        })
    }
}

/// What the chain decided or did about a [`Subject`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The first candidate that applies: the chain's one source (there is no fall-back).
    Taken,
    /// Does not apply; the reason names the variable that is unset or switches it off.
    Skipped,
    /// Applies too, but an earlier candidate was taken: it is never tried.
    Shadowed,
    /// The chosen source read the file named by `variable` (`io` says why it failed, if it did).
    ReadFile,
    /// The chosen source sent a request: `reason` is the step, `attempt` its number, and `status`
    /// or `io` the answer.
    Request,
    /// The chain finished with credentials.
    Succeeded,
    /// The chain failed; `reason` is the error's stable name (the [`Failure`] has the detail).
    Failed,
}

impl Decision {
    /// Stable lower-case name: `taken`, `skipped`, `shadowed`, `read-file`, `request`,
    /// `succeeded`, `failed`.
    pub const fn name(&self) -> &'static str {
        match self {
            Decision::Taken => "taken",
            Decision::Skipped => "skipped",
            Decision::Shadowed => "shadowed",
            Decision::ReadFile => "read-file",
            Decision::Request => "request",
            Decision::Succeeded => "succeeded",
            Decision::Failed => "failed",
        }
    }
}

/// One entry of the chain's trace: which source was considered, taken or skipped and why (which
/// variable), and each file read and request made, with its answer. Static text only: never a
/// value of a variable, never a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceEntry {
    /// The source (or the cache).
    pub subject: Subject,
    /// What happened.
    pub decision: Decision,
    /// Why, or which step.
    pub reason: &'static str,
    /// The variable that decided it, or that names the file or endpoint.
    pub variable: Option<&'static str>,
    /// For [`Decision::Request`]: which attempt (1-based); 0 otherwise.
    pub attempt: u8,
    /// For [`Decision::Request`]: the HTTP status of the answer.
    pub status: Option<u16>,
    /// For [`Decision::Request`] and [`Decision::ReadFile`]: what the transport or file system
    /// reported instead of an answer.
    pub io: Option<IoError>,
}

impl TraceEntry {
    const EMPTY: TraceEntry = TraceEntry::new(Subject::Cache, Decision::Skipped, "", None);

    const fn new(
        subject: Subject,
        decision: Decision,
        reason: &'static str,
        variable: Option<&'static str>,
    ) -> Self {
        TraceEntry {
            subject,
            decision,
            reason,
            variable,
            attempt: 0,
            status: None,
            io: None,
        }
    }
}

/// Everything known about a failure. `Display` gives the one message every host shows.
#[derive(Clone, Copy, Debug)]
pub struct Failure<'c> {
    /// The typed error (stable code and name).
    pub error: Error,
    /// The source that failed, when one was chosen.
    pub source: Option<Source>,
    /// The step (`"IMDS token"` …).
    pub step: Option<&'static str>,
    /// The request method.
    pub method: Option<&'static str>,
    /// The URL, without query.
    pub url: Option<&'c str>,
    /// The file.
    pub path: Option<&'c str>,
    /// The variable involved.
    pub variable: Option<&'static str>,
    /// The HTTP status.
    pub status: Option<u16>,
    /// STS's error Code and Message.
    pub sts_code: Option<&'c str>,
    /// STS's error Message.
    pub sts_message: Option<&'c str>,
    /// The response field that was missing or malformed.
    pub field: Option<&'static str>,
    /// What the transport reported.
    pub io: Option<IoError>,
    /// Attempts made.
    pub attempts: u8,
    /// For [`Error::CredentialsExpired`]: the answer's Expiration.
    pub expiration: Option<UnixTime>,
    /// Deadline that passed, in ms.
    pub deadline_ms: Option<u32>,
}

impl<'c> Failure<'c> {
    fn bare(error: Error) -> Self {
        Failure {
            error,
            source: None,
            step: None,
            method: None,
            url: None,
            path: None,
            variable: None,
            status: None,
            sts_code: None,
            sts_message: None,
            field: None,
            io: None,
            attempts: 0,
            expiration: None,
            deadline_ms: None,
        }
    }
}

fn write_iso(f: &mut fmt::Formatter<'_>, t: UnixTime) -> fmt::Result {
    match AmzDate::from_unix(t) {
        Ok(d) => {
            let s = d.as_str();
            let p = |r: core::ops::Range<usize>| s.get(r).unwrap_or("");
            write!(
                f,
                "{}-{}-{}T{}:{}:{}Z",
                p(0..4),
                p(4..6),
                p(6..8),
                p(9..11),
                p(11..13),
                p(13..15)
            )
        }
        Err(_) => write!(f, "{} (unix seconds)", t.0),
    }
}

impl fmt::Display for Failure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.error.message())?;
        let mut sep = " [";
        let mut part = |f: &mut fmt::Formatter<'_>| -> Result<(), fmt::Error> {
            f.write_str(sep)?;
            sep = "; ";
            Ok(())
        };
        if let Some(s) = self.source {
            part(f)?;
            write!(f, "source {}", s.name())?;
            if let Some(st) = self.step {
                write!(f, ", {st}")?;
            }
        }
        if let Some(u) = self.url {
            part(f)?;
            if let Some(m) = self.method {
                write!(f, "{m} ")?;
            }
            f.write_str(u)?;
        }
        if let Some(p) = self.path {
            part(f)?;
            write!(f, "file {p}")?;
        }
        if let Some(v) = self.variable {
            part(f)?;
            write!(f, "variable {v}")?;
        }
        if let Some(s) = self.status {
            part(f)?;
            write!(f, "HTTP {s}")?;
        }
        if let Some(c) = self.sts_code {
            part(f)?;
            write!(f, "STS {c}: {}", self.sts_message.unwrap_or(""))?;
        }
        if let Some(fl) = self.field {
            part(f)?;
            write!(f, "field {fl}")?;
        }
        if let Some(io) = self.io {
            part(f)?;
            f.write_str(io.describe())?;
            if let (Some(ms), IoError::Timeout | IoError::ConnectTimeout) = (self.deadline_ms, io) {
                write!(f, " ({} ms)", ms)?;
            }
        }
        if let Some(e) = self.expiration {
            part(f)?;
            f.write_str("Expiration ")?;
            write_iso(f, e)?;
            write!(
                f,
                " (usable only while more than {} s remain)",
                REFRESH_WINDOW_SECONDS
            )?;
        }
        if self.attempts > 1 {
            part(f)?;
            write!(f, "after {} attempts", self.attempts)?;
        }
        if sep == "; " {
            f.write_str("]")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Internal state
// ---------------------------------------------------------------------------------------------

/// Fixed-capacity byte storage, wiped on drop and on reuse.
struct Buf<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Buf<N> {
    const fn new() -> Self {
        Buf {
            bytes: [0; N],
            len: 0,
        }
    }

    fn set(&mut self, s: &[u8]) -> Result<(), Error> {
        self.clear();
        let dst = self
            .bytes
            .get_mut(..s.len())
            .ok_or(Error::ResponseFieldTooLong)?;
        dst.copy_from_slice(s);
        self.len = s.len();
        Ok(())
    }

    fn clear(&mut self) {
        self.bytes.zeroize();
        self.len = 0;
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }

    fn as_str(&self) -> &str {
        core::str::from_utf8(self.as_bytes()).unwrap_or("")
    }
}

impl<const N: usize> Drop for Buf<N> {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

/// A short, non-secret string kept for messages (truncated at a character boundary).
struct Text<const N: usize>(heapless::String<N>);

impl<const N: usize> Text<N> {
    fn new() -> Self {
        Text(heapless::String::new())
    }
    fn set(&mut self, s: &str) {
        self.0.clear();
        for c in s.chars() {
            if self.0.push(c).is_err() {
                break;
            }
        }
    }
}

impl<const N: usize> fmt::Write for Text<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.0.push(c).is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// The credentials the chain hands out.
struct Store {
    id: Buf<MAX_ACCESS_KEY_ID_LEN>,
    secret: Buf<MAX_SECRET_LEN>,
    token: Buf<MAX_SESSION_TOKEN_LEN>,
    has_token: bool,
    arn: Buf<MAX_ARN_LEN>,
    role_id: Buf<256>,
    account: Buf<64>,
    expiration: Option<UnixTime>,
    source: Source,
}

impl Store {
    fn new() -> Self {
        Store {
            id: Buf::new(),
            secret: Buf::new(),
            token: Buf::new(),
            has_token: false,
            arn: Buf::new(),
            role_id: Buf::new(),
            account: Buf::new(),
            expiration: None,
            source: Source::Environment,
        }
    }

    fn keep(&mut self, f: &FetchedCredentials<'_>) -> Result<(), Error> {
        let c = &f.credentials;
        self.id.set(c.access_key_id().as_bytes())?;
        self.secret.set(c.secret_access_key().as_bytes())?;
        self.has_token = c.session_token().is_some();
        self.token.set(c.session_token().unwrap_or("").as_bytes())?;
        self.arn.set(f.arn.unwrap_or("").as_bytes())?;
        self.role_id
            .set(f.assumed_role_id.unwrap_or("").as_bytes())?;
        self.account.set(f.account_id.unwrap_or("").as_bytes())?;
        self.expiration = f.expiration;
        self.source = f.source;
        Ok(())
    }

    fn view(&self) -> Result<FetchedCredentials<'_>, Error> {
        fn opt(b: &str) -> Option<&str> {
            Some(b).filter(|s| !s.is_empty())
        }
        let token = if self.has_token {
            Some(self.token.as_str())
        } else {
            None
        };
        Ok(FetchedCredentials {
            credentials: Credentials::new(self.id.as_str(), self.secret.as_str(), token)?,
            expiration: self.expiration,
            arn: opt(self.arn.as_str()),
            assumed_role_id: opt(self.role_id.as_str()),
            account_id: opt(self.account.as_str()),
            source: self.source,
        })
    }
}

/// The HTTP steps of every source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HttpStep {
    ImdsToken,
    ImdsRole,
    ImdsCredentials,
    Ecs,
    Container,
    WebIdentity,
    AssumeRole,
    Saml,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Imds,
    Container,
    Sts,
}

impl HttpStep {
    fn family(self) -> Family {
        match self {
            HttpStep::ImdsToken | HttpStep::ImdsRole | HttpStep::ImdsCredentials => Family::Imds,
            HttpStep::Ecs | HttpStep::Container => Family::Container,
            HttpStep::WebIdentity | HttpStep::AssumeRole | HttpStep::Saml => Family::Sts,
        }
    }

    fn source(self) -> Source {
        match self {
            HttpStep::ImdsToken | HttpStep::ImdsRole | HttpStep::ImdsCredentials => Source::Ec2,
            HttpStep::Ecs => Source::Ecs,
            HttpStep::Container => Source::ContainerFullUri,
            HttpStep::WebIdentity => Source::WebIdentity,
            HttpStep::AssumeRole => Source::AssumeRole,
            HttpStep::Saml => Source::Saml,
        }
    }

    /// The `{Action}Response` and `{Action}Result` names of an STS answer.
    fn sts_names(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            HttpStep::WebIdentity => (
                "AssumeRoleWithWebIdentityResponse",
                "AssumeRoleWithWebIdentityResult",
            ),
            HttpStep::AssumeRole => ("AssumeRoleResponse", "AssumeRoleResult"),
            HttpStep::Saml => ("AssumeRoleWithSAMLResponse", "AssumeRoleWithSAMLResult"),
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            HttpStep::ImdsToken => "IMDSv2 token",
            HttpStep::ImdsRole => "IMDS role name",
            HttpStep::ImdsCredentials => "IMDS role credentials",
            HttpStep::Ecs => "ECS credentials",
            HttpStep::Container => "container credentials",
            HttpStep::WebIdentity => "STS AssumeRoleWithWebIdentity",
            HttpStep::AssumeRole => "STS AssumeRole",
            HttpStep::Saml => "STS AssumeRoleWithSAML",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FilePurpose {
    WebIdentityToken,
    ContainerAuthToken,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Start,
    ReadFile(FilePurpose),
    Http(HttpStep),
    Wait(HttpStep),
    CallProvider,
    UseCache,
    Done,
    Failed,
}

/// What a failure keeps beyond the [`Failure`] fields borrowed from the chain.
#[derive(Clone, Copy)]
struct FailInfo {
    error: Error,
    source: Option<Source>,
    step: Option<&'static str>,
    method: Option<&'static str>,
    has_url: bool,
    path: Option<Var>,
    variable: Option<&'static str>,
    status: Option<u16>,
    has_sts: bool,
    field: Option<&'static str>,
    io: Option<IoError>,
    attempts: u8,
    expiration: Option<UnixTime>,
    deadline_ms: Option<u32>,
}

impl FailInfo {
    fn new(error: Error) -> Self {
        FailInfo {
            error,
            source: None,
            step: None,
            method: None,
            has_url: false,
            path: None,
            variable: None,
            status: None,
            has_sts: false,
            field: None,
            io: None,
            attempts: 0,
            expiration: None,
            deadline_ms: None,
        }
    }
}

/// The credential chain. Large (about 60 KiB of fixed buffers): keep it on the heap or in a
/// static in hosts with small stacks. Secrets it holds are wiped when it is dropped.
pub struct Chain<'a> {
    env: Env<'a>,
    plan: Plan<'a>,
    now: UnixTime,
    session_name: RandomSessionName,
    state: State,
    attempt: u8,
    imds_attempts: u8,
    imds_timeout_ms: u32,
    file: Buf<MAX_FILE_LEN>,
    imds_token: Buf<{ imds::MAX_TOKEN_LEN }>,
    role: heapless::String<64>,
    scratch: Buf<SCRATCH_LEN>,
    store: Store,
    url: Text<512>,
    method: &'static str,
    sts_code: Text<128>,
    sts_message: Text<512>,
    fail: Option<FailInfo>,
    retry_after_ms: Option<u32>,
    /// The source a plan runs (for the trace's request entries and its last entry).
    running: Option<Subject>,
    trace: [TraceEntry; MAX_TRACE],
    trace_len: usize,
    trace_dropped: u16,
}

impl fmt::Debug for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chain")
            .field("state", &self.state)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

fn parse_timeout_ms(v: &str) -> Option<u32> {
    // Seconds, integer or decimal with up to 3 fraction digits; > 0 and ≤ 3600.
    let (int, frac) = v.trim().split_once('.').unwrap_or((v.trim(), ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() > 4
        || frac.len() > 3
    {
        return None;
    }
    let whole: u32 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut ms: u32 = 0;
    let mut scale = 100u32;
    for b in frac.bytes() {
        ms = ms.checked_add(u32::from(b - b'0').checked_mul(scale)?)?;
        scale /= 10;
    }
    let total = whole.checked_mul(1000)?.checked_add(ms)?;
    (1..=3_600_000).contains(&total).then_some(total)
}

impl<'a> Chain<'a> {
    /// A chain over the environment snapshot `env`, at `now`, with 16 bytes from the host's CSPRNG
    /// (for a generated role session name).
    pub fn new(env: Env<'a>, plan: Plan<'a>, now: UnixTime, random: [u8; 16]) -> Self {
        Chain {
            env,
            plan,
            now,
            session_name: RandomSessionName::new(&random),
            state: State::Start,
            attempt: 0,
            imds_attempts: 1,
            imds_timeout_ms: IMDS_TIMEOUT_MS,
            file: Buf::new(),
            imds_token: Buf::new(),
            role: heapless::String::new(),
            scratch: Buf::new(),
            store: Store::new(),
            url: Text::new(),
            method: "",
            sts_code: Text::new(),
            sts_message: Text::new(),
            fail: None,
            retry_after_ms: None,
            running: None,
            trace: [TraceEntry::EMPTY; MAX_TRACE],
            trace_len: 0,
            trace_dropped: 0,
        }
    }

    /// What the chain considered and did so far, in order: every candidate source of the default
    /// plan (taken, skipped or shadowed, and why), each file read and request with its answer, and
    /// finally success or failure. For diagnostics (`mongodb-aws doctor`); never holds a value.
    pub fn trace(&self) -> &[TraceEntry] {
        self.trace.get(..self.trace_len).unwrap_or(&[])
    }

    /// Entries that did not fit in the trace ([`MAX_TRACE`]).
    pub fn trace_dropped(&self) -> u16 {
        self.trace_dropped
    }

    fn record(&mut self, e: TraceEntry) {
        let last = matches!(e.decision, Decision::Succeeded | Decision::Failed);
        let room = if last { MAX_TRACE } else { MAX_TRACE - 1 };
        match self.trace.get_mut(self.trace_len) {
            Some(slot) if self.trace_len < room => {
                *slot = e;
                self.trace_len += 1;
            }
            _ => self.trace_dropped = self.trace_dropped.saturating_add(1),
        }
    }

    /// Notes the answer to the last request or file read.
    fn record_answer(&mut self, status: Option<u16>, io: Option<IoError>) {
        let Some(i) = self.trace_len.checked_sub(1) else {
            return;
        };
        if let Some(e) = self.trace.get_mut(i) {
            if matches!(e.decision, Decision::Request | Decision::ReadFile) {
                e.status = status;
                e.io = io;
            }
        }
    }

    fn subject(&self) -> Subject {
        self.running.unwrap_or(Subject::Source(Source::Environment))
    }

    /// The state becomes `Http(step)` for the current attempt: recorded.
    fn enter_http(&mut self, step: HttpStep) {
        self.state = State::Http(step);
        let mut e = TraceEntry::new(
            Subject::Source(step.source()),
            Decision::Request,
            step.name(),
            self.endpoint_variable(step),
        );
        e.attempt = self.attempt;
        self.record(e);
    }

    fn enter_read_file(&mut self, purpose: FilePurpose) {
        self.state = State::ReadFile(purpose);
        let (source, var, what) = match purpose {
            FilePurpose::WebIdentityToken => (
                Source::WebIdentity,
                Var::WebIdentityTokenFile,
                "web identity token file",
            ),
            FilePurpose::ContainerAuthToken => (
                Source::ContainerFullUri,
                Var::ContainerAuthTokenFile,
                "container authorization token file",
            ),
        };
        self.record(TraceEntry::new(
            Subject::Source(source),
            Decision::ReadFile,
            what,
            Some(var.name()),
        ));
    }

    fn enter_done(&mut self) {
        self.state = State::Done;
        self.record(TraceEntry::new(
            self.subject(),
            Decision::Succeeded,
            "credentials obtained",
            None,
        ));
    }

    /// The variable that set the endpoint of a step (an override, or the one naming the URL).
    fn endpoint_variable(&self, step: HttpStep) -> Option<&'static str> {
        let set = |v: Var| self.env.get(v).map(|_| v.name());
        match step {
            HttpStep::ImdsToken | HttpStep::ImdsRole | HttpStep::ImdsCredentials => {
                set(Var::Ec2MetadataEndpointOverride).or(set(Var::Ec2MetadataServiceEndpoint))
            }
            HttpStep::Ecs => set(Var::EcsEndpointOverride).or(set(Var::EcsRelativeUri)),
            HttpStep::Container => set(Var::ContainerFullUri),
            HttpStep::WebIdentity | HttpStep::AssumeRole | HttpStep::Saml => {
                set(Var::StsEndpointOverride).or(set(Var::Region))
            }
        }
    }

    /// The environment snapshot.
    pub fn env(&self) -> &Env<'a> {
        &self.env
    }

    /// The next action. Calling it again without an event returns the same action.
    pub fn poll(&mut self) -> Action<'_> {
        if self.state == State::Start {
            self.start();
        }
        self.action()
    }

    fn action(&self) -> Action<'_> {
        match self.state {
            State::Start => Action::Failed(Failure::bare(Error::UnexpectedChainEvent)),
            State::ReadFile(p) => {
                let var = match p {
                    FilePurpose::WebIdentityToken => Var::WebIdentityTokenFile,
                    FilePurpose::ContainerAuthToken => Var::ContainerAuthTokenFile,
                };
                Action::ReadFile {
                    path: self.env.get(var).unwrap_or(""),
                    variable: var.name(),
                }
            }
            State::Http(step) => match self.request(step) {
                Ok(request) => {
                    let (connect_timeout_ms, timeout_ms) = self.deadlines(step);
                    Action::Http(HttpAction {
                        request,
                        connect_timeout_ms,
                        timeout_ms,
                        attempt: self.attempt,
                        step: step.name(),
                    })
                }
                // Validated when the step was entered; reaching this is a bug, reported typed.
                Err(e) => Action::Failed(Failure::bare(e)),
            },
            State::Wait(step) => Action::Wait {
                millis: self.backoff_ms(step),
            },
            State::CallProvider => Action::CallProvider,
            State::UseCache => Action::UseCache,
            State::Done => match self.store.view() {
                Ok(fetched) => Action::Done(Outcome {
                    fetched,
                    instance_role: Some(self.role.as_str()).filter(|r| !r.is_empty()),
                    cache: fetched.source.is_cacheable(),
                    origin: None,
                }),
                Err(e) => Action::Failed(Failure::bare(e)),
            },
            State::Failed => Action::Failed(self.failure()),
        }
    }

    /// The failure, once the chain has failed.
    fn failure(&self) -> Failure<'_> {
        let Some(i) = self.fail else {
            return Failure::bare(Error::UnexpectedChainEvent);
        };
        Failure {
            error: i.error,
            source: i.source,
            step: i.step,
            method: i.method,
            url: Some(self.url.0.as_str()).filter(|_| i.has_url),
            path: i.path.and_then(|v| self.env.get(v)),
            variable: i.variable,
            status: i.status,
            sts_code: Some(self.sts_code.0.as_str()).filter(|_| i.has_sts),
            sts_message: Some(self.sts_message.0.as_str()).filter(|_| i.has_sts),
            field: i.field,
            io: i.io,
            attempts: i.attempts,
            expiration: i.expiration,
            deadline_ms: i.deadline_ms,
        }
    }

    fn fail(&mut self, info: FailInfo) {
        self.store = Store::new();
        self.file.clear();
        self.imds_token.clear();
        self.scratch.clear();
        self.fail = Some(info);
        self.state = State::Failed;
        let subject = info.source.map(Subject::Source).or(self.running);
        self.record(TraceEntry::new(
            subject.unwrap_or(Subject::Source(Source::Ec2)),
            Decision::Failed,
            info.error.name(),
            info.variable,
        ));
    }

    fn fail_simple(
        &mut self,
        error: Error,
        source: Option<Source>,
        variable: Option<&'static str>,
    ) {
        let mut i = FailInfo::new(error);
        i.source = source;
        i.variable = variable;
        self.fail(i);
    }

    fn start(&mut self) {
        match self.plan {
            Plan::Default {
                custom_provider,
                fresh_cache,
                ..
            } => {
                let e = &self.env;
                let inputs = ChainInputs {
                    custom_provider,
                    fresh_cache,
                    access_key_id: e.get(Var::AccessKeyId),
                    secret_access_key: e.get(Var::SecretAccessKey),
                    session_token: e.get(Var::SessionToken),
                    web_identity_token_file: e.get(Var::WebIdentityTokenFile),
                    role_arn: e.get(Var::RoleArn),
                    ecs_relative_uri: e.get(Var::EcsRelativeUri),
                    container_full_uri: e.get(Var::ContainerFullUri),
                    ec2_disabled: e
                        .get(Var::Ec2MetadataDisabled)
                        .is_some_and(|s| s.trim().eq_ignore_ascii_case("true")),
                };
                // The order rule is `consider`'s; the trace records its every judgement.
                let mut chosen = Step::None;
                for c in consider(&inputs) {
                    let decision = match (c.applies, chosen) {
                        (true, Step::None) => {
                            chosen = c.step;
                            Decision::Taken
                        }
                        (true, _) => Decision::Shadowed,
                        (false, _) => Decision::Skipped,
                    };
                    if let Some(subject) = Subject::of(c.step) {
                        self.record(TraceEntry::new(subject, decision, c.reason, c.variable));
                    }
                }
                self.running = Subject::of(chosen);
                match chosen {
                    Step::CustomProvider => self.state = State::CallProvider,
                    Step::Cache => {
                        self.state = State::UseCache;
                        self.record(TraceEntry::new(
                            Subject::Cache,
                            Decision::Succeeded,
                            "fresh cached endpoint credentials are used",
                            None,
                        ));
                    }
                    Step::Environment => {
                        match env_src::credentials(
                            inputs.access_key_id,
                            inputs.secret_access_key,
                            inputs.session_token,
                        ) {
                            Ok(f) => self.finish_with(&f),
                            Err(err) => {
                                let var = match err {
                                    Error::MissingSecretAccessKey
                                    | Error::InvalidSecretAccessKey => {
                                        env_src::AWS_SECRET_ACCESS_KEY
                                    }
                                    Error::SessionTokenWithoutKeys | Error::InvalidSessionToken => {
                                        env_src::AWS_SESSION_TOKEN
                                    }
                                    _ => env_src::AWS_ACCESS_KEY_ID,
                                };
                                self.fail_simple(err, Some(Source::Environment), Some(var))
                            }
                        }
                    }
                    Step::WebIdentity => self.enter_read_file(FilePurpose::WebIdentityToken),
                    Step::Ecs => self.enter(HttpStep::Ecs),
                    Step::ContainerFullUri => {
                        if self.env.get(Var::ContainerAuthTokenFile).is_some() {
                            self.enter_read_file(FilePurpose::ContainerAuthToken);
                        } else {
                            self.enter(HttpStep::Container);
                        }
                    }
                    Step::Ec2 => {
                        if let Some(v) = self.env.get(Var::MetadataServiceTimeout) {
                            match parse_timeout_ms(v) {
                                Some(ms) => self.imds_timeout_ms = ms,
                                None => {
                                    return self.fail_simple(
                                        Error::InvalidEnvironmentVariable,
                                        Some(Source::Ec2),
                                        Some(METADATA_SERVICE_TIMEOUT),
                                    )
                                }
                            }
                        }
                        if let Some(v) = self.env.get(Var::MetadataServiceNumAttempts) {
                            match v.trim().parse::<u8>() {
                                Ok(n) if (1..=MAX_IMDS_ATTEMPTS).contains(&n) => {
                                    self.imds_attempts = n
                                }
                                _ => {
                                    return self.fail_simple(
                                        Error::InvalidEnvironmentVariable,
                                        Some(Source::Ec2),
                                        Some(METADATA_SERVICE_NUM_ATTEMPTS),
                                    )
                                }
                            }
                        }
                        self.enter(HttpStep::ImdsToken)
                    }
                    Step::None => {
                        self.fail_simple(Error::NoCredentials, None, Some(imds::DISABLED_VAR))
                    }
                }
            }
            Plan::AssumeRole { .. } => {
                self.running = Some(Subject::Source(Source::AssumeRole));
                self.record(TraceEntry::new(
                    Subject::Source(Source::AssumeRole),
                    Decision::Taken,
                    "an explicit STS AssumeRole call",
                    None,
                ));
                self.enter(HttpStep::AssumeRole)
            }
            Plan::Saml { .. } => {
                self.running = Some(Subject::Source(Source::Saml));
                self.record(TraceEntry::new(
                    Subject::Source(Source::Saml),
                    Decision::Taken,
                    "an explicit STS AssumeRoleWithSAML call",
                    None,
                ));
                self.enter(HttpStep::Saml)
            }
        }
    }

    /// Enters an HTTP step at attempt 1, validating its request now.
    fn enter(&mut self, step: HttpStep) {
        self.attempt = 1;
        self.begin_attempt(step);
    }

    fn begin_attempt(&mut self, step: HttpStep) {
        let r = self.request(step).map(|p| {
            let mut url = Text::<512>::new();
            let _ = p.write_url(&mut url);
            (url, p.method())
        });
        match r {
            Ok((url, method)) => {
                self.url = url;
                self.method = method;
                self.enter_http(step);
            }
            Err(e) => {
                let mut i = FailInfo::new(e);
                i.source = Some(step.source());
                i.step = Some(step.name());
                i.variable = self.variable_for(step, e);
                self.fail(i);
            }
        }
    }

    /// The variable to blame when a request cannot be built.
    fn variable_for(&self, step: HttpStep, e: Error) -> Option<&'static str> {
        Some(match (step, e) {
            (HttpStep::Ecs, Error::InvalidEndpointUrl | Error::EndpointHasPath) => {
                ecs::ENDPOINT_OVERRIDE_VAR
            }
            (HttpStep::Ecs, _) => ecs::AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
            (HttpStep::Container, Error::InvalidAuthorizationToken) => {
                if self.env.get(Var::ContainerAuthTokenFile).is_some() {
                    container::AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
                } else {
                    container::AWS_CONTAINER_AUTHORIZATION_TOKEN
                }
            }
            (HttpStep::Container, _) => container::AWS_CONTAINER_CREDENTIALS_FULL_URI,
            (HttpStep::ImdsToken | HttpStep::ImdsRole | HttpStep::ImdsCredentials, _) => {
                if self.env.get(Var::Ec2MetadataEndpointOverride).is_some() {
                    imds::ENDPOINT_OVERRIDE_VAR
                } else {
                    imds::AWS_SDK_ENDPOINT_VAR
                }
            }
            (HttpStep::WebIdentity, Error::InvalidRoleArn) => web_identity::AWS_ROLE_ARN,
            (HttpStep::WebIdentity, Error::InvalidRoleSessionName) => {
                web_identity::AWS_ROLE_SESSION_NAME
            }
            (HttpStep::WebIdentity, Error::InvalidWebIdentityToken) => {
                web_identity::AWS_WEB_IDENTITY_TOKEN_FILE
            }
            (_, Error::InvalidRegion) => web_identity::AWS_REGION,
            (_, Error::InvalidEndpointUrl | Error::EndpointHasPath) => {
                web_identity::STS_ENDPOINT_OVERRIDE_VAR
            }
            _ => return None,
        })
    }

    fn imds_override(&self) -> Option<&'a str> {
        self.env
            .get(Var::Ec2MetadataEndpointOverride)
            .or_else(|| self.env.get(Var::Ec2MetadataServiceEndpoint))
    }

    fn request(&self, step: HttpStep) -> Result<RequestPlan<'_>, Error> {
        match step {
            HttpStep::ImdsToken => {
                imds::token_request(self.imds_override(), imds::DEFAULT_TOKEN_TTL_SECONDS)
            }
            HttpStep::ImdsRole => {
                imds::role_name_request(self.imds_override(), self.imds_token.as_str())
            }
            HttpStep::ImdsCredentials => imds::credentials_request(
                self.imds_override(),
                self.imds_token.as_str(),
                self.role.as_str(),
            ),
            HttpStep::Ecs => ecs::request(
                self.env.get(Var::EcsEndpointOverride),
                self.env.get(Var::EcsRelativeUri).unwrap_or(""),
            ),
            HttpStep::Container => {
                let token = if self.env.get(Var::ContainerAuthTokenFile).is_some() {
                    Some(container::token_from_file(self.file.as_bytes())?)
                } else {
                    self.env.get(Var::ContainerAuthToken)
                };
                container::request(self.env.get(Var::ContainerFullUri).unwrap_or(""), token)
            }
            HttpStep::WebIdentity => {
                let token = web_identity::token_from_file(self.file.as_bytes())?;
                let name = self
                    .env
                    .get(Var::RoleSessionName)
                    .unwrap_or(self.session_name.as_str());
                web_identity::request_named(&web_identity::WebIdentityParams {
                    role_arn: self.env.get(Var::RoleArn).unwrap_or(""),
                    web_identity_token: token,
                    role_session_name: Some(name),
                    random: &[0; 16],
                    duration_seconds: None,
                    sts: self.env.sts(),
                })
            }
            HttpStep::AssumeRole => match self.plan {
                Plan::AssumeRole {
                    base,
                    role_arn,
                    session_name,
                    external_id,
                    duration_seconds,
                    mfa,
                } => assume_role::request(
                    &assume_role::AssumeRoleParams {
                        role_arn,
                        role_session_name: session_name
                            .filter(|s| !s.is_empty())
                            .unwrap_or(self.session_name.as_str()),
                        external_id,
                        duration_seconds,
                        mfa,
                        sts: self.env.sts(),
                    },
                    &base,
                    self.now,
                ),
                _ => Err(Error::UnexpectedChainEvent),
            },
            HttpStep::Saml => match self.plan {
                Plan::Saml {
                    role_arn,
                    principal_arn,
                    assertion,
                    duration_seconds,
                } => saml::request(&saml::SamlParams {
                    role_arn,
                    principal_arn,
                    saml_assertion: assertion,
                    duration_seconds,
                    sts: self.env.sts(),
                }),
                _ => Err(Error::UnexpectedChainEvent),
            },
        }
    }

    fn deadlines(&self, step: HttpStep) -> (u32, u32) {
        match step.family() {
            Family::Imds => (self.imds_timeout_ms, self.imds_timeout_ms),
            Family::Container => (CONTAINER_CONNECT_TIMEOUT_MS, ENDPOINT_TIMEOUT_MS),
            Family::Sts => (STS_CONNECT_TIMEOUT_MS, ENDPOINT_TIMEOUT_MS),
        }
    }

    fn max_attempts(&self, step: HttpStep) -> u8 {
        match step.family() {
            Family::Imds => self.imds_attempts,
            Family::Container | Family::Sts => ENDPOINT_ATTEMPTS,
        }
    }

    fn backoff_ms(&self, step: HttpStep) -> u32 {
        if step.family() == Family::Imds {
            return 0;
        }
        let exp = BACKOFF_BASE_MS
            .checked_shl(u32::from(self.attempt.saturating_sub(2)))
            .unwrap_or(BACKOFF_BASE_MS);
        match self.retry_after_ms {
            Some(ra) => ra.max(exp).min(MAX_RETRY_AFTER_MS.max(exp)),
            None => exp,
        }
    }

    /// Schedules another attempt when the policy allows one; `true` if it did.
    fn retry(&mut self, step: HttpStep) -> bool {
        if self.attempt >= self.max_attempts(step) {
            return false;
        }
        self.attempt = self.attempt.saturating_add(1);
        if self.backoff_ms(step) == 0 {
            self.enter_http(step);
        } else {
            self.state = State::Wait(step);
        }
        true
    }

    fn http_fail(&mut self, step: HttpStep, error: Error) -> FailInfo {
        let mut i = FailInfo::new(error);
        i.source = Some(step.source());
        i.step = Some(step.name());
        i.method = Some(self.method);
        i.has_url = true;
        i.attempts = self.attempt;
        i
    }

    // -----------------------------------------------------------------------------------------
    // Events
    // -----------------------------------------------------------------------------------------

    /// The content of the file asked for by [`Action::ReadFile`].
    pub fn on_file(&mut self, content: &[u8]) {
        let State::ReadFile(purpose) = self.state else {
            return self.unexpected();
        };
        let (var, step, err) = match purpose {
            FilePurpose::WebIdentityToken => (
                Var::WebIdentityTokenFile,
                HttpStep::WebIdentity,
                Error::InvalidWebIdentityToken,
            ),
            FilePurpose::ContainerAuthToken => (
                Var::ContainerAuthTokenFile,
                HttpStep::Container,
                Error::InvalidAuthorizationToken,
            ),
        };
        if self.file.set(content).is_err() {
            let mut i = FailInfo::new(err);
            i.source = Some(step.source());
            i.path = Some(var);
            return self.fail(i);
        }
        let check = match purpose {
            FilePurpose::WebIdentityToken => {
                web_identity::token_from_file(self.file.as_bytes()).map(|_| ())
            }
            FilePurpose::ContainerAuthToken => {
                container::token_from_file(self.file.as_bytes()).map(|_| ())
            }
        };
        if let Err(e) = check {
            let mut i = FailInfo::new(e);
            i.source = Some(step.source());
            i.path = Some(var);
            return self.fail(i);
        }
        self.enter(step);
    }

    /// A transport or file failure.
    pub fn on_io_error(&mut self, io: IoError) {
        if matches!(self.state, State::ReadFile(_) | State::Http(_)) {
            self.record_answer(None, Some(io));
        }
        match self.state {
            State::ReadFile(purpose) => {
                let (var, source) = match purpose {
                    FilePurpose::WebIdentityToken => {
                        (Var::WebIdentityTokenFile, Source::WebIdentity)
                    }
                    FilePurpose::ContainerAuthToken => {
                        (Var::ContainerAuthTokenFile, Source::ContainerFullUri)
                    }
                };
                let mut i = FailInfo::new(Error::FileUnreadable);
                i.source = Some(source);
                i.path = Some(var);
                i.variable = Some(var.name());
                i.io = Some(match io {
                    IoError::NotFound => IoError::NotFound,
                    _ => IoError::Unreadable,
                });
                self.fail(i);
            }
            State::Http(step) => {
                let retryable = match step.family() {
                    Family::Imds => true,
                    Family::Container | Family::Sts => io == IoError::Closed,
                };
                self.retry_after_ms = None;
                if retryable && self.retry(step) {
                    return;
                }
                let error = match io {
                    IoError::Refused => Error::EndpointUnreachable,
                    IoError::ConnectTimeout => Error::EndpointTimeout,
                    IoError::Timeout if step == HttpStep::ImdsToken => Error::ImdsTokenTimeout,
                    IoError::Timeout => Error::EndpointTimeout,
                    IoError::Closed | IoError::BadResponse => Error::EndpointBadResponse,
                    IoError::NotFound | IoError::Unreadable => Error::EndpointUnreachable,
                };
                let mut i = self.http_fail(step, error);
                i.io = Some(io);
                let (c, t) = self.deadlines(step);
                i.deadline_ms = match io {
                    IoError::ConnectTimeout => Some(c),
                    IoError::Timeout => Some(t),
                    _ => None,
                };
                self.fail(i);
            }
            _ => self.unexpected(),
        }
    }

    /// Shorthand for `on_io_error(IoError::Timeout)`: the whole-request deadline passed.
    pub fn on_timeout(&mut self) {
        self.on_io_error(IoError::Timeout);
    }

    /// The wait of [`Action::Wait`] is over.
    pub fn on_wake(&mut self) {
        match self.state {
            State::Wait(step) => {
                self.retry_after_ms = None;
                self.enter_http(step);
            }
            _ => self.unexpected(),
        }
    }

    fn unexpected(&mut self) {
        if !matches!(self.state, State::Failed) {
            self.fail(FailInfo::new(Error::UnexpectedChainEvent));
        }
    }

    /// A complete HTTP answer: status, headers (only `Retry-After` is read) and body.
    pub fn on_response(&mut self, status: u16, headers: &[(&str, &str)], body: &[u8]) {
        let State::Http(step) = self.state else {
            return self.unexpected();
        };
        if body.len() > super::MAX_RESPONSE_LEN {
            return self.on_io_error(IoError::BadResponse);
        }
        self.record_answer(Some(status), None);
        self.retry_after_ms = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("retry-after"))
            .and_then(|(_, v)| v.trim().parse::<u32>().ok())
            .map(|s| s.saturating_mul(1000).min(MAX_RETRY_AFTER_MS));
        let family = step.family();
        // STS: an error document is the answer at any status.
        if family == Family::Sts {
            if let Some(retryable) = self.sts_error(body) {
                if retryable && self.retry(step) {
                    return;
                }
                let mut i = self.http_fail(step, Error::StsErrorResponse);
                i.status = Some(status);
                i.has_sts = true;
                return self.fail(i);
            }
        }
        if status != 200 {
            let retryable = match family {
                Family::Imds => status == 429 || (500..600).contains(&status),
                Family::Container | Family::Sts => {
                    matches!(status, 429 | 500 | 502 | 503 | 504)
                }
            };
            if retryable && self.retry(step) {
                return;
            }
            let mut i = self.http_fail(step, Error::EndpointHttpStatus);
            i.status = Some(status);
            return self.fail(i);
        }
        match step {
            HttpStep::ImdsToken => match imds::parse_token(body) {
                Ok(t) => {
                    let r = self.imds_token.set(t.as_bytes());
                    match r {
                        Ok(()) => self.enter(HttpStep::ImdsRole),
                        Err(e) => {
                            let i = self.http_fail(step, e);
                            self.fail(i)
                        }
                    }
                }
                Err(e) => {
                    let i = self.http_fail(step, e);
                    self.fail(i)
                }
            },
            HttpStep::ImdsRole => match imds::parse_role_name(body) {
                Ok(r) => {
                    self.role.clear();
                    if self.role.push_str(r).is_err() {
                        let i = self.http_fail(step, Error::InvalidRoleName);
                        return self.fail(i);
                    }
                    self.enter(HttpStep::ImdsCredentials)
                }
                Err(e) => {
                    let i = self.http_fail(step, e);
                    self.fail(i)
                }
            },
            _ => self.parse_credentials(step, body),
        }
    }

    /// Reads an STS error document, keeps its Code and Message, and says whether it is retryable.
    fn sts_error(&mut self, body: &[u8]) -> Option<bool> {
        // The chain's scratch: a Message with escapes can be longer than a small stack buffer.
        let retryable = match sts_response::parse_error(body, &mut self.scratch.bytes) {
            Ok(e) => {
                self.sts_code.set(e.code);
                self.sts_message.set(e.message);
                Some(matches!(
                    e.code,
                    "Throttling"
                        | "ThrottlingException"
                        | "RequestLimitExceeded"
                        | "IDPCommunicationError"
                        | "ServiceUnavailable"
                        | "InternalFailure"
                ))
            }
            Err(_) => None,
        };
        self.scratch.clear();
        retryable
    }

    fn parse_credentials(&mut self, step: HttpStep, body: &[u8]) {
        type Parser = for<'x> fn(&'x [u8], &'x mut [u8]) -> Result<FetchedCredentials<'x>, Error>;
        let parse: Parser = match step {
            HttpStep::ImdsCredentials => imds::parse_credentials,
            HttpStep::Ecs => ecs::parse,
            HttpStep::Container => container::parse,
            HttpStep::WebIdentity => web_identity::parse,
            HttpStep::AssumeRole => assume_role::parse,
            HttpStep::Saml => saml::parse,
            HttpStep::ImdsToken | HttpStep::ImdsRole => return self.unexpected(),
        };
        let result = match parse(body, &mut self.scratch.bytes) {
            Ok(f) => self.store.keep(&f).map(|()| f.expiration),
            Err(Error::BufferTooSmall { .. }) => Err(Error::ResponseFieldTooLong),
            Err(e) => Err(e),
        };
        self.scratch.clear();
        match result {
            Ok(expiration) => {
                if !is_fresh(expiration, self.now) || expiration.is_none() {
                    let mut i = self.http_fail(step, Error::CredentialsExpired);
                    i.expiration = expiration;
                    return self.fail(i);
                }
                self.enter_done();
            }
            Err(e) => {
                let mut i = self.http_fail(step, e);
                i.field = diagnose::field(step.sts_names(), body, e);
                self.fail(i);
            }
        }
    }

    fn finish_with(&mut self, f: &FetchedCredentials<'_>) {
        match self.store.keep(f) {
            Ok(()) => self.enter_done(),
            Err(e) => self.fail_simple(e, Some(f.source), None),
        }
    }

    /// The application's provider answered. `expiration`: when the credentials expire, if known.
    pub fn on_provided(
        &mut self,
        access_key_id: &str,
        secret_access_key: &str,
        session_token: Option<&str>,
        expiration: Option<UnixTime>,
    ) {
        if self.state != State::CallProvider {
            return self.unexpected();
        }
        let r =
            Credentials::from_parts(Some(access_key_id), Some(secret_access_key), session_token);
        match r {
            Ok(c) => {
                if expiration.is_some() && !is_fresh(expiration, self.now) {
                    let mut i = FailInfo::new(Error::CredentialsExpired);
                    i.source = Some(Source::CustomProvider);
                    i.expiration = expiration;
                    return self.fail(i);
                }
                self.finish_with(&FetchedCredentials {
                    credentials: c,
                    expiration,
                    arn: None,
                    assumed_role_id: None,
                    account_id: None,
                    source: Source::CustomProvider,
                })
            }
            Err(e) => self.fail_simple(e, Some(Source::CustomProvider), None),
        }
    }

    /// The `credential_process` of [`Action::RunProcess`] exited: its exit code (`None` when a
    /// signal ended it), and what it wrote (each cut at [`MAX_PROCESS_OUTPUT`] bytes).
    pub fn on_process_exit(&mut self, exit_code: Option<i32>, stdout: &[u8], stderr: &[u8]) {
        let _ = (exit_code, stdout, stderr);
        self.unexpected()
    }

    /// The MFA code the application's callback gave for [`Action::AskMfa`].
    pub fn on_mfa_code(&mut self, code: &str) {
        let _ = code;
        self.unexpected()
    }

    /// No MFA code: no callback is installed, or it failed (the host keeps its message).
    pub fn on_mfa_unavailable(&mut self) {
        self.unexpected()
    }

    /// The file of [`Action::WriteFile`] was written.
    pub fn on_written(&mut self) {
        self.unexpected()
    }

    /// The application's provider failed (its own error is the host's to report beside this).
    pub fn on_provider_failed(&mut self) {
        if self.state != State::CallProvider {
            return self.unexpected();
        }
        self.fail_simple(
            Error::CustomProviderFailed,
            Some(Source::CustomProvider),
            None,
        );
    }
}

/// Which required field made a parse fail (for the failure's detail).
mod diagnose {
    use crate::json;
    use crate::xml;
    use crate::Error;

    const ENDPOINT_FIELDS: &[&str] = &["AccessKeyId", "SecretAccessKey", "Expiration"];
    const OPTIONAL_STRING_FIELDS: &[&str] =
        &["Token", "SessionToken", "RoleArn", "AccountId", "Code"];
    const STS_FIELDS: &[&str] = &[
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ];

    /// `sts`: the answer's `{Action}Response` and `{Action}Result` names (STS), `None` for the
    /// endpoints' JSON. A field that is absent, `null` or empty counts as missing, as in the parsers.
    pub(super) fn field(sts: Option<(&str, &str)>, body: &[u8], e: Error) -> Option<&'static str> {
        if !matches!(
            e,
            Error::MissingResponseField
                | Error::WrongResponseFieldType
                | Error::InvalidTimestamp
                | Error::InvalidAccessKeyId
                | Error::InvalidSecretAccessKey
                | Error::InvalidSessionToken
        ) {
            return None;
        }
        match e {
            Error::InvalidTimestamp => return Some("Expiration"),
            Error::InvalidAccessKeyId => return Some("AccessKeyId"),
            Error::InvalidSecretAccessKey => return Some("SecretAccessKey"),
            Error::InvalidSessionToken => {
                return Some(if sts.is_some() {
                    "SessionToken"
                } else {
                    "Token"
                })
            }
            _ => {}
        }
        let fields = if sts.is_some() {
            STS_FIELDS
        } else {
            ENDPOINT_FIELDS
        };
        let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if first == Some(b'{') {
            let doc = json::parse(body).ok()?;
            // The credentials object: the document itself (endpoints) or, for STS,
            // {Action}Response.{Action}Result.Credentials.
            let creds = match sts {
                Some((response, result)) => {
                    let result = doc.get(response).ok()??.get(result).ok()??;
                    match result.get("Credentials").ok()? {
                        Some(c) => c,
                        None => return Some("Credentials"),
                    }
                }
                None => doc,
            };
            if e == Error::WrongResponseFieldType {
                // Optional string fields have a type too.
                for f in OPTIONAL_STRING_FIELDS {
                    if let Some(v) = creds.get(f).ok()? {
                        if !matches!(v.kind(), json::Kind::String | json::Kind::Null) {
                            return Some(f);
                        }
                    }
                }
            }
            for f in fields {
                match creds.get(f).ok()? {
                    None => return Some(f),
                    Some(v) if v.kind() == json::Kind::Null || v.raw() == b"\"\"" => {
                        return Some(f)
                    }
                    Some(v)
                        if e == Error::WrongResponseFieldType
                            && v.kind() != json::Kind::String
                            && (*f != "Expiration" || v.kind() != json::Kind::Number) =>
                    {
                        return Some(f)
                    }
                    _ => {}
                }
            }
            None
        } else {
            let (_, result) = sts?;
            let root = xml::parse(body).ok()?;
            let result = root.child(result).ok()??;
            let creds = match result.child("Credentials").ok()? {
                Some(c) => c,
                None => return Some("Credentials"),
            };
            for f in fields {
                match creds.child(f).ok()? {
                    None => return Some(f),
                    Some(c) if c.content().iter().all(u8::is_ascii_whitespace) => return Some(f),
                    _ => {}
                }
            }
            None
        }
    }
}

#[cfg(test)]
mod tests;
