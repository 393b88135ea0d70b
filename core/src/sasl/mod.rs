//! The MONGODB-AWS SASL conversation (client side; the server side lands with the verifier).

pub mod client;
