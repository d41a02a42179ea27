//! A blank Tauri window: the yardstick `scripts/bench app` measures the Stapel app against.
//! Same tauri version, features, window size and global API as the Stapel shell, no commands,
//! no state, and a page with nothing on it but a script that notes when its first frame was
//! painted (`window.blankPainted`, milliseconds since the page's time origin).

fn main() {
    tauri::Builder::default().run(tauri::generate_context!()).expect("the blank window could not be started");
}
