// Type definitions for mongodb-aws (Node.js). The native half's own declarations are generated into
// binding.d.ts; this file describes the public API of index.js / index.mjs.

/// <reference types="node" />

/** Version of the package and its native module. */
export declare const version: string

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Base class of every error raised by the core. */
export declare class MongoDBAWSError extends Error {
  /** Stable upper-case name, e.g. `"SERVER_NONCE_MISMATCH"` (the same in C and Python). */
  readonly code: string
  /** Stable number (the C ABI's `mongodb_aws_status`; Python's `.number`). */
  readonly number: number
  constructor(message: string, code: string, number: number, options?: ErrorOptions)
}
/** Codes 100-199: a value passed by the caller is malformed (request parts, region, time, ...). */
export declare class InvalidArgumentError extends MongoDBAWSError {}
/** Codes 200-299: credentials are missing, incomplete, malformed or expired. */
export declare class CredentialsError extends MongoDBAWSError {}
/** Codes 300-399: the server's SASL message (server-first) is invalid. */
export declare class ConversationError extends MongoDBAWSError {}
/** Codes 400-499: a credential endpoint or STS returned something unusable, or could not be reached. */
export declare class ResponseError extends MongoDBAWSError {}
/** Codes 500-599: server side of the conversation. */
export declare class ServerConversationError extends MongoDBAWSError {}
/** Codes 900-999: internal limits. */
export declare class InternalError extends MongoDBAWSError {}

/** One entry of the core's error table. */
export interface ErrorTableEntry {
  readonly code: string
  readonly number: number
  readonly message: string
}
/** Every error the core can raise, in code order. */
export declare function errorTable(): readonly ErrorTableEntry[]

// ---------------------------------------------------------------------------------------------
// Credentials
// ---------------------------------------------------------------------------------------------

