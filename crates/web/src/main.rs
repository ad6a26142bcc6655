//! The `tequio` binary: everything lives in the library; this only hands over the exit code.

/// mimalloc returns freed memory to the system, so the server's memory comes back down after
/// a large upload or load (bench/uploads.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tequio::cli::main()
}
