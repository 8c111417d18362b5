// tests/model/explorer.cpp: the explorer behind explorer.hpp, and the definitions of the
// shim's model hooks (weft/detail/shim_hooks.hpp) that a WEFT_MODEL_CHECK build links.
//
// Protocol (one execution):
// Roles: the controller (the thread that called explore), model threads 0..n-1 (real
// threads, 0 runs the body). Fields of `execution` are guarded by `mu`.
// - `current` is the baton: only model thread `current` runs model code; every other model
//   thread sleeps on its own condition variable until `current` names it.
// - A thread passes the baton only inside a hook (point, block, finish): it picks the next
//   thread (pick), sets `current`, notifies it, and sleeps until it gets the baton back.
// - pick() is the only place a choice is made. A choice among more than one candidate is a
//   branch: replayed from `path` while pos < path.size(), else appended with index 0.
//   Candidates: the running thread first (continuing is free), then the other runnable
//   threads, which cost one preemption each and are offered only while preemptions <
//   bound. A spin/yield is no branch: the next runnable thread in round-robin order runs
//   (free), so spinners cannot starve the thread they wait for, nor branch without end.
//   When the running thread blocks or exits, every runnable thread is a free candidate. When none is runnable, a timed sleeper
//   times out (time passes only when nothing can run); if there is none either, the
//   execution deadlocked.
// - A failure (model assertion, deadlock, step bound) sets `over` and `failed` and leaves
//   the failing thread and every other one asleep forever; the controller detaches them and
//   leaks the execution (their stacks still point into it).
// After each execution the controller backtracks: it drops exhausted branches from the end
// of `path` and advances the last one. An empty path means every interleaving ran.
// Invariants: (1) exactly one model thread runs at a time (the one named by `current`);
// (2) an execution replays `path` exactly, or the model is nondeterministic (checked:
// the candidates at a replayed branch must match); (3) the DFS visits each sequence of
// choices within the bound once.
#include "explorer.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <unistd.h>

#include "weft/detail/shim_hooks.hpp"

#ifndef WEFT_MODEL_CHECK
#error "tests/model is built with WEFT_MODEL_CHECK"
#endif

