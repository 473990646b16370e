// SPDX-License-Identifier: Apache-2.0
#include "protocol/http2/session_memory.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace stampede::protocol::http2 {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool use_malloc = true;
#else
constexpr bool use_malloc = false;
#endif

/// In front of every block: which free list it returns to and how much it holds. 16 bytes
/// keep payloads as aligned as malloc's.
struct block_header {
  std::uint64_t size_class;
  std::uint64_t capacity;  ///< payload bytes
};
static_assert(sizeof(block_header) == 16);

constexpr std::size_t smallest_shift = 6;  // 64-byte blocks, header included
constexpr std::size_t class_count = 7;     // ... up to 4 KiB
constexpr std::size_t largest_block = std::size_t{1} << (smallest_shift + class_count - 1);
constexpr std::uint64_t unpooled = class_count;
constexpr std::size_t max_kept_bytes = std::size_t{1} << 20;

constexpr std::size_t block_bytes(std::size_t size_class) {
  return std::size_t{1} << (smallest_shift + size_class);
}

constexpr std::size_t class_of(std::size_t block) {
  return block <= block_bytes(0) ? 0 : std::bit_width(block - 1) - smallest_shift;
}

constexpr std::size_t kept_limit(std::size_t size_class) {
  return max_kept_bytes / block_bytes(size_class);
}

struct free_block {
  free_block* next;
};

struct free_list {
  free_block* head;
  std::size_t count;
};

/// Trivially constructed and destroyed, so that reaching it costs no guard on every call:
/// what it keeps is given back by pool_cleanup, armed when the thread first keeps a block or
/// takes one from malloc (a thread may only ever free blocks other threads allocated).
struct pool {
  std::array<free_list, class_count> lists;
  bool cleanup_armed;
  bool closed;  ///< the thread is ending: blocks go straight back to malloc
};
thread_local pool this_thread_pool;

void drain(pool& p) noexcept {
  for (auto& list : p.lists) {
    while (list.head != nullptr) {
      std::free(std::exchange(list.head, list.head->next));
    }
    list.count = 0;
  }
}

struct pool_cleanup {
  bool armed = false;
  ~pool_cleanup() {
    this_thread_pool.closed = true;
    drain(this_thread_pool);
  }
};
thread_local pool_cleanup this_thread_cleanup;

block_header* header_of(void* payload) noexcept {
  return reinterpret_cast<block_header*>(static_cast<char*>(payload) - sizeof(block_header));
}

[[gnu::noinline]] void arm_cleanup() {
  this_thread_pool.cleanup_armed = true;
  this_thread_cleanup.armed = true;  // the first use registers its destructor for thread exit
}

[[gnu::noinline]] void* fresh_block(std::size_t bytes) {
  if (!this_thread_pool.cleanup_armed) {
    arm_cleanup();
  }
  return std::malloc(bytes);
}

void* allocate(std::size_t bytes) {
  const auto total = bytes + sizeof(block_header);
  void* block = nullptr;
  std::uint64_t size_class = unpooled;
  std::size_t capacity = bytes;
  if (total <= largest_block) [[likely]] {
    size_class = class_of(total);
    capacity = block_bytes(size_class) - sizeof(block_header);
    auto& list = this_thread_pool.lists[size_class];
    if (list.head != nullptr) [[likely]] {
      block = std::exchange(list.head, list.head->next);
      --list.count;
    } else {
      block = fresh_block(block_bytes(size_class));
    }
  } else {
    block = std::malloc(total);
  }
  if (block == nullptr) {
    return nullptr;
  }
  *static_cast<block_header*>(block) = {size_class, capacity};
  return static_cast<char*>(block) + sizeof(block_header);
}

void release(void* payload) noexcept {
  if (payload == nullptr) {
    return;
  }
  auto* header = header_of(payload);
  auto& p = this_thread_pool;
  if (header->size_class == unpooled || p.closed) {
    std::free(header);
    return;
  }
  auto& list = p.lists[header->size_class];
  if (list.count >= kept_limit(header->size_class)) {
    std::free(header);
    return;
  }
  if (!p.cleanup_armed) [[unlikely]] {
    arm_cleanup();
  }
  auto* block = reinterpret_cast<free_block*>(header);
  block->next = list.head;
  list.head = block;
  ++list.count;
}

void* resize(void* payload, std::size_t bytes) {
  if (payload == nullptr) {
    return allocate(bytes);
  }
  const auto capacity = header_of(payload)->capacity;
  if (bytes <= capacity) {
    return payload;
  }
  void* moved = allocate(bytes);
  if (moved != nullptr) {
    std::memcpy(moved, payload, capacity);
    release(payload);
  }
  return moved;
}

void* pool_malloc(std::size_t size, void*) {
  return allocate(size);
}
void pool_free(void* ptr, void*) {
  release(ptr);
}
void* pool_calloc(std::size_t n, std::size_t size, void*) {
  if (size != 0 && n > SIZE_MAX / size) {
    return nullptr;
  }
  void* p = allocate(n * size);
  if (p != nullptr) {
    std::memset(p, 0, n * size);
  }
  return p;
}
void* pool_realloc(void* ptr, std::size_t size, void*) {
  return resize(ptr, size);
}

nghttp2_mem pooled{nullptr, &pool_malloc, &pool_free, &pool_calloc, &pool_realloc};

}  // namespace

nghttp2_mem* session_memory() {
  return use_malloc ? nullptr : &pooled;
}

namespace block_pool {
void* allocate(std::size_t bytes) {
  return http2::allocate(bytes);
}
void release(void* block) noexcept {
  http2::release(block);
}
void* resize(void* block, std::size_t bytes) {
  return http2::resize(block, bytes);
}
std::size_t kept_blocks() noexcept {
  std::size_t n = 0;
  for (const auto& list : this_thread_pool.lists) {
    n += list.count;
  }
  return n;
}
}  // namespace block_pool

}  // namespace stampede::protocol::http2
