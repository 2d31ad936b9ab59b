//! Prints the OpenAPI document generated from the server's routes.
//!
//! Regenerate the committed copy with:
//! `cargo run -p disrupt-api --no-default-features --example openapi > openapi/openapi.json`
//! (or `DISRUPT_UPDATE_OPENAPI=1 cargo test -p disrupt-api --no-default-features --lib openapi`).

fn main() -> anyhow::Result<()> {
    println!("{}", disrupt_api::routes::openapi().to_pretty_json()?);
    Ok(())
}
