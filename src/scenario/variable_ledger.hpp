// SPDX-License-Identifier: Apache-2.0
// The {{variables}} a campaign's templates use and the names its captures define, noted while it
// is read, and the check that something defines each one used. Internal to the campaign parser.
#pragma once

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "scenario/campaign_error.hpp"

namespace stampede::scenario::detail {

/// Which uses nothing defines is known only once the whole campaign is read: a capture may come
/// after the step that uses it (in another scenario, or in a loop's later step).
///
/// Thread-safety: none; one ledger belongs to one campaign being read.
class variable_ledger {
 public:
  /// `{{name}}` used in the template of `field`, at `line`.
  void note_use(const std::string& name, int line, const std::string& field);
  /// A capture stores into `name` (`as: name`).
  void note_capture(const std::string& name) { captured_.insert(name); }

  /// An error at each use that no capture and none of `columns` (the data file's) defines,
  /// suggesting the closest defined name, in the order the uses were read.
  std::vector<campaign_problem> undefined(const std::string& file,
                                          const std::vector<std::string>& columns) const;

 private:
  struct use {
    std::string name;
    int line = 0;
    std::string field;
  };
  std::vector<use> uses_;
  std::set<std::tuple<std::string, int, std::string>> noted_;  ///< a name used twice in one field
  std::set<std::string> captured_;
};

}  // namespace stampede::scenario::detail
