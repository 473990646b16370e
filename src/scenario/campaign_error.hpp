// SPDX-License-Identifier: Apache-2.0
// The one error type of campaign loading: each mistake names the file, the line and the field,
// and one error holds every mistake found in a file.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace stampede::scenario {

/// One mistake in a campaign (or its CSV data file).
struct campaign_problem {
  std::string file;
  int line = 0;  ///< 1-based; 0 when the file could not be read at all
  /// A path like `scenarios[0].flow[2].get.headers`, or "(file)" / "(syntax)" for the whole
  /// document, or "data" for a CSV data file.
  std::string field;
  std::string message;

  /// "FILE:LINE: FIELD: message", e.g.
  /// "quickstart.yaml:7: phases[0].users: expected a positive integer, got 'five'".
  std::string text() const;
};

/// A campaign that cannot be used as written. what() is the text of each of its problems, one a
/// line, in file order; with one problem, "FILE:LINE: FIELD: message". The CLI prints them and
/// exits 2.
class campaign_error : public std::runtime_error {
 public:
  campaign_error(std::string file, int line, std::string field, std::string message);
  /// Several problems found in one file; `problems` must not be empty.
  explicit campaign_error(std::vector<campaign_problem> problems);

  /// Every problem, the first of them the one file(), line(), field() and message() describe.
  const std::vector<campaign_problem>& problems() const { return problems_; }

  const std::string& file() const { return problems_.front().file; }
  int line() const { return problems_.front().line; }
  const std::string& field() const { return problems_.front().field; }
  const std::string& message() const { return problems_.front().message; }

 private:
  std::vector<campaign_problem> problems_;
};

}  // namespace stampede::scenario
