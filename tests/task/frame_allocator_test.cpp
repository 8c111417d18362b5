// tests/task/frame_allocator_test.cpp: the per-thread recycling allocator behind task frames.
// Sanitizer builds bypass the cache (WEFT_PLAIN_ALLOC), so the recycling tests skip there;
// the rest still run and let ASan check sizes and bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "weft/detail/frame_allocator.hpp"
#include "weft/task.hpp"

namespace {

using weft::detail::frame_allocator;
constexpr std::size_t g = frame_allocator::granule;

#ifdef WEFT_PLAIN_ALLOC
#define SKIP_WITHOUT_CACHE() GTEST_SKIP() << "sanitizer build: frames use plain new/delete"
#else
#define SKIP_WITHOUT_CACHE() static_cast<void>(0)
#endif

TEST(FrameAllocatorTest, RoundTripReturnsTheSameBlock) {
  SKIP_WITHOUT_CACHE();
  void* p = frame_allocator::allocate(200);
  std::memset(p, 0xab, 200);
  frame_allocator::deallocate(p, 200);
  void* q = frame_allocator::allocate(200);
  EXPECT_EQ(p, q);
  frame_allocator::deallocate(q, 200);
}

TEST(FrameAllocatorTest, SizesInOneClassShareBlocks) {
  SKIP_WITHOUT_CACHE();
  // Sizes from 2 granules + 1 to 3 granules round up to the same class.
  void* p = frame_allocator::allocate(2 * g + 1);
  frame_allocator::deallocate(p, 2 * g + 1);
  void* q = frame_allocator::allocate(3 * g);
  EXPECT_EQ(p, q);
  std::memset(q, 0, 3 * g);  // the whole class size is usable
  frame_allocator::deallocate(q, 3 * g);
}

TEST(FrameAllocatorTest, BlocksComeBackLastInFirstOut) {
  SKIP_WITHOUT_CACHE();
  std::vector<void*> blocks;
  for (int i = 0; i < 8; ++i) blocks.push_back(frame_allocator::allocate(64));
  for (void* b : blocks) frame_allocator::deallocate(b, 64);
  for (std::size_t i = blocks.size(); i-- > 0;) {
    void* b = frame_allocator::allocate(64);
    EXPECT_EQ(b, blocks[i]);
    blocks[i] = b;
  }
  for (void* b : blocks) frame_allocator::deallocate(b, 64);
}

TEST(FrameAllocatorTest, ABlockFreedOnAnotherThreadGoesBackToItsHomeThread) {
  SKIP_WITHOUT_CACHE();
  void* p = frame_allocator::allocate(300);
  void* other_got = nullptr;
  std::thread other([&] {
    frame_allocator::deallocate(p, 300);  // batched for p's home; flushed at thread exit
    other_got = frame_allocator::allocate(300);
    frame_allocator::deallocate(other_got, 300);
  });
  other.join();
  EXPECT_NE(other_got, p) << "a foreign thread reused a block it does not own";
  // The home thread gets p back once its chunk's other blocks are used up.
  std::vector<void*> taken;
  bool found = false;
  for (std::size_t i = 0; i < weft::detail::slab_chunk_size / 304 + 2 && !found; ++i) {
    void* q = frame_allocator::allocate(300);
    taken.push_back(q);
    found = q == p;
  }
  EXPECT_TRUE(found);
  for (void* q : taken) frame_allocator::deallocate(q, 300);
}

TEST(FrameAllocatorTest, ManyBlocksFreedByManyThreadsAllComeHome) {
  SKIP_WITHOUT_CACHE();
  constexpr std::size_t n = 20'000;
  std::vector<void*> blocks(n);
  for (auto& b : blocks) {
    b = frame_allocator::allocate(96);
    std::memset(b, 0x5a, 96);
  }
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < n; i += 4) frame_allocator::deallocate(blocks[i], 96);
    });
  }
  for (auto& th : threads) th.join();
  // Every block is reusable by its home thread: allocating n again reuses them (after the
  // never-used tail of the current chunk).
  std::vector<void*> again(n);
  for (auto& b : again) b = frame_allocator::allocate(96);
  std::sort(blocks.begin(), blocks.end());
  std::size_t reused = 0;
  for (void* b : again) reused += std::binary_search(blocks.begin(), blocks.end(), b) ? 1 : 0;
  EXPECT_GE(reused, n - weft::detail::slab_chunk_size / 96);
  for (void* b : again) frame_allocator::deallocate(b, 96);
}

TEST(FrameAllocatorTest, BlocksOutliveTheThreadThatMadeThem) {
  SKIP_WITHOUT_CACHE();
  std::vector<void*> blocks;
  std::thread maker([&] {
    for (int i = 0; i < 1000; ++i) blocks.push_back(frame_allocator::allocate(128));
  });
  maker.join();  // its heap is abandoned, not freed
  for (void* b : blocks) std::memset(b, 1, 128);
  for (void* b : blocks) frame_allocator::deallocate(b, 128);
  std::thread adopter([] {  // adopts the abandoned heap and its returned blocks
    for (int i = 0; i < 1000; ++i) frame_allocator::deallocate(frame_allocator::allocate(128), 128);
  });
  adopter.join();
}

weft::task<int> frame_probe(const void** local_address) {
  int local = 1;
  *local_address = &local;  // `local` lives in the frame: it is used after a suspension
  co_await weft::yield_now();
  co_return local;
}

TEST(FrameAllocatorTest, TaskFramesAreRecycled) {
  SKIP_WITHOUT_CACHE();
  const void* first = nullptr;
  const void* second = nullptr;
  EXPECT_EQ(weft::block_on_current_thread(frame_probe(&first)), 1);
  EXPECT_EQ(weft::block_on_current_thread(frame_probe(&second)), 1);
  EXPECT_EQ(first, second);  // the second frame reused the first one's block
}

TEST(FrameAllocatorTest, BlocksAreAlignedAndFullyUsable) {
  for (std::size_t n : {std::size_t{1}, std::size_t{8}, g - 1, g, g + 1, std::size_t{500},
                        std::size_t{2048}, std::size_t{2049}, std::size_t{4096}, std::size_t{64 * 1024}}) {
    void* p = frame_allocator::allocate(n);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t), 0u) << n;
    std::memset(p, 0, n);  // ASan: the block holds n bytes
    frame_allocator::deallocate(p, n);  // ASan: the sized delete matches the allocation
  }
}

} // namespace