/** The AWS SDK / MongoDB driver credential shape (`AWS_CREDENTIAL_PROVIDER` results). */
export interface AwsCredentialIdentity {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

/** Fields accepted by `new Credentials({...})`. Empty strings count as absent. */
export interface CredentialsInit {
  accessKeyId?: string | null
  secretAccessKey?: string | null
  sessionToken?: string | null
  expiration?: Date | null
  source?: string | null
}

/** Anything accepted where credentials are expected. */
export type CredentialsLike = Credentials | AwsCredentialIdentity

/**
 * Validated AWS credentials. Throws `CredentialsError` for an incomplete set (secret without id,
 * token without keys, ...) or malformed values. The secret and token never appear in `toJSON()`,
 * `toString()` or `util.inspect()`.
 */
export declare class Credentials {
  constructor(init: CredentialsInit)
  constructor(
    accessKeyId: string,
    secretAccessKey: string,
    sessionToken?: string | null,
    options?: { expiration?: Date | null; source?: string | null },
  )
  /** The spec's combination rule on optional parts (empty = absent); same as `new Credentials({...})`. */
  static fromParts(accessKeyId?: string | null, secretAccessKey?: string | null, sessionToken?: string | null): Credentials
  /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN of `env` (default `process.env`). */
  static fromEnv(env?: Record<string, string | undefined>): Credentials
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** Undefined for long-term credentials. */
  readonly sessionToken: string | undefined
  /** When temporary credentials expire. */
  readonly expiration: Date | undefined
  /** Where they came from (`"environment"`, `"ecs"`, `"ec2"`, ... see `CredentialSource`); undefined when built by hand. */
  readonly source: CredentialSource | string | undefined
  /** True when `getCredentials()` answered from the process-wide cache (no request made); else false. */
  readonly fromCache: boolean
  /** The profile of the AWS shared files that supplied them (for a role chain, the profile asked for). */
  readonly profile: string | undefined
  /** The file holding that profile. */
  readonly originFile: string | undefined
  /** The 1-based line of that profile's section header. */
  readonly originLine: number | undefined
  /** `{ accessKeyId, secretAccessKey, sessionToken?, expiration? }`. */
  toAwsCredentialIdentity(): AwsCredentialIdentity
  /**
   * What to add when a server refuses a MONGODB-AWS authentication with these credentials: the
   * source, the access key id, the $external user the server looks up (as far as known without
   * STS) and the assumed-role hint. Never a secret.
   */
  refusalHint(): string
  toJSON(): {
    accessKeyId: string
    secretAccessKey: '<redacted>'
    sessionToken: '<redacted>' | undefined
    expiration: Date | undefined
    source: string | undefined
  }
  toString(): string
}

// ---------------------------------------------------------------------------------------------
// MONGODB-AWS conversation
// ---------------------------------------------------------------------------------------------

/** The clock: a Date, or milliseconds since the epoch (`Date.now()`). Default: the current time. */
export type Clock = Date | number

export interface ConversationOptions {
  /** Signing time (default: now). */
  now?: Clock
}

/** Binary input: a Buffer, any Uint8Array or typed-array view, or an ArrayBuffer. */
export type BinaryLike = Uint8Array | ArrayBufferView | ArrayBuffer

/** The validated parts of a server-first message. */
export interface ServerFirst {
  /** STS host `h`, verbatim. */
  host: string
  /** Signing region derived from the host. */
  region: string
  /** The 64-byte server nonce `s`. */
  serverNonce: Buffer
  /** Base64 of the server nonce (the `X-MongoDB-Server-Nonce` header value). */
  serverNonceBase64: string
}

/** Length of the client nonce (32). */
export declare const CLIENT_NONCE_LENGTH: number
/** `sts.amazonaws.com`. */
export declare const STS_DEFAULT_HOST: string
/** `sts`. */
export declare const STS_SERVICE: string
/** `Action=GetCallerIdentity&Version=2011-06-15`. */
export declare const GET_CALLER_IDENTITY_BODY: string
/** Longest presigned URL lifetime, in seconds (604800). */
export declare const MAX_PRESIGN_EXPIRES: number

/**
 * One MONGODB-AWS authentication, client side.
 *
 * ```js
 * const conv = new ClientConversation()           // random nonce
 * const start = conv.clientFirst()                // saslStart payload
 * const final = conv.finish(serverPayload, creds) // saslContinue payload
 * ```
 */
export declare class ClientConversation {
  /** @param nonce 32 bytes from a CSPRNG; drawn with `crypto.randomBytes` when omitted. */
  constructor(nonce?: BinaryLike)
  /** The client nonce. */
  readonly nonce: Buffer
  /** BSON `{ r: BinData(0, nonce), p: 110 }` (52 bytes). */
  clientFirst(): Buffer
  /** Validates server-first strictly; throws `ConversationError`. */
  parseServerFirst(serverFirst: BinaryLike): ServerFirst
  /** Validates server-first and returns client-final, BSON `{ a, d[, t] }`. */
  finish(serverFirst: BinaryLike, credentials: CredentialsLike, options?: ConversationOptions): Buffer
  /** The canonical request `finish` signs (diagnostics). */
  canonicalRequest(serverFirst: BinaryLike, credentials: CredentialsLike, options?: ConversationOptions): string
  /** The string to sign `finish` signs (diagnostics). */
  stringToSign(serverFirst: BinaryLike, credentials: CredentialsLike, options?: ConversationOptions): string
}

/** Throws `ConversationError` unless `host` is a valid STS host (1-255 bytes, no empty label, ...). */
export declare function validateHost(host: string): void
/** The MONGODB-AWS signing region for an STS host (`sts.amazonaws.com` and dotless hosts: us-east-1). */
export declare function regionForHost(host: string): string
/** Same function as `validateHost` (the Python binding's name, `validate_sts_host`). */
export declare const validateStsHost: typeof validateHost
/** Same function as `regionForHost` (the Python binding's name, `sts_region`). */
export declare const stsRegion: typeof regionForHost

// ---------------------------------------------------------------------------------------------
// SigV4
// ---------------------------------------------------------------------------------------------

/** `UNSIGNED-PAYLOAD`, for `payloadHash`. */
export declare const UNSIGNED_PAYLOAD: string

export type HeaderValue = string | number | bigint | readonly (string | number | bigint)[] | undefined | null

/** Headers as a plain object, a fetch `Headers`, a `Map` or `[name, value]` pairs. */
export type HeadersInit =
  | Record<string, HeaderValue>
  | Iterable<readonly [string, string | number | bigint]>
  | { entries(): Iterable<readonly [string, string | number | bigint]> }

/** An HTTP request to sign. Must carry a `host` header unless `url` is absolute. */
export interface SignableRequest {
  /** Default `GET`. */
  method?: string
  /** Absolute URL (its host becomes the `host` header when none is given) or a path with query. */
  url?: string | URL
  /** Path as sent on the wire (default `/`); ignored when `url` is given. */
  path?: string
  /** Raw query string without `?`. */
  query?: string
  headers?: HeadersInit
  /** The body; hashed unless `payloadHash` is given. */
  body?: string | BinaryLike | null
  /** Precomputed lower-case hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`. */
  payloadHash?: string | null
  /** Sign `UNSIGNED-PAYLOAD` instead of the body's hash (S3 streaming, presigned URLs). */
  unsignedPayload?: boolean
}

export interface SignOptions {
  /** Credential scope region, e.g. `us-east-1`. */
  region: string
  /** Credential scope service, e.g. `sts`, `s3`. */
  service: string
  /** Signing time (default: now). */
  now?: Clock
  /** Remove `.`, `..` and empty path segments (default true; false for S3). */
  normalizePath?: boolean
  /** Percent-encode the path twice, as every service but S3 requires (default true). */
  doubleEncodePath?: boolean
  /** Sign `x-amz-security-token` (default true); false leaves it out of the signature (the header is
   * still returned in `headers`, to be added after signing). */
  signSessionToken?: boolean
  /** Add and sign `x-amz-content-sha256` (S3). */
  contentSha256Header?: boolean
  /** Also return the canonical request and the string to sign. */
  debug?: boolean
}

export interface SignResult {
  /** The `Authorization` header value. */
  authorization: string
  /** Lower-case hex signature. */
  signature: string
  /** The `X-Amz-Date` value signed. */
  amzDate: string
  /** Headers to add to the request: Host (when taken from an absolute `url`), X-Amz-Date,
   * X-Amz-Security-Token, X-Amz-Content-SHA256 (each unless present), and Authorization. */
  headers: Record<string, string>
  /** With `debug`. */
  canonicalRequest?: string
  /** With `debug`. */
  stringToSign?: string
}

/** Signs a request (Authorization header); throws `InvalidArgumentError` / `CredentialsError`. */
export declare function signV4(request: SignableRequest, credentials: CredentialsLike, options: SignOptions): SignResult
/** The canonical request `signV4` signs (diagnostics). */
export declare function canonicalRequestV4(request: SignableRequest, credentials: CredentialsLike, options: SignOptions): string
/** The string to sign `signV4` signs (diagnostics). */
export declare function stringToSignV4(request: SignableRequest, credentials: CredentialsLike, options: SignOptions): string

export interface PresignOptions extends Omit<SignOptions, 'debug' | 'contentSha256Header'> {
  /** Lifetime in seconds, 1 to 604800 (default 900). */
  expires?: number
}

export interface PresignResult {
  /** `X-Amz-Algorithm=...&...&X-Amz-Signature=...`, to append to the request's query. */
  query: string
  signature: string
  amzDate: string
  /** The full presigned URL, when the request had an absolute `url`. */
  url?: string
}

/** Presigns a request (query parameters). */
export declare function presignV4(request: SignableRequest, credentials: CredentialsLike, options: PresignOptions): PresignResult

// ---------------------------------------------------------------------------------------------
// Credential providers
// ---------------------------------------------------------------------------------------------

/** Where credentials came from (`Credentials.source`). */
export type CredentialSource =
  | 'custom-provider'
  | 'environment'
  | 'web-identity'
  | 'ecs'
  | 'container-full-uri'
  | 'ec2'
  | 'assume-role'
  | 'saml'
  | 'profile'
  | 'credential-process'
  | 'sso'

/**
 * Options of the calls that read the environment. Deadlines, retries and the HTTP client are the
 * runtime's (see the root README's table); the former `fetch`, `now` and `timeouts` options are
 * refused with a `TypeError`.
 */
export interface FetchOptions {
  /**
   * Environment variables to read instead of `process.env` (read on every call, when the call
   * starts). Values must be strings (or undefined).
   */
  env?: Record<string, string | undefined>
}

export interface GetCredentialsOptions extends FetchOptions {
  /**
   * A custom provider, asked first on every call; its answer is checked by the chain (complete,
   * not expiring within 5 minutes) and never cached. A failure rejects with
   * `CUSTOM_PROVIDER_FAILED` (its error as `cause`).
   */
  provider?: () => Promise<AwsCredentialIdentity | Credentials> | AwsCredentialIdentity | Credentials
  /**
   * The profile of the AWS shared config and credentials files (like `AWS_PROFILE`, which it
   * overrides); a profile in neither file rejects with `PROFILE_NOT_FOUND`.
   */
  profile?: string | null
  /**
   * The MFA code a profile's role with `mfa_serial` needs: called on the JavaScript thread with the
   * device's serial and the profile (default: the function of `setMfaCallback`). Without one the
   * call rejects with `MFA_CODE_REQUIRED`; a throw or rejection becomes `MFA_CODE_UNAVAILABLE`.
   */
  mfaCode?: MfaCodeFunction | null
}

/** Returns the current code of the MFA device `serial` that `profile`'s role needs. */
export type MfaCodeFunction = (serial: string, profile: string) => string | Promise<string>

/**
 * Installs (or, with `null`, removes) the process-wide MFA function, used by every
 * `getCredentials` without an `mfaCode` option (and so by `credentialProvider()`).
 */
export declare function setMfaCallback(fn: MfaCodeFunction | null): void

/**
 * Resolves credentials in the MONGODB-AWS spec's order: custom provider; cached endpoint credentials
 * while more than 5 minutes from expiry; AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN; AssumeRoleWithWebIdentity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN); ECS
 * (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI); the container full URI (AWS_CONTAINER_CREDENTIALS_FULL_URI);
 * else EC2 IMDSv2 — the Rust runtime's chain (core/src/providers/chain.rs), run on libuv's thread
 * pool so the event loop keeps going. Endpoint credentials are cached process-wide; concurrent
 * callers share one fetch. Rejects with `CredentialsError` (none, incomplete, expired),
 * `ResponseError` (endpoint failed, timed out, answered badly) or `InvalidArgumentError`
 * (configuration), whose message is the runtime's (source, step, URL or file, status, STS code).
 */
export declare function getCredentials(options?: GetCredentialsOptions): Promise<Credentials>

/**
 * For the official driver: `new MongoClient(uri, { authMechanismProperties: { AWS_CREDENTIAL_PROVIDER:
 * credentialProvider() } })`. Each call resolves with `getCredentials(options)`.
 */
export declare function credentialProvider(options?: GetCredentialsOptions): () => Promise<AwsCredentialIdentity>

/** Empties the process-wide cache; call it after a MONGODB-AWS authentication failure. */
export declare function clearCredentialCache(): void

/**
 * Clears the cache whenever `client` (a MongoClient) fails to authenticate a connection (MongoDB
 * error 18), so the next attempt fetches fresh credentials, and appends to that error's message the
 * diagnosis for the credentials `credentialProvider()` handed out last (`; MONGODB-AWS: ...`, see
 * `Credentials#refusalHint`). Returns a function that stops watching.
 */
export declare function clearCacheOnAuthFailure(client: { on(event: 'connectionCheckOutFailed', listener: (event: any) => void): unknown; off(event: 'connectionCheckOutFailed', listener: (event: any) => void): unknown }): () => void

/**
 * The credentials in the process-wide cache that `getCredentials({ env, profile })` uses (one per
 * selected profile: `profile`, else `AWS_DEFAULT_PROFILE` / `AWS_PROFILE` of `env`), fresh or not
 * (diagnostics).
 */
export declare function cachedCredentials(options?: FetchOptions & { profile?: string | null }): Credentials | undefined

export interface AssumeRoleOptions extends FetchOptions {
  roleArn: string
  /** 2-64 of `[\w+=,.@-]`; default `mongodb-aws-` + 32 random hex digits. */
  roleSessionName?: string
  externalId?: string
  /** 900 to 43200. */
  durationSeconds?: number
  /** MFA device serial number or ARN, with `mfaTokenCode`. */
  mfaSerialNumber?: string
  /** The 6 digits the MFA device shows. */
  mfaTokenCode?: string
  /** Credentials to sign with (default: `getCredentials()`). */
  baseCredentials?: CredentialsLike
}

/** A provider calling STS AssumeRole (not cached; source `assume-role`). */
export declare function assumeRole(options: AssumeRoleOptions): () => Promise<Credentials>

export interface AssumeRoleWithSamlOptions extends FetchOptions {
  roleArn: string
  principalArn: string
  /** Base64 of the identity provider's SAML response. */
  samlAssertion: string
  durationSeconds?: number
}

/** A provider calling STS AssumeRoleWithSAML (not cached; source `saml`). */
export declare function assumeRoleWithSaml(options: AssumeRoleWithSamlOptions): () => Promise<Credentials>

// ---------------------------------------------------------------------------------------------
// Server side (for a MongoDB-compatible server or proxy)
// ---------------------------------------------------------------------------------------------

/** Default largest allowed difference between a client's X-Amz-Date and the server clock (900 s). */
export declare const MAX_CLOCK_SKEW_SECONDS: number

export interface ServerConversationOptions {
  /** The STS host sent in server-first (default `sts.amazonaws.com`). */
  stsHost?: string
  /** The server's 32 random bytes (default: `crypto.randomBytes(32)`). */
  serverRandom?: BinaryLike
}

export interface ClientFinalOptions {
  /** The server clock (default: now). */
  now?: Clock
  /** Allowed clock skew in seconds (default `MAX_CLOCK_SKEW_SECONDS`). */
  maxSkewSeconds?: number
}

/** The request to forward to STS (POST / to whatever serves `host`, with exactly these headers). */
export interface StsRequest {
  method: 'POST' | string
  path: '/' | string
  /** The Host header value (signed: send it unchanged). */
  host: string
  /** Header name to value. */
  headers: Record<string, string>
  /** The same headers, in the order the MongoDB server writes them. */
  headerList: [string, string][]
  /** The 43-byte GetCallerIdentity body. */
  body: Buffer
  /** The whole HTTP/1.1 request, for a raw socket. */
  http: Buffer
  accessKeyId: string
  sessionToken: string | undefined
  amzDate: string
}

/**
 * One MONGODB-AWS conversation, server side. Throws `ServerConversationError` for an invalid
 * client-first (p = 112 included) and `ConversationError` for an invalid STS host.
 */
export declare class ServerConversation {
  constructor(clientFirst: BinaryLike, options?: ServerConversationOptions)
  readonly clientNonce: Buffer
  /** `n` or `y`. */
  readonly gs2Flag: string
  readonly serverNonce: Buffer
  readonly serverNonceBase64: string
  readonly stsHost: string
  readonly region: string
  /** The saslStart reply payload `{ s, h }`. */
  serverFirst(): Buffer
  /** Checks client-final by the MongoDB server's rules and returns the request to forward to STS. */
  clientFinal(clientFinal: BinaryLike, options?: ClientFinalOptions): StsRequest
}

/** A received GetCallerIdentity request, as `IncomingStsRequest` takes it. */
export interface ReceivedRequest {
  method: string
  /** The request target: `/` or `/?query` (Node's `req.url`). Or give `path` and `query`. */
  url?: string
  path?: string
  query?: string
  /**
   * Headers as received: Node's flat `req.rawHeaders` (recommended: `req.headers` keeps only one of
   * repeated `Authorization` or `Host` headers), a plain object, a `Headers`, a `Map` or pairs.
   */
  headers: string[] | Record<string, string | string[] | number | undefined> | Headers | Map<string, string> | [string, string][]
  body: BinaryLike | string
}

export interface VerifyOptions {
  /** The verifier's clock (default: now). */
  now?: Clock
}

/**
 * A GetCallerIdentity request as a stand-in for STS receives it. The constructor checks what needs no
 * secret (POST / with the GetCallerIdentity body, one Authorization whose scope matches X-Amz-Date
 * and the host's region, signed headers present, a token only if signed) and throws a
 * `MongoDBAWSError` subclass whose `code` names the broken rule.
 */
export declare class IncomingStsRequest {
  constructor(request: ReceivedRequest)
  /** The access key id of the Authorization credential (look its secret up with it). */
  readonly accessKeyId: string
  readonly host: string
  /** The signing region `host` implies. */
  readonly region: string
  readonly sessionToken: string | undefined
  /** `X-MongoDB-Server-Nonce`: refusing a replay of it is the caller's job. */
  readonly serverNonce: string | undefined
  readonly amzDate: string
  readonly date: Date
  /**
   * Date within 15 minutes of `now` (`REQUEST_TIME_SKEWED`), session token equal to `sessionToken`
   * (`SESSION_TOKEN_MISMATCH`), signature recomputed with `secret` equal (`SIGNATURE_MISMATCH`).
   * Throws `ServerConversationError`; comparisons are constant-time.
   */
  verify(secret: string, sessionToken?: string | null, options?: VerifyOptions): void
}

/** STS's answer about the caller, and the `$external` user name it maps to. */
export interface CallerIdentity {
  arn: string
  userId: string | undefined
  account: string | undefined
  userName: string
}

/**
 * Parses STS's reply (XML or JSON) to the forwarded request. A rejection throws
 * `ServerConversationError` `STS_REJECTED` with `stsCode` and `stsMessage`.
 */
export declare function parseCallerIdentity(status: number, body: BinaryLike | string): CallerIdentity

/** The MongoDB `$external` user name for an ARN (assumed-role sessions become `.../ROLE/*`). */
export declare function userName(arn: string): string
