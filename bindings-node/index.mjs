// ESM entry point: the same objects as the CommonJS entry (index.js), re-exported by name.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const m = require('./index.js')

export const {
  version,
  Credentials,
  ClientConversation,
  CLIENT_NONCE_LENGTH,
  validateHost,
  regionForHost,
  signV4,
  presignV4,
  UNSIGNED_PAYLOAD,
  MongoDBAWSError,
  InvalidInputError,
  CredentialsError,
  ConversationError,
  ResponseError,
  ServerConversationError,
  InternalError,
  errorTable,
} = m
export default m
