// tests/model/parker_model_test.cpp: park/unpark under every interleaving within the bound.
// thread_parker (block_on's sleep, on atomic::wait/notify) and park_driver (a worker's sleep
// without I/O, on futex wait/wake): an unpark racing a park is never lost, unparks from two
// threads wake the one parker, and a waker that unparks from another thread balances the
// parker's references. A lost wake-up shows as a deadlock: the parker sleeps, nobody is left.
#include <gtest/gtest.h>

#include <optional>
#include <utility>

#include "model_support.hpp"

// The headers under test (one line each: the lead's restructure may move them).
#include "weft/runtime/driver.hpp"  // weft::detail::park_driver
#include "weft/task/thread_parker.hpp"     // weft::detail::thread_parker

namespace {

using weft::detail::atomic;

// ---- thread_parker -------------------------------------------------------------------------

TEST(ThreadParkerModel, UnparkRacingParkIsNeverLost) {
  WEFT_EXPECT_MODEL([] {
    auto* p = weft::detail::thread_parker::create();
    atomic<int> flag{0};
    weft::model::thread parker([&] {
      while (flag.load(weft::detail::memory_order_acquire) == 0) p->park();
    });
    weft::model::thread unparker([&] {
      flag.store(1, weft::detail::memory_order_release);
      p->unpark();
    });
    parker.join();
    unparker.join();
    p->release();
  });
}

TEST(ThreadParkerModel, EveryOneOfTwoRoundsIsDelivered) {
  WEFT_EXPECT_MODEL([] {
    auto* p = weft::detail::thread_parker::create();
    atomic<int> rounds{0};
    weft::model::thread parker([&] {
      for (int want = 1; want <= 2; ++want) {
        while (rounds.load() < want) p->park();
      }
    });
    weft::model::thread unparker([&] {
      for (int i = 0; i < 2; ++i) {
        rounds.fetch_add(1);
        p->unpark();
      }
    });
    parker.join();
    unparker.join();
    p->release();
  });
}

TEST(ThreadParkerModel, TwoUnparkersWakeTheParker) {
  WEFT_EXPECT_MODEL([] {
    auto* p = weft::detail::thread_parker::create();
    atomic<int> count{0};
    auto unpark = [&] {
      count.fetch_add(1);
      p->unpark();
    };
    weft::model::thread a(unpark);
    weft::model::thread b(unpark);
    while (count.load() < 2) p->park();
    a.join();
    b.join();
    p->release();
  });
}

TEST(ThreadParkerModel, AWakerFromAnotherThreadUnparksAndReleases) {
  WEFT_EXPECT_MODEL([] {
    auto* p = weft::detail::thread_parker::create();
    atomic<int> flag{0};
    weft::waker w = p->make_waker();
    weft::model::thread waker_thread([&] {
      flag.store(1);
      std::move(w).wake();  // unparks, then drops the waker's reference
    });
    while (flag.load() == 0) p->park();
    waker_thread.join();
    p->release();  // the last reference: the parker is deleted exactly once (ASan checks)
  });
}

// ---- park_driver ---------------------------------------------------------------------------

TEST(ParkDriverModel, UnparkRacingParkIsNeverLost) {
  WEFT_EXPECT_MODEL([] {
    weft::detail::park_driver d;
    atomic<int> flag{0};
    weft::model::thread parker([&] {
      while (flag.load(weft::detail::memory_order_acquire) == 0) d.park(std::nullopt);
    });
    weft::model::thread unparker([&] {
      flag.store(1, weft::detail::memory_order_release);
      d.unpark();
    });
    parker.join();
    unparker.join();
  });
}

TEST(ParkDriverModel, EveryOneOfTwoRoundsIsDelivered) {
  WEFT_EXPECT_MODEL([] {
    weft::detail::park_driver d;
    atomic<int> rounds{0};
    weft::model::thread unparker([&] {
      for (int i = 0; i < 2; ++i) {
        rounds.fetch_add(1);
        d.unpark();
      }
    });
    for (int want = 1; want <= 2; ++want) {
      while (rounds.load() < want) d.park(std::nullopt);
    }
    unparker.join();
  });
}

TEST(ParkDriverModel, TwoUnparkersWakeTheParker) {
  WEFT_EXPECT_MODEL([] {
    weft::detail::park_driver d;
    atomic<int> count{0};
    auto unpark = [&] {
      count.fetch_add(1);
      d.unpark();
    };
    weft::model::thread a(unpark);
    weft::model::thread b(unpark);
    while (count.load() < 2) d.park(std::nullopt);
    a.join();
    b.join();
  });
}

} // namespace
