// tests/runtime/local_queue_test.cpp: weft::detail::local_queue driven directly, with fake
// task headers (a dummy vtable the queue never calls), to prove the run queue exactly-once:
// every pushed task is popped, stolen or overflowed exactly once.
//
// Set-up: the owner thread pushes tagged items in bursts and pops some back; 1–3 thief
// threads each own a queue, steal_into it from the owner's queue and from each other (as
// workers do), and pop their own. Overflow batches go to a vector that the owner drains
// (as the inject queue would be). Each consumed item sets its tag's entry in a bitmap of
// atomics; a second visit is a duplicate, an entry left at 0 is a lost item.
//
// Headers are recycled through a free list (a pool of 2^16), so the test never holds more
// than the pool in flight, while the tags keep growing.
//
// Wraparound: the queue's indices are 32-bit and wrap at 2^32. Reaching that needs > 4·10^9
// queue operations (minutes), so it is NOT exercised here; what is exercised is the ring
// wrapping (`index & mask`) millions of times, with capacities as small as 4, and every
// index comparison done with unsigned (mod 2^32) differences. A test hook to start the
// indices near 2^32 would be needed to cover the real wraparound.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "support/runtime_support.hpp"
#include "weft/runtime/detail/local_queue.hpp"

namespace {

using namespace std::chrono_literals;
using weft::detail::local_queue;
using weft::detail::task_header;
using weft::detail::task_vtable;

[[noreturn]] void never_called(task_header*) { std::abort(); }
void never_called_out(task_header*, void*) { std::abort(); }
constexpr task_vtable dummy_vtable{&never_called, &never_called, &never_called_out,
                                   &never_called, &never_called};

struct queue_params {
  int thieves;
  std::size_t capacity;
};

class LocalQueueTest : public ::testing::TestWithParam<queue_params> {};

class fake_tasks {
public:
  static constexpr std::uint32_t pool_size = 1u << 16;

  explicit fake_tasks(std::uint64_t items) : bitmap_(items), tags_(pool_size) {
    headers_ = alloc_.allocate(pool_size);
    for (std::uint32_t i = 0; i < pool_size; ++i) {
      std::construct_at(headers_ + i, 1, &dummy_vtable, nullptr);
      free_.push_back(i);
    }
  }
  fake_tasks(const fake_tasks&) = delete;
  fake_tasks& operator=(const fake_tasks&) = delete;
  ~fake_tasks() {
    for (std::uint32_t i = 0; i < pool_size; ++i) std::destroy_at(headers_ + i);
    alloc_.deallocate(headers_, pool_size);
  }

  /// A free header carrying `tag` (the owner's side), or null when none is free right now.
  task_header* make(std::uint64_t tag, std::vector<std::uint32_t>& cache) {
    if (cache.empty()) {
      std::lock_guard lock(mu_);
      cache.swap(free_);
    }
    if (cache.empty()) return nullptr;
    const std::uint32_t idx = cache.back();
    cache.pop_back();
    tags_[idx] = tag;  // published to the consumer by the queue's release/acquire pairs
    return headers_ + idx;
  }

  /// Marks the item consumed and recycles its header (any thread).
  void consume(task_header* t, std::vector<std::uint32_t>& cache) {
    const auto idx = static_cast<std::uint32_t>(t - headers_);
    ASSERT_LT(idx, pool_size) << "a pointer that was never pushed came out of the queue";
    const std::uint64_t tag = tags_[idx];
    if (bitmap_[tag].fetch_add(1, std::memory_order_relaxed) != 0) duplicates_.fetch_add(1);
    cache.push_back(idx);
    if (cache.size() >= 256) flush(cache);
  }
  void flush(std::vector<std::uint32_t>& cache) {
    if (cache.empty()) return;
    std::lock_guard lock(mu_);
    free_.insert(free_.end(), cache.begin(), cache.end());
    cache.clear();
  }

