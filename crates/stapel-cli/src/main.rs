//! `stapel`: the command-line front of the Stapel wallet. (Being built: see issue 3.)

fn main() {
    println!("stapel {}", env!("CARGO_PKG_VERSION"));
}
