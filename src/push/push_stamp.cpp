// SPDX-License-Identifier: Apache-2.0
#include "push/push_stamp.hpp"

#include <charconv>

namespace stampede::push {

namespace {

constexpr std::string_view prefix = "~sp1:";

/// Parses digits up to `end_char` from `text[pos]`; moves `pos` past the delimiter.
template <typename T>
bool field(std::string_view text, std::size_t& pos, char end_char, int base, T& value) {
  const auto* first = text.data() + pos;
  const auto* last = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(first, last, value, base);
  if (ec != std::errc() || ptr == first || ptr == last || *ptr != end_char) {
    return false;
  }
  pos = static_cast<std::size_t>(ptr - text.data()) + 1;
  return true;
}

std::uint64_t mix(std::uint64_t h) {  // splitmix64's finaliser
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

}  // namespace

void write_stamp(const stamp& s, std::size_t size, std::string& out) {
  const auto start = out.size();
  out.append(prefix);
  // Fixed width for the stream, so every stamp of a stream has the same length.
  static constexpr char hex[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) {
    out.push_back(hex[(s.stream >> shift) & 0xf]);
  }
  char digits[24];
  out.push_back(':');
  out.append(digits, std::to_chars(digits, digits + sizeof digits, s.sequence).ptr);
  out.push_back(':');
  out.append(digits, std::to_chars(digits, digits + sizeof digits, s.sent_us).ptr);
  out.push_back('~');
  if (out.size() - start < size) {
    out.append(size - (out.size() - start), '.');
  }
}

std::optional<stamp> find_stamp(std::string_view message) {
  const auto window = message.substr(0, stamp_search_window);
  for (auto at = window.find(prefix); at != std::string_view::npos;
       at = window.find(prefix, at + 1)) {
    // Parse from the whole message: a stamp may start inside the window and end after it.
    std::size_t pos = at + prefix.size();
    stamp s;
    if (field(message, pos, ':', 16, s.stream) && field(message, pos, ':', 10, s.sequence) &&
        field(message, pos, '~', 10, s.sent_us)) {
      return s;
    }
  }
  return std::nullopt;
}

std::uint64_t stream_id(std::uint64_t phase, std::uint64_t publisher, std::string_view path) {
  // FNV-1a over the path, then mixed with the publisher and phase.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : path) {
    h = (h ^ c) * 0x100000001b3ULL;
  }
  return mix(h ^ mix(publisher * 0x9e3779b97f4a7c15ULL + phase));
}

}  // namespace stampede::push
