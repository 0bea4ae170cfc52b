//! The `eegi` binary: parses arguments and hands them to the library.

fn main() {
    std::process::exit(eegi::cli::main());
}
