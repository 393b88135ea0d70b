//! The MONGODB-AWS SASL conversation: [`client`] (what a driver does) and [`server`] (what a
//! MongoDB-compatible server or proxy does, up to the request it forwards to STS).

pub mod client;
pub mod server;
