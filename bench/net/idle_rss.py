#!/usr/bin/env python3
"""bench/net/idle_rss.py: RSS growth of an echo server per idle connection.

Starts the server (default: weft's examples/echo_server), opens N connections, has each echo
64 bytes once, then lets them sit idle and reports the server's RSS growth per connection
and its CPU use while idle. Needs `ulimit -n` above N (+ slack) for this script and the server.

  python3 bench/net/idle_rss.py build/release/examples/weft_example_echo_server [--conns 10000]
      [--port 7400] [--idle 3] [extra server args...]
"""
import argparse, os, resource, socket, subprocess, sys, time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return int(parts[11]) + int(parts[12])  # utime + stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--port", type=int, default=7400)
    ap.add_argument("--idle", type=float, default=3.0)
    a, rest = ap.parse_known_args()
    a.rest = [r for r in rest if r != "--"]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.conns + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    # weft's examples take --port N; the bench/baselines servers take the port first.
    port_args = [str(a.port)] if "baseline" in os.path.basename(a.server) else ["--port", str(a.port)]
    srv = subprocess.Popen([a.server] + port_args + a.rest, stdout=subprocess.DEVNULL)
    for _ in range(100):  # wait until it accepts
        try:
            socket.create_connection(("127.0.0.1", a.port)).close()
            break
        except OSError:
            time.sleep(0.05)
    time.sleep(0.3)
    base = rss_kib(srv.pid)
    socks = []
    msg = b"x" * 64
    for i in range(a.conns):
        s = socket.create_connection(("127.0.0.1", a.port))
        s.sendall(msg)
        got = b""
        while len(got) < 64:
            chunk = s.recv(64 - len(got))
            if not chunk:
                sys.exit(f"connection {i} closed early")
            got += chunk
        socks.append(s)
    time.sleep(0.5)
    t0 = cpu_ticks(srv.pid)
    time.sleep(a.idle)
    t1 = cpu_ticks(srv.pid)
    after = rss_kib(srv.pid)
    per = (after - base) * 1024 / a.conns
    hz = os.sysconf("SC_CLK_TCK")
    print(f"server={a.server} args={a.rest} conns={a.conns}")
    print(f"rss_before_kib={base} rss_after_kib={after} growth_per_conn_bytes={per:.0f}")
    print(f"idle_cpu_seconds={(t1 - t0) / hz:.3f} over {a.idle:.1f}s")
    for s in socks:
        s.close()
    srv.terminate()
    srv.wait()


if __name__ == "__main__":
    main()
