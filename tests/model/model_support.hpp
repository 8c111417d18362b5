// tests/model/model_support.hpp: GoogleTest glue for models: run one exploration, print its
// size, and turn a failure into a test failure that says how to replay it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "explorer.hpp"
#include "weft/core/waker.hpp"
#include "weft/detail/atomic.hpp"

namespace weft::model {

/// Explores `body` and prints "[model] <test>: N executions, longest M points, T ms".
inline result run_model(const std::function<void()>& body, const options& opts = {}) {
  const auto start = std::chrono::steady_clock::now();
  result r = explore(body, opts);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::printf("[model] %s.%s: %zu executions%s, longest %zu points, %lld ms\n",
              info != nullptr ? info->test_suite_name() : "?", info != nullptr ? info->name() : "?",
              r.executions, r.complete ? " (all within the bound)" : "", r.max_steps,
              static_cast<long long>(ms));
  return r;
}

/// Success when the exploration passed and covered every interleaving within the bound.
inline ::testing::AssertionResult passed(const result& r) {
  if (r.ok && (r.complete || r.executions == 1)) return ::testing::AssertionSuccess();
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string filter = info != nullptr ? std::string(info->test_suite_name()) + "." + info->name()
                                       : std::string("*");
  return ::testing::AssertionFailure()
         << r.failure << "\nafter " << r.executions << " executions. Replay the failing one with\n"
         << "  WEFT_MODEL_REPLAY='" << r.schedule << "' ./weft_model_tests --gtest_filter='"
         << filter << "'\nlast scheduling points (step thread op object):\n"
         << r.trace;
}

/// A waker for a model's own waiting thread: each wake bumps a word that thread sleeps on
/// (explorer-blocking, so a wake that never comes is a deadlock). It owns no reference and
/// must outlive every clone (declare it before what may hold one).
///   const auto seen = w.seen(); /* poll with w.make() */; if (pending) w.sleep(seen);
class flag_waker {
public:
  [[nodiscard]] waker make() const { return waker(this, &vtable); }
  [[nodiscard]] std::uint32_t seen() const { return seq_.load(); }
  void sleep(std::uint32_t seen) const { seq_.wait(seen); }
  [[nodiscard]] int wakes() const { return wakes_; }

private:
  static flag_waker* self(const void* d) { return static_cast<flag_waker*>(const_cast<void*>(d)); }
  static const void* clone(const void* d) { return d; }
  static void wake(const void* d) { wake_by_ref(d); }
  static void wake_by_ref(const void* d) {
    ++self(d)->wakes_;  // plain: model threads run one at a time
    self(d)->seq_.fetch_add(1);
    self(d)->seq_.notify_all();
  }
  static void drop(const void* /*d*/) {}
  static constexpr waker_vtable vtable{&clone, &wake, &wake_by_ref, &drop};

  mutable detail::atomic<std::uint32_t> seq_{0};
  int wakes_ = 0;
};

} // namespace weft::model

/// Explores the model (a body, then optional options) and expects it to pass; a failure
/// message names the schedule and how to replay it.
#define WEFT_EXPECT_MODEL(...)                                                                     \
  do {                                                                                             \
    const ::weft::model::result weft_model_result_ = ::weft::model::run_model(__VA_ARGS__);        \
    EXPECT_TRUE(::weft::model::passed(weft_model_result_));                                        \
  } while (false)
