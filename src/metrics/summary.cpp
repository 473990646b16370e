// SPDX-License-Identifier: Apache-2.0
#include "metrics/summary.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace stampede::metrics {
namespace {

/// Most frequent first; ties (and the order across runs) by text.
void sort_reasons(std::vector<std::pair<std::string, std::uint64_t>>& reasons) {
  std::sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
}

double us_to_ms(double us) {
  return us / 1000.0;
}

}  // namespace

latency_stats latency_stats::from(const histogram& h) {
  latency_stats s;
  s.count = h.count();
  if (s.count == 0) {
    return s;
  }
  s.min = us_to_ms(static_cast<double>(h.min()));
  s.mean = us_to_ms(h.mean());
  s.p50 = us_to_ms(static_cast<double>(h.value_at_percentile(50)));
  s.p90 = us_to_ms(static_cast<double>(h.value_at_percentile(90)));
  s.p95 = us_to_ms(static_cast<double>(h.value_at_percentile(95)));
  s.p99 = us_to_ms(static_cast<double>(h.value_at_percentile(99)));
  s.p999 = us_to_ms(static_cast<double>(h.value_at_percentile(99.9)));
  s.max = us_to_ms(static_cast<double>(h.max()));
  return s;
}

std::optional<double> latency_stats::get(std::string_view stat) const {
  if (count == 0) {
    return std::nullopt;
  }
  if (stat == "min")
    return min;
  if (stat == "mean" || stat == "avg")
    return mean;
  if (stat == "p50" || stat == "med")
    return p50;
  if (stat == "p90")
    return p90;
  if (stat == "p95")
    return p95;
  if (stat == "p99")
    return p99;
  if (stat == "p999")
    return p999;
  if (stat == "max")
    return max;
  return std::nullopt;
}

