//! HTTP handlers. Each extracts, makes one call and maps the result.

pub mod health;
