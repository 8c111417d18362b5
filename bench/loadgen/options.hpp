// bench/loadgen/options.hpp: the load generator's command line.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace loadgen {

enum class mode { echo, http };

struct options {
  std::string host = "127.0.0.1";
  int port = 0;
  int conns = 1;            // C: connections, one message in flight on each
  int size = 64;            // S: echo message size in bytes
  double duration_s = 3;    // D: measured seconds
  double warmup_s = 1;      // seconds run before the measured window
  int cpu = -1;             // pin the load generator to this CPU (-1: leave as is)
  int server_pid = 0;       // measure this process's CPU time over the window
  int server_cpu = -1;      // measure this CPU's busy time over the window
  loadgen::mode mode = mode::echo;
  bool probe = false;       // only wait until the port accepts
  double probe_timeout_s = 10;
};

inline void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s -p PORT [--host IP] [-c CONNS] [-s SIZE] [-d SECONDS] [-w SECONDS]\n"
               "          [--cpu N] [--mode echo|http] [--server-pid PID] [--server-cpu N]\n"
               "       %s -p PORT --probe [--probe-timeout SECONDS]\n",
               argv0, argv0);
}

/// Parses argv; prints usage and exits with status 2 on anything it does not understand.
inline options parse(int argc, char** argv) {
  options o;
  auto fail = [&](const char* why, std::string_view arg) {
    std::fprintf(stderr, "loadgen: %s: %.*s\n", why, static_cast<int>(arg.size()), arg.data());
    usage(argv[0]);
    std::exit(2);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) fail("missing value after", a);
      return argv[++i];
    };
    auto integer = [&]() {
      const char* v = value();
      char* end = nullptr;
      const long n = std::strtol(v, &end, 10);
      if (*v == '\0' || *end != '\0' || n < 0 || n > 1'000'000'000) fail("bad number", v);
      return static_cast<int>(n);
    };
    auto seconds = [&]() {
      const char* v = value();
      char* end = nullptr;
      const double d = std::strtod(v, &end);
      if (*v == '\0' || *end != '\0' || !(d >= 0) || d > 86400) fail("bad seconds", v);
      return d;
    };
    if (a == "-p" || a == "--port") o.port = integer();
    else if (a == "--host") o.host = value();
    else if (a == "-c" || a == "--conns") o.conns = integer();
    else if (a == "-s" || a == "--size") o.size = integer();
    else if (a == "-d" || a == "--duration") o.duration_s = seconds();
    else if (a == "-w" || a == "--warmup") o.warmup_s = seconds();
    else if (a == "--cpu") o.cpu = integer();
    else if (a == "--server-pid") o.server_pid = integer();
    else if (a == "--server-cpu") o.server_cpu = integer();
    else if (a == "--probe") o.probe = true;
    else if (a == "--probe-timeout") o.probe_timeout_s = seconds();
    else if (a == "--mode") {
      const std::string_view m = value();
      if (m == "echo") o.mode = mode::echo;
      else if (m == "http") o.mode = mode::http;
      else fail("unknown mode", m);
    } else if (a == "-h" || a == "--help") {
      usage(argv[0]);
      std::exit(0);
    } else {
      fail("unknown argument", a);
    }
  }
  if (o.port <= 0 || o.port > 65535) fail("a port in 1..65535 is required", "-p");
  if (o.conns < 1 || o.conns > 60000) fail("connections must be in 1..60000", "-c");
  if (o.size < 16 || o.size > (1 << 20)) fail("message size must be in 16..1048576", "-s");
  if (o.duration_s <= 0) fail("duration must be > 0", "-d");
  return o;
}

}  // namespace loadgen