summary summary::build(const metric_set& totals, const metric_layout& layout, double duration_s) {
  summary s;
  s.duration_s = duration_s;
  s.requests_total = totals.requests;
  s.requests_failed = totals.requests_failed;
  s.requests_ok = totals.requests - totals.requests_failed;
  s.rps = duration_s > 0 ? static_cast<double>(totals.requests) / duration_s : 0;
  s.latency = latency_stats::from(totals.latency);
  s.ttfb = latency_stats::from(totals.ttfb);
  s.connect = latency_stats::from(totals.connect);
  s.tls = latency_stats::from(totals.tls);
  s.schedule_lag = latency_stats::from(totals.schedule_lag);
  for (std::size_t code = 0; code < totals.status_codes.size(); ++code) {
    if (totals.status_codes[code] != 0) {
      s.status_codes[static_cast<int>(code)] = totals.status_codes[code];
    }
  }
  for (std::size_t i = 0; i < error_class_count; ++i) {
    if (totals.errors[i] != 0) {
      s.errors[std::string(error_class_names[i])] = {totals.errors[i], totals.error_samples[i], {}};
    }
  }
  for (const auto& r : totals.reasons.entries()) {
    s.errors[std::string(metrics::name(r.cls))].reasons.emplace_back(r.reason, r.count);
  }
  for (std::size_t i = 0; i < error_class_count; ++i) {
    if (totals.reasons.overflow()[i] != 0) {
      s.errors[std::string(error_class_names[i])].reasons.emplace_back(
          std::string(other_reasons), totals.reasons.overflow()[i]);
    }
  }
  for (auto& [cls, e] : s.errors) {
    sort_reasons(e.reasons);
  }
  s.bytes_in = totals.bytes_in;
  s.bytes_out = totals.bytes_out;
  s.connections_opened = totals.connections_opened;
  s.peak_users = totals.active_users;
  s.peak_connections = totals.active_connections;
  s.iterations_started = totals.iterations_started;
  s.iterations_completed = totals.iterations_completed;
  s.iterations_dropped = totals.iterations_dropped;
  s.iterations_interrupted = totals.iterations_interrupted;
  s.late_starts = totals.late_starts;
  s.http2_streams = totals.http2_streams;
  s.streams_reset = totals.streams_reset;
  s.goaways = totals.goaways;
  s.ws_opened = totals.ws_opened;
  s.ws_messages_in = totals.ws_messages_in;
  s.ws_messages_out = totals.ws_messages_out;
  s.ws_bytes_in = totals.ws_bytes_in;
  s.ws_bytes_out = totals.ws_bytes_out;
  s.ws_handshake = latency_stats::from(totals.ws_handshake);
  s.ws_rtt = latency_stats::from(totals.ws_rtt);
  s.sse_streams = totals.sse_streams;
  s.sse_events = totals.sse_events;
  s.sse_gap = latency_stats::from(totals.sse_gap);
  s.longpoll_polls = totals.longpoll_polls;
  s.longpoll_messages = totals.longpoll_messages;
  s.longpoll_empty = totals.longpoll_empty;
  s.longpoll_gap = latency_stats::from(totals.longpoll_gap);
  s.checks_passed = totals.checks_passed;
  s.checks_failed = totals.checks_failed;
  s.held_established = totals.held_established;
  s.held_at_end = totals.held_at_end;
  s.held_failed = totals.held_failed;
  s.held_dropped = totals.held_dropped;
  if (totals.held_connect_seconds >= 3) {
    // Connects start and end part way through a second: the first and the last second with
    // connects would pull the average down by up to two seconds' worth.
    s.connect_rate =
        static_cast<double>(totals.held_established - totals.held_first_second_connects -
                            totals.held_last_second_connects) /
        static_cast<double>(totals.held_connect_seconds - 2);
  } else if (totals.held_connect_seconds > 0) {
    s.connect_rate = static_cast<double>(totals.held_established) /
                     static_cast<double>(totals.held_connect_seconds);
  }
  s.connect_rate_peak = static_cast<double>(totals.held_peak_connects);
  s.push_published = totals.push_published;
  s.push_received = totals.push_received;
  s.push_lost = totals.push_lost;
  s.push_duplicated = totals.push_duplicated;
  s.push_out_of_order = totals.push_out_of_order;
  s.push_latency = latency_stats::from(totals.push_latency);
  {
    // The run is over: every message still waiting for deliveries is settled now.
    auto reach = totals.push_reach;
    auto pending = totals.push_pending;
    pending.settle_all(reach);
    for (std::size_t i = 0; i < reach.size(); ++i) {
      s.push_reach[i] = latency_stats::from(reach[i]);
    }
  }
  for (std::size_t i = 0; i < layout.scenarios.size(); ++i) {
    s.scenarios.push_back({layout.scenarios[i], totals.scenario_started.at(i),
                           totals.scenario_completed.at(i), totals.scenario_requests.at(i),
                           totals.scenario_failed.at(i),
                           latency_stats::from(totals.scenario_latency.at(i))});
  }
  for (std::size_t i = 0; i < layout.steps.size(); ++i) {
    step_summary st{layout.steps[i],
                    totals.step_requests.at(i),
                    totals.step_failed.at(i),
                    {},
                    latency_stats::from(totals.steps.at(i))};
    for (std::size_t c = 0; c < status_class_count; ++c) {
      st.status_classes[c] = totals.step_status_classes.at(i * status_class_count + c);
    }
    s.steps.push_back(std::move(st));
  }
  for (std::size_t i = 0; i < layout.checks.size(); ++i) {
    s.checks.push_back({layout.checks[i], totals.check_passed.at(i), totals.check_failed.at(i)});
  }
  return s;
}

