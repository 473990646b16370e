// SPDX-License-Identifier: Apache-2.0
#include "scenario/csv_feeder.hpp"

#include <set>
#include <vector>

#include <fmt/format.h>

#include "core/text.hpp"

namespace stampede::scenario {
namespace {

struct csv_row {
  std::vector<std::string> fields;
  int line = 0;  ///< where the row starts; a quoted line break makes a row span lines
};

/// Splits `text` into rows of fields; blank lines are dropped.
std::vector<csv_row> split_rows(std::string_view text, const std::string& file) {
  enum class state { field_start, unquoted, quoted, after_quote };
  std::vector<csv_row> rows;
  csv_row row{{}, 1};
  std::string field;
  state at = state::field_start;
  bool row_has_quotes = false;  // a line holding just "" is an empty value, not a blank line
  int line = 1;
  int quote_line = 1;

  auto fail = [&](int where, const std::string& message) {
    throw campaign_error(file, where, "data", message);
  };
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    at = state::field_start;
  };
  auto end_row = [&] {
    end_field();
    const bool blank = row.fields.size() == 1 && row.fields[0].empty() && !row_has_quotes;
    if (!blank) {
      rows.push_back(std::move(row));
    }
    row = csv_row{{}, line + 1};
    row_has_quotes = false;
  };

  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (at == state::quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        at = state::after_quote;
      } else {
        line += c == '\n' ? 1 : 0;
        field.push_back(c);
      }
      continue;
    }
    if (c == ',') {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // CRLF: the '\n' ends the row
    } else if (c == '\n') {
      end_row();
      ++line;
    } else if (at == state::after_quote) {
      fail(line, fmt::format("unexpected text after the closing quote of field {} (a quote "
                             "inside a quoted field is written \"\")",
                             row.fields.size() + 1));
    } else if (c == '"' && at == state::field_start) {
      at = state::quoted;
      row_has_quotes = true;
      quote_line = line;
    } else {
      // A quote in the middle of an unquoted field (5" screen) is kept as text, as most
      // spreadsheet exports expect.
      field.push_back(c);
      at = state::unquoted;
    }
  }
  if (at == state::quoted) {
    fail(quote_line, "unterminated quoted field (a quote opened here is never closed)");
  }
  if (at != state::field_start || !row.fields.empty()) {
    end_row();  // the last line had no line break
  }
  return rows;
}

}  // namespace

data_feeder parse_csv(std::string_view text, const std::string& file) {
  constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";
  if (text.substr(0, byte_order_mark.size()) == byte_order_mark) {
    text.remove_prefix(byte_order_mark.size());  // spreadsheet exports often start with one
  }
  auto rows = split_rows(text, file);
  if (rows.empty()) {
    throw campaign_error(file, 1, "data",
                         "the CSV file is empty: expected a header row naming the columns");
  }
  data_feeder out;
  out.file = file;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < rows[0].fields.size(); ++i) {
    // {{ name }} is looked up trimmed, so an untrimmed " name" column could never be used.
    auto name = std::string(core::trim(rows[0].fields[i]));
    if (name.empty()) {
      throw campaign_error(file, rows[0].line, "data",
                           fmt::format("column {} of the header row has no name", i + 1));
    }
    if (!seen.insert(name).second) {
      throw campaign_error(file, rows[0].line, "data",
                           fmt::format("column '{}' is named twice in the header row", name));
    }
    out.columns.push_back(std::move(name));
  }
  for (std::size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].fields.size() != out.columns.size()) {
      throw campaign_error(file, rows[r].line, "data",
                           fmt::format("expected {} fields like the header row, got {}",
                                       out.columns.size(), rows[r].fields.size()));
    }
    out.rows.push_back(std::move(rows[r].fields));
  }
  if (out.rows.empty()) {
    throw campaign_error(file, rows[0].line, "data",
                         "the CSV file has a header row but no data rows");
  }
  return out;
}

}  // namespace stampede::scenario
