// SPDX-License-Identifier: Apache-2.0
// The errors of one campaign being read, kept so that reading goes on after a mistake and a
// file's independent mistakes are all reported at once. Internal to the campaign parser.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "scenario/campaign_error.hpp"

namespace stampede::scenario::detail {

/// Thrown by a part of a campaign whose own parts failed and were kept already (a flow with a
/// bad step): the part fails as well, with nothing new to report.
struct errors_reported {};

/// Readers still throw campaign_error at a mistake; the loops over a campaign's sections and
/// items run each one through attempt(), which keeps the error and lets the next item be read.
///
/// Thread-safety: none; one list belongs to one campaign being read.
class error_list {
 public:
  /// `file`: the campaign's, whose errors are sorted by line.
  explicit error_list(std::string file) : file_(std::move(file)) {}

  /// Runs `read`; true when it threw nothing. A campaign_error it throws is kept.
  template <typename F>
  bool attempt(F&& read) {
    try {
      read();
      return true;
    } catch (const campaign_error& e) {
      problems_.insert(problems_.end(), e.problems().begin(), e.problems().end());
    } catch (const errors_reported&) {
      // Its parts' errors are in the list already.
    }
    return false;
  }

  bool empty() const { return problems_.empty(); }

  /// Throws one campaign_error holding every error kept: the campaign file's by line (those of
  /// one line in the order read), then the data file's. Returns when there is none.
  void throw_if_any() const {
    if (problems_.empty()) {
      return;
    }
    auto sorted = problems_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [this](const campaign_problem& a, const campaign_problem& b) {
                       const bool a_here = a.file == file_;
                       const bool b_here = b.file == file_;
                       if (a_here != b_here) {
                         return a_here;
                       }
                       return a_here && a.line < b.line;
                     });
    throw campaign_error(std::move(sorted));
  }

 private:
  std::string file_;
  std::vector<campaign_problem> problems_;
};

}  // namespace stampede::scenario::detail
