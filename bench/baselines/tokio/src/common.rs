// bench/baselines/tokio/src/common.rs: the runtime flavours and the server's listener,
#![allow(dead_code)] // each program uses only part of this module
// shared by the Tokio programs.
use std::net::SocketAddr;

/// ct: current-thread runtime; mt1 / mt2: the multi-thread runtime with 1 or 2 workers.
pub fn runtime(flavour: &str) -> tokio::runtime::Runtime {
    let mut b = match flavour {
        "ct" => tokio::runtime::Builder::new_current_thread(),
        "mt1" | "mt2" => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(if flavour == "mt1" { 1 } else { 2 });
            b
        }
        _ => {
            eprintln!("unknown flavour '{flavour}' (ct | mt1 | mt2)");
            std::process::exit(2);
        }
    };
    b.enable_all().build().expect("tokio runtime")
}

/// The port from argv[1] and the flavour from argv[2] (default ct).
pub fn server_args() -> (u16, String) {
    let args: Vec<String> = std::env::args().collect();
    let port = args.get(1).and_then(|p| p.parse::<u16>().ok()).filter(|p| *p > 0);
    match port {
        Some(p) => (p, args.get(2).cloned().unwrap_or_else(|| "ct".into())),
        None => {
            eprintln!("usage: {} PORT [ct|mt1|mt2]   (listens on 127.0.0.1:PORT)", args[0]);
            std::process::exit(2);
        }
    }
}

pub async fn listen(port: u16) -> tokio::net::TcpListener {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let sock = tokio::net::TcpSocket::new_v4().expect("socket");
    sock.set_reuseaddr(true).expect("SO_REUSEADDR");
    sock.bind(addr).expect("bind");
    sock.listen(4096).expect("listen")
}