namespace weft::model {
namespace {

using weft::detail::shim_op;

constexpr int max_threads = 8;
constexpr std::uint8_t op_exit = 0xfe;  // trace only: a thread returned
constexpr std::size_t ring_size = 64;   // trace entries kept for a failure report

struct branch {
  std::uint8_t n = 0;    // candidates
  std::uint8_t idx = 0;  // the one taken
  std::array<std::int8_t, max_threads> cand{};
};

struct trace_entry {
  std::uint32_t step;
  std::int8_t thread;
  std::uint8_t op;
  std::int8_t next;  // the thread that runs after this point
  bool preempt;
  std::uint32_t object;
};

enum class run_state : std::uint8_t { runnable, blocked, timed, finished };

struct mthread {
  run_state state = run_state::runnable;
  const void* on = nullptr;  // what it sleeps on
  std::uint8_t last_op = 0;
  std::uint32_t last_object = 0;
  std::condition_variable cv;
  std::function<void()> fn;
  std::thread os;
};

const char* op_name(std::uint8_t op) noexcept {
  switch (op) {
  case static_cast<std::uint8_t>(shim_op::load): return "load";
  case static_cast<std::uint8_t>(shim_op::store): return "store";
  case static_cast<std::uint8_t>(shim_op::rmw): return "rmw";
  case static_cast<std::uint8_t>(shim_op::cas): return "cas";
  case static_cast<std::uint8_t>(shim_op::wait): return "wait";
  case static_cast<std::uint8_t>(shim_op::notify): return "notify";
  case static_cast<std::uint8_t>(shim_op::fence): return "fence";
  case static_cast<std::uint8_t>(shim_op::futex_wait): return "futex_wait";
  case static_cast<std::uint8_t>(shim_op::futex_wake): return "futex_wake";
  case static_cast<std::uint8_t>(shim_op::spin): return "spin";
  case static_cast<std::uint8_t>(shim_op::yield): return "yield";
  case static_cast<std::uint8_t>(shim_op::chaos): return "chaos_point";
  case static_cast<std::uint8_t>(shim_op::spawn): return "spawn";
  case static_cast<std::uint8_t>(shim_op::join): return "join";
  case static_cast<std::uint8_t>(shim_op::block): return "sleep";
  case op_exit: return "exit";
  default: return "?";
  }
}

std::string format_schedule(const std::vector<std::int8_t>& chosen) {
  std::string s;
  for (std::size_t i = 0; i < chosen.size();) {
    std::size_t j = i;
    while (j < chosen.size() && chosen[j] == chosen[i]) ++j;
    if (!s.empty()) s += ',';
    s += std::to_string(chosen[i]);
    if (j - i > 1) s += 'x' + std::to_string(j - i);
    i = j;
  }
  return s.empty() ? "-" : s;
}

bool parse_schedule(const std::string& s, std::vector<int>& out) {
  out.clear();
  if (s == "-") return true;
  std::size_t i = 0;
  while (i < s.size()) {
    char* end = nullptr;
    const long t = std::strtol(s.c_str() + i, &end, 10);
    if (end == s.c_str() + i || t < 0 || t >= max_threads) return false;
    i = static_cast<std::size_t>(end - s.c_str());
    long count = 1;
    if (i < s.size() && s[i] == 'x') {
      ++i;
      count = std::strtol(s.c_str() + i, &end, 10);
      if (end == s.c_str() + i || count <= 0) return false;
      i = static_cast<std::size_t>(end - s.c_str());
    }
    out.insert(out.end(), static_cast<std::size_t>(count), static_cast<int>(t));
    if (i < s.size()) {
      if (s[i] != ',') return false;
      ++i;
    }
  }
  return true;
}

std::string format_entry(const trace_entry& e) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "  %6u  t%d  %-11s %s%-6s%s%s\n", e.step, e.thread, op_name(e.op),
                e.object != 0 ? "obj" : "", e.object != 0 ? std::to_string(e.object).c_str() : "",
                e.next != e.thread && e.next >= 0 ? (e.preempt ? "  -> preempted by t" : "  -> t")
                                                  : "",
                e.next != e.thread && e.next >= 0 ? std::to_string(e.next).c_str() : "");
  return buf;
}

struct execution {
  execution(std::vector<branch>& p, const options& o, const std::vector<int>* f)
      : path(p), bound(o.preemption_bound), max_steps(o.max_steps), forced(f),
        full_trace(f != nullptr) {}

  std::mutex mu;
  std::condition_variable done_cv;
  std::vector<std::unique_ptr<mthread>> threads;
  std::atomic<int> current{0};  // written under mu
  bool over = false;
  bool failed = false;
  std::string failure;

  std::vector<branch>& path;
  std::size_t pos = 0;
  unsigned preemptions = 0;
  const unsigned bound;
  const std::size_t max_steps;
  const std::vector<int>* forced;  // replay mode: the thread to take at each branch
  std::size_t steps = 0;
  std::vector<std::int8_t> chosen;  // the thread taken at each branch: the schedule

  std::unordered_map<const void*, std::uint32_t> objects;
  const bool full_trace;
  std::vector<trace_entry> all;  // replay mode
  std::array<trace_entry, ring_size> ring{};

  std::uint32_t object_id(const void* p) {
    if (p == nullptr) return 0;
    auto [it, inserted] = objects.try_emplace(p, static_cast<std::uint32_t>(objects.size() + 1));
    return it->second;
  }

  void trace(int me, std::uint8_t op, std::uint32_t object, int next, bool preempt) {
    const trace_entry e{static_cast<std::uint32_t>(steps), static_cast<std::int8_t>(me), op,
                        static_cast<std::int8_t>(next), preempt, object};
    ring[steps % ring_size] = e;
    if (full_trace) all.push_back(e);
  }

  std::string trace_text() const {
    std::string s;
    if (full_trace) {
      for (const trace_entry& e : all) s += format_entry(e);
      return s;
    }
    const std::size_t first = steps >= ring_size ? steps - ring_size + 1 : 1;
    if (first > 1) s += "  ... (" + std::to_string(first - 1) + " earlier points)\n";
    for (std::size_t i = first; i <= steps; ++i) {
      const trace_entry& e = ring[i % ring_size];
      if (e.step == i) s += format_entry(e);
    }
    return s;
  }

