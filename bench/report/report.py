#!/usr/bin/env python3
"""bench/report/report.py DIR: turns one bench/run result folder into DIR/results.md and SVG
charts (DIR/echo_msgs.svg, DIR/echo_cpu.svg, DIR/http_msgs.svg).

Input (written by bench/run): DIR/facts.txt (key=value lines about the machine and the run),
DIR/raw.txt (one key=value line per measured point, micro run or skip), DIR/gbench/*.json
(Google Benchmark output). Every figure in the report is a median over the repetitions, with
min-max beside it where shown; ratios compare medians taken in the same run.
"""

import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from svg_chart import grouped_bars  # noqa: E402

REF = "uring-raw"  # the reference server of every ratio


def parse_kv(line):
    out = {}
    for word in line.split():
        if "=" in word:
            k, v = word.split("=", 1)
            out[k] = v
    return out


def num(d, k):
    try:
        return float(d[k])
    except (KeyError, ValueError):
        return None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def k_fmt(v):
    if v is None:
        return "–"
    if v >= 1e6:
        return f"{v / 1e6:.2f}M"
    if v >= 1e3:
        return f"{v / 1e3:.1f}k"
    return f"{v:.0f}"


def f_fmt(v, digits=2):
    if v is None:
        return "–"
    if abs(v) >= 1000:
        return f"{v:.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}" if digits < 2 else f"{v:.1f}"
    return f"{v:.{digits}f}"


def ratio(a, b):
    return a / b if a is not None and b else None


def r_fmt(v):
    return "–" if v is None else f"{v:.2f}"


class Scenario:
    """All points of one kind (echo or http): server -> (conns, size) -> list of runs."""

    def __init__(self, kind):
        self.kind = kind
        self.runs = {}
        self.servers = []  # in first-seen order, reference first
        self.points = []
        self.failures = []

    def add(self, d):
        s, pt = d["server"], (int(d.get("conns", 0) or 0), int(d.get("size", 0) or 0))
        if "failed" in d:
            self.failures.append(f"{s} C={pt[0]} S={pt[1]} rep {d.get('rep')}: {d['failed']}")
            return
        if s not in self.servers:
            self.servers.append(s)
        if pt not in self.points:
            self.points.append(pt)
        self.runs.setdefault(s, {}).setdefault(pt, []).append(d)

    def order(self):
        self.points.sort()
        if REF in self.servers:
            self.servers.remove(REF)
            self.servers.insert(0, REF)

    def values(self, server, pt, key):
        return [num(d, key) for d in self.runs.get(server, {}).get(pt, [])]

    def median(self, server, pt, key):
        return med(self.values(server, pt, key))

    def label(self, pt):
        return f"C={pt[0]}" if self.kind == "http" else f"C={pt[0]} S={pt[1]}"


def summary_table(sc, key, fmt, lower_is_better):
    ref_note = f"ratio to **{REF}** in brackets" if REF in sc.servers else "no reference server"
    lines = [f"| server | " + " | ".join(sc.label(p) for p in sc.points) + " |",
             "| --- |" + " ---: |" * len(sc.points)]
    for s in sc.servers:
        cells = []
        for p in sc.points:
            v, r = sc.median(s, p, key), ratio(sc.median(s, p, key), sc.median(REF, p, key))
            cells.append("–" if v is None else f"{fmt(v)} ({r_fmt(r)})")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    better = "lower" if lower_is_better else "higher"
    return "\n".join(lines) + f"\n\nMedians; {ref_note}; {better} is better.\n"


