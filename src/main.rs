//! The `sqltest` binary: parse arguments, run the library, exit with its status.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = sqltest::cli::Cli::parse();
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