  std::string sleepers() {
    std::string s;
    for (std::size_t i = 0; i < threads.size(); ++i) {
      const mthread& t = *threads[i];
      if (t.state == run_state::finished) continue;
      s += "\n  t" + std::to_string(i) + " sleeps in " + op_name(t.last_op);
      if (t.last_object != 0) s += " on obj" + std::to_string(t.last_object);
    }
    return s;
  }

  // Marks the execution failed and puts the calling thread to sleep for good.
  [[noreturn]] void fail_locked(std::unique_lock<std::mutex>& lk, int me, std::string what) {
    if (!failed) {
      failed = true;
      failure = std::move(what);
    }
    over = true;
    done_cv.notify_all();
    for (;;) threads[static_cast<std::size_t>(me)]->cv.wait(lk);
  }

  // The next thread to run, or -1 when none can (deadlock). `me_runnable`: the caller can go
  // on; `yielding`: it asked the others to go first.
  int pick(std::unique_lock<std::mutex>& lk, int me, bool me_runnable, bool yielding,
           bool& preempt) {
    preempt = false;
    std::array<std::int8_t, max_threads> cand{};
    int n = 0;
    const int count = static_cast<int>(threads.size());
    bool timeout = false;
    if (me_runnable && !yielding) {
      cand[n++] = static_cast<std::int8_t>(me);
      if (preemptions < bound) {
        for (int i = 0; i < count; ++i) {
          if (i != me && threads[static_cast<std::size_t>(i)]->state == run_state::runnable)
            cand[n++] = static_cast<std::int8_t>(i);
        }
      }
    } else if (yielding) {
      // Round robin, not a branch: the next runnable thread after `me`. Spinners waiting
      // for each other would otherwise branch at every turn of their loops without end.
      for (int k = 1; k <= count && n == 0; ++k) {
        const int i = (me + k) % count;
        if (threads[static_cast<std::size_t>(i)]->state == run_state::runnable)
          cand[n++] = static_cast<std::int8_t>(i);
      }
    } else {
      for (int i = 0; i < count; ++i) {
        if (threads[static_cast<std::size_t>(i)]->state == run_state::runnable)
          cand[n++] = static_cast<std::int8_t>(i);
      }
    }
    if (n == 0) {
      for (int i = 0; i < count; ++i) {
        if (threads[static_cast<std::size_t>(i)]->state == run_state::timed)
          cand[n++] = static_cast<std::int8_t>(i);
      }
      timeout = true;
    }
    if (n == 0) return -1;

    int idx = 0;
    if (n > 1) {
      if (pos < path.size()) {
        const branch& b = path[pos];
        if (b.n != n || !std::equal(cand.begin(), cand.begin() + n, b.cand.begin())) {
          fail_locked(lk, me,
                      "nondeterministic model: branch " + std::to_string(pos) +
                          " offers other threads than in the execution it replays");
        }
        idx = b.idx;
      } else {
        if (forced != nullptr && pos < forced->size()) {
          const int want = (*forced)[pos];
          const auto* it = std::find(cand.begin(), cand.begin() + n, static_cast<std::int8_t>(want));
          if (it == cand.begin() + n) {
            fail_locked(lk, me,
                        "replayed schedule does not fit: at branch " + std::to_string(pos) +
                            " thread " + std::to_string(want) + " cannot run");
          }
          idx = static_cast<int>(it - cand.begin());
        }
        branch b;
        b.n = static_cast<std::uint8_t>(n);
        b.idx = static_cast<std::uint8_t>(idx);
        b.cand = cand;
        path.push_back(b);
      }
      ++pos;
      chosen.push_back(cand[static_cast<std::size_t>(idx)]);
    }
    const int next = cand[static_cast<std::size_t>(idx)];
    if (me_runnable && !yielding && next != me) {
      ++preemptions;
      preempt = true;
    }
    if (timeout) {
      threads[static_cast<std::size_t>(next)]->state = run_state::runnable;
      threads[static_cast<std::size_t>(next)]->on = nullptr;
    }
    return next;
  }

  void switch_to(std::unique_lock<std::mutex>& lk, int me, int next) {
    if (next == me) return;
    current.store(next);
    threads[static_cast<std::size_t>(next)]->cv.notify_one();
    await_baton(lk, me);
  }

