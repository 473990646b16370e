// SPDX-License-Identifier: Apache-2.0
// Campaign files (YAML) into the campaign model. Every error names the file, the line and the
// field, and exits the CLI with code 2; an unknown field is an error, never silently ignored.
// The schema is documented in docs/campaign.md.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "scenario/campaign.hpp"

namespace stampede::scenario {

/// what() is "FILE:LINE: FIELD: message", e.g.
/// "quickstart.yaml:7: phases[0].users: expected a positive integer, got 'five'".
class campaign_error : public std::runtime_error {
 public:
  campaign_error(std::string file, int line, std::string field, std::string message);

  const std::string& file() const { return file_; }
  int line() const { return line_; }  ///< 1-based; 0 when the file could not be read at all
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  std::string field_;
  std::string message_;
};

/// Reads and parses a campaign file; a CSV feeder is read relative to the file's directory.
campaign load_campaign_file(const std::string& path);

/// Parses campaign text; `file_name` is used in errors, `base_dir` to find data files.
/// With `load_data` false a CSV feeder is checked for its fields but its file is not read
/// (a controller stores campaigns whose data files live where they will run).
campaign parse_campaign(std::string_view yaml_text, const std::string& file_name,
                        const std::string& base_dir, bool load_data = true);

/// "http.latency.p95 < 200ms" -> threshold. Throws std::invalid_argument with a message that
/// says what is wrong.
threshold parse_threshold(std::string_view expression);

/// Parses RFC 4180 CSV text (quotes, doubled quotes, CRLF or LF). The first row is the header.
/// Throws campaign_error naming `file` and the line of a row with the wrong number of fields.
data_feeder parse_csv(std::string_view text, const std::string& file);

}  // namespace stampede::scenario
