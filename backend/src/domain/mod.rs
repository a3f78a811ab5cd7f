//! Value types and rules of the domain. No I/O here: parse constructors, enums, pure checks.

pub mod credit_code;
pub mod hazard_flow;
pub mod inspection;
pub mod membership;
pub mod participation;
pub mod password_policy;
pub mod region_path;
pub mod role;
pub mod rounds;
pub mod scoring;
