use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A panic is a bug, but it still gets one readable line rather than a backtrace dump.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("roster: internal error: {info}");
    }));
    let cli = roster_server::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("roster: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(roster_server::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roster: error: {e}");
            ExitCode::FAILURE
        }
    }
}
