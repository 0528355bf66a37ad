//! What a stranger, a viewer and another workspace get: nothing more than their role allows. One
//! module per finding of the hardening issue (sign-up and stdio MCP, cross-site writes, SSRF,
//! DNS rebinding, the audit chain, quotas, headers and the smaller ones), each test failing on
//! the code before it.

mod access;
mod audit;
mod edge;
mod egress;
mod exports;
mod members;
mod quotas;
mod secrets;
mod signup;
