// echo_server: a TCP echo server on weft::net. Each connection's task waits for data without
// holding a read buffer (pooled receive: a buffer is taken from the worker's pool only when
// bytes have arrived, and given back after they were written out), or reads into its own
// 4 KiB buffer with --plain-read.
//
//   weft_example_echo_server [--port N] [--workers N] [--thread-per-core] [--plain-read]
//
// --thread-per-core: pinned workers without stealing, and one SO_REUSEPORT listener per
// worker (the kernel spreads connections across them; each worker serves its own).
// With WEFT_EXAMPLE_SMOKE=1 (as under ctest) it binds an ephemeral port, echoes a few
// messages through one client connection, checks them, and exits 0.
#include <weft/net.hpp>
#include <weft/weft.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

struct options {
  std::uint16_t port = 7000;
  std::size_t workers = 0;  // 0: one per core
  bool thread_per_core = false;
  bool plain_read = false;
};

weft::task<void> echo_pooled(weft::net::tcp_stream s) {
  for (;;) {
    auto buf = co_await s.recv_pooled();  // weft::result<weft::net::pooled_buffer>
    if (!buf || buf->empty()) co_return;  // error or EOF
    if (!co_await s.write_all(buf->data())) co_return;
  }  // each buffer goes back to the pool here
}

weft::task<void> echo_plain(weft::net::tcp_stream s) {
  std::array<std::byte, 4096> buf;
  for (;;) {
    auto n = co_await s.read(buf);
    if (!n || *n == 0) co_return;
    if (!co_await s.write_all(std::span(buf).first(*n))) co_return;
  }
}

weft::task<void> serve(weft::net::tcp_listener listener, bool plain) {
  for (;;) {
    auto accepted = co_await listener.accept();
    if (!accepted) continue;  // e.g. EMFILE: the listener paces the retry itself
    auto& stream = accepted->first;
    (void)stream.set_nodelay(true);
    if (plain) {
      weft::spawn(echo_plain(std::move(stream))).detach();
    } else {
      weft::spawn(echo_pooled(std::move(stream))).detach();
    }
  }
}

weft::task<bool> smoke_client(weft::net::socket_address addr) {
  auto s = co_await weft::net::tcp_stream::connect(addr);
  if (!s) co_return false;
  for (std::size_t size : {std::size_t{1}, std::size_t{64}, std::size_t{100'000}}) {
    std::vector<std::byte> out(size), back(size);
    for (std::size_t i = 0; i < size; ++i) out[i] = std::byte(static_cast<unsigned char>(i * 7));
    if (!co_await s->write_all(out)) co_return false;
    if (!co_await s->read_exact(back)) co_return false;
    if (out != back) co_return false;
  }
  co_return true;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--port" && i + 1 < argc) {
      o.port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    } else if (a == "--workers" && i + 1 < argc) {
      o.workers = static_cast<std::size_t>(std::atoi(argv[++i]));
    } else if (a == "--thread-per-core") {
      o.thread_per_core = true;
    } else if (a == "--plain-read") {
      o.plain_read = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--port N] [--workers N] [--thread-per-core] [--plain-read]\n",
                   argv[0]);
      std::exit(2);
    }
  }
  return o;
}

} // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  const char* smoke_env = std::getenv("WEFT_EXAMPLE_SMOKE");
  const bool smoke = smoke_env != nullptr && std::strcmp(smoke_env, "1") == 0;
  std::size_t workers = o.workers != 0 ? o.workers : std::thread::hardware_concurrency();
  if (workers == 0) workers = 1;
  if (smoke && o.workers == 0) workers = 2;

  auto b = weft::runtime::builder();
  b.workers(workers).thread_name("echo");
  if (o.thread_per_core) b.thread_per_core();
  auto rt = b.build();

  const auto addr = weft::net::socket_address::v4({smoke ? std::uint8_t{127} : std::uint8_t{0}, 0, 0, smoke ? std::uint8_t{1} : std::uint8_t{0}},
                                                  smoke ? std::uint16_t{0} : o.port);
  weft::net::listen_options lo;
  lo.reuse_port = o.thread_per_core;
  auto first = weft::net::tcp_listener::bind(addr, lo);
  if (!first) {
    std::fprintf(stderr, "echo_server: bind %s: %s\n", addr.to_string().c_str(),
                 first.error().message().c_str());
    return 1;
  }
  const auto bound = first->local_addr().value();
  if (o.thread_per_core) {
    // One listener per worker on the same port; each accept loop stays on its worker.
    rt.handle().spawn_on(0, serve(std::move(*first), o.plain_read)).detach();
    for (std::size_t w = 1; w < workers; ++w) {
      auto l = weft::net::tcp_listener::bind(bound, lo);
      if (!l) {
        std::fprintf(stderr, "echo_server: SO_REUSEPORT bind: %s\n", l.error().message().c_str());
        return 1;
      }
      rt.handle().spawn_on(w, serve(std::move(*l), o.plain_read)).detach();
    }
  } else {
    rt.spawn(serve(std::move(*first), o.plain_read)).detach();
  }

  if (smoke) {
    const bool ok = rt.block_on(smoke_client(bound));
    std::printf("echo_server smoke on %s (%s%s): %s\n", bound.to_string().c_str(),
                o.plain_read ? "plain read" : "pooled receive",
                o.thread_per_core ? ", thread per core" : "", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
  }
  std::printf("echo_server listening on %s with %zu workers (%s%s)\n", bound.to_string().c_str(),
              workers, o.plain_read ? "plain read" : "pooled receive",
              o.thread_per_core ? ", thread per core" : "");
  std::fflush(stdout);
  rt.block_on(weft::time::sleep(std::chrono::hours(24 * 365)));
  return 0;
}
