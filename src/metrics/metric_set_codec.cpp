// SPDX-License-Identifier: Apache-2.0
#include "metrics/metric_set_codec.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <system_error>

namespace stampede::metrics {
namespace {

/// Not a histogram: the reach table travels in the histogram list under this name.
constexpr std::string_view push_pending_name = "push_pending";

/// A position written by encode (a status code, a step's index): decimal digits only, all of
/// `text`. nullopt for anything else, so that received text never throws out of decode.
std::optional<std::size_t> parse_position(std::string_view text) {
  std::size_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) {
    return std::nullopt;
  }
  return value;
}

std::string position_name(std::string_view key, std::size_t i) {
  std::string name(key);
  name += '.';
  name += std::to_string(i);
  return name;
}

/// Puts a decoded histogram where its name says; false for a name no field has, or a position
/// past the layout's.
bool place(metric_set& m, std::string_view name, histogram&& h) {
  for (const auto& f : histogram_fields) {
    if (name == f.name) {
      m.*f.member = std::move(h);
      return true;
    }
  }
  for (std::size_t i = 0; i < reach_shares.size(); ++i) {
    if (name == position_name("push_reach", static_cast<std::size_t>(reach_shares[i]))) {
      m.push_reach[i] = std::move(h);
      return true;
    }
  }
  for (const auto& v : histogram_vector_fields) {
    if (name.size() > v.key.size() && name.substr(0, v.key.size()) == v.key &&
        name[v.key.size()] == '.') {
      auto& into = m.*v.member;
      const auto i = parse_position(name.substr(v.key.size() + 1));
      if (!i || *i >= into.size()) {
        return false;
      }
      into[*i] = std::move(h);
      return true;
    }
  }
  return false;
}

}  // namespace

encoded_metric_set encode(const metric_set& m) {
  encoded_metric_set e;
  auto& j = e.counters;
  j = nlohmann::json::object();
  for (const auto& c : counter_fields) {
    j[std::string(c.name)] = m.*c.member;
  }
  for (const auto& v : vector_fields) {
    j[std::string(v.name)] = m.*v.member;
  }
  nlohmann::json codes = nlohmann::json::object();
  for (std::size_t i = 0; i < m.status_codes.size(); ++i) {
    if (m.status_codes[i] != 0) {
      codes[std::to_string(i)] = m.status_codes[i];
    }
  }
  j["status_codes"] = std::move(codes);
  nlohmann::json errors = nlohmann::json::object();
  for (std::size_t i = 0; i < error_class_count; ++i) {
    if (m.errors[i] != 0) {
      errors[std::string(error_class_names[i])] = {{"count", m.errors[i]},
                                                   {"sample", m.error_samples[i]}};
    }
  }
  j["errors"] = std::move(errors);
  if (!m.reasons.empty() || m.error_total() != 0) {
    nlohmann::json reasons = nlohmann::json::array();
    for (const auto& r : m.reasons.entries()) {
      reasons.push_back({std::string(name(r.cls)), r.reason, r.count});
    }
    for (std::size_t i = 0; i < error_class_count; ++i) {
      if (m.reasons.overflow()[i] != 0) {
        reasons.push_back(
            {std::string(error_class_names[i]), other_reasons, m.reasons.overflow()[i]});
      }
    }
    j["error_reasons"] = std::move(reasons);
  }
  for (const auto& h : histogram_fields) {
    if (!(m.*h.member).empty()) {
      e.histograms.emplace_back(std::string(h.name), (m.*h.member).encode());
    }
  }
  for (const auto& v : histogram_vector_fields) {
    const auto& hs = m.*v.member;
    for (std::size_t i = 0; i < hs.size(); ++i) {
      if (!hs[i].empty()) {
        e.histograms.emplace_back(position_name(v.key, i), hs[i].encode());
      }
    }
  }
  for (std::size_t i = 0; i < m.push_reach.size(); ++i) {
    if (!m.push_reach[i].empty()) {
      e.histograms.emplace_back(
          position_name("push_reach", static_cast<std::size_t>(reach_shares[i])),
          m.push_reach[i].encode());
    }
  }
  if (!m.push_pending.empty()) {
    e.histograms.emplace_back(std::string(push_pending_name), m.push_pending.encode());
  }
  return e;
}

std::optional<metric_set> decode(const encoded_metric_set& e, const metric_layout& layout) {
  metric_set m(layout);
  try {
    const auto& j = e.counters;
    for (const auto& c : counter_fields) {
      m.*c.member = j.value(std::string(c.name), std::uint64_t{0});
    }
    for (const auto& v : vector_fields) {
      auto values = j.value(std::string(v.name), std::vector<std::uint64_t>{});
      auto& into = m.*v.member;
      if (values.size() > into.size()) {
        return std::nullopt;
      }
      std::copy(values.begin(), values.end(), into.begin());
    }
    const auto status_codes_json = j.value("status_codes", nlohmann::json::object());
    for (const auto& [code, n] : status_codes_json.items()) {
      const auto slot = parse_position(code);
      if (!slot || *slot >= m.status_codes.size()) {
        return std::nullopt;
      }
      m.status_codes[*slot] = n.get<std::uint64_t>();
    }
    const auto errors_json = j.value("errors", nlohmann::json::object());
    for (const auto& [cls, v] : errors_json.items()) {
      const auto e_class = error_class_from_name(cls);
      if (!e_class) {
        return std::nullopt;
      }
      const auto i = static_cast<std::size_t>(*e_class);
      m.errors[i] = v.at("count").get<std::uint64_t>();
      m.error_samples[i] = v.value("sample", "");
    }
    for (const auto& r : j.value("error_reasons", nlohmann::json::array())) {
      const auto e_class = error_class_from_name(r.at(0).get<std::string>());
      if (!e_class) {
        return std::nullopt;
      }
      m.reasons.count_text(*e_class, r.at(1).get<std::string>(), r.at(2).get<std::uint64_t>());
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  for (const auto& [name, bytes] : e.histograms) {
    if (name == push_pending_name) {
      auto table = reach_table::decode(bytes);
      if (!table) {
        return std::nullopt;
      }
      m.push_pending = std::move(*table);
      continue;
    }
    auto h = histogram::decode(bytes);
    if (!h) {
      return std::nullopt;
    }
    if (!place(m, name, std::move(*h))) {
      return std::nullopt;
    }
  }
  return m;
}

}  // namespace stampede::metrics
