// Compiled with `tsc --noEmit --strict` by api.test.js: the public API as a TypeScript user writes it.
import {
  ClientConversation,
  Credentials,
  CredentialsError,
  ConversationError,
  MongoDBAWSError,
  signV4,
  presignV4,
  validateHost,
  regionForHost,
  errorTable,
  version,
  UNSIGNED_PAYLOAD,
  CLIENT_NONCE_LENGTH,
  type AwsCredentialIdentity,
  type SignResult,
  type PresignResult,
  type ServerFirst,
  getCredentials,
  setMfaCallback,
  type MfaCodeFunction,
  credentialProvider,
  clearCredentialCache,
  clearCacheOnAuthFailure,
  cachedCredentials,
  assumeRole,
  assumeRoleWithSaml,
  ServerConversation,
  parseCallerIdentity,
  userName,
  MAX_CLOCK_SKEW_SECONDS,
  type StsRequest,
  type CallerIdentity,
  IncomingStsRequest,
  type ReceivedRequest,
} from 'mongodb-aws'

const v: string = version
const n: number = CLIENT_NONCE_LENGTH
const creds = new Credentials('AKIDEXAMPLE', 'secret', undefined, { source: 'test' })
const creds2 = new Credentials({ accessKeyId: 'AKID', secretAccessKey: 's', sessionToken: 't', expiration: new Date() })
const fromEnv: Credentials = Credentials.fromEnv({ AWS_ACCESS_KEY_ID: 'a' })
const token: string | undefined = creds2.sessionToken
const exp: Date | undefined = creds2.expiration
const id: AwsCredentialIdentity = creds.toAwsCredentialIdentity()

const conv = new ClientConversation()
const conv2 = new ClientConversation(new Uint8Array(32))
const first: Buffer = conv.clientFirst()
const sf: ServerFirst = conv2.parseServerFirst(Buffer.alloc(0))
const region: string = sf.region
const final: Buffer = conv.finish(first, creds, { now: new Date() })
const final2: Buffer = conv.finish(first, { accessKeyId: 'a', secretAccessKey: 'b' }, { now: Date.now() })
const creq: string = conv.canonicalRequest(first, creds)

const signed: SignResult = signV4(
  { method: 'POST', url: 'https://sts.amazonaws.com/', headers: { 'content-type': 'x', n: 5, many: ['a', 'b'] }, body: 'x' },
  creds,
  { region: 'us-east-1', service: 'sts', now: new Date(), debug: true },
)
const auth: string = signed.headers.Authorization
const pre: PresignResult = presignV4({ url: new URL('https://bucket.s3.amazonaws.com/key'), payloadHash: UNSIGNED_PAYLOAD }, creds, {
  region: 'us-east-1',
  service: 's3',
  expires: 60,
  doubleEncodePath: false,
  normalizePath: false,
})
const url: string | undefined = pre.url
signV4({ headers: new Headers({ host: 'h' }) }, creds, { region: 'r', service: 's' })
signV4({ headers: [['host', 'h']] }, creds, { region: 'r', service: 's' })
signV4({ headers: new Map([['host', 'h']]) }, creds, { region: 'r', service: 's' })
validateHost('sts.amazonaws.com')
const r2: string = regionForHost('sts.amazonaws.com')

try {
  conv.finish(Buffer.alloc(0), creds)
} catch (e) {
  if (e instanceof ConversationError) {
    const code: string = e.code
    const status: number = e.number
  } else if (e instanceof CredentialsError || e instanceof MongoDBAWSError) {
    const name: string = e.name
  }
}
for (const e of errorTable()) {
  const c: string = e.code
  const s: number = e.number
}

// @ts-expect-error: region and service are required.
signV4({ headers: { host: 'h' } }, creds, {})
// @ts-expect-error: a string is not a nonce.
new ClientConversation('nonce')
// @ts-expect-error: read-only.
creds.accessKeyId = 'x'

// Providers.
async function providers(): Promise<void> {
  const c: Credentials = await getCredentials({ env: { AWS_ACCESS_KEY_ID: 'a', AWS_REGION: undefined } })
  const src: string | undefined = c.source
  const hit: boolean = c.fromCache
  // @ts-expect-error: deadlines are the runtime's.
  await getCredentials({ timeouts: { imds: 500 } })
  // @ts-expect-error: the runtime does the HTTP.
  await getCredentials({ fetch })
  const p: () => Promise<AwsCredentialIdentity> = credentialProvider()
  const id2: AwsCredentialIdentity = await p()
  clearCredentialCache()
  const stop: () => void = clearCacheOnAuthFailure(new (await import('node:events')).EventEmitter())
  stop()
  const cached: Credentials | undefined = cachedCredentials()
  const role = await assumeRole({ roleArn: 'arn:aws:iam::1:role/r', externalId: 'x', baseCredentials: creds })()
  const saml = await assumeRoleWithSaml({ roleArn: 'r', principalArn: 'p', samlAssertion: 'a' })()
  await getCredentials({ provider: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }) })
  // Profiles and MFA.
  const fromProfile = await getCredentials({ profile: 'dev', mfaCode: async (serial: string, profile: string) => `${serial}${profile}` })
  const origin: [string | undefined, string | undefined, number | undefined] = [fromProfile.profile, fromProfile.originFile, fromProfile.originLine]
  const sync: MfaCodeFunction = () => '123456'
  setMfaCallback(sync)
  setMfaCallback(null)
  // @ts-expect-error: the code is a string.
  await getCredentials({ mfaCode: async () => 123456 })
  void origin
  // @ts-expect-error: roleArn is required.
  assumeRole({})
  void [src, hit, id2, cached, role, saml]
}

// Server side.
const sc = new ServerConversation(first, { stsHost: 'sts.us-west-2.amazonaws.com' })
const sfirst: Buffer = sc.serverFirst()
const sreq: StsRequest = sc.clientFinal(final, { now: new Date(), maxSkewSeconds: MAX_CLOCK_SKEW_SECONDS })
const ident: CallerIdentity = parseCallerIdentity(200, sreq.body)
const uname: string = userName(ident.arn)

// STS side.
const received: ReceivedRequest = { method: 'POST', url: '/', headers: sreq.headerList, body: sreq.body }
const incoming = new IncomingStsRequest(received)
const akid: string = incoming.accessKeyId
const nonce: string | undefined = incoming.serverNonce
const signedAt: Date = incoming.date
incoming.verify('secret', incoming.sessionToken, { now: Date.now() })
new IncomingStsRequest({ method: 'POST', path: '/', headers: ['Host', 'sts.amazonaws.com'], body: 'x' }).verify('s')
// @ts-expect-error: the secret is required.
incoming.verify()
void [akid, nonce, signedAt]

export { providers, sfirst, uname, v, n, fromEnv, token, exp, id, final, final2, creq, auth, url, region, r2 }