def detail_tables(sc):
    out = []
    for p in sc.points:
        out.append(f"#### {sc.kind} {sc.label(p)}\n")
        out.append("| server | msgs/s | min–max | ÷ ref | p50 µs | p99 µs | p99.9 µs | ÷ ref p99 "
                   "| server µs/msg | ÷ ref | core µs/msg | server % | client % | other % |")
        out.append("| --- |" + " ---: |" * 13)
        rows = []
        for s in sc.servers:
            m = sc.values(s, p, "msgs_per_s")
            if not [x for x in m if x is not None]:
                continue
            mm = [x for x in m if x is not None]
            srv_pct, core_pct = sc.median(s, p, "srv_cpu_pct"), sc.median(s, p, "srv_core_pct")
            other = None if srv_pct is None or core_pct is None else max(0.0, core_pct - srv_pct)
            rows.append((sc.median(s, p, "msgs_per_s"), "| " + " | ".join([
                s, k_fmt(med(m)), f"{k_fmt(min(mm))}–{k_fmt(max(mm))}",
                r_fmt(ratio(med(m), sc.median(REF, p, "msgs_per_s"))),
                f_fmt(sc.median(s, p, "p50_us"), 1), f_fmt(sc.median(s, p, "p99_us"), 1),
                f_fmt(sc.median(s, p, "p999_us"), 1),
                r_fmt(ratio(sc.median(s, p, "p99_us"), sc.median(REF, p, "p99_us"))),
                f_fmt(sc.median(s, p, "srv_cpu_us_per_msg")),
                r_fmt(ratio(sc.median(s, p, "srv_cpu_us_per_msg"),
                            sc.median(REF, p, "srv_cpu_us_per_msg"))),
                f_fmt(sc.median(s, p, "srv_core_us_per_msg")),
                f_fmt(srv_pct, 0), f_fmt(sc.median(s, p, "cli_cpu_pct"), 0), f_fmt(other, 0),
            ]) + " |"))
        out.extend(r for _, r in sorted(rows, key=lambda t: -(t[0] or 0)))
        out.append("")
    return "\n".join(out)


def goals(echo):
    """The issue's goals for weft's echo server, as ratios to the other servers in this run."""
    if "weft" not in echo.servers:
        return None
    checks = []

    def check(text, ok, detail):
        checks.append(f"| {text} | {'met' if ok else '**not met**'} | {detail} |"
                      if ok is not None else f"| {text} | not measured | {detail} |")

    worst = None
    for p in echo.points:
        r = ratio(echo.median("weft", p, "msgs_per_s"), echo.median(REF, p, "msgs_per_s"))
        if r is not None and (worst is None or r < worst[0]):
            worst = (r, p)
    check("msgs/s within 5 % of uring-raw at every point",
          None if worst is None else worst[0] >= 0.95,
          "–" if worst is None else f"lowest ratio {worst[0]:.2f} at {echo.label(worst[1])}")
    p = (50, 64)
    r = ratio(echo.median("weft", p, "srv_cpu_us_per_msg"), echo.median(REF, p, "srv_cpu_us_per_msg"))
    check("server CPU per message ≤ 0.90× uring-raw at C=50 S=64", None if r is None else r <= 0.90,
          f"{r_fmt(r)}×")
    for p in [q for q in echo.points if q[0] == 500]:
        r = ratio(echo.median("weft", p, "p99_us"), echo.median(REF, p, "p99_us"))
        check(f"p99 ≤ 1.1× uring-raw at {echo.label(p)}", None if r is None else r <= 1.1, f"{r_fmt(r)}×")
    for p in [q for q in echo.points if q[0] in (50, 500)]:
        r = ratio(echo.median("weft", p, "msgs_per_s"), echo.median("epoll-raw", p, "msgs_per_s"))
        check(f"ahead of epoll-raw at {echo.label(p)}", None if r is None else r > 1.0,
              f"{r_fmt(r)}× epoll-raw's msgs/s")
    return "| goal | result | measured |\n| --- | --- | --- |\n" + "\n".join(checks) + "\n"


