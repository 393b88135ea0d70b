//! Node binding (to be filled by the Node issue).
