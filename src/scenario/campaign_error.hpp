// SPDX-License-Identifier: Apache-2.0
// The one error type of campaign loading: it names the file, the line and the field.
#pragma once

#include <stdexcept>
#include <string>

namespace stampede::scenario {

/// A campaign (or its CSV data file) that cannot be used as written. what() is
/// "FILE:LINE: FIELD: message", e.g.
/// "quickstart.yaml:7: phases[0].users: expected a positive integer, got 'five'".
/// The CLI prints what() and exits 2.
class campaign_error : public std::runtime_error {
 public:
  campaign_error(std::string file, int line, std::string field, std::string message);

  const std::string& file() const { return file_; }
  int line() const { return line_; }  ///< 1-based; 0 when the file could not be read at all
  /// A path like `scenarios[0].flow[2].get.headers`, or "(file)" / "(syntax)" for the whole
  /// document, or "data" for a CSV data file.
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  std::string field_;
  std::string message_;
};

}  // namespace stampede::scenario
