// kv_server: an in-memory key-value server speaking the Redis protocol (RESP2). It shows a
// real protocol server on weft: one task per connection, pipelined requests answered in one
// write, expiry on weft timers (a sleeping task per deadline), and publish/subscribe over a
// weft::sync::broadcast channel, with a connection task that waits on its socket and its
// subscription at once (weft::select).
//
// Commands: PING [msg], ECHO, GET, SET key value [EX seconds | PX milliseconds], DEL key...,
// INCR, EXPIRE key seconds, PEXPIRE key ms, TTL, PTTL, PUBLISH channel message,
// SUBSCRIBE channel..., UNSUBSCRIBE, QUIT (and COMMAND / CONFIG GET answered with empty
// arrays so redis-cli and redis-benchmark start cleanly).
// A malformed or oversized frame (see kv/resp_parser.hpp limits) gets `-ERR Protocol error`
// and the connection is closed; the server and its other clients carry on.
//
//   weft_example_kv_server [--port 6379]
//   redis-cli -p 6379 set greeting hello ex 60      # redis-cli / redis-benchmark come with
//   redis-cli -p 6379 ttl greeting                  # Debian's redis-tools package
//   redis-benchmark -p 6379 -t set,get,incr -q
//
// With WEFT_EXAMPLE_SMOKE=1 (as under ctest) it binds an ephemeral 127.0.0.1 port, runs a
// scripted client against itself (including pub/sub, expiry and malformed frames), exits 0.
#include "kv/resp_parser.hpp"

#include <weft/net.hpp>
#include <weft/sync.hpp>
#include <weft/weft.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

using namespace std::chrono_literals;

namespace {

using message = std::pair<std::string, std::string>;  // (channel, payload)

// The shared state. Every access is a short critical section with no await inside it, so a
// plain std::mutex is right here (weft::sync::mutex is for locks held across an await).
struct store {
  struct entry {
    std::string value;
    std::optional<weft::time::instant> expires;
    std::uint64_t generation = 0;  // bumped on every write: stale expiry timers do nothing
  };
  std::mutex m;
  std::unordered_map<std::string, entry> data;
  std::unordered_map<std::string, long long> subscribers;  // channel -> subscribed connections
  std::uint64_t next_generation = 1;
  // One broadcast carries every published message; subscribers keep those of their
  // channels. Capacity 1024: a subscriber further behind than that is told it lagged.
  weft::sync::broadcast<message>::sender pubsub =
      weft::sync::broadcast<message>::channel(1024).first;

