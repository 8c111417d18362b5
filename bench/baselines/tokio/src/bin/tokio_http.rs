// bench/baselines/tokio/src/bin/tokio_http.rs: Tokio HTTP/1.1 keep-alive server answering
// every request with the fixed "hello" response of bench/README.md (the same bytes as
// bench/baselines/common/http.hpp); it only finds where each request ends ("\r\n\r\n").
// Usage: tokio_http PORT [ct|mt1|mt2].
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "../common.rs"]
mod common;

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";

fn main() {
    let (port, flavour) = common::server_args();
    common::runtime(&flavour).block_on(async move {
        let listener = common::listen(port).await;
        loop {
            let mut s = match listener.accept().await {
                Ok((s, _)) => s,
                Err(_) => continue,
            };
            let _ = s.set_nodelay(true);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16384];
                let mut out = Vec::with_capacity(RESPONSE.len() * 4);
                let mut matched = 0u8; // bytes of "\r\n\r\n" the stream ends with
                loop {
                    let n = match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    for &b in &buf[..n] {
                        matched = match (b, matched) {
                            (b'\r', 2) => 3,
                            (b'\r', _) => 1,
                            (b'\n', 1) | (b'\n', 3) => matched + 1,
                            _ => 0,
                        };
                        if matched == 4 {
                            out.extend_from_slice(RESPONSE);
                            matched = 0;
                        }
                    }
                    if !out.is_empty() {
                        if s.write_all(&out).await.is_err() {
                            return;
                        }
                        out.clear();
                    }
                }
            });
        }
    });
}
