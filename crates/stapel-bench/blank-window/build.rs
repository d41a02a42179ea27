//! Tauri's build step: reads tauri.conf.json and bundles the empty page.

fn main() {
    tauri_build::build();
}
