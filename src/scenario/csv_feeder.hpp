// SPDX-License-Identifier: Apache-2.0
// CSV data files (RFC 4180) into a data feeder whose columns become per-user variables.
#pragma once

#include <string>
#include <string_view>

#include "scenario/campaign.hpp"
#include "scenario/campaign_error.hpp"

namespace stampede::scenario {

/// Parses CSV text. The first row names the columns; every later row needs as many fields.
/// Understands "quoted, fields" with "" for a quote inside quotes, line breaks inside quotes,
/// LF or CRLF line ends, a UTF-8 byte order mark, and skips blank lines.
/// Throws campaign_error naming `file` and the CSV line: a row with the wrong number of fields,
/// an unterminated quote, text after a closing quote, an empty file, a header without rows, a
/// column without a name or a column named twice. `file` is also stored in data_feeder::file.
data_feeder parse_csv(std::string_view text, const std::string& file);

}  // namespace stampede::scenario
