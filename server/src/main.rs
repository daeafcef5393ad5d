//! `typed-sse-server [--port N] [--port-file PATH] [--serve NAME=DIR]... [--max-connections N]
//! [--header-timeout-ms MS] [--idle-timeout-ms MS] [--store memory|redis://HOST:PORT]
//! [--history N]`
//!
//! `--store` is where the demo stream (`/events`, `/chat`) keeps its events: `memory` (the
//! default) or a Redis, whose stream every instance given the same URL shares; `--history` how
//! many it keeps (default 10000).
//!
//! Listens on 127.0.0.1 (port 8787 by default, 0 for any free one) and prints its URL. The
//! connection limits default to those of `typed_sse_server::limits` (512 connections, 10 s for a
//! request head, 30 s idle).

use std::path::PathBuf;
use std::time::Duration;

use typed_sse_server::demo::{DemoStore, DEFAULT_HISTORY, MAX_HISTORY};
use typed_sse_server::{app, serve, Config, ConnectionLimits};

const USAGE: &str = "typed-sse-server [--port N] [--port-file PATH] [--www DIR] [--pkg DIR] \
[--serve NAME=DIR]... [--max-connections N] [--header-timeout-ms MS] [--idle-timeout-ms MS] \
[--store memory|redis://HOST:PORT] [--history N]";

/// `value` as a number from 1 to `max`, or exits naming `flag`.
fn positive(flag: &str, value: &str, max: u64) -> u64 {
    match value.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => n,
        _ => {
            eprintln!("{flag} takes an integer from 1 to {max}");
            std::process::exit(2)
        }
    }
}

#[tokio::main]
async fn main() {
    let mut port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8787);
    let mut port_file: Option<PathBuf> = None;
    let mut config = Config::default();
    let mut limits = ConnectionLimits::default();
    let mut store = "memory".to_owned();
    let mut history = DEFAULT_HISTORY;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next().unwrap_or_else(|| {
                eprintln!("{name} needs a value");
                std::process::exit(2)
            })
        };
        match arg.as_str() {
            "--port" => {
                port = value("--port").parse().unwrap_or_else(|_| {
                    eprintln!("--port takes a number from 0 to 65535");
                    std::process::exit(2)
                })
            }
            "--port-file" => port_file = Some(value("--port-file").into()),
            "--www" => config.www_dir = value("--www").into(),
            "--pkg" => config.pkg_dir = value("--pkg").into(),
            "--serve" => {
                if let Err(e) = config.serve(&value("--serve")) {
                    eprintln!("{e}");
                    std::process::exit(2)
                }
            }
            "--max-connections" => {
                let n = positive("--max-connections", &value("--max-connections"), 1_000_000);
                limits.max_connections = n as usize;
            }
            "--header-timeout-ms" => {
                let ms = positive(
                    "--header-timeout-ms",
                    &value("--header-timeout-ms"),
                    3_600_000,
                );
                limits.header_timeout = Duration::from_millis(ms);
            }
            "--idle-timeout-ms" => {
                let ms = positive("--idle-timeout-ms", &value("--idle-timeout-ms"), 3_600_000);
                limits.idle_timeout = Duration::from_millis(ms);
            }
            "--store" => store = value("--store"),
            "--history" => {
                history = positive("--history", &value("--history"), MAX_HISTORY as u64) as usize
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => {
                eprintln!("unknown argument `{other}` (try --help)");
                std::process::exit(2)
            }
        }
    }
    config.store = match DemoStore::from_arg(&store, history).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2)
        }
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1)
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cannot read the bound address: {e}");
            std::process::exit(1)
        }
    };
    if let Some(path) = port_file {
        if let Err(e) = std::fs::write(&path, addr.port().to_string()) {
            eprintln!("cannot write {}: {e}", path.display());
            std::process::exit(1)
        }
    }
    println!("typed-sse-server listening on http://{addr}/");
    // No graceful shutdown: event streams never finish, so it would wait forever.
    let e = serve(listener, app(config), limits).await;
    eprintln!("server error: {e}");
    std::process::exit(1)
}
