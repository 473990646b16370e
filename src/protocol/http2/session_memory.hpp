// SPDX-License-Identifier: Apache-2.0
// The allocator HTTP/2 sessions are made with.
#pragma once

#include <cstddef>

#include <nghttp2/nghttp2.h>

namespace stampede::protocol::http2 {

/// Keeps the small blocks nghttp2 frees for its next allocations, per thread. nghttp2
/// allocates about four blocks for each stream (the stream, its outbound item, the copied
/// header fields, a received field) and frees them a moment later; malloc's free is ~100
/// instructions a block where a free list is a few. Blocks up to 4 KiB are kept (at most
/// 1 MiB per size per thread); larger ones go to malloc. Blocks may be freed on any thread.
/// Sanitizer builds use malloc, so that use-after-free stays visible.
///
/// Null means nghttp2's default allocator.
nghttp2_mem* session_memory();

/// The same pool, for tests: payload sizes up to 4 KiB come from the free lists.
namespace block_pool {
void* allocate(std::size_t bytes);
void release(void* block) noexcept;
void* resize(void* block, std::size_t bytes);
/// Blocks this thread keeps for reuse.
std::size_t kept_blocks() noexcept;
}  // namespace block_pool

}  // namespace stampede::protocol::http2
