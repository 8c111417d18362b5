// bench/loadgen/cpu_meter.hpp: CPU time of another process and busy time of one CPU, read
// from /proc at the edges of the measured window.
//
// process_cpu_ns(pid): the sum over the process's threads of the first field of
// /proc/<pid>/task/<tid>/schedstat (ns the thread ran on a CPU, measured by the scheduler,
// not sampled at ticks). On this kernel (no CONFIG_IRQ_TIME_ACCOUNTING) that time includes
// the softirq work that ran in the thread's context, i.e. the loopback TCP input path its
// own sends trigger. It excludes everything other processes do on the same core, which
// matters on a shared machine. Falls back to utime+stime of /proc/<pid>/stat (tick-sampled,
// 1/HZ resolution) where schedstat is missing.
//
// cpu_busy_ns(cpu): non-idle, non-iowait jiffies of one CPU from /proc/stat, converted to ns
// (every process on that CPU, softirq included: the peers' "core µs/msg" column).
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace loadgen {

inline std::uint64_t ticks_to_ns(std::uint64_t ticks) {
  static const long hz = sysconf(_SC_CLK_TCK);
  return ticks * (1'000'000'000ULL / static_cast<std::uint64_t>(hz > 0 ? hz : 100));
}

/// utime + stime of a whole process (all threads, dead ones included), in ns.
inline std::uint64_t process_stat_ns(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  // Field 2 (comm) may hold spaces; the fields after it start behind the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return ticks_to_ns(utime + stime);
}

/// Run time of every live thread of `pid` from schedstat, in ns; 0 if unavailable.
inline std::uint64_t process_schedstat_ns(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return 0;
  std::uint64_t sum = 0;
  while (const dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(dir + "/" + e->d_name + "/schedstat");
    std::uint64_t ran = 0;
    if (in >> ran) sum += ran;
  }
  closedir(d);
  return sum;
}

struct process_sample {
  std::uint64_t ns = 0;
  bool precise = false;  // schedstat (true) or utime+stime (false)
};

inline process_sample process_cpu(int pid) {
  if (const auto ns = process_schedstat_ns(pid); ns != 0) return {ns, true};
  return {process_stat_ns(pid), false};
}

struct cpu_sample {
  std::uint64_t busy_ns = 0;
  std::uint64_t total_ns = 0;
};

/// Busy and total time of CPU `cpu` since boot from /proc/stat (idle and iowait are idle).
inline cpu_sample cpu_busy(int cpu) {
  std::ifstream in("/proc/stat");
  const std::string want = "cpu" + std::to_string(cpu);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    if (name != want) continue;
    std::uint64_t v = 0, total = 0, idle = 0;
    for (int i = 0; fields >> v; ++i) {
      if (i >= 8) break;  // guest and guest_nice are already inside user and nice
      total += v;
      if (i == 3 || i == 4) idle += v;
    }
    return {ticks_to_ns(total - idle), ticks_to_ns(total)};
  }
  return {};
}

}  // namespace loadgen
