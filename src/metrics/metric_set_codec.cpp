// SPDX-License-Identifier: Apache-2.0
#include "metrics/metric_set_codec.hpp"

namespace stampede::metrics {
namespace {

struct named_histogram {
  const char* name;
  histogram metric_set::*member;
};

constexpr named_histogram fixed_histograms[] = {
    {"latency", &metric_set::latency},
    {"connect", &metric_set::connect},
    {"tls", &metric_set::tls},
    {"ttfb", &metric_set::ttfb},
    {"schedule_lag", &metric_set::schedule_lag},
    {"ws_handshake", &metric_set::ws_handshake},
    {"ws_rtt", &metric_set::ws_rtt},
    {"sse_gap", &metric_set::sse_gap},
    {"longpoll_gap", &metric_set::longpoll_gap},
    {"push_latency", &metric_set::push_latency},
};

/// Not a histogram: the reach table travels in the histogram list under this name.
constexpr std::string_view push_pending_name = "push_pending";

struct named_counter {
  const char* name;
  std::uint64_t metric_set::*member;
};

constexpr named_counter counters[] = {
    {"requests", &metric_set::requests},
    {"requests_failed", &metric_set::requests_failed},
    {"bytes_in", &metric_set::bytes_in},
    {"bytes_out", &metric_set::bytes_out},
    {"connections_opened", &metric_set::connections_opened},
    {"iterations_started", &metric_set::iterations_started},
    {"iterations_completed", &metric_set::iterations_completed},
    {"iterations_dropped", &metric_set::iterations_dropped},
    {"checks_passed", &metric_set::checks_passed},
    {"checks_failed", &metric_set::checks_failed},
    {"late_starts", &metric_set::late_starts},
    {"http2_streams", &metric_set::http2_streams},
    {"streams_reset", &metric_set::streams_reset},
    {"goaways", &metric_set::goaways},
    {"ws_opened", &metric_set::ws_opened},
    {"ws_messages_in", &metric_set::ws_messages_in},
    {"ws_messages_out", &metric_set::ws_messages_out},
    {"ws_bytes_in", &metric_set::ws_bytes_in},
    {"ws_bytes_out", &metric_set::ws_bytes_out},
    {"sse_streams", &metric_set::sse_streams},
    {"sse_events", &metric_set::sse_events},
    {"longpoll_polls", &metric_set::longpoll_polls},
    {"longpoll_messages", &metric_set::longpoll_messages},
    {"longpoll_empty", &metric_set::longpoll_empty},
    {"push_published", &metric_set::push_published},
    {"push_received", &metric_set::push_received},
    {"push_duplicated", &metric_set::push_duplicated},
    {"push_out_of_order", &metric_set::push_out_of_order},
    {"push_lost", &metric_set::push_lost},
    {"held_established", &metric_set::held_established},
    {"held_failed", &metric_set::held_failed},
    {"held_dropped", &metric_set::held_dropped},
    {"held_at_end", &metric_set::held_at_end},
    {"held_connect_seconds", &metric_set::held_connect_seconds},
    {"held_peak_connects", &metric_set::held_peak_connects},
    {"held_first_second_connects", &metric_set::held_first_second_connects},
    {"held_last_second_connects", &metric_set::held_last_second_connects},
    {"active_users", &metric_set::active_users},
    {"active_connections", &metric_set::active_connections},
};

struct named_vector {
  const char* name;
  std::vector<std::uint64_t> metric_set::*member;
};

constexpr named_vector vectors[] = {
    {"scenario_started", &metric_set::scenario_started},
    {"scenario_completed", &metric_set::scenario_completed},
    {"check_passed", &metric_set::check_passed},
    {"check_failed", &metric_set::check_failed},
};

}  // namespace

encoded_metric_set encode(const metric_set& m) {
  encoded_metric_set e;
  auto& j = e.counters;
  j = nlohmann::json::object();
  for (const auto& c : counters) {
    j[c.name] = m.*(c.member);
  }
  for (const auto& v : vectors) {
    j[v.name] = m.*(v.member);
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
  for (const auto& h : fixed_histograms) {
    if (!(m.*(h.member)).empty()) {
      e.histograms.emplace_back(h.name, (m.*(h.member)).encode());
    }
  }
  for (std::size_t i = 0; i < m.steps.size(); ++i) {
    if (!m.steps[i].empty()) {
      e.histograms.emplace_back("step." + std::to_string(i), m.steps[i].encode());
    }
  }
  for (std::size_t i = 0; i < m.push_reach.size(); ++i) {
    if (!m.push_reach[i].empty()) {
      e.histograms.emplace_back("push_reach." + std::to_string(reach_shares[i]),
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
    for (const auto& c : counters) {
      m.*(c.member) = j.value(c.name, std::uint64_t{0});
    }
    for (const auto& v : vectors) {
      auto values = j.value(v.name, std::vector<std::uint64_t>{});
      auto& into = m.*(v.member);
      if (values.size() > into.size()) {
        return std::nullopt;
      }
      std::copy(values.begin(), values.end(), into.begin());
    }
    const auto status_codes_json = j.value("status_codes", nlohmann::json::object());
    for (const auto& [code, n] : status_codes_json.items()) {
      const auto slot = static_cast<std::size_t>(std::stoul(code));
      if (slot >= m.status_codes.size()) {
        return std::nullopt;
      }
      m.status_codes[slot] = n.get<std::uint64_t>();
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
    bool placed = false;
    for (const auto& fh : fixed_histograms) {
      if (name == fh.name) {
        m.*(fh.member) = std::move(*h);
        placed = true;
        break;
      }
    }
    for (std::size_t i = 0; !placed && i < reach_shares.size(); ++i) {
      if (name == "push_reach." + std::to_string(reach_shares[i])) {
        m.push_reach[i] = std::move(*h);
        placed = true;
      }
    }
    if (!placed && name.rfind("step.", 0) == 0) {
      const auto i = static_cast<std::size_t>(std::stoul(name.substr(5)));
      if (i >= m.steps.size()) {
        return std::nullopt;
      }
      m.steps[i] = std::move(*h);
      placed = true;
    }
    if (!placed) {
      return std::nullopt;
    }
  }
  return m;
}

}  // namespace stampede::metrics
