//! C ABI over `mongodb-aws-core` (to be filled by the C ABI issue).
