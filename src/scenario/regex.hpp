// SPDX-License-Identifier: Apache-2.0
// Regular expressions for captures and WebSocket expects, on RE2: matching takes time linear
// in the text and no recursion, so a 16 MiB body can neither stall a worker nor overflow its
// stack. RE2's syntax is Perl's without backreferences and lookaround.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace stampede::scenario {

/// Thread-safety: immutable once built; search() may run on many threads at once.
class regex {
 public:
  /// Throws std::invalid_argument with RE2's reason (naming unsupported syntax).
  explicit regex(const std::string& pattern);
  ~regex();
  regex(regex&&) noexcept;
  regex& operator=(regex&&) noexcept;

  /// Why `pattern` does not compile, or nullopt.
  static std::optional<std::string> error_of(const std::string& pattern);

  /// True when the pattern matches somewhere in `text`.
  bool search(std::string_view text) const;
  /// The first group of the first match, or the whole match when the pattern has no group.
  std::optional<std::string> capture(std::string_view text) const;

 private:
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace stampede::scenario
