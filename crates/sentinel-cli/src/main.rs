//! The `sentinel` command.
#![forbid(unsafe_code)]

fn main() {
    eprintln!("sentinel: not implemented yet");
    std::process::exit(2);
}
