// tests/task/frame_allocator_test.cpp: the per-thread recycling allocator behind task frames.
// Sanitizer builds bypass the cache (WEFT_PLAIN_ALLOC), so the recycling tests skip there;
// the rest still run and let ASan check sizes and bounds.
#include <gtest/gtest.h>

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

TEST(FrameAllocatorTest, ABlockFreedOnAnotherThreadJoinsThatThreadsCache) {
  SKIP_WITHOUT_CACHE();
  void* p = frame_allocator::allocate(300);
  void* reused = nullptr;
  std::thread other([&] {
    frame_allocator::deallocate(p, 300);
    reused = frame_allocator::allocate(300);
    frame_allocator::deallocate(reused, 300);
  });  // at exit the other thread returns its cache to the system (LSan checks)
  other.join();
  EXPECT_EQ(reused, p);
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
                        std::size_t{2048}, std::size_t{4096}, std::size_t{64 * 1024}}) {
    void* p = frame_allocator::allocate(n);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t), 0u) << n;
    std::memset(p, 0, n);  // ASan: the block holds n bytes
    frame_allocator::deallocate(p, n);  // ASan: the sized delete matches the allocation
  }
}

} // namespace