std::optional<double> summary::metric(std::string_view name) const {
  auto stat_of = [&](std::string_view prefix,
                     const latency_stats& stats) -> std::optional<std::optional<double>> {
    if (name.substr(0, prefix.size()) == prefix) {
      return stats.get(name.substr(prefix.size()));
    }
    return std::nullopt;
  };
  if (auto v = stat_of("http.latency.", latency))
    return *v;
  if (auto v = stat_of("http.ttfb.", ttfb))
    return *v;
  if (auto v = stat_of("http.connect.", connect))
    return *v;
  if (auto v = stat_of("ws.rtt.", ws_rtt))
    return *v;
  if (auto v = stat_of("ws.handshake.", ws_handshake))
    return *v;
  if (auto v = stat_of("push.latency.", push_latency))
    return *v;
  if (name == "connections.established")
    return static_cast<double>(held_established);
  if (name == "connections.held")
    return static_cast<double>(held_at_end);
  if (name == "connections.failed")
    return static_cast<double>(held_failed);
  if (name == "connections.dropped")
    return static_cast<double>(held_dropped);
  if (name == "push.lost")
    return static_cast<double>(push_lost);
  if (name == "push.duplicated")
    return static_cast<double>(push_duplicated);
  if (name == "push.out_of_order")
    return static_cast<double>(push_out_of_order);
  if (name == "http.error_rate") {
    if (requests_total == 0)
      return std::nullopt;
    return static_cast<double>(requests_failed) / static_cast<double>(requests_total);
  }
  if (name == "checks.rate") {
    const auto total = checks_passed + checks_failed;
    if (total == 0)
      return std::nullopt;
    return static_cast<double>(checks_passed) / static_cast<double>(total);
  }
  if (name == "http.requests")
    return static_cast<double>(requests_total);
  if (name == "http.rps")
    return rps;
  if (name == "iterations.dropped")
    return static_cast<double>(iterations_dropped);
  if (name.substr(0, 4) == "sut.")
    return sut_metric(sut, name);
  return std::nullopt;
}

bool summary::thresholds_ok() const {
  for (const auto& t : thresholds) {
    if (!t.ok) {
      return false;
    }
  }
  return true;
}

namespace {

nlohmann::json stats_json(const latency_stats& s) {
  // Nothing measured has no percentiles: null, not a 0 that reads as "instant".
  const auto value = [&](double v) { return s.count == 0 ? nlohmann::json() : nlohmann::json(v); };
  return {{"count", s.count},    {"min", value(s.min)},   {"mean", value(s.mean)},
          {"p50", value(s.p50)}, {"p90", value(s.p90)},   {"p95", value(s.p95)},
          {"p99", value(s.p99)}, {"p999", value(s.p999)}, {"max", value(s.max)}};
}

latency_stats stats_from(const nlohmann::json& j) {
  latency_stats s;
  if (!j.is_object()) {
    return s;
  }
  const auto number = [&](const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
  };
  s.count = j.value("count", std::uint64_t{0});
  s.min = number("min");
  s.mean = number("mean");
  s.p50 = number("p50");
  s.p90 = number("p90");
  s.p95 = number("p95");
  s.p99 = number("p99");
  s.p999 = number("p999");
  s.max = number("max");
  return s;
}

std::string share_key(int share) {
  return std::to_string(share) + "%";
}

nlohmann::json push_json(const summary& s) {
  nlohmann::json reach = nlohmann::json::object();
  for (std::size_t i = 0; i < reach_shares.size(); ++i) {
    reach[share_key(reach_shares[i])] = stats_json(s.push_reach[i]);
  }
  return {{"published", s.push_published},
          {"received", s.push_received},
          {"lost", s.push_lost},
          {"duplicated", s.push_duplicated},
          {"out_of_order", s.push_out_of_order},
          {"latency_ms", stats_json(s.push_latency)},
          {"reach_ms", std::move(reach)}};
}

}  // namespace

