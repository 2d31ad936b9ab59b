//! End-to-end tests: one binary, real server.

mod health;
