// ESM entry point: the same objects as the CommonJS entry (index.js), re-exported by name (Node finds
// the names in index.js's `module.exports = { ... }`, following its `...require()` spreads).
export * from './index.js'
export { default } from './index.js'