  // Sleeps until `current` names `me`. (Spinning first was tried: on a loaded 2-core machine
  // it steals the processor from the thread holding the baton and is slower.)
  void await_baton(std::unique_lock<std::mutex>& lk, int me) {
    threads[static_cast<std::size_t>(me)]->cv.wait(lk, [&] { return current.load() == me; });
  }

  void count_step(std::unique_lock<std::mutex>& lk, int me) {
    if (++steps > max_steps) {
      fail_locked(lk, me,
                  "execution exceeded " + std::to_string(max_steps) +
                      " scheduling points (a livelock, or a model too big)");
    }
  }

  void point(int me, const void* object, shim_op op) {
    std::unique_lock lk(mu);
    mthread& t = *threads[static_cast<std::size_t>(me)];
    t.last_op = static_cast<std::uint8_t>(op);
    t.last_object = object_id(object);
    count_step(lk, me);
    bool preempt = false;
    const int next = pick(lk, me, true, op == shim_op::spin || op == shim_op::yield, preempt);
    trace(me, static_cast<std::uint8_t>(op), t.last_object, next, preempt);
    switch_to(lk, me, next);
  }

  void block_locked(std::unique_lock<std::mutex>& lk, int me, const void* object, bool timed) {
    mthread& t = *threads[static_cast<std::size_t>(me)];
    t.state = timed ? run_state::timed : run_state::blocked;
    t.on = object;
    count_step(lk, me);
    bool preempt = false;
    const int next = pick(lk, me, false, false, preempt);
    trace(me, static_cast<std::uint8_t>(shim_op::block), object_id(object), next, false);
    if (next < 0) {
      fail_locked(lk, me, "deadlock: every unfinished thread sleeps (a lost wake-up?)" +
                              sleepers());
    }
    switch_to(lk, me, next);
  }

  void wake_locked(const void* object, int count) {
    for (auto& tp : threads) {
      if (count <= 0) break;
      mthread& t = *tp;
      if ((t.state == run_state::blocked || t.state == run_state::timed) && t.on == object) {
        t.state = run_state::runnable;
        t.on = nullptr;
        --count;
      }
    }
  }

  void finish(int me) {
    std::unique_lock lk(mu);
    mthread& t = *threads[static_cast<std::size_t>(me)];
    t.state = run_state::finished;
    wake_locked(&t, INT_MAX);  // joiners sleep on the mthread
    ++steps;
    bool preempt = false;
    const int next = pick(lk, me, false, false, preempt);
    trace(me, op_exit, 0, next, false);
    if (next < 0) {
      const bool all_done = std::all_of(threads.begin(), threads.end(), [](const auto& p) {
        return p->state == run_state::finished;
      });
      if (all_done) {
        over = true;
        done_cv.notify_all();
        return;
      }
      t.last_op = op_exit;
      fail_locked(lk, me, "deadlock: every unfinished thread sleeps (a lost wake-up?)" +
                              sleepers());
    }
    current.store(next);
    threads[static_cast<std::size_t>(next)]->cv.notify_one();
  }
};

thread_local execution* tl_exec = nullptr;
thread_local int tl_id = -1;
std::atomic<execution*> g_running{nullptr};  // for the SIGABRT report

void trampoline(execution* ex, int id) {
  tl_exec = ex;
  tl_id = id;
  mthread* self = nullptr;
  {
    std::unique_lock lk(ex->mu);
    self = ex->threads[static_cast<std::size_t>(id)].get();
    self->cv.wait(lk, [&] { return ex->current.load() == id; });
  }
  try {
    self->fn();
  } catch (const std::exception& e) {
    fail(std::string("uncaught exception: ") + e.what(), __FILE__, __LINE__);
  } catch (...) {
    fail("uncaught exception", __FILE__, __LINE__);
  }
  ex->finish(id);
}

// ---- abort() inside an execution (a WEFT_ASSERT in weft code): print where -------------

