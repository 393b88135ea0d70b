//! Python binding (to be filled by the Python issue).
