// bench/baselines/tokio/src/bin/tokio_micro.rs: Tokio's side of the runtime micro benchmarks
// (the weft side: bench/baselines/weft_micro/). Each body runs inside a spawned task.
//   spawn     1,000,000 tokio::spawn(async {}), then every handle awaited; ns/task
//   timers    1,000,000 spawned sleeps of 1..=1000 ms (xorshift64 from 0x9E3779B97F4A7C15),
//             every handle awaited; wall ms from the first spawn to the last join, peak RSS
//   pingpong  two tasks pass a token through two capacity-1 mpsc channels, 1,000,000 hops;
//             ns/hop
//   mpsc      10,000,000 u64 through a capacity-1024 mpsc channel, one producer task, one
//             consumer task; ns/msg
// Usage: tokio_micro spawn|timers|pingpong|mpsc ct|mt1|mt2
// Output: one line `metric=X unit=Y [rss_kb=Z]`.
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[path = "../common.rs"]
mod common;

async fn spawn_body() -> f64 {
    const N: usize = 1_000_000;
    let t0 = Instant::now();
    let mut hs = Vec::with_capacity(N);
    for _ in 0..N {
        hs.push(tokio::spawn(async {}));
    }
    for h in hs {
        h.await.unwrap();
    }
    t0.elapsed().as_nanos() as f64 / N as f64
}

async fn timers_body() -> f64 {
    const N: usize = 1_000_000;
    let mut s: u64 = 0x9E3779B97F4A7C15;
    let t0 = Instant::now();
    let mut hs = Vec::with_capacity(N);
    for _ in 0..N {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let d = Duration::from_millis(1 + s % 1000);
        hs.push(tokio::spawn(async move { tokio::time::sleep(d).await }));
    }
    for h in hs {
        h.await.unwrap();
    }
    t0.elapsed().as_secs_f64() * 1e3
}

async fn pingpong_body() -> f64 {
    const HOPS: u64 = 1_000_000; // a round trip is two hops
    let (to_tx, mut to_rx) = mpsc::channel::<u64>(1);
    let (back_tx, mut back_rx) = mpsc::channel::<u64>(1);
    let peer = tokio::spawn(async move {
        while let Some(v) = to_rx.recv().await {
            if back_tx.send(v).await.is_err() {
                return;
            }
        }
    });
    let t0 = Instant::now();
    for i in 0..HOPS / 2 {
        to_tx.send(i).await.unwrap();
        back_rx.recv().await.unwrap();
    }
    let ns = t0.elapsed().as_nanos() as f64 / HOPS as f64;
    drop(to_tx);
    peer.await.unwrap();
    ns
}

async fn mpsc_body() -> f64 {
    const N: u64 = 10_000_000;
    let (tx, mut rx) = mpsc::channel::<u64>(1024);
    let t0 = Instant::now();
    let producer = tokio::spawn(async move {
        for i in 0..N {
            if tx.send(i).await.is_err() {
                return;
            }
        }
    });
    let (mut sum, mut got) = (0u64, 0u64);
    while let Some(v) = rx.recv().await {
        sum += v;
        got += 1;
    }
    producer.await.unwrap();
    let ns = t0.elapsed().as_nanos() as f64 / N as f64;
    assert!(got == N && sum == N * (N - 1) / 2, "mpsc lost values");
    ns
}

fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: {} spawn|timers|pingpong|mpsc ct|mt1|mt2", args[0]);
        std::process::exit(2);
    }
    let rt = common::runtime(&args[2]);
    let bench = args[1].clone();
    let metric = rt.block_on(async move {
        tokio::spawn(async move {
            match bench.as_str() {
                "spawn" => spawn_body().await,
                "timers" => timers_body().await,
                "pingpong" => pingpong_body().await,
                "mpsc" => mpsc_body().await,
                _ => -1.0,
            }
        })
        .await
        .unwrap()
    });
    match args[1].as_str() {
        "spawn" => println!("metric={metric:.1} unit=ns/task"),
        "timers" => println!("metric={metric:.1} unit=ms rss_kb={}", peak_rss_kb()),
        "pingpong" => println!("metric={metric:.1} unit=ns/hop"),
        "mpsc" => println!("metric={metric:.1} unit=ns/msg"),
        _ => {
            eprintln!("unknown benchmark '{}'", args[1]);
            std::process::exit(2);
        }
    }
}
