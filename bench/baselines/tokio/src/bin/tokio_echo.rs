// bench/baselines/tokio/src/bin/tokio_echo.rs: Tokio echo server, one task per connection,
// 16 KiB buffer, TCP_NODELAY. Usage: tokio_echo PORT [ct|mt1|mt2].
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "../common.rs"]
mod common;

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
                loop {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            if s.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
}
