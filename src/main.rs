//! The `sqltest` binary: parse arguments, run the library, exit with its status.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = sqltest::cli::Cli::parse();
    // Podman: testcontainers does not look for its socket; point DOCKER_HOST at it when no
    // Docker socket exists. Done here, before any thread starts, as set_var requires.
    if let Some(host) = sqltest::backend::docker::podman_docker_host() {
        // SAFETY: single-threaded at this point (the async runtime is built below).
        unsafe { std::env::set_var("DOCKER_HOST", host) }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return std::process::ExitCode::from(3);
        }
    };
    let exit = runtime.block_on(sqltest::app::main(cli, sqltest::app::Io::std()));
    std::process::ExitCode::from(exit as u8)
}
