// SPDX-License-Identifier: Apache-2.0
// The stamp a publish step puts in each message, so subscribers can tell which message they got
// and how long it took to reach them:
//
//   ~sp1:<stream, 16 hex digits>:<sequence>:<sent, Unix microseconds>~
//
// A stream is one publisher user publishing to one path (channel); its sequence numbers start at
// 1 and go up by one, so a subscriber sees loss, duplicates and reordering as gaps, repeats and
// steps back. Subscribers look for the stamp near the start of a message, so a server that wraps
// the published body (a JSON envelope, an SSE data: line) still delivers a readable stamp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stampede::push {

struct stamp {
  std::uint64_t stream = 0;
  std::uint64_t sequence = 0;
  std::int64_t sent_us = 0;  ///< Unix time in microseconds, from the publisher's clock
};

/// Subscribers look this far into a message for a stamp; a large binary message costs no more.
inline constexpr std::size_t stamp_search_window = 1024;

/// Appends the stamp, then '.' until `out` grew by `size` bytes (when `size` is larger).
void write_stamp(const stamp& s, std::size_t size, std::string& out);

/// The first well-formed stamp within the first stamp_search_window bytes of `message`.
std::optional<stamp> find_stamp(std::string_view message);

/// The stream of publisher `publisher` (unique within the run) publishing to `path` in phase
/// `phase`: a 64-bit hash, so it fits the stamp and a subscriber's table whatever the path.
std::uint64_t stream_id(std::uint64_t phase, std::uint64_t publisher, std::string_view path);

}  // namespace stampede::push
