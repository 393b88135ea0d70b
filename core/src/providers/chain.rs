//! THE credential chain, as a sans-IO state machine (the quinn-proto pattern): every rule of
//! credential resolution lives here, once; a runtime (the `mongodb-aws` crate, or a driver's own
//! HTTP stack through the C ABI) carries out the I/O the chain asks for.
//!
//! ```text
//! let mut chain = Chain::new(env, Plan::Default { custom_provider, fresh_cache, profile }, now, random);
//! loop {
//!     match chain.poll() {
//!         Action::ReadFile { path, .. }    => read it; chain.on_file(&bytes) or chain.on_io_error(IoError::NotFound)
//!         Action::RunProcess(p)            => run p.program with p.args (no shell, stdin null, killed after p.timeout_ms);
//!                                             chain.on_process_exit(code, &stdout, &stderr) or chain.on_io_error(..)
//!         Action::AskMfa { serial, .. }    => ask the application; chain.on_mfa_code(code), on_mfa_unavailable() or on_mfa_failed()
//!         Action::WriteFile { path, .. }   => replace it atomically (0600); chain.on_written() or chain.on_io_error(..)
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
//! cached credentials; environment (any of the three variables non-empty); then the active
//! profile of the AWS shared files in botocore's order — its `role_arn`, web identity (the
//! environment's token file and role ARN, or the profile's `web_identity_token_file`), IAM
//! Identity Center, credentials-file keys, `credential_process`, config-file keys — then ECS
//! (relative URI); container full URI; EC2 IMDSv2 unless `AWS_EC2_METADATA_DISABLED=true`
//! ([`Error::NoCredentials`]). There is no fall-back: the chosen source's answer is the answer.
//! Why botocore's order for the files: it is what the AWS CLI and boto3 (so PyMongo today) do
//! with the same files, so a profile that works with `aws --profile NAME` works here; the
//! environment first as in every SDK; the metadata services last, so that a laptop's or CI's
//! files win over whatever endpoint the host happens to reach.
//!
//! **The AWS shared files** (PROTOCOL.md B): the config file is `AWS_CONFIG_FILE`, else
//! `$HOME/.aws/config` (`USERPROFILE` when `HOME` is unset); the credentials file
//! `AWS_SHARED_CREDENTIALS_FILE`, else `$HOME/.aws/credentials`; a leading `~` is the home
//! directory; a variable set to the empty string means no such file; a missing file is no file
//! ([`IoError::NotFound`]); an unreadable one is [`Error::FileUnreadable`]; a malformed one the
//! `INI_*` error with its line ([`crate::ini`]). The profile: the host's explicit option
//! ([`Plan::Default`]'s `profile`), else `AWS_DEFAULT_PROFILE`, else `AWS_PROFILE` (a set one
//! counts even when empty), else `default` ([`profile::select`]). A named profile in neither
//! file is [`Error::ProfileNotFound`] before any source (botocore raises `ProfileNotFound` even
//! with environment keys); the explicit option also switches the environment keys and the
//! environment's web identity variables off (botocore's `profile_name`). The files are read
//! only when needed: not when a custom provider, the cache, or environment keys without a named
//! profile are taken. Settings (`role_arn`, `credential_process`, `sso_*`, `region` ...) are
//! looked up in the profile's credentials-file section first, then its config-file section
//! (botocore's `full_config`); static keys are read per file (an id in one file and the secret
//! in the other is [`Error::ProfilePartialCredentials`]), and `aws_security_token` comes before
//! `aws_session_token`. Role chains follow `source_profile` up to
//! [`profile::MAX_ROLE_HOPS`] hops ([`Error::ProfileChainTooLong`]); a source profile with static
//! keys (or without `role_arn`) ends the chain with its own credentials (its web identity, SSO,
//! credentials-file keys, `credential_process`, config-file keys, in that order); a profile may
//! name itself only when it has static keys; any other repeat is [`Error::ProfileSourceCycle`]
//! with the cycle (`a -> b -> a`). Each hop is an STS AssumeRole signed by the previous
//! credentials, with the hop profile's `external_id`, `role_session_name`, `duration_seconds`
//! and `mfa_serial` (the code asked with [`Action::AskMfa`]). The STS endpoint of a profile's
//! calls: `MONGODB_AWS_STS_ENDPOINT`, else (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` or
//! `ignore_configured_endpoint_urls` is true) `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the
//! `[services]` section's `sts.endpoint_url`, the profile's `endpoint_url`; else
//! `sts.<region>.amazonaws.com` for the region `AWS_DEFAULT_REGION` or the active profile's
//! `region`, unless `sts_regional_endpoints` (or `AWS_STS_REGIONAL_ENDPOINTS`) is `legacy` and
//! the region one of [`profile::LEGACY_GLOBAL_STS_REGIONS`]; no region: `sts.amazonaws.com`.
//! `credential_process` is split as Python's `shlex.split` ([`profile::split_command`]), run for
//! at most [`PROCESS_TIMEOUT_MS`] (or `MONGODB_AWS_CREDENTIAL_PROCESS_TIMEOUT` seconds,
//! [`CREDENTIAL_PROCESS_TIMEOUT`]); its stderr (bounded, never its stdout) is in
//! [`Error::CredentialProcessFailed`], and the program is named with its arguments redacted. SSO
//! is in [`super::sso`]. Credentials from the files carry their [`ProfileOrigin`]; static keys
//! are never cached, role, web identity and SSO credentials are, and a `credential_process`
//! answer is when it has an `Expiration`.
//!
//! **Deliberate differences from botocore**: a generated `role_session_name` is
//! `mongodb-aws-<32 hex>` (botocore `botocore-session-<unix time>`); a `duration_seconds` that is
//! not a number is [`Error::ProfileInvalidValue`] (botocore ignores it); an unreadable shared
//! file is an error (configparser skips it); the shared files are read up to
//! [`MAX_SHARED_FILE_LEN`] each; role chains are bounded; `credential_process` has a deadline
//! (botocore waits forever), is split the POSIX way on every platform, and an answer that
//! expired or expires within 5 minutes is [`Error::CredentialsExpired`] (botocore would run it
//! again); the web identity token's trailing newline is stripped (botocore sends it); an
//! expired SSO token that cannot be refreshed fails before the portal call (botocore calls and
//! gets `UnauthorizedException`); configured endpoint URLs in plain http must be loopback, and
//! with one but no region the call is signed for `us-east-1` (botocore: `NoRegionError`); the
//! environment's web identity variables keep the MongoDB rule for their STS endpoint
//! (`AWS_REGION` with `AWS_STS_REGIONAL_ENDPOINTS=regional`, as before) and are skipped, not an
//! error, when only one is set; botocore 1.44's `aws login` provider is not supported.
//!
//! **Deadlines** (each a whole-request deadline: connect, send and the complete answer):
//!
//! | source | connect | whole request | retries (attempts in all) |
//! |---|---|---|---|
//! | EC2 IMDS, each of its 3 steps | 1 s | 1 s | `AWS_METADATA_SERVICE_NUM_ATTEMPTS` (default 1, 1..=10) on 429/5xx, timeout, refused, reset; no backoff |
//! | ECS, container full URI | 2 s | 10 s | 3 on 429/500/502/503/504 and reset/closed; backoff 200 ms, 400 ms |
//! | STS (web identity, AssumeRole, SAML), SSO portal and OIDC | 5 s | 10 s | 3 on 429/500/502/503/504, throttling codes, `IDPCommunicationError`, reset/closed; backoff 200 ms, 400 ms |
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
    assume_role, container, ecs, env as env_src, imds, profile, saml, sso, sts_response,
    web_identity, FetchedCredentials, RandomSessionName, RequestPlan, Source, StsEndpoint,
};
use crate::cache::{consider, is_fresh, ChainInputs, ProfileInputs, Step, REFRESH_WINDOW_SECONDS};
use crate::credentials::{MAX_ACCESS_KEY_ID_LEN, MAX_SECRET_LEN};
use crate::ini::{self, FileKind, Ini};
use crate::{AmzDate, Credentials, Error, UnixTime};
use core::fmt;
use profile::{Files, MAX_PROFILE_NAME_LEN, MAX_ROLE_HOPS};
use zeroize::Zeroize;

/// Largest file the chain reads (a web identity token is at most 20000 characters; an
/// authorization token file is small).
pub const MAX_FILE_LEN: usize = 20 * 1024;
/// Largest AWS shared config or credentials file the chain reads (each).
pub const MAX_SHARED_FILE_LEN: usize = 64 * 1024;
/// What a host must be ready to read for any [`Action::ReadFile`]: one byte more than the largest
/// file the chain accepts, so that a longer one is refused rather than cut.
pub const MAX_READ_LEN: usize = MAX_SHARED_FILE_LEN + 1;
/// Longest path the chain builds (`~` expanded, default files, the SSO token cache).
pub const MAX_PATH_LEN: usize = 1024;
/// Longest `credential_process` command, split.
pub const MAX_COMMAND_LEN: usize = 4096;
/// Longest SSO access token kept.
const SSO_TOKEN_LEN: usize = 8 * 1024;
/// Room for the SSO OIDC CreateToken body.
const SSO_BODY_LEN: usize = 12 * 1024;
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
    CredentialProcessTimeout = CREDENTIAL_PROCESS_TIMEOUT;
    MfaTimeout = MFA_TIMEOUT;
}

/// `MONGODB_AWS_CREDENTIAL_PROCESS_TIMEOUT`: the deadline of a `credential_process` in seconds
/// (integer or decimal, > 0 and ≤ 3600; default [`PROCESS_TIMEOUT_MS`]). The AWS SDKs have no such
/// setting (botocore waits forever); an invalid value is [`Error::InvalidEnvironmentVariable`].
pub const CREDENTIAL_PROCESS_TIMEOUT: &str = "MONGODB_AWS_CREDENTIAL_PROCESS_TIMEOUT";

