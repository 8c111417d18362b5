// echo_client: a TCP client for echo_server. It opens --connections connections at once (one
// task each), sends --messages messages of --size bytes on each, and checks that every byte
// comes back unchanged. It shows tcp_stream::connect, write_all / read_exact, and fanning a
// job out over many tasks with weft::join_all.
//
//   weft_example_echo_server --port 7000 &
//   weft_example_echo_client [--host 127.0.0.1] [--port 7000] [--connections 10]
//                            [--messages 100] [--size 64]
//
// With WEFT_EXAMPLE_SMOKE=1 (as under ctest) it starts its own echo server as a task on an
// ephemeral 127.0.0.1 port, runs against it, and exits 0 when every echo matched.
#include <weft/net.hpp>
#include <weft/weft.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7000;
  std::size_t connections = 10;
  std::size_t messages = 100;
  std::size_t size = 64;
};

// One connection: send a message, read the same number of bytes back, compare. Any error
// ends the connection with `false`.
weft::task<bool> one_client(std::string host_port, std::size_t id, const options& o) {
  auto s = co_await weft::net::tcp_stream::connect(host_port);
  if (!s) {
    std::fprintf(stderr, "connection %zu: connect: %s\n", id, s.error().message().c_str());
    co_return false;
  }
  (void)s->set_nodelay(true);
  std::vector<std::byte> out(o.size), back(o.size);
  for (std::size_t m = 0; m < o.messages; ++m) {
    for (std::size_t i = 0; i < o.size; ++i)
      out[i] = std::byte(static_cast<unsigned char>(id * 31 + m * 7 + i));
    if (!co_await s->write_all(out)) co_return false;
    if (!co_await s->read_exact(back)) co_return false;
    if (out != back) {
      std::fprintf(stderr, "connection %zu: message %zu came back different\n", id, m);
      co_return false;
    }
  }
  co_return true;
}

// The in-process server for smoke mode: the same shape as examples/echo_server.cpp.
weft::task<void> echo(weft::net::tcp_stream s) {
  std::vector<std::byte> buf(4096);
  for (;;) {
    auto n = co_await s.read(buf);
    if (!n || *n == 0) co_return;  // error or end of stream
    if (!co_await s.write_all(std::span(buf).first(*n))) co_return;
  }
}

weft::task<void> serve(weft::net::tcp_listener listener) {
  for (;;) {
    auto accepted = co_await listener.accept();
    if (!accepted) continue;
    // One task per connection; detached: it ends when its client disconnects.
    weft::spawn(echo(std::move(accepted->first))).detach();
  }
}

weft::task<int> run(options o, bool smoke) {
  if (smoke) {
    auto l = weft::net::tcp_listener::bind("127.0.0.1:0");
    if (!l) co_return 1;
    o.port = l->local_addr().value().port();
    // The accept loop runs until the process exits; dropping its handle detaches it.
    weft::spawn(serve(std::move(*l))).detach();
  }
  const std::string target = o.host + ":" + std::to_string(o.port);
  const auto start = weft::time::now();

  // join_all runs every client concurrently inside this task and gives their results in
  // order. (Spawning each would also spread them over the worker threads.)
  std::vector<weft::task<bool>> clients;
  for (std::size_t c = 0; c < o.connections; ++c) clients.push_back(one_client(target, c, o));
  std::vector<bool> ok = co_await weft::join_all(std::move(clients));

  std::size_t good = 0;
  for (bool b : ok) good += b ? 1 : 0;
  const double secs = std::chrono::duration<double>(weft::time::now() - start).count();
  std::printf("%zu/%zu connections ok, %zu messages of %zu bytes each, %.3f s (%.0f msg/s)\n",
              good, o.connections, good * o.messages, o.size, secs,
              static_cast<double>(good * o.messages) / (secs > 0 ? secs : 1));
  co_return good == o.connections ? 0 : 1;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--host" && has_value) {
      o.host = argv[++i];
    } else if (a == "--port" && has_value) {
      o.port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    } else if (a == "--connections" && has_value) {
      o.connections = std::strtoul(argv[++i], nullptr, 10);
    } else if (a == "--messages" && has_value) {
      o.messages = std::strtoul(argv[++i], nullptr, 10);
    } else if (a == "--size" && has_value) {
      o.size = std::strtoul(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: %s [--host H] [--port N] [--connections N] [--messages N] [--size B]\n",
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
  return weft::block_on(run(o, smoke));
}
