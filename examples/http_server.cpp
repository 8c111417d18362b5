// http_server: a small HTTP/1.1 server on weft. It shows a connection task that parses
// requests incrementally (keep-alive, and pipelining: every complete request in the buffer
// is answered, in order, with one write), a file route served through weft::fs, and a
// per-request deadline with weft::time::timeout_at that stops slow clients (slowloris)
// without disturbing anyone else: each connection is its own task.
//
//   weft_example_http_server [--port 8080] [--root DIR] [--timeout-ms 10000] [--workers N]
//   (--workers: runtime worker threads, one per core by default)
//   curl -v http://127.0.0.1:8080/               -> hello
//   curl http://127.0.0.1:8080/files/notes.txt   -> DIR/notes.txt (names with ".." or "/"
//                                                   are refused with 403)
//   wrk -t2 -c100 -d10s http://127.0.0.1:8080/   (wrk is in Debian)
//
// Errors: a malformed request gets 400 and the connection is closed; headers over 8 KiB get
// 431 and a close; a client that has not sent a complete request within --timeout-ms gets
// 408 and a close.
// With WEFT_EXAMPLE_SMOKE=1 (as under ctest) it serves a temporary --root on an ephemeral
// 127.0.0.1 port and tests all of that with raw sockets, then exits 0.
#include "http/request_parser.hpp"

#include <weft/fs.hpp>
#include <weft/net.hpp>
#include <weft/weft.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

struct config {
  std::filesystem::path root = ".";
  weft::time::duration request_timeout = std::chrono::seconds(10);
};

std::span<const std::byte> bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    default: return "Internal Server Error";
  }
}

// Appends a response. With head_only (a HEAD request) the headers announce the body's
// length but the body itself is left out.
void put_response(std::string& out, int status, std::string_view body, bool keep_alive,
                  std::string_view content_type = "text/plain", bool head_only = false) {
  out += "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
  out += "Content-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head_only) out += body;
}

// The file route. The name must be one plain path component: no "..", no "/", no NUL, so a
// request cannot leave the root directory.
weft::task<void> serve_file(const config& cfg, std::string_view name, bool head_only,
                            bool keep_alive, std::string& out) {
  if (name.empty() || name == "." || name.find("..") != std::string_view::npos ||
      name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos ||
      name.find('%') != std::string_view::npos) {
    put_response(out, 403, "forbidden\n", keep_alive);
    co_return;
  }
  // weft::fs::read opens, sizes and reads the file through io_uring: the connection task
  // waits, its worker does not.
  auto data = co_await weft::fs::read(cfg.root / std::string(name));
  if (!data) {
    put_response(out, 404, "not found\n", keep_alive);
    co_return;
  }
  const std::string_view body(reinterpret_cast<const char*>(data->data()), data->size());
  put_response(out, 200, body, keep_alive, "application/octet-stream", head_only);
}

// Answers one parsed request; appends the response to `out`.
weft::task<void> respond(const config& cfg, const http::request& req, std::string& out) {
  const bool head = req.method == "HEAD";
  if (req.method != "GET" && !head) {
    put_response(out, 405, "only GET and HEAD\n", req.keep_alive);
  } else if (req.target == "/") {
    put_response(out, 200, "hello", req.keep_alive, "text/plain", head);
  } else if (req.target.starts_with("/files/")) {
    co_await serve_file(cfg, req.target.substr(7), head, req.keep_alive, out);
  } else {
    put_response(out, 404, "not found\n", req.keep_alive);
  }
}