/// `MONGODB_AWS_MFA_TIMEOUT`: how long the application's MFA callback may take to give a code, in
/// seconds (integer or decimal, > 0 and ≤ 3600; default [`MFA_TIMEOUT_MS`]). botocore's prompt
/// waits forever; an invalid value is [`Error::InvalidEnvironmentVariable`].
pub const MFA_TIMEOUT: &str = "MONGODB_AWS_MFA_TIMEOUT";

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

    /// The value of `v` as set, even when empty (botocore treats an empty `AWS_PROFILE` or
    /// `AWS_CONFIG_FILE` differently from an unset one).
    fn raw(&self, v: Var) -> Option<&'a str> {
        self.values.get(v as usize).copied().flatten()
    }

    /// The profile of the AWS shared files this snapshot selects, with the application's
    /// explicit `option` ([`profile::select`]), and what named it (`None`: the implicit
    /// `default`). Hosts key their process-wide cache by it.
    pub fn selected_profile(&self, option: Option<&'a str>) -> (&'a str, Option<&'static str>) {
        profile::select(
            option,
            self.raw(Var::DefaultProfile),
            self.raw(Var::Profile),
        )
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
        /// How long the callback may take ([`MFA_TIMEOUT_MS`], or [`MFA_TIMEOUT`] seconds). A
        /// host that cannot stop its callback waits for it, then answers a late code with
        /// [`Chain::on_mfa_failed`] as it does when it stops waiting.
        timeout_ms: u32,
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

/// `Debug` without secrets: a WriteFile's content (an SSO token cache) shows as its length.
impl fmt::Debug for Action<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::ReadFile { path, variable } => f
                .debug_struct("ReadFile")
                .field("path", path)
                .field("variable", variable)
                .finish(),
            Action::Http(h) => f.debug_tuple("Http").field(h).finish(),
            Action::Wait { millis } => f.debug_struct("Wait").field("millis", millis).finish(),
            Action::CallProvider => f.write_str("CallProvider"),
            Action::UseCache => f.write_str("UseCache"),
            Action::RunProcess(p) => f.debug_tuple("RunProcess").field(p).finish(),
            Action::AskMfa {
                serial,
                profile,
                timeout_ms,
            } => f
                .debug_struct("AskMfa")
                .field("serial", serial)
                .field("profile", profile)
                .field("timeout_ms", timeout_ms)
                .finish(),
            Action::WriteFile { path, content } => f
                .debug_struct("WriteFile")
                .field("path", path)
                .field("content_len", &content.len())
                .finish(),
            Action::Done(o) => f.debug_tuple("Done").field(o).finish(),
            Action::Failed(x) => f.debug_tuple("Failed").field(x).finish(),
        }
    }
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
/// authentication forever); [`CREDENTIAL_PROCESS_TIMEOUT`] replaces it.
pub const PROCESS_TIMEOUT_MS: u32 = 60_000;
/// How long the application's MFA callback may take (a person reading a code off a device, with
/// room to spare; botocore's prompt has no limit, but a callback that never answers must not hold
/// the authentication, or a thread of the host's pool, forever); [`MFA_TIMEOUT`] replaces it.
pub const MFA_TIMEOUT_MS: u32 = 300_000;

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
    words: &'c str,
    left: usize,
}

impl<'c> Args<'c> {
    /// `left` arguments stored as words separated by NUL (a NUL cannot be part of an argument).
    fn new(words: &'c str, left: usize) -> Self {
        Args { words, left }
    }
}

impl<'c> Iterator for Args<'c> {
    type Item = &'c str;
    fn next(&mut self) -> Option<&'c str> {
        self.left = self.left.checked_sub(1)?;
        let (w, rest) = self.words.split_once('\0').unwrap_or((self.words, ""));
        self.words = rest;
        Some(w)
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
pub const MAX_TRACE: usize = 96;

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
            Step::ProfileRole => Subject::Source(Source::AssumeRole),
            Step::Sso => Subject::Source(Source::Sso),
            Step::ProfileCredentialsFile | Step::ProfileConfigFile => {
                Subject::Source(Source::Profile)
            }
            Step::CredentialProcess => Subject::Source(Source::CredentialProcess),
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
    /// For a profile candidate: the shared file and the line of the profile's section header
    /// ([`Chain::shared_file_path`] gives the path).
    pub file: Option<(ini::FileKind, u32)>,
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
            file: None,
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
    /// The profile of the AWS shared files involved.
    pub profile: Option<&'c str>,
    /// The profile key involved (`role_arn`, `duration_seconds` ...).
    pub key: Option<&'static str>,
    /// The value of [`Failure::key`] as the file has it, for a one-line value of a key that is
    /// never secret ([`profile::shows_value`]: `source_profile`, `credential_source`,
    /// `mfa_serial`, `sso_session` ...).
    pub value: Option<&'c str>,
    /// The line in [`Failure::path`] (a section header, or the line an INI error is on).
    pub line: Option<u32>,
    /// More: the cycle of a `source_profile` loop, the program and stderr of a failed
    /// `credential_process`, what was expected. Never a secret.
    pub detail: Option<&'c str>,
}

impl<'c> Failure<'c> {
    fn with_shared_path(mut self, path: Option<&'c str>) -> Self {
        if path.is_some() {
            self.path = path;
        }
        self
    }

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
            profile: None,
            key: None,
            value: None,
            line: None,
            detail: None,
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
        if let Some(p) = self.profile {
            part(f)?;
            write!(f, "profile {p}")?;
        }
        if let Some(p) = self.path {
            part(f)?;
            write!(f, "file {p}")?;
            if let Some(l) = self.line {
                write!(f, " line {l}")?;
            }
        }
        if let Some(k) = self.key {
            part(f)?;
            write!(f, "key {k}")?;
            if let Some(v) = self.value {
                write!(f, " = {v}")?;
            }
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
        if let Some(d) = self.detail {
            part(f)?;
            f.write_str(d)?;
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
    SsoOidc,
    SsoPortal,
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
            // SSO and SSO OIDC: AWS JSON services, with STS's deadlines and retries.
            HttpStep::WebIdentity
            | HttpStep::AssumeRole
            | HttpStep::Saml
            | HttpStep::SsoOidc
            | HttpStep::SsoPortal => Family::Sts,
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
            HttpStep::SsoOidc | HttpStep::SsoPortal => Source::Sso,
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
            HttpStep::SsoOidc => "SSO OIDC CreateToken",
            HttpStep::SsoPortal => "SSO GetRoleCredentials",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)]
enum FilePurpose {
    WebIdentityToken,
    ContainerAuthToken,
    /// A profile's `web_identity_token_file` (path in `aux_path`).
    ProfileWebIdentityToken,
    /// The SSO token cache file (path in `aux_path`).
    SsoCache,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Start,
    ReadFile(FilePurpose),
    Http(HttpStep),
    Wait(HttpStep),
    CallProvider,
    UseCache,
    /// Reading an AWS shared file.
    ReadShared(FileKind),
    AskMfa,
    RunProcess,
    /// Writing the refreshed SSO token cache (`file`).
    WriteSsoCache,
    Done,
    Failed,
}

/// Where the first credentials of a profile resolution come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Base {
    Static(FileKind),
    Env,
    Imds,
    Ecs,
    WebIdentity,
    Process,
    Sso,
}

/// A profile resolution: the profiles followed (index 0 is the active one, then each
/// `source_profile`), where the base credentials come from, and the role hops still to make
/// (from `next_hop` down to 0).
struct ProfileRun {
    names: heapless::Vec<heapless::String<MAX_PROFILE_NAME_LEN>, { MAX_ROLE_HOPS + 1 }>,
    base: Base,
    /// The profile whose settings give the base credentials.
    base_at: usize,
    /// The hop being made.
    hop: usize,
    next_hop: Option<usize>,
    /// The environment's web identity variables apply (the active profile, no explicit option).
    env_allowed: bool,
    /// File and header line of the active profile's deciding section.
    origin: Option<(FileKind, u32)>,
}

impl ProfileRun {
    fn name(&self, i: usize) -> &str {
        self.names.get(i).map_or("", |n| n.as_str())
    }
}

/// A profile's IAM Identity Center settings (see `Chain::sso_config`).
struct SsoConfig<'x> {
    top: &'x str,
    name: &'x str,
    session: Option<&'x str>,
    start_url: &'x str,
    region: &'x str,
    account_id: &'x str,
    role_name: &'x str,
}

/// Parses the shared files kept in the chain (checked when they were read).
fn files<'x>(
    config: &'x Buf<MAX_SHARED_FILE_LEN>,
    has_config: bool,
    credentials: &'x Buf<MAX_SHARED_FILE_LEN>,
    has_credentials: bool,
) -> Files<'x> {
    Files {
        config: has_config
            .then(|| Ini::parse(config.as_bytes()).ok())
            .flatten(),
        credentials: has_credentials
            .then(|| Ini::parse(credentials.as_bytes()).ok())
            .flatten(),
    }
}

/// A one-line profile value (`Ok(None)` when absent).
fn value<'x>(files: &Files<'x>, name: &str, key: &str) -> Result<Option<&'x str>, Error> {
    match files.get(name, key) {
        Some(f) => profile::one_line(&f.value).map(Some),
        None => Ok(None),
    }
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
    /// Index of the profile in the run (or the selected profile when there is no run yet).
    profile: Option<usize>,
    /// The shared file (the failure's path).
    file: Option<FileKind>,
    key: Option<&'static str>,
    line: Option<u32>,
    has_detail: bool,
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
            profile: None,
            file: None,
            key: None,
            line: None,
            has_detail: false,
        }
    }
}

/// The credential chain. Large (about 230 KiB of fixed buffers, two 64 KiB for the AWS shared
/// files): keep it on the heap or in a
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
    process_timeout_ms: u32,
    mfa_timeout_ms: u32,
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
    // The AWS shared files and the profile resolution.
    /// The selected profile and what named it (`None`: the default `default`).
    selected: heapless::String<MAX_PROFILE_NAME_LEN>,
    named_by: Option<&'static str>,
    env_disabled: bool,
    config: Buf<MAX_SHARED_FILE_LEN>,
    credentials_file: Buf<MAX_SHARED_FILE_LEN>,
    has_config: bool,
    has_credentials: bool,
    config_path: heapless::String<MAX_PATH_LEN>,
    credentials_path: heapless::String<MAX_PATH_LEN>,
    config_var: &'static str,
    credentials_var: &'static str,
    run: Option<ProfileRun>,
    aux_path: heapless::String<MAX_PATH_LEN>,
    mfa_code: Buf<64>,
    argv: Buf<MAX_COMMAND_LEN>,
    argc: usize,
    detail: Text<768>,
    /// SSO: the access token in use, the portal request's target, the refresh body.
    sso_token: Buf<SSO_TOKEN_LEN>,
    sso_target: heapless::String<512>,
    sso_body: Buf<SSO_BODY_LEN>,
    /// The profile key a request could not be built from (set by `request`).
    bad_key: core::cell::Cell<Option<&'static str>>,
}

