// chat_server: a line-based chat room. It shows fan-out with weft::sync::broadcast (every
// line a client sends goes to every client), a connection task waiting on three things at
// once with weft::select (its socket, the room, the shutdown flag), and a graceful shutdown
// on Ctrl-C with weft::signal::ctrl_c: the server stops accepting, tells every client, and
// joins every task before it exits.
//
//   weft_example_chat_server [--port 7070]
//   nc 127.0.0.1 7070        (first line: your name; then chat; Ctrl-D leaves)
//
// With WEFT_EXAMPLE_SMOKE=1 (as under ctest) it listens on an ephemeral 127.0.0.1 port, lets
// three in-process clients join, chat and leave, then raises SIGINT at itself and checks that
// the remaining clients were told and every task was joined.
#include <weft/net.hpp>
#include <weft/signal.hpp>
#include <weft/sync.hpp>
#include <weft/weft.hpp>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

using room_tx = weft::sync::broadcast<std::string>::sender;
using stop_rx = weft::sync::watch<bool>::receiver;

std::span<const std::byte> bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

// Takes the next complete line out of `in` (without its newline), if there is one.
std::optional<std::string> take_line(std::string& in) {
  const auto nl = in.find('\n');
  if (nl == std::string::npos) return std::nullopt;
  std::string line = in.substr(0, nl);
  in.erase(0, nl + 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// One client. The room receiver is made by the accept loop (before this task exists) and the
// stop receiver is a copy of the accept loop's, so a shutdown that happens while this task
// starts is still seen.
weft::task<void> client(weft::net::tcp_stream s, room_tx room,
                        weft::sync::broadcast<std::string>::receiver from_room, stop_rx stop) {
  std::string in;
  std::array<std::byte, 4096> buf;
  std::string name;
  (void)co_await s.write_all(bytes(std::string("name? ")));
  for (;;) {
    if (auto line = take_line(in)) {
      if (name.empty()) {  // the first line is the name
        name = line->empty() ? std::string("anonymous") : *line;
        (void)co_await s.write_all(bytes("welcome, " + name + "\n"));
        (void)room.send("* " + name + " joined\n");
      } else {
        (void)room.send(name + ": " + *line + "\n");
      }
      continue;
    }
    if (in.size() > 4096) break;  // a line that long: drop the client
    // Wait for whichever comes first. All three futures are cancel-safe: the two that lose
    // are dropped without losing a byte, a message or the stop signal.
    auto ev = co_await weft::select(s.read(buf), from_room.recv(), stop.changed());
    if (ev.index() == 0) {  // the client sent something, or left
      auto& n = std::get<0>(ev);
      if (!n || *n == 0) break;
      in.append(reinterpret_cast<const char*>(buf.data()), *n);
    } else if (ev.index() == 1) {  // a line for the room
      auto& msg = std::get<1>(ev);
      if (msg.is_closed()) break;
      if (msg.is_lagged()) {
        (void)co_await s.write_all(bytes(std::string("* (you missed some messages)\n")));
      } else if (!name.empty() && !co_await s.write_all(bytes(*msg))) {
        break;
      }
    } else {  // shutdown: say goodbye and end (the stream closes with the task)
      (void)co_await s.write_all(bytes(std::string("* server shutting down, bye\n")));
      co_return;
    }
  }
  if (!name.empty()) (void)room.send("* " + name + " left\n");
}

// Accepts until the stop flag changes, then returns the handles of every client task so the
// caller can join them.
weft::task<std::vector<weft::join_handle<void>>> accept_loop(weft::net::tcp_listener listener,
                                                             room_tx room, stop_rx stop) {
  std::vector<weft::join_handle<void>> clients;
  for (;;) {
    auto ev = co_await weft::select(listener.accept(), stop.changed());
    if (ev.index() == 1) break;
    auto& accepted = std::get<0>(ev);
    if (!accepted) continue;
    clients.push_back(weft::spawn(
        client(std::move(accepted->first), room, room.subscribe(), stop)));
  }
  co_return clients;
}

// ---- smoke test ---------------------------------------------------------------------------

// Reads from `c` until `want` has appeared (true) or 3 s passed (false).
weft::task<bool> wait_for(weft::net::tcp_stream& c, std::string& seen, std::string want) {
  std::array<std::byte, 1024> b;
  const auto deadline = weft::time::now() + 3s;
  while (seen.find(want) == std::string::npos) {
    auto n = co_await weft::time::timeout_at(deadline, c.read(b));
    if (!n || !*n || **n == 0) {
      std::fprintf(stderr, "chat smoke: never saw \"%s\"; got:\n%s\n", want.c_str(), seen.c_str());
      co_return false;
    }
    seen.append(reinterpret_cast<const char*>(b.data()), **n);
  }
  co_return true;
}

weft::task<bool> smoke_clients(weft::net::socket_address addr) {
  struct person {
    std::string name;
    weft::net::tcp_stream s;
    std::string seen;
  };
  std::vector<person> people;
  for (const char* n : {"alice", "bob", "carol"}) {
    auto s = co_await weft::net::tcp_stream::connect(addr);
    if (!s) co_return false;
    people.push_back({n, std::move(*s), {}});
    auto& p = people.back();
    if (!co_await p.s.write_all(bytes(p.name + "\n"))) co_return false;
    if (!co_await wait_for(p.s, p.seen, "welcome, " + p.name + "\n")) co_return false;
  }
  bool ok = true;
  (void)co_await people[0].s.write_all(bytes(std::string("hi all\n")));
  for (auto& p : people) ok = ok && co_await wait_for(p.s, p.seen, "alice: hi all\n");
  people[1].s.close();  // bob leaves
  for (auto* p : {&people[0], &people[2]}) ok = ok && co_await wait_for(p->s, p->seen, "* bob left\n");
  std::printf("  three clients joined and chatted, one left: %s\n", ok ? "ok" : "FAILED");

  // Ctrl-C, as a user would press it: the process sends itself SIGINT.
  std::raise(SIGINT);
  for (auto* p : {&people[0], &people[2]}) {
    ok = ok && co_await wait_for(p->s, p->seen, "server shutting down");
    std::array<std::byte, 64> b;
    auto n = co_await weft::time::timeout(3s, p->s.read(b));
    ok = ok && n && *n && **n == 0;  // and then the server closed the connection
  }
  std::printf("  after SIGINT every client was told and disconnected: %s\n", ok ? "ok" : "FAILED");
  co_return ok;
}

weft::task<int> run(std::uint16_t port, bool smoke_mode) {
  // Listen for Ctrl-C first: from this call on, SIGINT no longer kills the process.
  auto ctrl_c = weft::signal::ctrl_c();
  auto l = weft::net::tcp_listener::bind(smoke_mode ? weft::net::socket_address::loopback_v4(0)
                                                    : weft::net::socket_address::v4({0, 0, 0, 0}, port));
  if (!l) {
    std::fprintf(stderr, "chat_server: bind: %s\n", l.error().message().c_str());
    co_return 1;
  }
  const auto addr = l->local_addr().value();
  // The room keeps the last 256 lines; a client further behind is told it lagged. (The
  // receiver made with the channel is not used: clients subscribe from the sender.)
  auto [room, unused_room_rx] = weft::sync::broadcast<std::string>::channel(256);
  auto [stop_tx, stop] = weft::sync::watch<bool>::channel(false);
  auto acceptor = weft::spawn(accept_loop(std::move(*l), room, stop));
  std::printf("chat_server on %s; Ctrl-C stops it\n", addr.to_string().c_str());
  std::fflush(stdout);

  std::optional<weft::join_handle<bool>> smoke;
  if (smoke_mode) smoke.emplace(weft::spawn(smoke_clients(addr)));

  if (auto r = co_await ctrl_c; !r) {
    std::fprintf(stderr, "chat_server: cannot listen for SIGINT: %s\n", r.error().message().c_str());
    co_return 1;
  }
  std::printf("SIGINT: shutting down\n");
  (void)stop_tx.send(true);  // wakes the accept loop and every client's select
  auto clients = co_await acceptor;
  for (auto& c : clients) co_await c;  // join every client task
  std::printf("joined the accept loop and %zu client tasks\n", clients.size());

  bool ok = true;
  if (smoke) ok = co_await *smoke && clients.size() == 3;
  co_return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 7070;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
      port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--port N]\n", argv[0]);
      return 2;
    }
  }
  const char* smoke_env = std::getenv("WEFT_EXAMPLE_SMOKE");
  return weft::block_on(run(port, smoke_env != nullptr && std::strcmp(smoke_env, "1") == 0));
}
