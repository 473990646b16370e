// SPDX-License-Identifier: Apache-2.0
#include "protocol/http2/session_memory.hpp"

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace stampede::protocol::http2 {
namespace {

bool aligned16(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % 16 == 0;
}

TEST(BlockPool, AFreedBlockIsTheNextOfItsSize) {
  void* a = block_pool::allocate(100);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(aligned16(a));
  const auto kept = block_pool::kept_blocks();
  block_pool::release(a);
  EXPECT_EQ(block_pool::kept_blocks(), kept + 1);
  // 100 and 110 bytes share a size (128-byte blocks with the header): the same block.
  void* b = block_pool::allocate(110);
  EXPECT_EQ(b, a);
  EXPECT_EQ(block_pool::kept_blocks(), kept);
  // Another size does not take it.
  void* c = block_pool::allocate(20);
  EXPECT_NE(c, b);
  block_pool::release(b);
  block_pool::release(c);
  block_pool::release(nullptr);  // as free(nullptr)
}

TEST(BlockPool, ResizeKeepsTheContentsAndGrowsPastTheLargestSize) {
  auto* p = static_cast<char*>(block_pool::allocate(40));
  std::memcpy(p, "0123456789abcdefghijklmnopqrstuvwxyzABCD", 40);
  EXPECT_EQ(block_pool::resize(p, 45), p);  // a 64-byte block holds 48 bytes after its header
  auto* q = static_cast<char*>(block_pool::resize(p, 3000));
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(std::memcmp(q, "0123456789abcdefghijklmnopqrstuvwxyzABCD", 40), 0);
  auto* r = static_cast<char*>(block_pool::resize(q, 100000));  // past 4 KiB: malloc's
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(aligned16(r));
  EXPECT_EQ(std::memcmp(r, "0123456789abcdefghijklmnopqrstuvwxyzABCD", 40), 0);
  std::memset(r, 1, 100000);
  const auto kept = block_pool::kept_blocks();
  block_pool::release(r);  // a large block is not kept
  EXPECT_EQ(block_pool::kept_blocks(), kept);
  void* fresh = block_pool::resize(nullptr, 10);  // as realloc(nullptr, n)
  ASSERT_NE(fresh, nullptr);
  block_pool::release(fresh);
}

TEST(BlockPool, KeepsAtMostAMebibytePerSize) {
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) {
    blocks.push_back(block_pool::allocate(4000));  // 4 KiB blocks: 256 make a MiB
  }
  const auto kept = block_pool::kept_blocks();
  for (void* b : blocks) {
    std::memset(b, 7, 4000);
    block_pool::release(b);
  }
  EXPECT_LE(block_pool::kept_blocks() - kept, 256u);
  EXPECT_GE(block_pool::kept_blocks() - kept, 255u);
}

TEST(BlockPool, BlocksMayBeFreedOnAnotherThread) {
  std::vector<void*> blocks;
  for (int i = 0; i < 100; ++i) {
    blocks.push_back(block_pool::allocate(static_cast<std::size_t>(i) * 30));
  }
  std::thread other([&] {
    for (void* b : blocks) {
      block_pool::release(b);
    }
    EXPECT_EQ(block_pool::kept_blocks(), 100u);  // the other thread's own pool
  });
  other.join();
}

TEST(SessionMemory, ServesAnNghttp2Session) {
  nghttp2_session_callbacks* callbacks = nullptr;
  ASSERT_EQ(nghttp2_session_callbacks_new(&callbacks), 0);
  nghttp2_session* session = nullptr;
  ASSERT_EQ(nghttp2_session_client_new3(&session, callbacks, nullptr, nullptr, session_memory()),
            0);
  nghttp2_session_callbacks_del(callbacks);
  const std::vector<nghttp2_nv> fields{
      {(uint8_t*)":method", (uint8_t*)"GET", 7, 3, NGHTTP2_NV_FLAG_NONE},
      {(uint8_t*)":scheme", (uint8_t*)"http", 7, 4, NGHTTP2_NV_FLAG_NONE},
      {(uint8_t*)":authority", (uint8_t*)"x.test", 10, 6, NGHTTP2_NV_FLAG_NONE},
      {(uint8_t*)":path", (uint8_t*)"/", 5, 1, NGHTTP2_NV_FLAG_NONE},
  };
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(
        nghttp2_submit_request(session, nullptr, fields.data(), fields.size(), nullptr, nullptr),
        2 * i + 1);
  }
  const std::uint8_t* out = nullptr;
  std::size_t sent = 0;
  for (auto n = nghttp2_session_mem_send(session, &out); n > 0;
       n = nghttp2_session_mem_send(session, &out)) {
    sent += static_cast<std::size_t>(n);
  }
  EXPECT_GT(sent, 50u * 9);  // the preface, SETTINGS and fifty HEADERS frames
  nghttp2_session_del(session);
}

}  // namespace
}  // namespace stampede::protocol::http2