def micro_section(rows):
    """weft against Tokio: medians per (bench, flavour, impl), ratio = median of per-rep
    weft/tokio ratios (the two ran next to each other in each repetition)."""
    by = {}
    for d in rows:
        if "failed" in d:
            continue
        by.setdefault((d["bench"], d["flavour"]), {}).setdefault(d["impl"], {})[d["rep"]] = d
    if not by:
        return None
    order = {"spawn": 0, "pingpong": 1, "mpsc": 2, "timers": 3}
    fl_order = {"ct": 0, "mt1": 1, "mt2": 2}
    lines = ["| benchmark | flavour | weft | min–max | Tokio | min–max | weft ÷ Tokio | peak RSS MiB weft / Tokio |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for (bench, fl) in sorted(by, key=lambda k: (order.get(k[0], 9), fl_order.get(k[1], 9))):
        impls = by[(bench, fl)]
        unit = next((d.get("unit", "") for i in impls.values() for d in i.values()), "")

        def stats(impl):
            vals = [num(d, "metric") for d in impls.get(impl, {}).values()]
            vals = [v for v in vals if v is not None]
            if not vals:
                return "–", "–"
            return f"{f_fmt(med(vals), 1)} {unit}", f"{f_fmt(min(vals), 1)}–{f_fmt(max(vals), 1)}"

        pair = [num(impls["weft"][r], "metric") / num(impls["tokio"][r], "metric")
                for r in impls.get("weft", {}) if r in impls.get("tokio", {})
                and num(impls["tokio"][r], "metric")]
        rss = []
        for impl in ("weft", "tokio"):
            v = med([num(d, "rss_kb") for d in impls.get(impl, {}).values()])
            rss.append("–" if v is None else f"{v / 1024:.0f}")
        w, wr = stats("weft")
        t, tr = stats("tokio")
        lines.append(f"| {bench} | {fl} | {w} | {wr} | {t} | {tr} | {r_fmt(med(pair))} | "
                     f"{' / '.join(rss) if bench == 'timers' else ''} |")
    return ("\n".join(lines) + "\n\nLower is better everywhere; weft ÷ Tokio is the median of the "
            "per-repetition ratios (< 1: weft is faster). ct = current-thread runtime, mt1/mt2 = "
            "multi-thread runtime with 1/2 workers; ct and mt1 pinned to one CPU, mt2 to two.\n")


def gbench_section(folder):
    d = os.path.join(folder, "gbench")
    if not os.path.isdir(d):
        return None
    lines = ["| benchmark | time per item | real time per iteration | items/s |",
             "| --- | ---: | ---: | ---: |"]
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
    n = 0
    for f in sorted(os.listdir(d)):
        if not f.endswith(".json"):
            continue
        try:
            with open(os.path.join(d, f)) as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            continue
        for b in data.get("benchmarks", []):
            if b.get("run_type") == "aggregate":
                continue
            per = b.get("per_item")
            if per is None and b.get("items_per_second"):
                per = 1 / b["items_per_second"]
            per_s = "–" if per is None else f"{per * 1e9:.1f} ns"
            rt = b.get("real_time")
            rt_s = "–" if rt is None else f"{rt * scale.get(b.get('time_unit', 'ns'), 1):.0f} ns"
            ips = b.get("items_per_second")
            lines.append(f"| `{b['name']}` | {per_s} | {rt_s} | {k_fmt(ips) if ips else '–'} |")
            n += 1
    return "\n".join(lines) + "\n" if n else None


def chart(sc, key, title, y_label, ref_line, fname, folder, as_ratio):
    if not sc.servers:
        return None
    series = {}
    for s in sc.servers:
        vals = []
        for p in sc.points:
            v = sc.median(s, p, key)
            vals.append(ratio(v, sc.median(REF, p, key)) if as_ratio else v)
        series[s] = vals
    svg = grouped_bars(title, [sc.label(p) for p in sc.points], series, y_label, ref_line)
    with open(os.path.join(folder, fname), "w") as fh:
        fh.write(svg)
    return fname


def main():
    folder = sys.argv[1]
    facts = {}
    with open(os.path.join(folder, "facts.txt")) as fh:
        for line in fh:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                facts[k] = v
    echo, http, micro, skips = Scenario("echo"), Scenario("http"), [], []
    with open(os.path.join(folder, "raw.txt")) as fh:
        for line in fh:
            d = parse_kv(line)
            kind = d.get("kind")
            if kind == "echo":
                echo.add(d)
            elif kind == "http":
                http.add(d)
            elif kind == "micro":
                micro.append(d)
            elif kind == "skip":
                reason = line.split("reason=", 1)[1].strip() if "reason=" in line else "?"
                skips.append(f"- {d.get('part')} **{d.get('name', '?').replace('/', ' ')}**: {reason}")
    echo.order()
    http.order()

    md = [f"# weft benchmarks: {facts.get('date', '?')}\n",
          f"Command: `{facts.get('command', 'bash bench/run')}` (REPS={facts.get('reps')}, "
          f"DURATION={facts.get('duration')} s after WARMUP={facts.get('warmup')} s, server on CPU "
          f"{facts.get('server_cpu')}, load generator on CPU {facts.get('client_cpu')}, both at nice "
          f"{facts.get('nice')}); weft {facts.get('weft', '?')}.\n",
          f"Machine: {facts.get('cpu', '?')}, {facts.get('nproc', '?')} CPUs"
          f"{' (' + facts['hypervisor'] + ' guest)' if facts.get('hypervisor') else ''}, "
          f"{facts.get('mem', '?')}, Linux {facts.get('kernel', '?')}, {facts.get('os', '?')}; "
          f"gcc {facts.get('gcc', '?')}, rustc {facts.get('rustc') or '–'}, Tokio "
          f"{facts.get('tokio') or '–'}, Boost {facts.get('boost') or '–'}, liburing "
          f"{facts.get('liburing', '?')}. Load average {facts.get('loadavg_start', '?')} at the start, "
          f"{facts.get('loadavg_end', '?')} at the end; CPU steal {facts.get('steal_pct', '?')} %; "
          f"the run took {int(facts.get('elapsed_s', 0)) // 60} min {int(facts.get('elapsed_s', 0)) % 60} s (of which {facts.get('idle_waited_s', 0)} s waiting for other users' work to pass).\n"]
    if skips:
        md.append("Skipped:\n\n" + "\n".join(skips) + "\n")

    for sc, title in ((echo, "Echo"), (http, "HTTP")):
        if not sc.servers:
            continue
        what = ("TCP echo over 127.0.0.1: C connections each keep one S-byte message in flight"
                if sc.kind == "echo" else
                "HTTP/1.1 keep-alive over 127.0.0.1: C connections each keep one `GET /` in flight; "
                "the answer is the fixed 5-byte \"hello\" response")
        md.append(f"## {title}\n\n{what}.\n")
        md.append(f"### {title}: messages/s\n\n" + summary_table(sc, "msgs_per_s", k_fmt, False))
        md.append(f"### {title}: server CPU µs per message\n\n"
                  + summary_table(sc, "srv_cpu_us_per_msg", lambda v: f"{v:.2f}", True))
        md.append(f"### {title}: p99 latency µs\n\n"
                  + summary_table(sc, "p99_us", lambda v: f_fmt(v, 0), True))
        charts = [chart(sc, "msgs_per_s", f"{title}: messages/s ÷ {REF}", f"÷ {REF}", 1.0,
                        f"{sc.kind}_msgs.svg", folder, True),
                  chart(sc, "srv_cpu_us_per_msg", f"{title}: server CPU µs per message",
                        "µs/msg", None, f"{sc.kind}_cpu.svg", folder, False)]
        md.append(" ".join(f"![{c}]({c})" for c in charts if c) + "\n")
        md.append(f"### {title}: details\n\n" + detail_tables(sc))
        if sc.failures:
            md.append("Failed runs:\n\n" + "\n".join(f"- {f}" for f in sc.failures) + "\n")

    g = goals(echo)
    if g:
        md.append("## weft's goals (echo, this run)\n\n" + g)
    elif echo.servers:
        md.append("## weft's goals\n\nNot checked: weft's echo server was not measured in this run.\n")
    if echo.servers and "threads" in echo.servers:
        for p in [q for q in echo.points if q[0] == 500]:
            r = ratio(echo.median("threads", p, "msgs_per_s"), echo.median(REF, p, "msgs_per_s"))
            q = ratio(echo.median("threads", p, "p99_us"), echo.median(REF, p, "p99_us"))
            md.append(f"Thread-per-connection at {echo.label(p)}: {r_fmt(r)}× uring-raw's msgs/s, "
                      f"{r_fmt(q)}× its p99.\n")

    m = micro_section(micro)
    if m:
        md.append("## Runtime micro benchmarks: weft against Tokio\n\n" + m)
    gb = gbench_section(folder)
    if gb:
        md.append("## Google Benchmark suites (weft_bench_*)\n\nOne run each, not pinned.\n\n" + gb)

    md.append("## Columns\n\n"
              "msgs/s: completed round trips per second over the measured window (median over the "
              "repetitions; min–max beside it). ÷ ref: ratio to the same column of **uring-raw** "
              "(the raw liburing server, the ceiling on one core). p50/p99/p99.9: round-trip "
              "latency seen by the load generator (medians of the per-run percentiles). server "
              "µs/msg: the server process's CPU time (sum over its threads of "
              "/proc/PID/task/*/schedstat, softirq work in its context included) ÷ messages. core "
              "µs/msg: busy time of the server's CPU from /proc/stat ÷ messages (includes anything "
              "else that ran there). server % / client %: CPU use of the server process and of the "
              "load generator over the window; other %: the server CPU's busy share not spent by "
              "the server (other users' work, kernel threads). A client near 100 % caps msgs/s for "
              "every server alike; server µs/msg still ranks them. See bench/README.md.\n")
    with open(os.path.join(folder, "results.md"), "w") as fh:
        fh.write("\n".join(md))


if __name__ == "__main__":
    main()