void write_str(const char* s) noexcept {
  const std::size_t n = std::strlen(s);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(2, s + done, n - done);
    if (w <= 0) return;
    done += static_cast<std::size_t>(w);
  }
}
void write_num(long v) noexcept {
  char buf[24];
  int i = 23;
  buf[i] = '\0';
  const bool neg = v < 0;
  unsigned long u = neg ? static_cast<unsigned long>(-v) : static_cast<unsigned long>(v);
  do {
    buf[--i] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0 && i > 1);
  if (neg) buf[--i] = '-';
  write_str(buf + i);
}

void on_fatal(int sig) {
  // Not async-signal-safe in general; the process is dying, and the failing thread holds
  // the baton, so no other model thread touches the execution meanwhile.
  if (execution* ex = g_running.load()) {
    write_str(sig == SIGABRT ? "\nweft model: abort() inside a model execution (a WEFT_ASSERT or "
                               "WEFT_CHECK in weft code?)"
                             : "\nweft model: fatal signal inside a model execution (a use "
                               "after free reads the 0xdb poison of a freed cell?)");
    write_str("\nweft model: schedule so far: WEFT_MODEL_REPLAY=");
    const auto& c = ex->chosen;
    if (c.empty()) write_str("-");
    for (std::size_t i = 0; i < c.size();) {
      std::size_t j = i;
      while (j < c.size() && c[j] == c[i]) ++j;
      if (i != 0) write_str(",");
      write_num(c[i]);
      if (j - i > 1) {
        write_str("x");
        write_num(static_cast<long>(j - i));
      }
      i = j;
    }
    write_str("\nweft model: last points (step thread op):\n");
    const std::size_t first = ex->steps >= ring_size ? ex->steps - ring_size + 1 : 1;
    for (std::size_t i = first; i <= ex->steps; ++i) {
      const trace_entry& e = ex->ring[i % ring_size];
      if (e.step != i) continue;
      write_str("  ");
      write_num(e.step);
      write_str("  t");
      write_num(e.thread);
      write_str("  ");
      write_str(op_name(e.op));
      if (e.object != 0) {
        write_str(" obj");
        write_num(e.object);
      }
      write_str("\n");
    }
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

unsigned env_unsigned(const char* name, unsigned fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return static_cast<unsigned>(std::strtoul(v, nullptr, 10));
}

} // namespace

result explore(const std::function<void()>& body, const options& opts) {
  options o = opts;
  if (o.from_env) {
    o.preemption_bound = env_unsigned("WEFT_MODEL_PREEMPTIONS", o.preemption_bound);
    if (const char* r = std::getenv("WEFT_MODEL_REPLAY"); r != nullptr && *r != '\0') o.replay = r;
  }

  result res;
  std::vector<int> forced;
  const bool replay = !o.replay.empty();
  if (replay && !parse_schedule(o.replay, forced)) {
    res.ok = false;
    res.failure = "cannot parse schedule '" + o.replay + "' (expected e.g. 0x3,1,0)";
    return res;
  }

  // A crash inside an execution prints the schedule that led to it.
  constexpr std::array<int, 5> fatal_signals{SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
  std::array<struct sigaction, fatal_signals.size()> old_acts{};
  for (std::size_t i = 0; i < fatal_signals.size(); ++i) {
    struct sigaction act {};
    act.sa_handler = &on_fatal;
    sigemptyset(&act.sa_mask);
    ::sigaction(fatal_signals[i], &act, &old_acts[i]);
  }

  std::vector<branch> path;
  for (;;) {
    auto ex = std::make_unique<execution>(path, o, replay ? &forced : nullptr);
    {
      auto t0 = std::make_unique<mthread>();
      t0->fn = body;
      ex->threads.push_back(std::move(t0));
    }
    g_running.store(ex.get());
    {
      std::unique_lock lk(ex->mu);
      ex->threads[0]->os = std::thread(trampoline, ex.get(), 0);
      ex->done_cv.wait(lk, [&] { return ex->over; });
    }
    g_running.store(nullptr);
    ++res.executions;
    res.max_steps = std::max(res.max_steps, ex->steps);

    if (ex->failed) {
      res.ok = false;
      {
        std::unique_lock lk(ex->mu);
        res.failure = ex->failure;
        res.schedule = format_schedule(ex->chosen);
        res.trace = ex->trace_text();
        for (auto& t : ex->threads) {
          if (t->os.joinable()) t->os.detach();
        }
      }
      // The model threads sleep forever inside the execution: it must outlive them.
      (void)ex.release();
      if (!o.quiet) {
        std::fprintf(stderr,
                     "weft model: FAILED in execution %zu: %s\nweft model: schedule: "
                     "WEFT_MODEL_REPLAY=%s\nweft model: trace (step thread op object):\n%s",
                     res.executions, res.failure.c_str(), res.schedule.c_str(),
                     res.trace.c_str());
      }
      break;
    }
    for (auto& t : ex->threads) t->os.join();

    if (replay) {
      res.schedule = format_schedule(ex->chosen);
      res.trace = ex->trace_text();
      if (!o.quiet) {
        std::fprintf(stderr, "weft model: replayed WEFT_MODEL_REPLAY=%s: passed\n%s",
                     res.schedule.c_str(), res.trace.c_str());
      }
      break;
    }
    while (!path.empty() && path.back().idx + 1 >= path.back().n) path.pop_back();
    if (path.empty()) {
      res.complete = true;
      break;
    }
    ++path.back().idx;
    if (res.executions >= o.max_executions) {
      res.ok = false;
      res.failure = "more than " + std::to_string(o.max_executions) +
                    " executions: shrink the model or raise options::max_executions";
      break;
    }
  }
  for (std::size_t i = 0; i < fatal_signals.size(); ++i)
    ::sigaction(fatal_signals[i], &old_acts[i], nullptr);
  return res;
}

thread::thread(std::function<void()> fn) {
  execution* ex = tl_exec;
  if (ex == nullptr) fail("weft::model::thread started outside a model", __FILE__, __LINE__);
  {
    std::unique_lock lk(ex->mu);
    if (ex->threads.size() >= static_cast<std::size_t>(max_threads)) {
      ex->fail_locked(lk, tl_id, "too many model threads (max " + std::to_string(max_threads) + ")");
    }
    id_ = static_cast<int>(ex->threads.size());
    auto t = std::make_unique<mthread>();
    t->fn = std::move(fn);
    ex->threads.push_back(std::move(t));
    ex->threads.back()->os = std::thread(trampoline, ex, id_);
  }
  ex->point(tl_id, nullptr, shim_op::spawn);
}

thread::~thread() {
  if (!joined_) fail("weft::model::thread destroyed without join()", __FILE__, __LINE__);
}

void thread::join() {
  execution* ex = tl_exec;
  if (ex == nullptr) fail("weft::model::thread joined outside a model", __FILE__, __LINE__);
  mthread* target = nullptr;
  {
    std::unique_lock lk(ex->mu);
    target = ex->threads[static_cast<std::size_t>(id_)].get();
  }
  ex->point(tl_id, target, shim_op::join);
  std::unique_lock lk(ex->mu);
  while (target->state != run_state::finished) ex->block_locked(lk, tl_id, target, false);
  joined_ = true;
}

void fail(const std::string& what, const char* file, int line) {
  const std::string msg = what + " (" + file + ":" + std::to_string(line) + ")";
  execution* ex = tl_exec;
  if (ex == nullptr) {
    std::fprintf(stderr, "weft model: %s, outside a model execution\n", msg.c_str());
    std::abort();
  }
  std::unique_lock lk(ex->mu);
  ex->fail_locked(lk, tl_id, msg);
}

void yield() {
  if (execution* ex = tl_exec) ex->point(tl_id, nullptr, shim_op::yield);
}

} // namespace weft::model

// ---- the shim's hooks (weft/detail/shim_hooks.hpp) ---------------------------------------

namespace weft::detail::model_hooks {

void point(const void* object, shim_op op) noexcept {
  if (auto* ex = weft::model::tl_exec) ex->point(weft::model::tl_id, object, op);
}

void block(const void* object, bool timed) noexcept {
  auto* ex = weft::model::tl_exec;
  if (ex == nullptr) {
    std::this_thread::yield();  // a spurious wake-up: callers re-check
    return;
  }
  std::unique_lock lk(ex->mu);
  ex->block_locked(lk, weft::model::tl_id, object, timed);
}

void wake(const void* object, int count) noexcept {
  if (auto* ex = weft::model::tl_exec) {
    std::unique_lock lk(ex->mu);
    ex->wake_locked(object, count);
  }
}

} // namespace weft::detail::model_hooks