void to_json(nlohmann::json& j, const summary& s) {
  nlohmann::json codes = nlohmann::json::object();
  for (const auto& [code, n] : s.status_codes) {
    codes[std::to_string(code)] = n;
  }
  nlohmann::json errors = nlohmann::json::object();
  nlohmann::json samples = nlohmann::json::object();
  nlohmann::json reasons = nlohmann::json::object();
  for (const auto& [cls, e] : s.errors) {
    errors[cls] = e.count;
    samples[cls] = e.sample;
    auto& by_reason = reasons[cls] = nlohmann::json::object();
    for (const auto& [reason, n] : e.reasons) {
      by_reason[reason] = n;
    }
  }
  nlohmann::json scenarios = nlohmann::json::array();
  for (const auto& sc : s.scenarios) {
    scenarios.push_back({{"name", sc.name},
                         {"started", sc.started},
                         {"completed", sc.completed},
                         {"requests", sc.requests},
                         {"failed", sc.failed},
                         {"latency_ms", stats_json(sc.latency)}});
  }
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& st : s.steps) {
    nlohmann::json classes = nlohmann::json::object();
    for (std::size_t c = 0; c < status_class_count; ++c) {
      classes[std::string(status_class_names[c])] = st.status_classes[c];
    }
    steps.push_back({{"name", st.name},
                     {"requests", st.requests},
                     {"failed", st.failed},
                     {"status_classes", std::move(classes)},
                     {"latency_ms", stats_json(st.latency)}});
  }
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : s.checks) {
    checks.push_back({{"check", c.description}, {"passed", c.passed}, {"failed", c.failed}});
  }
  nlohmann::json thresholds = nlohmann::json::array();
  for (const auto& t : s.thresholds) {
    nlohmann::json tj = {{"expression", t.expression}, {"ok", t.ok}};
    tj["actual"] = t.actual ? nlohmann::json(*t.actual) : nlohmann::json(nullptr);
    thresholds.push_back(std::move(tj));
  }
  j = {
      {"name", s.name},
      {"status", s.status},
      {"started_at_ms", s.started_at_ms},
      {"duration_s", s.duration_s},
      {"load_s", s.load_s},
      {"graceful_stop_s", s.graceful_stop_s},
      {"requests",
       {{"total", s.requests_total},
        {"ok", s.requests_ok},
        {"failed", s.requests_failed},
        {"rps", s.rps}}},
      {"latency_ms", stats_json(s.latency)},
      {"ttfb_ms", stats_json(s.ttfb)},
      {"connect_ms", stats_json(s.connect)},
      {"tls_ms", stats_json(s.tls)},
      {"schedule_lag_ms", stats_json(s.schedule_lag)},
      {"late_starts", s.late_starts},
      {"status_codes", codes},
      {"errors", errors},
      {"error_samples", samples},
      {"error_reasons", reasons},
      {"bytes", {{"in", s.bytes_in}, {"out", s.bytes_out}}},
      {"connections",
       {{"opened", s.connections_opened},
        {"peak", s.peak_connections},
        {"established", s.held_established},
        {"held", s.held_at_end},
        {"failed", s.held_failed},
        {"dropped", s.held_dropped},
        {"connect_rate", s.connect_rate},
        {"connect_rate_peak", s.connect_rate_peak}}},
      {"users", {{"peak", s.peak_users}}},
      {"iterations",
       {{"started", s.iterations_started},
        {"completed", s.iterations_completed},
        {"dropped", s.iterations_dropped},
        {"interrupted", s.iterations_interrupted}}},
      {"checks_total", {{"passed", s.checks_passed}, {"failed", s.checks_failed}}},
      {"scenarios", scenarios},
      {"steps", steps},
      {"checks", checks},
      {"thresholds", thresholds},
      {"degraded", s.degraded},
      {"events", s.events},
      {"websocket",
       {{"opened", s.ws_opened},
        {"messages_in", s.ws_messages_in},
        {"messages_out", s.ws_messages_out},
        {"bytes_in", s.ws_bytes_in},
        {"bytes_out", s.ws_bytes_out},
        {"handshake_ms", stats_json(s.ws_handshake)},
        {"rtt_ms", stats_json(s.ws_rtt)}}},
      {"sse",
       {{"streams", s.sse_streams}, {"events", s.sse_events}, {"gap_ms", stats_json(s.sse_gap)}}},
      {"longpoll",
       {{"polls", s.longpoll_polls},
        {"messages", s.longpoll_messages},
        {"empty", s.longpoll_empty},
        {"reconnect_gap_ms", stats_json(s.longpoll_gap)}}},
      {"push", push_json(s)},
  };
  if (s.http2_streams > 0) {
    const double per_connection =
        s.connections_opened > 0
            ? static_cast<double>(s.http2_streams) / static_cast<double>(s.connections_opened)
            : 0.0;
    j["http2"] = {{"streams", s.http2_streams},
                  {"streams_per_connection", per_connection},
                  {"streams_reset", s.streams_reset},
                  {"goaways", s.goaways}};
  }
  if (!s.outputs.empty()) {
    auto& outputs = j["outputs"] = nlohmann::json::object();
    for (const auto& [name, o] : s.outputs) {
      outputs[name] = {{"sent", o.sent}, {"dropped", o.dropped}, {"errors", o.errors}};
    }
  }
  if (!s.sut.empty()) {
    auto& sut = j["sut"] = nlohmann::json::object();
    for (const auto& [name, figures] : s.sut) {
      sut[name] = sut_to_json(figures);
    }
  }
}