  [[nodiscard]] long duplicates() const { return duplicates_.load(); }
  [[nodiscard]] std::uint64_t lost() const {
    std::uint64_t n = 0;
    for (auto& b : bitmap_) n += b.load() == 0 ? 1 : 0;
    return n;
  }

private:
  std::allocator<task_header> alloc_;
  task_header* headers_ = nullptr;
  std::vector<std::atomic<std::uint8_t>> bitmap_;
  std::vector<std::uint64_t> tags_;
  std::mutex mu_;
  std::vector<std::uint32_t> free_;
  std::atomic<long> duplicates_{0};
};

TEST_P(LocalQueueTest, EveryItemIsTakenExactlyOnce) {
  const auto [thieves, capacity] = GetParam();
  // 10^7 items in optimized builds; Debug and sanitizer builds keep it to a few seconds.
  const auto items =
      static_cast<std::uint64_t>(weft::test::scaled(10'000'000, 3'000'000, 1'000'000));
  weft::test::watchdog dog(60s, "local queue exactly-once");

  fake_tasks pool(items);
  std::vector<std::unique_ptr<local_queue>> queues;
  for (int i = 0; i <= thieves; ++i) queues.push_back(std::make_unique<local_queue>(capacity));
  std::atomic<bool> producer_done{false};
  std::atomic<std::uint64_t> steals{0};
  std::uint64_t overflows = 0;
  std::uint64_t owner_pops = 0;

  auto thief_main = [&](int self) {
    std::vector<std::uint32_t> cache;
    std::minstd_rand rng(static_cast<unsigned>(self) * 7919u + 1u);
    local_queue& own = *queues[static_cast<std::size_t>(self)];
    int idle_rounds = 0;
    for (;;) {
      if (task_header* t = own.pop()) {
        pool.consume(t, cache);
        idle_rounds = 0;
        continue;
      }
      // Mostly the owner's queue (where the work is), sometimes another thief's.
      std::size_t victim = 0;
      if (queues.size() > 2 && rng() % 4 == 0) victim = 1 + rng() % (queues.size() - 1);
      if (victim == static_cast<std::size_t>(self)) victim = 0;
      if (task_header* t = queues[victim]->steal_into(own)) {
        steals.fetch_add(1, std::memory_order_relaxed);
        pool.consume(t, cache);
        idle_rounds = 0;
        continue;
      }
      pool.flush(cache);
      if (producer_done.load() && ++idle_rounds > 64) break;
      std::this_thread::yield();
    }
    pool.flush(cache);
  };
  std::vector<std::thread> threads;
  for (int i = 1; i <= thieves; ++i) threads.emplace_back(thief_main, i);

  // The owner.
  {
    local_queue& q = *queues[0];
    std::vector<task_header*> overflowed;
    std::vector<std::uint32_t> make_cache;
    std::vector<std::uint32_t> consume_cache;
    std::minstd_rand rng(12345);
    auto on_overflow = [&](local_queue::overflow_batch& batch) {
      const std::size_t n = batch.count();
      for (std::size_t i = 0; i < n; ++i) overflowed.push_back(batch.next());
    };
    auto drain_overflow = [&] {
      for (task_header* t : overflowed) pool.consume(t, consume_cache);
      overflowed.clear();
    };
    std::uint64_t tag = 0;
    while (tag < items) {
      // A burst of pushes, up to 3× the capacity so the queue overflows now and then.
      const std::uint64_t burst = std::min<std::uint64_t>(1 + rng() % (3 * capacity), items - tag);
      for (std::uint64_t i = 0; i < burst; ++i) {
        task_header* t = pool.make(tag, make_cache);
        while (t == nullptr) {  // the pool is all in flight: take some back
          if (task_header* p = q.pop()) pool.consume(p, consume_cache);
          drain_overflow();
          pool.flush(consume_cache);
          std::this_thread::yield();
          t = pool.make(tag, make_cache);
        }
        if (q.push_back(t, on_overflow)) ++overflows;
        ++tag;
      }
      // Pop back a part of it.
      const std::uint64_t pops = rng() % (capacity + 1);
      for (std::uint64_t i = 0; i < pops; ++i) {
        task_header* t = q.pop();
        if (t == nullptr) break;
        ++owner_pops;
        pool.consume(t, consume_cache);
      }
      if (overflowed.size() > 4 * capacity) drain_overflow();
    }
    producer_done.store(true);
    while (task_header* t = q.pop()) pool.consume(t, consume_cache);
    drain_overflow();
    pool.flush(consume_cache);
  }
  for (auto& th : threads) th.join();

  // Whatever a thief stole after its owner gave up is still queued: drain single-threaded.
  std::vector<std::uint32_t> cache;
  for (auto& q : queues) {
    while (task_header* t = q->pop()) pool.consume(t, cache);
    EXPECT_TRUE(q->is_empty());
    EXPECT_EQ(q->len(), 0u);
  }
  EXPECT_EQ(pool.duplicates(), 0) << "items taken twice";
  EXPECT_EQ(pool.lost(), 0u) << "items never taken";
  EXPECT_GT(overflows, 0u) << "the test never overflowed the queue";
  EXPECT_GT(owner_pops, 0u);
  EXPECT_GT(steals.load(), 0u) << "the test never stole";
  // The ring wrapped (items / capacity) times; see the file comment for the 2^32 wrap.
  EXPECT_GT(items / capacity, 100u);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, LocalQueueTest,
    ::testing::Values(queue_params{1, 256}, queue_params{2, 16}, queue_params{3, 4},
                      queue_params{3, 256}),
    [](const auto& p) {
      return std::to_string(p.param.thieves) + "Thieves" + std::to_string(p.param.capacity) +
             "Slots";
    });

// Single-threaded properties the stress test relies on.
TEST(LocalQueueBasicsTest, PopIsFifoAndOverflowMovesHalfPlusOne) {
  std::allocator<task_header> alloc;
  constexpr std::size_t n = 9;
  task_header* hs = alloc.allocate(n);
  for (std::size_t i = 0; i < n; ++i) std::construct_at(hs + i, 1, &dummy_vtable, nullptr);
  {
    local_queue q(8);
    std::vector<task_header*> spilled;
    auto spill = [&](local_queue::overflow_batch& batch) {
      const std::size_t count = batch.count();
      for (std::size_t i = 0; i < count; ++i) spilled.push_back(batch.next());
    };
    for (std::size_t i = 0; i < 8; ++i) EXPECT_FALSE(q.push_back(hs + i, spill));
    EXPECT_EQ(q.len(), 8u);
    EXPECT_TRUE(q.push_back(hs + 8, spill));  // full: half (4) + the new one spill
    ASSERT_EQ(spilled.size(), 5u);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(spilled[i], hs + i);
    EXPECT_EQ(spilled[4], hs + 8);
    for (std::size_t i = 4; i < 8; ++i) EXPECT_EQ(q.pop(), hs + i);
    EXPECT_EQ(q.pop(), nullptr);
    EXPECT_TRUE(q.is_empty());
  }
  {
    local_queue src(8);
    local_queue dst(8);
    auto no_spill = [](local_queue::overflow_batch&) { FAIL(); };
    for (std::size_t i = 0; i < 5; ++i) EXPECT_FALSE(src.push_back(hs + i, no_spill));
    task_header* got = src.steal_into(dst);  // takes ceil(5/2) = 3: returns one, queues two
    EXPECT_EQ(got, hs + 2);
    EXPECT_EQ(dst.len(), 2u);
    EXPECT_EQ(src.len(), 2u);
    EXPECT_EQ(dst.pop(), hs + 0);
    EXPECT_EQ(dst.pop(), hs + 1);
    EXPECT_EQ(src.pop(), hs + 3);
    EXPECT_EQ(src.pop(), hs + 4);
  }
  for (std::size_t i = 0; i < n; ++i) std::destroy_at(hs + i);
  alloc.deallocate(hs, n);
}

} // namespace