weft::task<void> connection(std::shared_ptr<const config> cfg, weft::net::tcp_stream s) {
  std::string in;  // received, not yet parsed
  std::array<std::byte, 16 * 1024> buf;
  // The deadline for the next complete request (idle keep-alive time included).
  auto deadline = weft::time::now() + cfg->request_timeout;
  for (;;) {
    // Answer every complete request already buffered (pipelining), in order, in one write.
    std::string out;
    bool close_after = false;
    for (;;) {
      const http::parse_result r = http::parse_request(in);
      if (r.what == http::parse_result::status::need_more) break;
      if (r.what == http::parse_result::status::error) {
        put_response(out, r.error_status, std::string(reason(r.error_status)) + "\n", false);
        close_after = true;
        break;
      }
      co_await respond(*cfg, r.req, out);
      const bool keep = r.req.keep_alive;
      in.erase(0, r.consumed);  // r.req's views pointed into `in`: done with them now
      deadline = weft::time::now() + cfg->request_timeout;
      if (!keep) {
        close_after = true;
        break;
      }
    }
    if (!out.empty() && !co_await s.write_all(bytes(out))) co_return;
    if (close_after) co_return;  // the stream closes when the task ends

    // Wait for more bytes, but not past the deadline: timeout_at drops (cancels) the read
    // when it passes. Only this connection's task waits; the others go on being served.
    auto n = co_await weft::time::timeout_at(deadline, s.read(buf));
    if (!n) {
      std::string late;
      put_response(late, 408, "request timeout\n", false);
      (void)co_await s.write_all(bytes(late));
      co_return;
    }
    if (!*n || **n == 0) co_return;  // error or the client closed
    in.append(reinterpret_cast<const char*>(buf.data()), **n);
  }
}

weft::task<void> serve(weft::net::tcp_listener listener, std::shared_ptr<const config> cfg) {
  for (;;) {
    auto accepted = co_await listener.accept();
    if (!accepted) continue;
    (void)accepted->first.set_nodelay(true);
    weft::spawn(connection(cfg, std::move(accepted->first))).detach();
  }
}

// ---- smoke test: raw-socket clients -----------------------------------------------------

struct response {
  int status = 0;
  std::string headers, body;
};

// Reads one response (status line, headers, Content-Length body) from `c`, keeping any extra
// bytes in `pending` for the next call.
weft::task<std::optional<response>> read_response(weft::net::tcp_stream& c, std::string& pending) {
  std::array<std::byte, 4096> b;
  for (;;) {
    const std::size_t end = pending.find("\r\n\r\n");
    if (end != std::string::npos) {
      response r;
      r.headers = pending.substr(0, end + 2);
      if (r.headers.size() < 12) co_return std::nullopt;
      r.status = std::atoi(r.headers.c_str() + 9);
      const auto cl = r.headers.find("Content-Length: ");
      const std::size_t len = cl == std::string::npos ? 0 : std::strtoul(r.headers.c_str() + cl + 16, nullptr, 10);
      if (pending.size() >= end + 4 + len) {
        r.body = pending.substr(end + 4, len);
        pending.erase(0, end + 4 + len);
        co_return r;
      }
    }
    auto n = co_await weft::time::timeout(3s, c.read(b));
    if (!n || !*n || **n == 0) co_return std::nullopt;
    pending.append(reinterpret_cast<const char*>(b.data()), **n);
  }
}

// True when the server closed `c` (after any bytes still in flight).
weft::task<bool> closed_by_server(weft::net::tcp_stream& c) {
  std::array<std::byte, 256> b;
  for (;;) {
    auto n = co_await weft::time::timeout(3s, c.read(b));
    if (!n) co_return false;                 // still open after 3 s
    if (!*n || **n == 0) co_return true;     // EOF or reset
  }
}

bool check(bool ok, const char* what) {
  std::printf("  %-52s %s\n", what, ok ? "ok" : "FAILED");
  return ok;
}

// One request on a fresh connection; expects `status` and then a close.
weft::task<bool> expect_error_and_close(weft::net::socket_address addr, std::string request,
                                        int status) {
  auto c = co_await weft::net::tcp_stream::connect(addr);
  if (!c || !co_await c->write_all(bytes(request))) co_return false;
  std::string pending;
  auto r = co_await read_response(*c, pending);
  co_return r && r->status == status && co_await closed_by_server(*c);
}