void from_json(const nlohmann::json& j, summary& s) {
  s = summary{};
  s.name = j.value("name", "");
  s.status = j.value("status", "completed");
  s.started_at_ms = j.value("started_at_ms", std::int64_t{0});
  s.duration_s = j.value("duration_s", 0.0);
  s.load_s = j.value("load_s", s.duration_s);
  s.graceful_stop_s = j.value("graceful_stop_s", 0.0);
  if (const auto& r = j.value("requests", nlohmann::json::object()); r.is_object()) {
    s.requests_total = r.value("total", std::uint64_t{0});
    s.requests_ok = r.value("ok", std::uint64_t{0});
    s.requests_failed = r.value("failed", std::uint64_t{0});
    s.rps = r.value("rps", 0.0);
  }
  s.latency = stats_from(j.value("latency_ms", nlohmann::json()));
  s.ttfb = stats_from(j.value("ttfb_ms", nlohmann::json()));
  s.connect = stats_from(j.value("connect_ms", nlohmann::json()));
  s.tls = stats_from(j.value("tls_ms", nlohmann::json()));
  s.schedule_lag = stats_from(j.value("schedule_lag_ms", nlohmann::json()));
  s.late_starts = j.value("late_starts", std::uint64_t{0});
  if (const auto w = j.value("websocket", nlohmann::json::object()); w.is_object()) {
    s.ws_opened = w.value("opened", std::uint64_t{0});
    s.ws_messages_in = w.value("messages_in", std::uint64_t{0});
    s.ws_messages_out = w.value("messages_out", std::uint64_t{0});
    s.ws_bytes_in = w.value("bytes_in", std::uint64_t{0});
    s.ws_bytes_out = w.value("bytes_out", std::uint64_t{0});
    s.ws_handshake = stats_from(w.value("handshake_ms", nlohmann::json()));
    s.ws_rtt = stats_from(w.value("rtt_ms", nlohmann::json()));
  }
  if (const auto e = j.value("sse", nlohmann::json::object()); e.is_object()) {
    s.sse_streams = e.value("streams", std::uint64_t{0});
    s.sse_events = e.value("events", std::uint64_t{0});
    s.sse_gap = stats_from(e.value("gap_ms", nlohmann::json()));
  }
  if (const auto l = j.value("longpoll", nlohmann::json::object()); l.is_object()) {
    s.longpoll_polls = l.value("polls", std::uint64_t{0});
    s.longpoll_messages = l.value("messages", std::uint64_t{0});
    s.longpoll_empty = l.value("empty", std::uint64_t{0});
    s.longpoll_gap = stats_from(l.value("reconnect_gap_ms", nlohmann::json()));
  }
  if (const auto p = j.value("push", nlohmann::json::object()); p.is_object()) {
    s.push_published = p.value("published", std::uint64_t{0});
    s.push_received = p.value("received", std::uint64_t{0});
    s.push_lost = p.value("lost", std::uint64_t{0});
    s.push_duplicated = p.value("duplicated", std::uint64_t{0});
    s.push_out_of_order = p.value("out_of_order", std::uint64_t{0});
    s.push_latency = stats_from(p.value("latency_ms", nlohmann::json()));
    const auto reach = p.value("reach_ms", nlohmann::json::object());
    for (std::size_t i = 0; i < reach_shares.size(); ++i) {
      s.push_reach[i] = stats_from(reach.value(share_key(reach_shares[i]), nlohmann::json()));
    }
  }
  if (const auto h2 = j.value("http2", nlohmann::json::object()); h2.is_object()) {
    s.http2_streams = h2.value("streams", std::uint64_t{0});
    s.streams_reset = h2.value("streams_reset", std::uint64_t{0});
    s.goaways = h2.value("goaways", std::uint64_t{0});
  }
  s.degraded = j.value("degraded", false);
  s.events = j.value("events", std::vector<std::string>{});
  const auto outputs = j.value("outputs", nlohmann::json::object());  // outlives the loop
  for (const auto& [name, o] : outputs.items()) {
    s.outputs[name] = {o.value("sent", std::uint64_t{0}), o.value("dropped", std::uint64_t{0}),
                       o.value("errors", std::uint64_t{0})};
  }
  const auto sut = j.value("sut", nlohmann::json::object());
  for (const auto& [name, figures] : sut.items()) {
    s.sut[name] = sut_from_json(figures);
  }
  const auto status_codes_json = j.value("status_codes", nlohmann::json::object());
  for (const auto& [code, n] : status_codes_json.items()) {
    s.status_codes[std::stoi(code)] = n.get<std::uint64_t>();
  }
  const auto samples = j.value("error_samples", nlohmann::json::object());
  const auto errors_json = j.value("errors", nlohmann::json::object());
  const auto reasons_json = j.value("error_reasons", nlohmann::json::object());
  for (const auto& [cls, n] : errors_json.items()) {
    auto& e = s.errors[cls] = {n.get<std::uint64_t>(), samples.value(cls, ""), {}};
    const auto by_reason = reasons_json.value(cls, nlohmann::json::object());
    for (const auto& [reason, count] : by_reason.items()) {
      e.reasons.emplace_back(reason, count.get<std::uint64_t>());
    }
    sort_reasons(e.reasons);
  }
  const auto bytes = j.value("bytes", nlohmann::json::object());
  s.bytes_in = bytes.value("in", std::uint64_t{0});
  s.bytes_out = bytes.value("out", std::uint64_t{0});
  const auto conns = j.value("connections", nlohmann::json::object());
  s.connections_opened = conns.value("opened", std::uint64_t{0});
  s.peak_connections = conns.value("peak", std::uint64_t{0});
  s.held_established = conns.value("established", std::uint64_t{0});
  s.held_at_end = conns.value("held", std::uint64_t{0});
  s.held_failed = conns.value("failed", std::uint64_t{0});
  s.held_dropped = conns.value("dropped", std::uint64_t{0});
  s.connect_rate = conns.value("connect_rate", 0.0);
  s.connect_rate_peak = conns.value("connect_rate_peak", 0.0);
  s.peak_users = j.value("users", nlohmann::json::object()).value("peak", std::uint64_t{0});
  const auto it = j.value("iterations", nlohmann::json::object());
  s.iterations_started = it.value("started", std::uint64_t{0});
  s.iterations_completed = it.value("completed", std::uint64_t{0});
  s.iterations_dropped = it.value("dropped", std::uint64_t{0});
  s.iterations_interrupted = it.value("interrupted", std::uint64_t{0});
  const auto ct = j.value("checks_total", nlohmann::json::object());
  s.checks_passed = ct.value("passed", std::uint64_t{0});
  s.checks_failed = ct.value("failed", std::uint64_t{0});
  for (const auto& sc : j.value("scenarios", nlohmann::json::array())) {
    s.scenarios.push_back({sc.value("name", ""), sc.value("started", std::uint64_t{0}),
                           sc.value("completed", std::uint64_t{0}),
                           sc.value("requests", std::uint64_t{0}),
                           sc.value("failed", std::uint64_t{0}),
                           stats_from(sc.value("latency_ms", nlohmann::json()))});
  }
  for (const auto& st : j.value("steps", nlohmann::json::array())) {
    step_summary step{st.value("name", ""),
                      st.value("requests", std::uint64_t{0}),
                      st.value("failed", std::uint64_t{0}),
                      {},
                      stats_from(st.value("latency_ms", nlohmann::json()))};
    // A summary stored before steps counted their requests has no classes: all zero.
    if (const auto classes = st.value("status_classes", nlohmann::json::object());
        classes.is_object()) {
      for (std::size_t c = 0; c < status_class_count; ++c) {
        step.status_classes[c] =
            classes.value(std::string(status_class_names[c]), std::uint64_t{0});
      }
    }
    s.steps.push_back(std::move(step));
  }
  for (const auto& c : j.value("checks", nlohmann::json::array())) {
    s.checks.push_back({c.value("check", ""), c.value("passed", std::uint64_t{0}),
                        c.value("failed", std::uint64_t{0})});
  }
  for (const auto& t : j.value("thresholds", nlohmann::json::array())) {
    threshold_result r{t.value("expression", ""), t.value("ok", false), std::nullopt};
    if (t.contains("actual") && t["actual"].is_number()) {
      r.actual = t["actual"].get<double>();
    }
    s.thresholds.push_back(std::move(r));
  }
}

}  // namespace stampede::metrics
