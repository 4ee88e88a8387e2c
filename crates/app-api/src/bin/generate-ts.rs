//! Writes ui/src/generated/ (schema.json, types.ts, commands.ts) from the app's Rust views.
//! Run from anywhere in the workspace: `cargo run -p fieldkit-app-api --bin generate-ts`.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join(fieldkit_app_api::schema::GENERATED_DIR);
    std::fs::create_dir_all(&dir)?;
    for (name, text) in fieldkit_app_api::schema::files() {
        std::fs::write(dir.join(name), text)?;
        println!("wrote {}/{name}", fieldkit_app_api::schema::GENERATED_DIR);
    }
    Ok(())
}