weft::task<bool> smoke(weft::net::socket_address addr) {
  bool ok = true;
  // A slow client: connects, sends half a request line, then nothing. It must get 408, and
  // while it waits the other clients below must be served normally.
  auto slow = co_await weft::net::tcp_stream::connect(addr);
  if (!slow || !co_await slow->write_all(bytes(std::string("GET / HT")))) co_return false;

  {
    auto c = co_await weft::net::tcp_stream::connect(addr);
    if (!c) co_return false;
    std::string pending;
    // Pipelining: three requests in one write on a keep-alive connection.
    const std::string three =
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /files/hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /files/..%2f..%2fetc%2fpasswd HTTP/1.1\r\nHost: x\r\n\r\n";
    ok &= check(bool(co_await c->write_all(bytes(three))), "pipelined write");
    auto r1 = co_await read_response(*c, pending);
    ok &= check(r1 && r1->status == 200 && r1->body == "hello", "GET / -> 200 hello");
    auto r2 = co_await read_response(*c, pending);
    ok &= check(r2 && r2->status == 200 && r2->body == "file contents\n",
                "GET /files/hello.txt via weft::fs -> 200");
    auto r3 = co_await read_response(*c, pending);
    ok &= check(r3 && r3->status == 403, "GET /files/..%2f.. -> 403");
    // The same connection again (keep-alive), then a 404, then Connection: close.
    (void)co_await c->write_all(bytes(std::string(
        "GET /files/missing HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n")));
    auto r4 = co_await read_response(*c, pending);
    ok &= check(r4 && r4->status == 404, "GET /files/missing -> 404 (keep-alive)");
    auto r5 = co_await read_response(*c, pending);
    ok &= check(r5 && r5->status == 200 && co_await closed_by_server(*c),
                "Connection: close -> 200, then closed");
  }
  ok &= check(co_await expect_error_and_close(addr, "GARBAGE\r\n\r\n", 400),
              "malformed request -> 400 + close");
  ok &= check(co_await expect_error_and_close(
                  addr, "GET / HTTP/1.1\r\nX-Big: " + std::string(10'000, 'a') + "\r\n\r\n", 431),
              "10 KB of headers -> 431 + close");

  std::string pending;
  auto late = co_await read_response(*slow, pending);
  ok &= check(late && late->status == 408 && co_await closed_by_server(*slow),
              "slow client -> 408 + close");
  co_return ok;
}

weft::task<int> run(std::uint16_t port, std::shared_ptr<config> cfg, bool smoke_mode) {
  auto l = weft::net::tcp_listener::bind(
      smoke_mode ? weft::net::socket_address::loopback_v4(0)
                 : weft::net::socket_address::v4({0, 0, 0, 0}, port));
  if (!l) {
    std::fprintf(stderr, "http_server: bind: %s\n", l.error().message().c_str());
    co_return 1;
  }
  const auto addr = l->local_addr().value();
  auto server = weft::spawn(serve(std::move(*l), cfg));
  if (!smoke_mode) {
    std::printf("http_server on http://%s/ serving %s\n", addr.to_string().c_str(),
                cfg->root.c_str());
    std::fflush(stdout);
    co_await server;
    co_return 0;
  }
  std::printf("http_server smoke on %s:\n", addr.to_string().c_str());
  const bool ok = co_await smoke(addr);
  server.abort();
  co_return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  auto cfg = std::make_shared<config>();
  std::uint16_t port = 8080;
  std::size_t workers = 0;  // 0: one per core
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--port" && i + 1 < argc) {
      port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    } else if (a == "--root" && i + 1 < argc) {
      cfg->root = argv[++i];
    } else if (a == "--timeout-ms" && i + 1 < argc) {
      cfg->request_timeout = std::chrono::milliseconds(std::atol(argv[++i]));
    } else if (a == "--workers" && i + 1 < argc) {
      workers = static_cast<std::size_t>(std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--port N] [--root DIR] [--timeout-ms N] [--workers N]\n",
                   argv[0]);
      return 2;
    }
  }
  const char* smoke_env = std::getenv("WEFT_EXAMPLE_SMOKE");
  const bool smoke_mode = smoke_env != nullptr && std::strcmp(smoke_env, "1") == 0;
  std::filesystem::path tmp;
  if (smoke_mode) {
    // A temporary root with one file, and a short timeout so the slow-client case is quick.
    tmp = std::filesystem::temp_directory_path() /
          ("weft_http_smoke_" + std::to_string(::getpid()));
    std::filesystem::create_directories(tmp);
    std::FILE* f = std::fopen((tmp / "hello.txt").c_str(), "w");
    if (f == nullptr) return 1;
    std::fputs("file contents\n", f);
    std::fclose(f);
    cfg->root = tmp;
    cfg->request_timeout = 500ms;
  }
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  auto rt = weft::runtime::builder().workers(workers).thread_name("http").build();
  const int rc = rt.block_on(run(port, cfg, smoke_mode));
  if (smoke_mode) std::filesystem::remove_all(tmp);
  return rc;
}
