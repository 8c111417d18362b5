// downloads: fetch many URLs at once — the classic "download many files concurrently" job —
// in two ways, printing progress as downloads finish:
//
//   1. weft::join_all(futures): everything at once; results come back in input order.
//   2. stream::from_range(futures) | stream::buffer_unordered(N): at most N downloads in
//      flight (N connections), results in completion order. Use this when the list is long
//      or the server should not see hundreds of connections from you.
//
// Both run all downloads inside ONE task: the futures are polled concurrently by join_all or
// buffer_unordered, so there are no threads and no locks (even the progress counter is a
// plain integer). To spread CPU-heavy work over the workers, spawn tasks instead.
//
//   weft_example_downloads [--limit N] http://127.0.0.1:8080/files/a http://127.0.0.1:8080/ ...
//   (e.g. against weft_example_http_server; only plain http:// to an IP:port is supported)
//
// With no URLs, or with WEFT_EXAMPLE_SMOKE=1 (as under ctest), it starts a small HTTP server
// task in-process on an ephemeral 127.0.0.1 port, downloads 24 files of known sizes from it
// both ways, and checks every byte count. It exits 1 when any download did not get a 200.
#include <weft/net.hpp>
#include <weft/stream.hpp>
#include <weft/weft.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace std::chrono_literals;
namespace ws = weft::stream;

namespace {

std::span<const std::byte> bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

struct download {
  std::string url;
  int status = 0;          // HTTP status, 0 when the request failed
  std::size_t body = 0;    // body bytes received
  std::string error;
};

// GET `url` (http://a.b.c.d:port/path) over one connection; reads until the server closes.
weft::task<download> fetch(std::string url) {
  download d{url, 0, 0, {}};
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) {
    d.error = "not an http:// URL";
    co_return d;
  }
  const auto slash = url.find('/', scheme.size());
  const std::string host_port = url.substr(scheme.size(), slash - scheme.size());
  const std::string path = slash == std::string::npos ? "/" : url.substr(slash);

  auto s = co_await weft::net::tcp_stream::connect(host_port);
  if (!s) {
    d.error = s.error().message();
    co_return d;
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host_port +
                          "\r\nConnection: close\r\n\r\n";
  if (!co_await s->write_all(bytes(req))) {
    d.error = "write failed";
    co_return d;
  }
  std::string resp;
  std::array<std::byte, 16 * 1024> buf;
  for (;;) {
    auto n = co_await s->read(buf);
    if (!n) {
      d.error = n.error().message();
      co_return d;
    }
    if (*n == 0) break;
    resp.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
  const auto end = resp.find("\r\n\r\n");
  if (!resp.starts_with("HTTP/1.") || end == std::string::npos || resp.size() < 12) {
    d.error = "not an HTTP response";
    co_return d;
  }
  d.status = std::atoi(resp.c_str() + 9);
  d.body = resp.size() - end - 4;
  co_return d;
}

// ---- the in-process server for smoke mode: GET /size/<n> answers n bytes ----------------

weft::task<void> serve_one(weft::net::tcp_stream s) {
  std::string in;
  std::array<std::byte, 4096> buf;
  while (in.find("\r\n\r\n") == std::string::npos) {
    auto n = co_await s.read(buf);
    if (!n || *n == 0) co_return;
    in.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
  std::size_t size = 0;
  if (in.starts_with("GET /size/")) size = std::strtoul(in.c_str() + 10, nullptr, 10);
  co_await weft::time::sleep(std::chrono::milliseconds(size % 7));  // a little latency
  std::string out = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) +
                    "\r\nConnection: close\r\n\r\n" + std::string(size, 'x');
  (void)co_await s.write_all(bytes(out));
}

weft::task<void> serve(weft::net::tcp_listener l) {
  for (;;) {
    auto a = co_await l.accept();
    if (a) weft::spawn(serve_one(std::move(a->first))).detach();
  }
}

// ---- the two ways ----------------------------------------------------------------------

void progress(std::size_t done, std::size_t total, const download& d) {
  if (d.status != 0) {
    std::printf("  [%2zu/%zu] %-44s %d, %zu bytes\n", done, total, d.url.c_str(), d.status, d.body);
  } else {
    std::printf("  [%2zu/%zu] %-44s failed: %s\n", done, total, d.url.c_str(), d.error.c_str());
  }
}

weft::task<std::vector<download>> all_at_once(const std::vector<std::string>& urls) {
  std::size_t done = 0;  // only this task touches it: no atomics needed
  auto with_progress = [&](std::string url) -> weft::task<download> {
    download d = co_await fetch(std::move(url));
    progress(++done, urls.size(), d);
    co_return d;
  };
  std::vector<weft::task<download>> jobs;
  for (const auto& u : urls) jobs.push_back(with_progress(u));
  co_return co_await weft::join_all(std::move(jobs));
}

weft::task<std::vector<download>> at_most(std::size_t limit, const std::vector<std::string>& urls) {
  std::vector<weft::task<download>> jobs;
  for (const auto& u : urls) jobs.push_back(fetch(u));
  // buffer_unordered takes futures from the stream only while fewer than `limit` run.
  auto finished = ws::from_range(std::move(jobs)) | ws::buffer_unordered(limit);
  std::vector<download> out;
  while (auto d = co_await ws::next(finished)) {
    progress(out.size() + 1, urls.size(), *d);
    out.push_back(std::move(*d));
  }
  co_return out;
}

std::size_t total_bytes(const std::vector<download>& ds) {
  std::size_t n = 0;
  for (const auto& d : ds) n += d.body;
  return n;
}

weft::task<int> run(std::vector<std::string> urls, std::size_t limit) {
  std::size_t expected = 0;
  if (urls.empty()) {
    auto l = weft::net::tcp_listener::bind(weft::net::socket_address::loopback_v4(0));
    if (!l) co_return 1;
    const std::string base = "http://" + l->local_addr().value().to_string() + "/size/";
    weft::spawn(serve(std::move(*l))).detach();
    for (std::size_t i = 1; i <= 24; ++i) {
      urls.push_back(base + std::to_string(i * 5000));
      expected += i * 5000;
    }
  }
  auto t0 = weft::time::now();
  std::printf("join_all: %zu downloads at once\n", urls.size());
  auto a = co_await all_at_once(urls);
  const double ta = std::chrono::duration<double>(weft::time::now() - t0).count();
  std::printf("  %zu bytes in %.3f s\n", total_bytes(a), ta);

  t0 = weft::time::now();
  std::printf("buffer_unordered(%zu): at most %zu at a time\n", limit, limit);
  auto b = co_await at_most(limit, urls);
  const double tb = std::chrono::duration<double>(weft::time::now() - t0).count();
  std::printf("  %zu bytes in %.3f s\n", total_bytes(b), tb);

  bool ok = a.size() == urls.size() && b.size() == urls.size();
  for (const auto& d : a) ok = ok && d.status == 200;
  for (const auto& d : b) ok = ok && d.status == 200;
  if (expected != 0) ok = ok && total_bytes(a) == expected && total_bytes(b) == expected;
  co_return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> urls;
  std::size_t limit = 4;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
      limit = std::strtoul(argv[++i], nullptr, 10);
      if (limit == 0) limit = 1;
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "usage: %s [--limit N] [http://ip:port/path ...]\n", argv[0]);
      return 2;
    } else {
      urls.emplace_back(argv[i]);
    }
  }
  const char* smoke_env = std::getenv("WEFT_EXAMPLE_SMOKE");
  if (smoke_env != nullptr && std::strcmp(smoke_env, "1") == 0) urls.clear();
  return weft::block_on(run(std::move(urls), limit));
}
