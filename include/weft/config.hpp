// weft/config.hpp: configuration macros shared by every layer: assertions, throwing,
// branch hints. Holds no types.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "weft/version.hpp"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define WEFT_TSAN 1
#endif

#define WEFT_LIKELY(x) __builtin_expect(!!(x), 1)
#define WEFT_UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace weft::detail {
[[noreturn]] inline void assert_fail(const char* expr, const char* msg, const char* file,
                                     int line) noexcept {
  std::fprintf(stderr, "weft: assertion `%s` failed: %s (%s:%d)\n", expr, msg, file, line);
  std::abort();
}
} // namespace weft::detail

/// WEFT_ASSERT(cond, msg): a broken precondition (misuse) aborts with a message. Active
/// unless NDEBUG is defined or WEFT_ENABLE_ASSERTS is 0.
#ifndef WEFT_ENABLE_ASSERTS
#ifdef NDEBUG
#define WEFT_ENABLE_ASSERTS 0
#else
#define WEFT_ENABLE_ASSERTS 1
#endif
#endif

#if WEFT_ENABLE_ASSERTS
#define WEFT_ASSERT(cond, msg)                                                                     \
  (WEFT_LIKELY(cond) ? static_cast<void>(0)                                                        \
                     : ::weft::detail::assert_fail(#cond, msg, __FILE__, __LINE__))
#else
#define WEFT_ASSERT(cond, msg) static_cast<void>(0)
#endif

/// WEFT_CHECK(cond, msg): like WEFT_ASSERT but active in every build; for invariants
/// whose violation would corrupt memory (kernel-owned buffers, refcounts).
#define WEFT_CHECK(cond, msg)                                                                      \
  (WEFT_LIKELY(cond) ? static_cast<void>(0)                                                        \
                     : ::weft::detail::assert_fail(#cond, msg, __FILE__, __LINE__))

/// WEFT_THROW(expr): throws; the single place to change if exceptions are disabled.
#define WEFT_THROW(...) throw __VA_ARGS__