/// The name that chose the profile when the application passed one explicitly.
pub const PROFILE_OPTION: &str = "profile option";

impl fmt::Debug for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chain")
            .field("state", &self.state)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

/// A variable's value was refused (the chain has failed, naming it).
struct Invalid;

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
    /// (for a generated role session name). It is large (fixed buffers, two 64 KiB file buffers):
    /// box it in place, `Box::write(Box::new_uninit(), Chain::new(..))`, so that an optimised
    /// build writes it straight into the box instead of onto a small thread's stack.
    #[inline(always)]
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
            process_timeout_ms: PROCESS_TIMEOUT_MS,
            mfa_timeout_ms: MFA_TIMEOUT_MS,
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
            selected: heapless::String::new(),
            named_by: None,
            env_disabled: false,
            config: Buf::new(),
            credentials_file: Buf::new(),
            has_config: false,
            has_credentials: false,
            config_path: heapless::String::new(),
            credentials_path: heapless::String::new(),
            config_var: profile::AWS_CONFIG_FILE,
            credentials_var: profile::AWS_SHARED_CREDENTIALS_FILE,
            run: None,
            aux_path: heapless::String::new(),
            mfa_code: Buf::new(),
            argv: Buf::new(),
            argc: 0,
            detail: Text::new(),
            sso_token: Buf::new(),
            sso_target: heapless::String::new(),
            sso_body: Buf::new(),
            bad_key: core::cell::Cell::new(None),
        }
    }

    /// The path of a shared file the chain read (`None` when it was not read or does not exist).
    pub fn shared_file_path(&self, kind: FileKind) -> Option<&str> {
        match kind {
            FileKind::Config => Some(self.config_path.as_str()).filter(|_| self.has_config),
            FileKind::Credentials => {
                Some(self.credentials_path.as_str()).filter(|_| self.has_credentials)
            }
        }
    }

    fn files(&self) -> Files<'_> {
        files(
            &self.config,
            self.has_config,
            &self.credentials_file,
            self.has_credentials,
        )
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
                Var::WebIdentityTokenFile.name(),
                "web identity token file",
            ),
            FilePurpose::ContainerAuthToken => (
                Source::ContainerFullUri,
                Var::ContainerAuthTokenFile.name(),
                "container authorization token file",
            ),
            FilePurpose::ProfileWebIdentityToken => (
                Source::WebIdentity,
                "web_identity_token_file",
                "the profile's web identity token file",
            ),
            FilePurpose::SsoCache => (Source::Sso, profile::HOME, "SSO token cache file"),
        };
        self.record(TraceEntry::new(
            Subject::Source(source),
            Decision::ReadFile,
            what,
            Some(var),
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
            HttpStep::SsoPortal => set(Var::SsoEndpointOverride)
                .or(set(Var::EndpointUrlSso))
                .or(set(Var::EndpointUrl)),
            HttpStep::SsoOidc => set(Var::SsoOidcEndpointOverride)
                .or(set(Var::EndpointUrlSsoOidc))
                .or(set(Var::EndpointUrl)),
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
            State::ReadFile(FilePurpose::ProfileWebIdentityToken) => Action::ReadFile {
                path: self.aux_path.as_str(),
                variable: "web_identity_token_file",
            },
            State::ReadFile(FilePurpose::SsoCache) => Action::ReadFile {
                path: self.aux_path.as_str(),
                variable: if self.env.get(Var::Home).is_some() {
                    profile::HOME
                } else {
                    profile::USERPROFILE
                },
            },
            State::WriteSsoCache => Action::WriteFile {
                path: self.aux_path.as_str(),
                content: self.file.as_bytes(),
            },
            State::ReadFile(p) => {
                let var = match p {
                    FilePurpose::ContainerAuthToken => Var::ContainerAuthTokenFile,
                    _ => Var::WebIdentityTokenFile,
                };
                Action::ReadFile {
                    path: self.env.get(var).unwrap_or(""),
                    variable: var.name(),
                }
            }
            State::ReadShared(kind) => Action::ReadFile {
                path: match kind {
                    FileKind::Config => self.config_path.as_str(),
                    FileKind::Credentials => self.credentials_path.as_str(),
                },
                variable: match kind {
                    FileKind::Config => self.config_var,
                    FileKind::Credentials => self.credentials_var,
                },
            },
            State::AskMfa => match &self.run {
                Some(run) => {
                    let name = run.name(run.hop);
                    match value(&self.files(), name, "mfa_serial") {
                        Ok(Some(serial)) => Action::AskMfa {
                            serial,
                            profile: name,
                            timeout_ms: self.mfa_timeout_ms,
                        },
                        _ => Action::Failed(Failure::bare(Error::UnexpectedChainEvent)),
                    }
                }
                None => Action::Failed(Failure::bare(Error::UnexpectedChainEvent)),
            },
            State::RunProcess => {
                let s = self.argv.as_str();
                let (program, rest) = s.split_once('\0').unwrap_or((s, ""));
                Action::RunProcess(ProcessAction {
                    program,
                    args: Args::new(rest, self.argc.saturating_sub(1)),
                    timeout_ms: self.process_timeout_ms,
                })
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
                    // A credential_process answer without Expiration never expires: re-run it.
                    cache: fetched.source.is_cacheable()
                        && !(fetched.source == Source::CredentialProcess
                            && fetched.expiration.is_none()),
                    origin: self.run.as_ref().and_then(|r| {
                        let (kind, line) = r.origin?;
                        Some(ProfileOrigin {
                            profile: r.name(0),
                            file: self.shared_file_path(kind)?,
                            line,
                        })
                    }),
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
        let profile = i.profile.map(|n| match &self.run {
            Some(r) => r.name(n),
            None => self.selected.as_str(),
        });
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
            profile,
            key: i.key,
            value: i
                .key
                .filter(|k| profile::shows_value(k))
                .zip(profile)
                .and_then(|(k, p)| self.files().get(p, k)?.value.as_str()),
            line: i.line,
            detail: Some(self.detail.0.as_str()).filter(|_| i.has_detail),
        }
        .with_shared_path(i.file.map(|k| match k {
            FileKind::Config => self.config_path.as_str(),
            FileKind::Credentials => self.credentials_path.as_str(),
        }))
    }

    fn fail(&mut self, info: FailInfo) {
        self.store = Store::new();
        self.file.clear();
        self.imds_token.clear();
        self.scratch.clear();
        self.mfa_code.clear();
        self.sso_token.clear();
        self.sso_body.clear();
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
                profile,
            } => self.begin_default(custom_provider, fresh_cache, profile),
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

    /// The default plan's candidates judged by [`consider`] (with what the shared files say,
    /// when `read`), recorded in the trace, and the one taken started.
    fn decide(&mut self, read: bool) {
        let Plan::Default {
            custom_provider,
            fresh_cache,
            ..
        } = self.plan
        else {
            return self.unexpected();
        };
        let facts = if read {
            self.files().facts(self.selected.as_str())
        } else {
            profile::Facts::default()
        };
        if read && self.named_by.is_some() && !facts.exists {
            let mut i = FailInfo::new(Error::ProfileNotFound);
            i.source = Some(Source::Profile);
            i.profile = Some(0);
            i.variable = self.named_by;
            let d = self.files_note();
            return self.fail_detail(i, d);
        }
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
            profile: ProfileInputs {
                read,
                env_disabled: self.env_disabled,
                facts,
            },
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
                let mut t = TraceEntry::new(subject, decision, c.reason, c.variable);
                t.file = c.file;
                self.record(t);
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
                            Error::MissingSecretAccessKey | Error::InvalidSecretAccessKey => {
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
            Step::WebIdentity if read && facts.web_identity.is_some() => {
                self.run_profile(Base::WebIdentity, facts.web_identity)
            }
            Step::WebIdentity => self.enter_read_file(FilePurpose::WebIdentityToken),
            Step::ProfileRole => self.plan_role(facts.role),
            Step::Sso => self.run_profile(Base::Sso, facts.sso),
            Step::ProfileCredentialsFile => self.run_profile(
                Base::Static(FileKind::Credentials),
                facts
                    .credentials_file_keys
                    .map(|l| (FileKind::Credentials, l)),
            ),
            Step::CredentialProcess => self.run_profile(Base::Process, facts.process),
            Step::ProfileConfigFile => self.run_profile(
                Base::Static(FileKind::Config),
                facts.config_file_keys.map(|l| (FileKind::Config, l)),
            ),
            Step::Ecs => self.enter(HttpStep::Ecs),
            Step::ContainerFullUri => self.start_container(),
            Step::Ec2 => self.start_imds(),
            Step::None => self.fail_simple(Error::NoCredentials, None, Some(imds::DISABLED_VAR)),
        }
    }

    fn start_container(&mut self) {
        if self.env.get(Var::ContainerAuthTokenFile).is_some() {
            self.enter_read_file(FilePurpose::ContainerAuthToken);
        } else {
            self.enter(HttpStep::Container);
        }
    }

    fn start_imds(&mut self) {
        match self.seconds_var(Var::MetadataServiceTimeout, Source::Ec2) {
            Ok(Some(ms)) => self.imds_timeout_ms = ms,
            Ok(None) => {}
            Err(Invalid) => return,
        }
        if let Some(v) = self.env.get(Var::MetadataServiceNumAttempts) {
            match v.trim().parse::<u8>() {
                Ok(n) if (1..=MAX_IMDS_ATTEMPTS).contains(&n) => self.imds_attempts = n,
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

    /// A deadline in seconds from `var` ([`parse_timeout_ms`]): `Ok(None)` when unset; an invalid
    /// value fails the chain with [`Error::InvalidEnvironmentVariable`] naming it.
    fn seconds_var(&mut self, var: Var, source: Source) -> Result<Option<u32>, Invalid> {
        let Some(v) = self.env.get(var) else {
            return Ok(None);
        };
        match parse_timeout_ms(v) {
            Some(ms) => Ok(Some(ms)),
            None => {
                self.fail_simple(
                    Error::InvalidEnvironmentVariable,
                    Some(source),
                    Some(var.name()),
                );
                Err(Invalid)
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
                let profile_step = self.run.is_some()
                    && matches!(step, HttpStep::AssumeRole | HttpStep::WebIdentity);
                let mut i = if profile_step {
                    let at = self.run.as_ref().map_or(0, |r| match step {
                        HttpStep::AssumeRole => r.hop,
                        _ => r.base_at,
                    });
                    let key = self.bad_key.take().or(match e {
                        Error::InvalidRoleArn => Some("role_arn"),
                        Error::InvalidRoleSessionName => Some("role_session_name"),
                        Error::InvalidDurationSeconds => Some("duration_seconds"),
                        Error::InvalidExternalId => Some("external_id"),
                        Error::InvalidMfaSerialNumber | Error::InvalidMfaTokenCode => {
                            Some("mfa_serial")
                        }
                        Error::InvalidRegion => Some("region"),
                        _ => None,
                    });
                    let mut i = self.profile_fail(e, at, key);
                    i.variable = self.profile_variable(e, key);
                    i
                } else {
                    let mut i = FailInfo::new(e);
                    i.variable = self.variable_for(step, e);
                    i
                };
                i.source = Some(step.source());
                i.step = Some(step.name());
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
            HttpStep::SsoPortal => {
                let cfg = self.sso_config()?;
                let ep = sso::endpoint(
                    self.sso_override(
                        cfg.top,
                        Var::SsoEndpointOverride,
                        Var::EndpointUrlSso,
                        "sso",
                    )?,
                    "portal.sso",
                    cfg.region,
                )?;
                sso::portal_request(ep, self.sso_target.as_str(), self.sso_token.as_str())
            }
            HttpStep::SsoOidc => {
                let cfg = self.sso_config()?;
                let ep = sso::endpoint(
                    self.sso_override(
                        cfg.top,
                        Var::SsoOidcEndpointOverride,
                        Var::EndpointUrlSsoOidc,
                        "sso_oidc",
                    )?,
                    "oidc",
                    cfg.region,
                )?;
                Ok(sso::refresh_request(ep, self.sso_body.as_bytes()))
            }
            HttpStep::WebIdentity if self.run.is_some() => self.profile_web_identity_request(),
            HttpStep::AssumeRole if self.run.is_some() => self.profile_role_request(),
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
        if let Some(r) = &self.run {
            match step {
                HttpStep::AssumeRole => i.profile = Some(r.hop),
                HttpStep::WebIdentity => i.profile = Some(r.base_at),
                _ => {}
            }
        }
        i
    }

    // -----------------------------------------------------------------------------------------
    // Events
    // -----------------------------------------------------------------------------------------

    /// The content of the file asked for by [`Action::ReadFile`].
    pub fn on_file(&mut self, content: &[u8]) {
        if let State::ReadShared(kind) = self.state {
            return self.on_shared_file(kind, content);
        }
        let State::ReadFile(purpose) = self.state else {
            return self.unexpected();
        };
        if purpose == FilePurpose::SsoCache {
            return self.on_sso_cache(content);
        }
        if purpose == FilePurpose::ProfileWebIdentityToken {
            let check = match self.file.set(content) {
                Ok(()) => web_identity::token_from_file(self.file.as_bytes()).map(|_| ()),
                Err(_) => Err(Error::InvalidWebIdentityToken),
            };
            return match check {
                Ok(()) => self.enter(HttpStep::WebIdentity),
                Err(e) => {
                    let at = self.run.as_ref().map_or(0, |r| r.base_at);
                    let mut i = self.profile_fail(e, at, Some("web_identity_token_file"));
                    i.source = Some(Source::WebIdentity);
                    self.fail(i)
                }
            };
        }
        let (var, step, err) = match purpose {
            FilePurpose::WebIdentityToken => (
                Var::WebIdentityTokenFile,
                HttpStep::WebIdentity,
                Error::InvalidWebIdentityToken,
            ),
            FilePurpose::ContainerAuthToken
            | FilePurpose::ProfileWebIdentityToken
            | FilePurpose::SsoCache => (
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
            FilePurpose::ContainerAuthToken
            | FilePurpose::ProfileWebIdentityToken
            | FilePurpose::SsoCache => container::token_from_file(self.file.as_bytes()).map(|_| ()),
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
        if matches!(
            self.state,
            State::ReadFile(_) | State::Http(_) | State::ReadShared(_) | State::RunProcess
        ) {
            self.record_answer(None, Some(io));
        }
        match self.state {
            State::ReadShared(kind) => self.on_shared_io(kind, io),
            // A failed write-back is not fatal: the refreshed token is used.
            State::WriteSsoCache => self.enter(HttpStep::SsoPortal),
            State::ReadFile(FilePurpose::SsoCache) => {
                let at = self.run.as_ref().map_or(0, |r| r.base_at);
                let mut i = self.profile_fail(Error::SsoTokenMissing, at, None);
                i.source = Some(Source::Sso);
                i.io = Some(match io {
                    IoError::NotFound => IoError::NotFound,
                    _ => IoError::Unreadable,
                });
                let d = self.sso_login_hint();
                self.fail_detail(i, d)
            }
            State::RunProcess => {
                let at = self.run.as_ref().map_or(0, |r| r.base_at);
                let (error, deadline) = match io {
                    IoError::Timeout | IoError::ConnectTimeout => (
                        Error::CredentialProcessTimeout,
                        Some(self.process_timeout_ms),
                    ),
                    _ => (Error::CredentialProcessSpawn, None),
                };
                let mut i = self.profile_fail(error, at, Some("credential_process"));
                i.io = Some(io).filter(|_| deadline.is_some());
                i.deadline_ms = deadline;
                let mut d = Text::new();
                self.process_note(&mut d);
                if deadline.is_none() {
                    let _ = fmt::Write::write_str(
                        &mut d,
                        match io {
                            IoError::NotFound => ": no such program",
                            _ => ": it cannot be started",
                        },
                    );
                }
                self.fail_detail(i, d)
            }
            State::ReadFile(FilePurpose::ProfileWebIdentityToken) => {
                let at = self.run.as_ref().map_or(0, |r| r.base_at);
                let mut i =
                    self.profile_fail(Error::FileUnreadable, at, Some("web_identity_token_file"));
                i.source = Some(Source::WebIdentity);
                i.io = Some(match io {
                    IoError::NotFound => IoError::NotFound,
                    _ => IoError::Unreadable,
                });
                let mut d = Text::new();
                let _ = fmt::Write::write_fmt(&mut d, format_args!("token file {}", self.aux_path));
                self.fail_detail(i, d)
            }
            State::ReadFile(purpose) => {
                let (var, source) = match purpose {
                    FilePurpose::WebIdentityToken => {
                        (Var::WebIdentityTokenFile, Source::WebIdentity)
                    }
                    FilePurpose::ContainerAuthToken
                    | FilePurpose::ProfileWebIdentityToken
                    | FilePurpose::SsoCache => {
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
                if step == HttpStep::SsoOidc {
                    return self.sso_refresh_failed(None);
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
        let sso_step = matches!(step, HttpStep::SsoOidc | HttpStep::SsoPortal);
        if family == Family::Sts && !sso_step {
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
            if step == HttpStep::SsoOidc {
                return self.sso_refresh_failed(Some(status));
            }
            if step == HttpStep::SsoPortal && status == 401 {
                // botocore: only UnauthorizedException (401) is UnauthorizedSSOTokenError; a 403
                // (ForbiddenException: a valid token without access to the role) stays an HTTP
                // error.
                let mut i = self.http_fail(step, Error::SsoTokenExpired);
                i.status = Some(status);
                i.profile = self.run.as_ref().map(|r| r.base_at);
                let d = self.sso_login_hint();
                return self.fail_detail(i, d);
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
            HttpStep::SsoPortal => sso::parse_role_credentials,
            HttpStep::SsoOidc => return self.on_refreshed(body),
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
                self.after_credentials();
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

// ---------------------------------------------------------------------------------------------
// The AWS shared files: profile selection, reading, role chains, process, MFA
// ---------------------------------------------------------------------------------------------

impl<'a> Chain<'a> {
    fn begin_default(&mut self, custom_provider: bool, fresh_cache: bool, option: Option<&'a str>) {
        // botocore: the session's profile_name, else AWS_DEFAULT_PROFILE, else AWS_PROFILE (set,
        // even empty), else `default`; an explicit profile_name switches environment keys off.
        let (name, by) = self.env.selected_profile(option);
        self.named_by = by;
        self.env_disabled = option.is_some();
        if self.selected.push_str(name).is_err() {
            let mut i = FailInfo::new(Error::ProfileInvalidValue);
            i.source = Some(Source::Profile);
            i.variable = by;
            let mut d = Text::new();
            let _ = fmt::Write::write_fmt(
                &mut d,
                format_args!("a profile name is at most {MAX_PROFILE_NAME_LEN} bytes"),
            );
            return self.fail_detail(i, d);
        }
        let env_keys = !self.env_disabled
            && [Var::AccessKeyId, Var::SecretAccessKey, Var::SessionToken]
                .iter()
                .any(|v| self.env.get(*v).is_some());
        if custom_provider || fresh_cache || (env_keys && by.is_none()) {
            self.decide(false)
        } else {
            self.read_shared(FileKind::Config)
        }
    }

    /// The home directory: `HOME`, else `USERPROFILE` (Windows).
    fn home(&self) -> Option<&'a str> {
        self.env
            .get(Var::Home)
            .or_else(|| self.env.get(Var::UserProfile))
    }

    /// Starts reading one shared file, or goes on when it has no path.
    fn read_shared(&mut self, kind: FileKind) {
        let (var, default) = match kind {
            FileKind::Config => (Var::ConfigFile, "/.aws/config"),
            FileKind::Credentials => (Var::SharedCredentialsFile, "/.aws/credentials"),
        };
        let home = self.home();
        let home_var = if self.env.get(Var::Home).is_some() {
            profile::HOME
        } else {
            profile::USERPROFILE
        };
        let mut path = heapless::String::<MAX_PATH_LEN>::new();
        // (what named the path, whether there is a file, whether the path fit)
        let (named_by, ok, fits) = match self.env.raw(var) {
            // Set but empty: no file (botocore opens '' and finds nothing).
            Some("") => (var.name(), false, true),
            Some(p) => {
                // `~` and `~/...` are the home directory (os.path.expanduser).
                let r = match (p.strip_prefix('~'), home) {
                    (Some(rest), Some(h)) if rest.is_empty() || rest.starts_with('/') => {
                        path.push_str(h).and_then(|()| path.push_str(rest))
                    }
                    _ => path.push_str(p),
                };
                (var.name(), r.is_ok(), r.is_ok())
            }
            None => match home {
                Some(h) => {
                    let r = path.push_str(h).and_then(|()| path.push_str(default));
                    (home_var, r.is_ok(), r.is_ok())
                }
                None => (home_var, false, true),
            },
        };
        if !fits {
            let mut i = FailInfo::new(Error::InvalidEnvironmentVariable);
            i.source = Some(Source::Profile);
            i.variable = Some(named_by);
            let mut d = Text::new();
            let _ = fmt::Write::write_fmt(
                &mut d,
                format_args!("the file's path is longer than {MAX_PATH_LEN} bytes"),
            );
            return self.fail_detail(i, d);
        }
        match kind {
            FileKind::Config => {
                self.config_path = path;
                self.config_var = named_by;
            }
            FileKind::Credentials => {
                self.credentials_path = path;
                self.credentials_var = named_by;
            }
        }
        if !ok {
            return self.shared_done(kind);
        }
        self.state = State::ReadShared(kind);
        self.record(TraceEntry::new(
            Subject::Source(Source::Profile),
            Decision::ReadFile,
            match kind {
                FileKind::Config => "AWS config file",
                FileKind::Credentials => "AWS shared credentials file",
            },
            Some(named_by),
        ));
    }

    fn shared_done(&mut self, kind: FileKind) {
        match kind {
            FileKind::Config => self.read_shared(FileKind::Credentials),
            FileKind::Credentials => self.decide(true),
        }
    }

    fn on_shared_file(&mut self, kind: FileKind, content: &[u8]) {
        let buf = match kind {
            FileKind::Config => &mut self.config,
            FileKind::Credentials => &mut self.credentials_file,
        };
        let mut i = FailInfo::new(Error::FileUnreadable);
        i.source = Some(Source::Profile);
        i.file = Some(kind);
        if content.len() > MAX_SHARED_FILE_LEN || buf.set(content).is_err() {
            buf.clear();
            let mut d = Text::new();
            let _ = fmt::Write::write_fmt(
                &mut d,
                format_args!("the file is larger than {MAX_SHARED_FILE_LEN} bytes"),
            );
            return self.fail_detail(i, d);
        }
        if let Err(e) = Ini::parse(buf.as_bytes()) {
            i.error = e.error;
            i.line = Some(e.line);
            return self.fail(i);
        }
        match kind {
            FileKind::Config => self.has_config = true,
            FileKind::Credentials => self.has_credentials = true,
        }
        self.shared_done(kind)
    }

    fn on_shared_io(&mut self, kind: FileKind, io: IoError) {
        if io == IoError::NotFound {
            return self.shared_done(kind);
        }
        let mut i = FailInfo::new(Error::FileUnreadable);
        i.source = Some(Source::Profile);
        i.file = Some(kind);
        i.variable = Some(match kind {
            FileKind::Config => self.config_var,
            FileKind::Credentials => self.credentials_var,
        });
        i.io = Some(IoError::Unreadable);
        self.fail(i)
    }

    /// Which files were looked in, for a profile that is in neither.
    fn files_note(&self) -> Text<768> {
        let mut d = Text::new();
        let one = |d: &mut Text<768>, what: &str, path: &str, var: &str, found: bool| {
            let _ = fmt::Write::write_fmt(
                d,
                format_args!(
                    "{what} {} ({var}{})",
                    if path.is_empty() { "(none)" } else { path },
                    if found || path.is_empty() {
                        ""
                    } else {
                        ", not found"
                    }
                ),
            );
        };
        one(
            &mut d,
            "looked in the config file",
            self.config_path.as_str(),
            self.config_var,
            self.has_config,
        );
        let _ = fmt::Write::write_str(&mut d, " and ");
        one(
            &mut d,
            "the credentials file",
            self.credentials_path.as_str(),
            self.credentials_var,
            self.has_credentials,
        );
        d
    }

    fn fail_detail(&mut self, mut i: FailInfo, d: Text<768>) {
        self.detail = d;
        i.has_detail = true;
        self.fail(i)
    }

    /// A failure about profile `at` of the run, key `key`, in the file and line where the key is.
    fn profile_fail(&mut self, error: Error, at: usize, key: Option<&'static str>) -> FailInfo {
        let mut i = FailInfo::new(error);
        i.source = Some(match self.run.as_ref().map(|r| r.base) {
            Some(Base::Process) => Source::CredentialProcess,
            Some(Base::Sso) => Source::Sso,
            _ => Source::Profile,
        });
        i.profile = Some(at);
        i.key = key;
        let name = match &self.run {
            Some(r) => r.name(at),
            None => self.selected.as_str(),
        };
        let files = self.files();
        let found = key
            .and_then(|k| files.get(name, k))
            .map(|f| (f.file, f.section.line()))
            .or_else(|| files.any_section(name).map(|(k, s)| (k, s.line())));
        if let Some((kind, line)) = found {
            i.file = Some(kind);
            i.line = Some(line);
        }
        i
    }

    /// The name of profile `at` of the run (a copy: the run is borrowed by what follows).
    fn run_name(&self, at: usize) -> heapless::String<MAX_PROFILE_NAME_LEN> {
        self.run
            .as_ref()
            .and_then(|r| r.names.get(at).cloned())
            .unwrap_or_default()
    }

    /// Starts a resolution with no role hop: the base credentials are the answer.
    fn run_profile(&mut self, base: Base, origin: Option<(FileKind, u32)>) {
        let mut names = heapless::Vec::new();
        let _ = names.push(self.selected.clone());
        self.run = Some(ProfileRun {
            names,
            base,
            base_at: 0,
            hop: 0,
            next_hop: None,
            env_allowed: !self.env_disabled,
            origin,
        });
        self.run_base()
    }

    /// botocore's AssumeRoleProvider: follows `source_profile` from the active profile until a
    /// profile that has static keys (or no `role_arn`) or a `credential_source`; a profile may
    /// name itself only when it has static keys; any other repeat is a cycle.
    fn plan_role(&mut self, origin: Option<(FileKind, u32)>) {
        let mut names: heapless::Vec<
            heapless::String<MAX_PROFILE_NAME_LEN>,
            { MAX_ROLE_HOPS + 1 },
        > = heapless::Vec::new();
        let _ = names.push(self.selected.clone());
        let outcome = {
            let files = self.files();
            plan_role(&files, &mut names)
        };
        let (base, base_at, next_hop) = match outcome {
            Ok(p) => p,
            Err((error, at, key, cycle)) => {
                self.run = Some(ProfileRun {
                    names,
                    base: Base::Env,
                    base_at: at,
                    hop: at,
                    next_hop: None,
                    env_allowed: false,
                    origin,
                });
                let mut i = self.profile_fail(error, at, key);
                i.source = Some(Source::AssumeRole);
                if cycle {
                    let mut d = Text::new();
                    if let Some(r) = &self.run {
                        let _ = fmt::Write::write_str(&mut d, "source_profile cycle: ");
                        for (n, name) in r.names.iter().enumerate() {
                            if n > 0 {
                                let _ = fmt::Write::write_str(&mut d, " -> ");
                            }
                            let _ = fmt::Write::write_str(&mut d, name);
                        }
                    }
                    return self.fail_detail(i, d);
                }
                return self.fail(i);
            }
        };
        self.run = Some(ProfileRun {
            names,
            base,
            base_at,
            hop: next_hop.unwrap_or(0),
            next_hop,
            env_allowed: false,
            origin,
        });
        self.run_base()
    }

    /// Produces the base credentials of the run.
    fn run_base(&mut self) {
        let Some(run) = &self.run else {
            return self.unexpected();
        };
        let (base, at) = (run.base, run.base_at);
        match base {
            Base::Static(kind) => {
                let name = self.run_name(at);
                let r = {
                    let files = files(
                        &self.config,
                        self.has_config,
                        &self.credentials_file,
                        self.has_credentials,
                    );
                    match profile::static_keys(&files, kind, &name) {
                        Ok(Some((c, _))) => self
                            .store
                            .keep(&FetchedCredentials {
                                credentials: c,
                                expiration: None,
                                arn: None,
                                assumed_role_id: None,
                                account_id: None,
                                source: Source::Profile,
                            })
                            .map(|()| true)
                            .map_err(|e| (e, "aws_access_key_id")),
                        Ok(None) => Ok(false),
                        Err(e) => Err(e),
                    }
                };
                match r {
                    Ok(true) => self.after_credentials(),
                    Ok(false) => {
                        let i = self.profile_fail(
                            Error::ProfileSourceWithoutCredentials,
                            at,
                            Some("aws_access_key_id"),
                        );
                        self.fail(i)
                    }
                    Err((e, key)) => {
                        let mut i = self.profile_fail(e, at, Some(key));
                        // The keys of one file: name that file, not the merged view's.
                        if let Some(l) = self.files().section(kind, &name).map(|s| s.line()) {
                            i.file = Some(kind);
                            i.line = Some(l);
                        }
                        self.fail(i)
                    }
                }
            }
            Base::Env => match env_src::credentials(
                self.env.get(Var::AccessKeyId),
                self.env.get(Var::SecretAccessKey),
                self.env.get(Var::SessionToken),
            ) {
                Ok(f) => match self.store.keep(&f) {
                    Ok(()) => self.after_credentials(),
                    Err(e) => self.fail_simple(e, Some(Source::Environment), None),
                },
                Err(e) => {
                    let mut i = self.profile_fail(
                        if e == Error::MissingAccessKeyId {
                            Error::NoCredentials
                        } else {
                            e
                        },
                        at,
                        Some("credential_source"),
                    );
                    i.source = Some(Source::Environment);
                    i.variable = Some(env_src::AWS_ACCESS_KEY_ID);
                    self.fail(i)
                }
            },
            Base::Imds => {
                if self
                    .env
                    .get(Var::Ec2MetadataDisabled)
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case("true"))
                {
                    let mut i =
                        self.profile_fail(Error::NoCredentials, at, Some("credential_source"));
                    i.source = Some(Source::Ec2);
                    i.variable = Some(imds::DISABLED_VAR);
                    return self.fail(i);
                }
                self.start_imds()
            }
            Base::Ecs => {
                if self.env.get(Var::EcsRelativeUri).is_some() {
                    self.enter(HttpStep::Ecs)
                } else if self.env.get(Var::ContainerFullUri).is_some() {
                    self.start_container()
                } else {
                    let mut i =
                        self.profile_fail(Error::NoCredentials, at, Some("credential_source"));
                    i.source = Some(Source::Ecs);
                    i.variable = Some(ecs::AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
                    self.fail(i)
                }
            }
            Base::WebIdentity => {
                let env_allowed = self.run.as_ref().is_some_and(|r| r.env_allowed && at == 0);
                let name = self.run_name(at);
                let r = match self
                    .env
                    .get(Var::WebIdentityTokenFile)
                    .filter(|_| env_allowed)
                {
                    Some(p) => {
                        self.aux_path.clear();
                        self.aux_path
                            .push_str(p)
                            .map_err(|_| Error::ProfileInvalidValue)
                    }
                    None => {
                        let files = files(
                            &self.config,
                            self.has_config,
                            &self.credentials_file,
                            self.has_credentials,
                        );
                        match value(&files, &name, "web_identity_token_file") {
                            Ok(Some(p)) if !p.is_empty() => {
                                self.aux_path.clear();
                                self.aux_path
                                    .push_str(p)
                                    .map_err(|_| Error::ProfileInvalidValue)
                            }
                            Ok(_) => Err(Error::ProfileInvalidValue),
                            Err(e) => Err(e),
                        }
                    }
                };
                match r {
                    Ok(()) => self.enter_read_file(FilePurpose::ProfileWebIdentityToken),
                    Err(e) => {
                        let mut i = self.profile_fail(e, at, Some("web_identity_token_file"));
                        i.source = Some(Source::WebIdentity);
                        self.fail(i)
                    }
                }
            }
            Base::Process => self.start_process(at),
            Base::Sso => self.start_sso(at),
        }
    }

    /// The base credentials (or a hop's) are in the store: the next hop, or done.
    fn after_credentials(&mut self) {
        match self.run.as_ref().and_then(|r| r.next_hop) {
            Some(h) => self.start_hop(h),
            None => self.enter_done(),
        }
    }

    /// AssumeRole of the profile at `h`, after its MFA code when it has `mfa_serial`.
    fn start_hop(&mut self, h: usize) {
        let name = self.run_name(h);
        let mfa = value(&self.files(), &name, "mfa_serial").map(|v| v.is_some());
        if let Some(r) = self.run.as_mut() {
            r.hop = h;
            r.next_hop = h.checked_sub(1);
        }
        self.mfa_code.clear();
        match mfa {
            Ok(true) => {
                match self.seconds_var(Var::MfaTimeout, Source::AssumeRole) {
                    Ok(Some(ms)) => self.mfa_timeout_ms = ms,
                    Ok(None) => {}
                    Err(Invalid) => return,
                }
                self.state = State::AskMfa;
                self.record(TraceEntry::new(
                    Subject::Source(Source::AssumeRole),
                    Decision::Request,
                    "MFA code for mfa_serial",
                    None,
                ));
            }
            Ok(false) => self.enter(HttpStep::AssumeRole),
            Err(e) => {
                let i = self.profile_fail(e, h, Some("mfa_serial"));
                self.fail(i)
            }
        }
    }

    /// Splits the profile's `credential_process` and asks the host to run it.
    fn start_process(&mut self, at: usize) {
        match self.seconds_var(Var::CredentialProcessTimeout, Source::CredentialProcess) {
            Ok(Some(ms)) => self.process_timeout_ms = ms,
            Ok(None) => {}
            Err(Invalid) => return,
        }
        let r = {
            let files = files(
                &self.config,
                self.has_config,
                &self.credentials_file,
                self.has_credentials,
            );
            let name = self.run.as_ref().map_or("", |r| r.name(at));
            match files.get(name, "credential_process") {
                // A continued value is joined with newlines, which shlex reads as spaces.
                Some(f) => match f.value.write_to(&mut self.scratch.bytes) {
                    Ok(cmd) => profile::split_command(cmd, &mut self.argv.bytes),
                    Err(_) => Err(Error::ProfileInvalidValue),
                },
                None => Err(Error::ProfileInvalidValue),
            }
        };
        self.scratch.clear();
        match r {
            Ok((len, words)) if words > 0 => {
                self.argv.len = len;
                self.argc = words;
                self.state = State::RunProcess;
                self.record(TraceEntry::new(
                    Subject::Source(Source::CredentialProcess),
                    Decision::Request,
                    "credential_process",
                    None,
                ));
            }
            Ok(_) => {
                let i = self.profile_fail(
                    Error::CredentialProcessSpawn,
                    at,
                    Some("credential_process"),
                );
                let mut d = Text::new();
                let _ = fmt::Write::write_str(&mut d, "the command is empty");
                self.fail_detail(i, d)
            }
            Err(e) => {
                self.argv.clear();
                let i = self.profile_fail(
                    match e {
                        Error::BufferTooSmall { .. } => Error::ProfileInvalidValue,
                        e => e,
                    },
                    at,
                    Some("credential_process"),
                );
                let mut d = Text::new();
                let _ = fmt::Write::write_fmt(
                    &mut d,
                    format_args!(
                        "expected a command of at most {MAX_COMMAND_LEN} bytes, split as a POSIX shell does (closed quotes, no trailing backslash)"
                    ),
                );
                self.fail_detail(i, d)
            }
        }
    }

    /// The program and the number of its arguments, for messages (arguments are redacted).
    fn process_note(&self, d: &mut Text<768>) {
        let s = self.argv.as_str();
        let program = s.split('\0').next().unwrap_or("");
        let _ = fmt::Write::write_fmt(
            d,
            format_args!(
                "program {program} ({} argument{} not shown)",
                self.argc.saturating_sub(1),
                if self.argc == 2 { "" } else { "s" }
            ),
        );
    }

    /// The `credential_process` of [`Action::RunProcess`] exited: its exit code (`None` when a
    /// signal ended it), and what it wrote (each cut at [`MAX_PROCESS_OUTPUT`] bytes). Only
    /// stderr is ever shown (bounded, control characters replaced); stdout holds the secrets.
    pub fn on_process_exit(&mut self, exit_code: Option<i32>, stdout: &[u8], stderr: &[u8]) {
        if self.state != State::RunProcess {
            return self.unexpected();
        }
        let at = self.run.as_ref().map_or(0, |r| r.base_at);
        self.record_answer(None, None);
        if exit_code != Some(0) {
            let i = self.profile_fail(
                Error::CredentialProcessFailed,
                at,
                Some("credential_process"),
            );
            let mut d = Text::new();
            self.process_note(&mut d);
            let _ = match exit_code {
                Some(c) => fmt::Write::write_fmt(&mut d, format_args!(" exited with status {c}")),
                None => fmt::Write::write_str(&mut d, " was ended by a signal"),
            };
            let text = stderr.trim_ascii();
            if !text.is_empty() {
                let _ = fmt::Write::write_str(&mut d, "; stderr: ");
                'out: for chunk in text.utf8_chunks() {
                    let bad = (!chunk.invalid().is_empty()).then_some('\u{fffd}');
                    for c in chunk.valid().chars().chain(bad) {
                        let c = if c.is_control() { ' ' } else { c };
                        if d.0.push(c).is_err() {
                            break 'out;
                        }
                    }
                }
            }
            return self.fail_detail(i, d);
        }
        let result = match profile::parse_process_output(stdout, &mut self.scratch.bytes) {
            Ok(f) => self
                .store
                .keep(&f)
                .map(|()| f.expiration)
                .map_err(|e| (e, None)),
            Err(e) => Err(e),
        };
        self.scratch.clear();
        match result {
            Ok(expiration) => {
                if expiration.is_some() && !is_fresh(expiration, self.now) {
                    let mut i = self.profile_fail(
                        Error::CredentialsExpired,
                        at,
                        Some("credential_process"),
                    );
                    i.expiration = expiration;
                    self.store = Store::new();
                    return self.fail(i);
                }
                self.after_credentials()
            }
            Err((e, field)) => {
                let mut i = self.profile_fail(
                    match e {
                        Error::ResponseFieldTooLong => Error::CredentialProcessBadOutput,
                        e => e,
                    },
                    at,
                    Some("credential_process"),
                );
                i.field = field;
                let mut d = Text::new();
                self.process_note(&mut d);
                self.fail_detail(i, d)
            }
        }
    }

    /// The MFA code the application's callback gave for [`Action::AskMfa`].
    pub fn on_mfa_code(&mut self, code: &str) {
        if self.state != State::AskMfa {
            return self.unexpected();
        }
        let trimmed = code.trim();
        if self.mfa_code.set(trimmed.as_bytes()).is_err() || trimmed.is_empty() {
            let h = self.run.as_ref().map_or(0, |r| r.hop);
            let mut i = self.profile_fail(Error::InvalidMfaTokenCode, h, Some("mfa_serial"));
            i.source = Some(Source::AssumeRole);
            return self.fail(i);
        }
        self.enter(HttpStep::AssumeRole)
    }

    /// No MFA code: no callback is installed ([`Error::MfaCodeRequired`]).
    pub fn on_mfa_unavailable(&mut self) {
        self.mfa_missing(Error::MfaCodeRequired)
    }

    /// The MFA callback failed ([`Error::MfaCodeUnavailable`]; the host keeps its message).
    pub fn on_mfa_failed(&mut self) {
        self.mfa_missing(Error::MfaCodeUnavailable)
    }

    fn mfa_missing(&mut self, error: Error) {
        if self.state != State::AskMfa {
            return self.unexpected();
        }
        let h = self.run.as_ref().map_or(0, |r| r.hop);
        let mut i = self.profile_fail(error, h, Some("mfa_serial"));
        i.source = Some(Source::AssumeRole);
        self.fail(i)
    }

    /// The file of [`Action::WriteFile`] was written.
    pub fn on_written(&mut self) {
        if self.state != State::WriteSsoCache {
            return self.unexpected();
        }
        self.record_answer(None, None);
        self.enter(HttpStep::SsoPortal)
    }

    /// The SSO settings of the run's base profile (botocore `SSOProvider._load_sso_config`):
    /// `sso_account_id` and `sso_role_name`, and `sso_start_url` + `sso_region` from the
    /// `[sso-session NAME]` of `sso_session` (a profile value that differs is an error) or from
    /// the profile itself (legacy). Sets `bad_key` on error.
    fn sso_config(&self) -> Result<SsoConfig<'_>, Error> {
        let run = self.run.as_ref().ok_or(Error::UnexpectedChainEvent)?;
        let files = self.files();
        let name = run.name(run.base_at);
        let fail = |e: Error, k: &'static str| {
            self.bad_key.set(Some(k));
            e
        };
        let get = |k: &'static str| value(&files, name, k).map_err(|e| fail(e, k));
        let account_id = get("sso_account_id")?
            .ok_or_else(|| fail(Error::SsoInvalidConfig, "sso_account_id"))?;
        let role_name =
            get("sso_role_name")?.ok_or_else(|| fail(Error::SsoInvalidConfig, "sso_role_name"))?;
        let session = get("sso_session")?;
        let (start_url, region) = match session {
            Some(sname) => {
                let section = files
                    .config
                    .as_ref()
                    .and_then(|c| ini::sso_session(c, sname))
                    .ok_or_else(|| fail(Error::SsoSessionNotFound, "sso_session"))?;
                let pick = |k: &'static str| -> Result<&str, Error> {
                    let v = match section.get(k) {
                        Some(v) => profile::one_line(&v).map_err(|e| fail(e, k))?,
                        None => return get(k)?.ok_or_else(|| fail(Error::SsoInvalidConfig, k)),
                    };
                    match get(k)? {
                        Some(p) if p != v => Err(fail(Error::SsoInvalidConfig, k)),
                        _ => Ok(v),
                    }
                };
                (pick("sso_start_url")?, pick("sso_region")?)
            }
            None => (
                get("sso_start_url")?
                    .ok_or_else(|| fail(Error::SsoInvalidConfig, "sso_start_url"))?,
                get("sso_region")?.ok_or_else(|| fail(Error::SsoInvalidConfig, "sso_region"))?,
            ),
        };
        Ok(SsoConfig {
            top: run.name(0),
            name,
            session,
            start_url,
            region,
            account_id,
            role_name,
        })
    }

    /// An endpoint override: the project's variable, else (unless configured endpoints are
    /// ignored) the SDK's service variable, `AWS_ENDPOINT_URL`, the `[services]` section's
    /// `<service>.endpoint_url`, the active profile's `endpoint_url` (botocore's order).
    fn sso_override(
        &self,
        top: &str,
        ours: Var,
        sdk: Var,
        service: &'static str,
    ) -> Result<Option<&str>, Error> {
        if let Some(u) = self.env.get(ours) {
            return Ok(Some(u));
        }
        self.configured_endpoint(top, sdk, service)
    }

    fn configured_endpoint(
        &self,
        top: &str,
        sdk: Var,
        service: &'static str,
    ) -> Result<Option<&str>, Error> {
        let files = self.files();
        let get =
            |k: &'static str| value(&files, top, k).inspect_err(|_| self.bad_key.set(Some(k)));
        let ignore = match self.env.get(Var::IgnoreConfiguredEndpointUrls) {
            Some(v) => profile::is_true(v),
            None => get("ignore_configured_endpoint_urls")?.is_some_and(profile::is_true),
        };
        if ignore {
            return Ok(None);
        }
        if let Some(u) = self.env.get(sdk).or_else(|| self.env.get(Var::EndpointUrl)) {
            return Ok(Some(u));
        }
        if let Some(services) = get("services")? {
            let section = files
                .config
                .as_ref()
                .and_then(|c| ini::services(c, services));
            let Some(section) = section else {
                self.bad_key.set(Some("services"));
                return Err(Error::ProfileInvalidValue);
            };
            if let Some(u) = section
                .get(service)
                .and_then(|v| v.nested())
                .and_then(|n| n.get("endpoint_url"))
            {
                return Ok(Some(u));
            }
        }
        get("endpoint_url")
    }

    /// "run aws sso login --sso-session NAME" (or `--profile NAME`), and the cache file.
    fn sso_login_hint(&self) -> Text<768> {
        let mut d = Text::new();
        let r = match self.sso_config() {
            Ok(c) => match c.session {
                Some(s) => fmt::Write::write_fmt(
                    &mut d,
                    format_args!("run aws sso login --sso-session {s}"),
                ),
                None => fmt::Write::write_fmt(
                    &mut d,
                    format_args!("run aws sso login --profile {}", c.name),
                ),
            },
            Err(_) => fmt::Write::write_str(&mut d, "run aws sso login"),
        };
        let _ = r;
        if !self.aux_path.is_empty() {
            let _ = fmt::Write::write_fmt(&mut d, format_args!(" (token cache {})", self.aux_path));
        }
        d
    }

    /// Finds the token cache of the run's base profile and reads it.
    fn start_sso(&mut self, at: usize) {
        let cfg = self.sso_config().map(|c| {
            let key = sso::cache_key(c.session.unwrap_or(c.start_url));
            let mut target = heapless::String::<512>::new();
            let t = sso::portal_target(&mut target, c.account_id, c.role_name);
            (key, target, t)
        });
        let (key, target) = match cfg {
            Ok((key, target, Ok(()))) => (key, target),
            Ok((_, _, Err(e))) | Err(e) => {
                let k = self.bad_key.take();
                let mut i = self.profile_fail(e, at, k);
                i.source = Some(Source::Sso);
                return self.fail(i);
            }
        };
        self.sso_target = target;
        self.aux_path.clear();
        let ok = match self.home() {
            Some(h) => [
                h,
                "/.aws/sso/cache/",
                core::str::from_utf8(&key).unwrap_or(""),
                ".json",
            ]
            .iter()
            .all(|p| self.aux_path.push_str(p).is_ok()),
            None => false,
        };
        if !ok {
            let mut i = self.profile_fail(Error::SsoTokenMissing, at, None);
            i.source = Some(Source::Sso);
            i.variable = Some(profile::HOME);
            return self.fail(i);
        }
        self.enter_read_file(FilePurpose::SsoCache)
    }

    /// The token cache was read: use its token, refresh it, or tell the user to log in.
    fn on_sso_cache(&mut self, content: &[u8]) {
        let at = self.run.as_ref().map_or(0, |r| r.base_at);
        let has_session = matches!(
            self.sso_config(),
            Ok(SsoConfig {
                session: Some(_),
                ..
            })
        );
        let now = self.now;
        let decision = if self.file.set(content).is_err() {
            Err(Error::SsoTokenMissing)
        } else {
            match sso::parse_cache(self.file.as_bytes(), &mut self.scratch.bytes) {
                Ok(t) => {
                    let left = t.expires_at.0.saturating_sub(now.0);
                    if has_session && left < sso::REFRESH_WINDOW_SECONDS && t.refreshable(now) {
                        sso::refresh_body(&mut self.sso_body.bytes, &t).map(|n| {
                            self.sso_body.len = n;
                            true
                        })
                    } else if t.expires_at <= now {
                        Err(Error::SsoTokenExpired)
                    } else {
                        self.sso_token
                            .set(t.access_token.as_bytes())
                            .map(|()| false)
                    }
                }
                Err(e) => Err(e),
            }
        };
        self.scratch.clear();
        match decision {
            Ok(true) => self.enter(HttpStep::SsoOidc),
            Ok(false) => self.enter(HttpStep::SsoPortal),
            Err(e) => {
                let e = match e {
                    Error::SsoTokenExpired => e,
                    _ => Error::SsoTokenMissing,
                };
                let mut i = self.profile_fail(e, at, None);
                i.source = Some(Source::Sso);
                let d = self.sso_login_hint();
                self.fail_detail(i, d)
            }
        }
    }

    /// CreateToken answered: write the new cache file, then use the new token.
    fn on_refreshed(&mut self, body: &[u8]) {
        let (start, region) = match self.sso_config() {
            Ok(c) => {
                let mut a = heapless::String::<512>::new();
                let mut b = heapless::String::<64>::new();
                if a.push_str(c.start_url).is_err() || b.push_str(c.region).is_err() {
                    return self.sso_refresh_failed(None);
                }
                (a, b)
            }
            Err(_) => return self.sso_refresh_failed(None),
        };
        let now = self.now;
        let r = {
            let (s1, s2) = self.scratch.bytes.split_at_mut(SCRATCH_LEN / 2);
            match (
                sso::parse_create_token(body, s1),
                sso::parse_cache(self.file.as_bytes(), s2),
            ) {
                (Ok(new), Ok(old)) => {
                    match sso::write_cache(
                        &mut self.sso_body.bytes,
                        &start,
                        &region,
                        &new,
                        &old,
                        now,
                    ) {
                        Ok(n) => self.sso_token.set(new.access_token.as_bytes()).map(|()| n),
                        Err(e) => Err(e),
                    }
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        };
        self.scratch.clear();
        match r {
            Ok(n) => {
                self.sso_body.len = n;
                let copied = self.file.set(self.sso_body.as_bytes());
                self.sso_body.clear();
                if copied.is_err() {
                    // Too large to write back: use the new token without saving it.
                    return self.enter(HttpStep::SsoPortal);
                }
                self.state = State::WriteSsoCache;
                self.record(TraceEntry::new(
                    Subject::Source(Source::Sso),
                    Decision::Request,
                    "write the refreshed SSO token cache",
                    None,
                ));
            }
            Err(_) => self.sso_refresh_failed(None),
        }
    }

    /// The refresh failed: botocore goes on with the cached token while it has not expired.
    fn sso_refresh_failed(&mut self, status: Option<u16>) {
        let now = self.now;
        let at = self.run.as_ref().map_or(0, |r| r.base_at);
        let r = match sso::parse_cache(self.file.as_bytes(), &mut self.scratch.bytes) {
            Ok(t) if t.expires_at > now => self.sso_token.set(t.access_token.as_bytes()).is_ok(),
            _ => false,
        };
        self.scratch.clear();
        if r {
            return self.enter(HttpStep::SsoPortal);
        }
        let mut i = self.profile_fail(Error::SsoTokenExpired, at, None);
        i.source = Some(Source::Sso);
        i.status = status;
        let mut d = Text::new();
        let _ = fmt::Write::write_str(&mut d, "the token could not be refreshed; ");
        let hint = self.sso_login_hint();
        let _ = fmt::Write::write_str(&mut d, &hint.0);
        self.fail_detail(i, d)
    }

    /// When a profile request's value came from a variable rather than the files, that variable.
    fn profile_variable(&self, e: Error, key: Option<&'static str>) -> Option<&'static str> {
        let set = |v: Var| self.env.get(v).map(|_| v.name());
        match (e, key) {
            (Error::InvalidRegion, _) => set(Var::DefaultRegion),
            (Error::InvalidEndpointUrl | Error::EndpointHasPath, _) => {
                set(Var::StsEndpointOverride)
                    .or(set(Var::EndpointUrlSts))
                    .or(set(Var::EndpointUrl))
            }
            (_, Some("sts_regional_endpoints")) => set(Var::StsRegionalEndpoints),
            _ => None,
        }
    }

    /// STS AssumeRole for the run's current hop, signed with the credentials in the store.
    fn profile_role_request(&self) -> Result<RequestPlan<'_>, Error> {
        let run = self.run.as_ref().ok_or(Error::UnexpectedChainEvent)?;
        let files = self.files();
        let name = run.name(run.hop);
        let get =
            |k: &'static str| value(&files, name, k).inspect_err(|_| self.bad_key.set(Some(k)));
        let role_arn = get("role_arn")?.ok_or(Error::InvalidRoleArn)?;
        let duration_seconds = match get("duration_seconds")? {
            Some(d) => Some(d.trim().parse::<u32>().map_err(|_| {
                self.bad_key.set(Some("duration_seconds"));
                Error::ProfileInvalidValue
            })?),
            None => None,
        };
        let mfa = get("mfa_serial")?.map(|serial| assume_role::Mfa {
            serial_number: serial,
            token_code: self.mfa_code.as_str(),
        });
        let base = self.store.view()?.credentials;
        assume_role::request(
            &assume_role::AssumeRoleParams {
                role_arn,
                role_session_name: get("role_session_name")?
                    .filter(|s| !s.is_empty())
                    .unwrap_or(self.session_name.as_str()),
                external_id: get("external_id")?,
                duration_seconds,
                mfa,
                sts: self.profile_sts()?,
            },
            &base,
            self.now,
        )
    }

    /// AssumeRoleWithWebIdentity of a profile's `web_identity_token_file` (role ARN and session
    /// name from the environment first when it applies, as botocore's `_get_config`).
    fn profile_web_identity_request(&self) -> Result<RequestPlan<'_>, Error> {
        let run = self.run.as_ref().ok_or(Error::UnexpectedChainEvent)?;
        let files = self.files();
        let name = run.name(run.base_at);
        let env_first = run.env_allowed && run.base_at == 0;
        let get = |k: &'static str, v: Var| match self.env.get(v).filter(|_| env_first) {
            Some(x) => Ok(Some(x)),
            None => value(&files, name, k).inspect_err(|_| self.bad_key.set(Some(k))),
        };
        let token = web_identity::token_from_file(self.file.as_bytes())?;
        let role_arn = get("role_arn", Var::RoleArn)?.ok_or_else(|| {
            self.bad_key.set(Some("role_arn"));
            Error::InvalidRoleArn
        })?;
        let session = get("role_session_name", Var::RoleSessionName)?;
        web_identity::request_named(&web_identity::WebIdentityParams {
            role_arn,
            web_identity_token: token,
            role_session_name: Some(
                session
                    .filter(|s| !s.is_empty())
                    .unwrap_or(self.session_name.as_str()),
            ),
            random: &[0; 16],
            duration_seconds: None,
            sts: self.profile_sts()?,
        })
    }

    /// The STS endpoint of the profile's STS calls (botocore): `MONGODB_AWS_STS_ENDPOINT`, else
    /// (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` / `ignore_configured_endpoint_urls` is true)
    /// `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the `[services]` section's `sts.endpoint_url`,
    /// the profile's `endpoint_url`; else the region (`AWS_DEFAULT_REGION`, else the active
    /// profile's `region`) and mode (`AWS_STS_REGIONAL_ENDPOINTS`, else the profile's
    /// `sts_regional_endpoints`, default `regional`) choose `sts.<region>.amazonaws.com` or the
    /// global host. Sets `bad_key` on error.
    fn profile_sts(&self) -> Result<StsEndpoint<'_>, Error> {
        let files = self.files();
        let top = self
            .run
            .as_ref()
            .map_or(self.selected.as_str(), |r| r.name(0));
        let get =
            |k: &'static str| value(&files, top, k).inspect_err(|_| self.bad_key.set(Some(k)));
        let override_url = match self.env.get(Var::StsEndpointOverride) {
            Some(u) => Some(u),
            None => self.configured_endpoint(top, Var::EndpointUrlSts, "sts")?,
        };
        let region = match self.env.get(Var::DefaultRegion) {
            Some(r) => Some(r),
            None => get("region")?,
        };
        let mode = match self.env.get(Var::StsRegionalEndpoints) {
            Some(m) => Some(m),
            None => get("sts_regional_endpoints")?,
        };
        let regional = match region {
            Some(r) => profile::sts_regional(mode, r).inspect_err(|_| {
                self.bad_key.set(Some("sts_regional_endpoints"));
            })?,
            None => {
                profile::sts_regional(mode, "us-east-1").inspect_err(|_| {
                    self.bad_key.set(Some("sts_regional_endpoints"));
                })?;
                false
            }
        };
        Ok(StsEndpoint {
            override_url,
            regional_endpoints: regional.then_some("regional"),
            region,
        })
    }
}

/// botocore's AssumeRoleProvider role planning over the merged files. `names` starts with the
/// active profile and receives each `source_profile`. Returns the base, the index of the profile
/// that supplies it, and the first hop (the index of the role profile to assume first), or the
/// error with the index of the profile and the key concerned (`true`: a cycle, `names` holds it).
#[allow(clippy::type_complexity)]
fn plan_role(
    files: &Files<'_>,
    names: &mut heapless::Vec<heapless::String<MAX_PROFILE_NAME_LEN>, { MAX_ROLE_HOPS + 1 }>,
) -> Result<(Base, usize, Option<usize>), (Error, usize, Option<&'static str>, bool)> {
    let mut cur = 0usize;
    // Bounded: every turn pushes a name, and `names` holds at most MAX_ROLE_HOPS + 1.
    for _ in 0..=MAX_ROLE_HOPS {
        let name = names.get(cur).map(|n| n.as_str()).unwrap_or("");
        let src = value(files, name, "source_profile")
            .map_err(|e| (e, cur, Some("source_profile"), false))?;
        let cs = value(files, name, "credential_source")
            .map_err(|e| (e, cur, Some("credential_source"), false))?;
        let source = match (src, cs) {
            (Some(_), Some(_)) => {
                return Err((
                    Error::ProfileRoleSourceConflict,
                    cur,
                    Some("credential_source"),
                    false,
                ))
            }
            (None, None) => {
                return Err((
                    Error::ProfileRoleWithoutSource,
                    cur,
                    Some("role_arn"),
                    false,
                ))
            }
            (None, Some(cs)) => {
                let base = match profile::CredentialSource::parse(cs.trim()) {
                    Some(profile::CredentialSource::Environment) => Base::Env,
                    Some(profile::CredentialSource::Ec2InstanceMetadata) => Base::Imds,
                    Some(profile::CredentialSource::EcsContainer) => Base::Ecs,
                    None => {
                        return Err((
                            Error::ProfileInvalidCredentialSource,
                            cur,
                            Some("credential_source"),
                            false,
                        ))
                    }
                };
                // The profile with credential_source is itself the first hop.
                return Ok((base, cur, Some(cur)));
            }
            (Some(s), None) => s,
        };
        if !files.exists(source) {
            return Err((Error::ProfileNotFound, cur, Some("source_profile"), false));
        }
        let mut next = heapless::String::new();
        if next.push_str(source).is_err() {
            return Err((
                Error::ProfileInvalidValue,
                cur,
                Some("source_profile"),
                false,
            ));
        }
        let seen = names.iter().any(|n| n.as_str() == source);
        let facts = files.facts(source);
        if seen && (source != name || !facts.has_static) {
            let _ = names.push(next);
            return Err((Error::ProfileSourceCycle, cur, Some("source_profile"), true));
        }
        if names.push(next).is_err() {
            return Err((
                Error::ProfileChainTooLong,
                cur,
                Some("source_profile"),
                false,
            ));
        }
        let at = names.len() - 1;
        if seen || facts.has_static || facts.role.is_none() {
            // botocore's source profile chain (environment off): web identity, SSO,
            // credentials-file keys, credential_process, config-file keys.
            let base = if facts.web_identity.is_some() {
                Base::WebIdentity
            } else if facts.sso.is_some() {
                Base::Sso
            } else if facts.credentials_file_keys.is_some() {
                Base::Static(FileKind::Credentials)
            } else if facts.process.is_some() {
                Base::Process
            } else if facts.config_file_keys.is_some() {
                Base::Static(FileKind::Config)
            } else {
                return Err((Error::ProfileSourceWithoutCredentials, at, None, false));
            };
            return Ok((base, at, Some(cur)));
        }
        cur = at;
    }
    Err((
        Error::ProfileChainTooLong,
        cur,
        Some("source_profile"),
        false,
    ))
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
