//! What each fuzz target runs, as plain functions: the targets call them under libFuzzer, and the regression test
//! (`tests/tests/e2e/fuzz_corpus.rs`, in the normal test command) calls the same code on the committed corpus.
//! Each must never panic, whatever the bytes; errors are fine.

pub use disrupt_api::store::cursor;
pub use disrupt_hasher as hasher;
pub use disrupt_openapi as openapi;
