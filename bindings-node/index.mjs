// ESM entry point: the same objects as the CommonJS entry (index.js), re-exported by name.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const m = require('./index.js')

export const {
  version,
  Credentials,
  ClientConversation,
  CLIENT_NONCE_LENGTH,
  STS_DEFAULT_HOST,
  STS_SERVICE,
  GET_CALLER_IDENTITY_BODY,
  MAX_PRESIGN_EXPIRES,
  validateHost,
  regionForHost,
  validateStsHost,
  stsRegion,
  signV4,
  presignV4,
  canonicalRequestV4,
  stringToSignV4,
  UNSIGNED_PAYLOAD,
  ServerConversation,
  IncomingStsRequest,
  parseCallerIdentity,
  userName,
  MAX_CLOCK_SKEW_SECONDS,
  getCredentials,
  setMfaCallback,
  credentialProvider,
  clearCredentialCache,
  clearCacheOnAuthFailure,
  cachedCredentials,
  assumeRole,
  assumeRoleWithSaml,
  MongoDBAWSError,
  InvalidArgumentError,
  CredentialsError,
  ConversationError,
  ResponseError,
  ServerConversationError,
  InternalError,
  errorTable,
} = m
export default m
