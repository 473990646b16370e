// SPDX-License-Identifier: Apache-2.0
// Names as a sink allows them: step names are "METHOD path", with spaces and slashes that
// StatsD, Graphite and OpenTSDB forbid or reserve. Each output cleans with one rule (every byte
// it does not allow becomes '_'), and two names that clean alike are told apart by a suffix
// (_2, _3, ... in the order they appear), kept for the whole run.
#pragma once

#include <bitset>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace stampede::outputs {

class name_cleaner {
 public:
  /// `allowed`: the bytes kept as they are (besides ASCII letters and digits).
  explicit name_cleaner(std::string_view allowed);
  /// The clean form of `raw`, the same every time; never empty.
  const std::string& operator()(const std::string& raw);

 private:
  std::bitset<256> allowed_;
  std::map<std::string, std::string> cleaned_;  ///< raw -> clean
  std::set<std::string> taken_;
};

}  // namespace stampede::outputs