  // Looks a key up, treating an expired entry as gone (its timer may not have fired yet).
  entry* find(const std::string& k) {
    auto it = data.find(k);
    if (it == data.end()) return nullptr;
    if (it->second.expires && weft::time::now() >= *it->second.expires) {
      data.erase(it);
      return nullptr;
    }
    return &it->second;
  }
};

// Expiry on weft timers: a small task sleeps until the deadline, then removes the key unless
// it was written again meanwhile (the generation changed).
weft::task<void> expire_later(std::shared_ptr<store> st, std::string key, std::uint64_t gen,
                              weft::time::instant at) {
  co_await weft::time::sleep_until(at);
  std::lock_guard lock(st->m);
  auto it = st->data.find(key);
  if (it != st->data.end() && it->second.generation == gen) st->data.erase(it);
}

// Sets a deadline on an entry (caller holds the lock) and arms its timer task.
void arm_expiry(const std::shared_ptr<store>& st, const std::string& key, store::entry& e,
                weft::time::duration after) {
  e.generation = st->next_generation++;
  e.expires = weft::time::now() + after;
  weft::spawn(expire_later(st, key, e.generation, *e.expires)).detach();
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::optional<long long> to_int(const std::string& s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

// What a connection does after a command besides replying.
enum class after { keep_going, quit, subscribe };

// Runs one ordinary (non-pub/sub) command and appends its reply to `out`.
after execute(const std::shared_ptr<store>& st, std::vector<std::string>& args, std::string& out) {
  if (args.empty()) return after::keep_going;
  const std::string cmd = upper(args[0]);
  const std::size_t n = args.size();
  auto wrong_args = [&] { kv::put_error(out, "ERR wrong number of arguments for '" + args[0] + "'"); };

  if (cmd == "PING") {
    if (n == 1) kv::put_simple(out, "PONG");
    else kv::put_bulk(out, args[1]);
  } else if (cmd == "ECHO") {
    if (n != 2) wrong_args();
    else kv::put_bulk(out, args[1]);
  } else if (cmd == "QUIT") {
    kv::put_simple(out, "OK");
    return after::quit;
  } else if (cmd == "COMMAND" || cmd == "CONFIG") {
    kv::put_array_header(out, 0);
  } else if (cmd == "SUBSCRIBE") {
    if (n < 2) wrong_args();
    else return after::subscribe;
  } else if (cmd == "PUBLISH") {
    if (n != 3) return wrong_args(), after::keep_going;
    long long receivers = 0;
    {
      std::lock_guard lock(st->m);
      auto it = st->subscribers.find(args[1]);
      if (it != st->subscribers.end()) receivers = it->second;
      (void)st->pubsub.send(message(args[1], args[2]));  // fails only with no receiver at all
    }
    kv::put_int(out, receivers);
  } else if (cmd == "GET") {
    if (n != 2) return wrong_args(), after::keep_going;
    std::lock_guard lock(st->m);
    if (auto* e = st->find(args[1])) kv::put_bulk(out, e->value);
    else kv::put_null(out);
  } else if (cmd == "SET") {
    if (n != 3 && n != 5) return wrong_args(), after::keep_going;
    std::optional<weft::time::duration> ttl;
    if (n == 5) {
      const std::string unit = upper(args[3]);
      const auto v = to_int(args[4]);
      if ((unit != "EX" && unit != "PX") || !v || *v <= 0) {
        kv::put_error(out, "ERR syntax error or invalid expire time");
        return after::keep_going;
      }
      ttl = unit == "EX" ? weft::time::duration(std::chrono::seconds(*v))
                         : weft::time::duration(std::chrono::milliseconds(*v));
    }
    std::lock_guard lock(st->m);
    auto& e = st->data[args[1]];
    e.value = std::move(args[2]);
    e.expires.reset();
    e.generation = st->next_generation++;
    if (ttl) arm_expiry(st, args[1], e, *ttl);
    kv::put_simple(out, "OK");
  } else if (cmd == "DEL") {
    if (n < 2) return wrong_args(), after::keep_going;
    long long removed = 0;
    std::lock_guard lock(st->m);
    for (std::size_t i = 1; i < n; ++i)
      if (st->find(args[i]) != nullptr) removed += static_cast<long long>(st->data.erase(args[i]));
    kv::put_int(out, removed);
  } else if (cmd == "INCR") {
    if (n != 2) return wrong_args(), after::keep_going;
    std::lock_guard lock(st->m);
    store::entry* e = st->find(args[1]);
    const auto v = e != nullptr ? to_int(e->value) : std::optional<long long>(0);
    if (!v || *v == std::numeric_limits<long long>::max()) {
      kv::put_error(out, "ERR value is not an integer or out of range");
    } else {
      if (e == nullptr) e = &st->data[args[1]];
      e->value = std::to_string(*v + 1);
      kv::put_int(out, *v + 1);
    }
  } else if (cmd == "EXPIRE" || cmd == "PEXPIRE") {
    if (n != 3) return wrong_args(), after::keep_going;
    const auto v = to_int(args[2]);
    if (!v || *v <= 0) return kv::put_error(out, "ERR invalid expire time"), after::keep_going;
    std::lock_guard lock(st->m);
    store::entry* e = st->find(args[1]);
    if (e != nullptr) {
      arm_expiry(st, args[1], *e,
                 cmd == "EXPIRE" ? weft::time::duration(std::chrono::seconds(*v))
                                 : weft::time::duration(std::chrono::milliseconds(*v)));
    }
    kv::put_int(out, e != nullptr ? 1 : 0);
  } else if (cmd == "TTL" || cmd == "PTTL") {
    if (n != 2) return wrong_args(), after::keep_going;
    std::lock_guard lock(st->m);
    store::entry* e = st->find(args[1]);
    if (e == nullptr) {
      kv::put_int(out, -2);
    } else if (!e->expires) {
      kv::put_int(out, -1);
    } else {
      const auto left = *e->expires - weft::time::now();
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
      kv::put_int(out, cmd == "PTTL" ? ms : (ms + 500) / 1000);
    }
  } else {
    kv::put_error(out, "ERR unknown command '" + args[0] + "'");
  }
  return after::keep_going;
}

std::span<const std::byte> bytes(const std::string& s) { return std::as_bytes(std::span(s)); }

// A connection in subscribed mode: it waits for either a request from the client or a
// published message, whichever comes first. Both futures are cancel-safe, so the loser of
// each select loses nothing.
weft::task<void> subscribed(const std::shared_ptr<store>& st, weft::net::tcp_stream& s,
                            std::string& in, std::string first_reply,
                            std::set<std::string> channels) {
  // Subscribe before the client sees its reply, so no message published after it is missed.
  auto rx = st->pubsub.subscribe();
  std::vector<std::byte> buf(16 * 1024);
  std::string out = std::move(first_reply);
  for (;;) {
    // First the requests already buffered, then wait.
    for (;;) {
      auto r = kv::parse_resp(in);
      if (r.what == kv::resp_result::status::need_more) break;
      if (r.what == kv::resp_result::status::error) {
        kv::put_error(out, "ERR " + r.error);
        (void)co_await s.write_all(bytes(out));
        goto done;
      }
      in.erase(0, r.consumed);
      if (r.args.empty()) continue;
      const std::string cmd = upper(r.args[0]);
      if (cmd == "PING") {
        kv::put_array_header(out, 2);
        kv::put_bulk(out, "pong");
        kv::put_bulk(out, r.args.size() > 1 ? r.args[1] : "");
      } else if (cmd == "QUIT") {
        kv::put_simple(out, "OK");
        (void)co_await s.write_all(bytes(out));
        goto done;
      } else {
        kv::put_error(out, "ERR only (P)SUBSCRIBE / (P)UNSUBSCRIBE / PING / QUIT allowed here");
      }
    }
    if (!out.empty() && !co_await s.write_all(bytes(out))) goto done;
    out.clear();

    {
      auto won = co_await weft::select(s.read(buf), rx.recv());
      if (won.index() == 0) {
        auto& n = std::get<0>(won);
        if (!n || *n == 0) goto done;  // the client left
        in.append(reinterpret_cast<const char*>(buf.data()), *n);
        if (in.size() > 1024 * 1024) goto done;
      } else {
        auto& got = std::get<1>(won);
        if (got.is_closed()) goto done;
        if (!got.has_value()) continue;  // lagged: some messages were skipped
        auto& [channel, payload] = *got;
        if (!channels.contains(channel)) continue;
        std::string msg;
        kv::put_array_header(msg, 3);
        kv::put_bulk(msg, "message");
        kv::put_bulk(msg, channel);
        kv::put_bulk(msg, payload);
        if (!co_await s.write_all(bytes(msg))) goto done;
      }
    }
  }
done:
  std::lock_guard lock(st->m);
  for (const auto& c : channels) --st->subscribers[c];
}

weft::task<void> connection(std::shared_ptr<store> st, weft::net::tcp_stream s) {
  std::string in;  // bytes received and not parsed yet
  std::vector<std::byte> buf(16 * 1024);
  for (;;) {
    auto n = co_await s.read(buf);
    if (!n || *n == 0) co_return;  // error or the client closed
    in.append(reinterpret_cast<const char*>(buf.data()), *n);

    // Answer every complete request in the buffer (pipelining), then write once.
    std::string out;
    for (;;) {
      auto r = kv::parse_resp(in);
      if (r.what == kv::resp_result::status::need_more) break;
      if (r.what == kv::resp_result::status::error) {
        // A broken frame: the stream position is lost. Reply, then close this connection.
        kv::put_error(out, "ERR " + r.error);
        (void)co_await s.write_all(bytes(out));
        co_return;
      }
      in.erase(0, r.consumed);
      const after next = execute(st, r.args, out);
      if (next == after::quit) {
        (void)co_await s.write_all(bytes(out));
        co_return;
      }
      if (next == after::subscribe) {
        std::set<std::string> channels(r.args.begin() + 1, r.args.end());
        {
          // Count the subscription before replying: once the client sees the reply, a
          // PUBLISH from anyone reaches it.
          std::lock_guard lock(st->m);
          for (const auto& c : channels) ++st->subscribers[c];
        }
        std::size_t count = 0;
        for (std::size_t i = 1; i < r.args.size(); ++i) {
          kv::put_array_header(out, 3);
          kv::put_bulk(out, "subscribe");
          kv::put_bulk(out, r.args[i]);
          kv::put_int(out, static_cast<long long>(std::min(++count, channels.size())));
        }
        co_await subscribed(st, s, in, std::move(out), std::move(channels));
        co_return;
      }
    }
    if (!out.empty() && !co_await s.write_all(bytes(out))) co_return;
  }
}

weft::task<void> serve(weft::net::tcp_listener listener, std::shared_ptr<store> st) {
  for (;;) {
    auto accepted = co_await listener.accept();
    if (!accepted) continue;
    (void)accepted->first.set_nodelay(true);
    weft::spawn(connection(st, std::move(accepted->first))).detach();
  }
}

// ---- smoke test: a scripted client ------------------------------------------------------

// Sends `request` and checks that exactly `reply` comes back.
weft::task<bool> expect(weft::net::tcp_stream& c, std::string request, std::string reply) {
  if (!request.empty() && !co_await c.write_all(bytes(request))) co_return false;
  std::string got(reply.size(), '\0');
  auto r = co_await c.read_exact(std::as_writable_bytes(std::span(got)));
  if (!r || got != reply) {
    std::fprintf(stderr, "kv smoke: sent %s\n  wanted %s\n  got    %s\n", request.c_str(),
                 reply.c_str(), r ? got.c_str() : r.error().message().c_str());
    co_return false;
  }
  co_return true;
}

// True when the server closed the connection (read gives 0).
weft::task<bool> closed_by_server(weft::net::tcp_stream& c) {
  std::array<std::byte, 64> b;
  auto n = co_await weft::time::timeout(2s, c.read(b));
  co_return n && *n && **n == 0;
}

weft::task<bool> smoke(weft::net::socket_address addr) {
  auto a = co_await weft::net::tcp_stream::connect(addr);
  auto b = co_await weft::net::tcp_stream::connect(addr);
  if (!a || !b) co_return false;
  bool ok = true;
  ok = ok && co_await expect(*a, "PING\r\n", "+PONG\r\n");  // inline form
  ok = ok && co_await expect(*a, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n", "+OK\r\n");
  ok = ok && co_await expect(*a, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "$5\r\nhello\r\n");
  // Pipelined: three requests in one write, three replies in order.
  ok = ok && co_await expect(*a, "INCR n\r\nINCR n\r\nGET n\r\n", ":1\r\n:2\r\n$1\r\n2\r\n");
  ok = ok && co_await expect(*a, "INCR k\r\n", "-ERR value is not an integer or out of range\r\n");
  ok = ok && co_await expect(*a, "DEL k n missing\r\n", ":2\r\n");
  ok = ok && co_await expect(*a, "SET t v EX 100\r\nTTL t\r\nTTL none\r\n", "+OK\r\n:100\r\n:-2\r\n");
  // Expiry on a weft timer: PX 50, then wait past it.
  ok = ok && co_await expect(*a, "SET gone v PX 50\r\n", "+OK\r\n");
  co_await weft::time::sleep(150ms);
  ok = ok && co_await expect(*a, "GET gone\r\nEXPIRE t 1\r\nTTL t\r\n", "$-1\r\n:1\r\n:1\r\n");

  // Pub/sub: b subscribes, a publishes.
  ok = ok && co_await expect(*b, "SUBSCRIBE news\r\n", "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  ok = ok && co_await expect(*a, "PUBLISH other x\r\nPUBLISH news hi\r\n", ":0\r\n:1\r\n");
  ok = ok && co_await expect(*b, "", "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  if (!ok) co_return false;

  // Malformed and oversized frames: an error reply, then the server closes that connection.
  for (std::string bad : {std::string("*1\r\n$x\r\n"), std::string("*1\r\n$999999999\r\n"),
                          std::string("*99999999\r\n"), std::string(70'000, 'A')}) {
    auto c = co_await weft::net::tcp_stream::connect(addr);
    if (!c || !co_await c->write_all(bytes(bad))) co_return false;
    std::string head(5, '\0');
    if (!co_await c->read_exact(std::as_writable_bytes(std::span(head))) || head != "-ERR ") {
      std::fprintf(stderr, "kv smoke: no error reply to a bad frame\n");
      co_return false;
    }
    std::array<std::byte, 256> rest;
    for (;;) {  // drain the error line, then expect the close
      auto n = co_await weft::time::timeout(2s, c->read(rest));
      if (!n || !*n) co_return false;
      if (**n == 0) break;
    }
  }
  // ... and the other clients did not notice.
  ok = ok && co_await expect(*a, "PING still-here\r\n", "$10\r\nstill-here\r\n");
  ok = ok && co_await expect(*b, "PING\r\n", "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  ok = ok && co_await expect(*b, "QUIT\r\n", "+OK\r\n") && co_await closed_by_server(*b);
  co_return ok;
}

weft::task<int> run(std::uint16_t port, bool smoke_mode) {
  auto st = std::make_shared<store>();
  auto l = weft::net::tcp_listener::bind(
      weft::net::socket_address::v4({smoke_mode ? std::uint8_t{127} : std::uint8_t{0}, 0, 0,
                                     smoke_mode ? std::uint8_t{1} : std::uint8_t{0}},
                                    smoke_mode ? std::uint16_t{0} : port));
  if (!l) {
    std::fprintf(stderr, "kv_server: bind: %s\n", l.error().message().c_str());
    co_return 1;
  }
  const auto addr = l->local_addr().value();
  auto server = weft::spawn(serve(std::move(*l), st));
  if (smoke_mode) {
    const bool ok = co_await smoke(addr);
    server.abort();  // stop accepting; the connection tasks end as their clients left
    std::printf("kv_server smoke on %s: %s\n", addr.to_string().c_str(), ok ? "ok" : "FAILED");
    co_return ok ? 0 : 1;
  }
  std::printf("kv_server listening on %s (try: redis-cli -p %u ping)\n", addr.to_string().c_str(),
              static_cast<unsigned>(addr.port()));
  std::fflush(stdout);
  co_await server;
  co_return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 6379;
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
