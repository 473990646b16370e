// SPDX-License-Identifier: Apache-2.0
#include "outputs/influxdb_output.hpp"

#include <cctype>
#include <map>

#include <fmt/format.h>

#include "outputs/posting_output.hpp"

namespace stampede::outputs {
namespace {

/// A tag key or value (or measurement): commas, '=' and spaces escaped with a backslash.
std::string escaped(std::string_view v) {
  std::string out;
  for (const char c : v) {
    if (c == ',' || c == '=' || c == ' ') {
      out += '\\';
    }
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

/// "%XX" for the bytes a query string cannot hold as they are.
std::string query_escaped(std::string_view v) {
  std::string out;
  for (const unsigned char c : v) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

class influxdb_output final : public posting_output {
 public:
  influxdb_output(const std::string& name, http_url url, header_list auth)
      : posting_output(name, std::move(url), "text/plain; charset=utf-8", std::move(auth)) {
    start();
  }
  ~influxdb_output() override { finish(std::chrono::steady_clock::now()); }

 private:
  std::vector<std::string> bodies_of(const second_record& second) override {
    return {line_protocol(second)};
  }
};

}  // namespace

std::string line_protocol(const second_record& second) {
  // Measurement `stampede` for the run's totals, `stampede_<label>` by label (stampede_step,
  // ...); the field is the series' name without its label's prefix (step_requests: requests).
  std::map<std::pair<std::string, std::string>, std::string> lines;  // (label, value) -> fields
  for (const auto& p : second.points) {
    auto field = p.metric;
    if (!p.label.empty() && field.starts_with(std::string(p.label) + "_")) {
      field.erase(0, p.label.size() + 1);
    }
    auto& fields = lines[{std::string(p.label), p.label_value}];
    if (!fields.empty()) {
      fields += ',';
    }
    // Counts and levels are integers (the `i` suffix); statistics floats.
    if (p.metric.ends_with("_ms")) {
      fields += fmt::format("{}={}", escaped(field), p.value);
    } else {
      fields += fmt::format("{}={}i", escaped(field), static_cast<std::int64_t>(p.value));
    }
  }
  auto tags = fmt::format(",campaign={}", escaped(second.campaign.empty() ? "-" : second.campaign));
  if (second.run_id != 0) {
    tags += fmt::format(",run={}", second.run_id);
  }
  std::string out;
  for (const auto& [key, fields] : lines) {
    const auto& [label, value] = key;
    out += label.empty() ? std::string("stampede") : "stampede_" + label;
    out += tags;
    if (!label.empty()) {
      out += fmt::format(",{}={}", label, escaped(value.empty() ? "-" : value));
    }
    out += fmt::format(" {} {}\n", fields, second.t_ms);
  }
  return out;
}

std::unique_ptr<output> make_influxdb_output(const std::string& name, const std::string& url,
                                             const std::string& database,
                                             const std::string& retention, header_list auth) {
  auto where = parse_http_url(url);
  if (where.target == "/") {
    where.target.clear();
  }
  where.target += fmt::format("/write?db={}&precision=ms", query_escaped(database));
  if (!retention.empty()) {
    where.target += "&rp=" + query_escaped(retention);
  }
  return std::make_unique<influxdb_output>(name, std::move(where), std::move(auth));
}

}  // namespace stampede::outputs
