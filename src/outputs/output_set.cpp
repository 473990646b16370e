// SPDX-License-Identifier: Apache-2.0
#include "outputs/output_set.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/duration_text.hpp"
#include "outputs/file_outputs.hpp"
#include "outputs/graphite_output.hpp"
#include "outputs/influxdb_output.hpp"
#include "outputs/opentsdb_output.hpp"
#include "outputs/posting_output.hpp"
#include "outputs/prometheus_endpoint.hpp"
#include "outputs/remote_write_output.hpp"
#include "outputs/statsd_output.hpp"
#include "scenario/campaign_error.hpp"

namespace stampede::outputs {

/// How long the file outputs have to write what is queued once the run is over.
constexpr auto finish_within = std::chrono::seconds(5);

const std::vector<std::string>& output_kinds() {
  static const std::vector<std::string> kinds{"prometheus", "prometheus-rw", "influxdb", "opentsdb",
                                              "statsd",     "dogstatsd",     "graphite", "jsonl",
                                              "csv",        "hdrlog"};
  return kinds;
}

namespace {

/// The options after '?', split; a value may not be empty.
std::map<std::string, std::string> options_of(const std::string& query, const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at <= query.size()) {
    const auto amp = std::min(query.find('&', at), query.size());
    const auto pair = query.substr(at, amp - at);
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      throw std::invalid_argument(
          fmt::format("expected option=value after '?', got '{}' in '{}'", pair, text));
    }
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
    at = amp + 1;
  }
  return out;
}

void take_auth(std::map<std::string, std::string>& options, output_spec& spec) {
  for (const char* name : {"bearer_env", "bearer_file", "basic_env", "basic_file"}) {
    if (const auto it = options.find(name); it != options.end()) {
      if (!spec.auth.empty()) {
        throw std::invalid_argument("give one of bearer_env, bearer_file, basic_env, basic_file");
      }
      spec.auth = authorization(it->first, it->second);
      options.erase(it);
    }
  }
}

}  // namespace

output_spec parse_output_spec(const std::string& text, bool from_campaign) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw std::invalid_argument(fmt::format("expected KIND=TARGET (KIND one of {}), got '{}'",
                                            fmt::join(output_kinds(), ", "), text));
  }
  output_spec spec;
  spec.kind = text.substr(0, eq);
  spec.target = text.substr(eq + 1);
  const auto& kinds = output_kinds();
  if (std::find(kinds.begin(), kinds.end(), spec.kind) == kinds.end()) {
    throw std::invalid_argument(fmt::format("unknown output kind '{}' in '{}' (known: {})",
                                            spec.kind, text, fmt::join(kinds, ", ")));
  }
  if (spec.kind == "jsonl" || spec.kind == "csv" || spec.kind == "hdrlog") {
    return spec;  // a file's name is taken as it is, '?' and all
  }
  std::map<std::string, std::string> options;
  if (const auto q = spec.target.find('?'); q != std::string::npos) {
    options = options_of(spec.target.substr(q + 1), text);
    spec.target.resize(q);
  }
  if (spec.kind == "statsd" || spec.kind == "dogstatsd" || spec.kind == "graphite") {
    // HOST:PORT, no options
  } else if (spec.kind == "prometheus") {
    if (const auto it = options.find("linger"); it != options.end()) {
      const auto d = core::parse_duration(it->second);
      if (!d) {
        throw std::invalid_argument(
            fmt::format("linger: expected a duration such as 15s, got '{}'", it->second));
      }
      spec.linger = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
      options.erase(it);
    }
  } else {
    if (from_campaign) {
      for (const auto& [option, value] : options) {
        if (option.ends_with("_env") || option.ends_with("_file")) {
          throw std::invalid_argument(fmt::format(
              "{}: a campaign names no credentials; give this output with --out instead", option));
        }
      }
    }
    take_auth(options, spec);
    (void)parse_http_url(spec.target);  // refuses what is no http:// URL, or holds credentials
  }
  if (spec.kind == "influxdb") {
    const auto db = options.find("db");
    if (db == options.end()) {
      throw std::invalid_argument(fmt::format(
          "influxdb needs its database: influxdb=http://HOST:PORT?db=NAME; got '{}'", text));
    }
    spec.database = db->second;
    options.erase(db);
    if (const auto rp = options.find("rp"); rp != options.end()) {
      spec.retention = rp->second;
      options.erase(rp);
    }
  }
  if (!options.empty()) {
    throw std::invalid_argument(fmt::format("{} does not take the option '{}' (in '{}')", spec.kind,
                                            options.begin()->first, text));
  }
  return spec;
}

std::vector<output_spec> campaign_outputs(const scenario::campaign& c) {
  std::vector<output_spec> out;
  std::vector<scenario::campaign_problem> problems;
  for (std::size_t i = 0; i < c.outputs.size(); ++i) {
    try {
      out.push_back(parse_output_spec(c.outputs[i].spec, true));
    } catch (const std::invalid_argument& e) {
      problems.push_back(
          {c.source_file, c.outputs[i].line, fmt::format("outputs[{}]", i), e.what()});
    }
  }
  if (!problems.empty()) {
    throw scenario::campaign_error(std::move(problems));
  }
  return out;
}

output_set::output_set(const std::vector<output_spec>& specs) {
  std::map<std::string, int> seen;
  for (const auto& spec : specs) {
    const auto n = ++seen[spec.kind];
    auto name = n == 1 ? spec.kind : fmt::format("{}-{}", spec.kind, n);
    try {
      if (spec.kind == "prometheus") {
        std::string address;
        auto out = make_prometheus_endpoint(spec.target, spec.linger, &address);
        descriptions_.push_back(fmt::format("{}: http://{}/metrics", name, address));
        outputs_.push_back({name, std::move(out)});
      } else if (spec.kind == "prometheus-rw") {
        outputs_.push_back({name, make_remote_write_output(name, spec.target, spec.auth)});
        descriptions_.push_back(fmt::format("{}: {}", name, spec.target));
      } else if (spec.kind == "statsd" || spec.kind == "dogstatsd") {
        outputs_.push_back({name, make_statsd_output(name, spec.target, spec.kind == "dogstatsd")});
        descriptions_.push_back(fmt::format("{}: udp {}", name, spec.target));
      } else if (spec.kind == "graphite") {
        outputs_.push_back({name, make_graphite_output(name, spec.target)});
        descriptions_.push_back(fmt::format("{}: tcp {}", name, spec.target));
      } else if (spec.kind == "opentsdb") {
        outputs_.push_back({name, make_opentsdb_output(name, spec.target, spec.auth)});
        descriptions_.push_back(fmt::format("{}: {}", name, spec.target));
      } else if (spec.kind == "influxdb") {
        outputs_.push_back({name, make_influxdb_output(name, spec.target, spec.database,
                                                       spec.retention, spec.auth)});
        descriptions_.push_back(
            fmt::format("{}: {} (database {})", name, spec.target, spec.database));
      } else if (spec.kind == "jsonl") {
        outputs_.push_back({name, make_jsonl_output(name, spec.target)});
        descriptions_.push_back(fmt::format("{}: {}", name, spec.target));
      } else if (spec.kind == "hdrlog") {
        outputs_.push_back({name, make_hdrlog_output(name, spec.target)});
        descriptions_.push_back(fmt::format("{}: {}", name, spec.target));
      } else if (spec.kind == "csv") {
        outputs_.push_back({name, make_csv_output(name, spec.target)});
        descriptions_.push_back(fmt::format("{}: {}", name, spec.target));
      }
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("--out {}={}: {}", spec.kind, spec.target, e.what()));
    }
  }
  wants_histograms_ = std::any_of(outputs_.begin(), outputs_.end(),
                                  [](const named& o) { return o.out->wants_histograms(); });
}

void output_set::on_start(const engine::run_plan& plan, std::int64_t run_id,
                          std::int64_t start_unix_ms) {
  plan_ = &plan;
  run_id_ = run_id;
  start_ms_ = start_unix_ms;
}

void output_set::on_interval(const engine::completed_interval& second) {
  if (plan_ == nullptr || outputs_.empty()) {
    return;
  }
  auto r = std::make_shared<second_record>(make_record(second, plan_->layout, start_ms_));
  r->campaign = plan_->campaign.name;
  r->run_id = run_id_;
  if (!plan_->phases.empty()) {
    r->phase = plan_->phases.at(std::min(second.phase, plan_->phases.size() - 1)).name;
  }
  for (const auto& p : r->points) {
    if (p.counter) {
      auto key = p.metric + '\0' + std::string(p.label) + '\0' + p.label_value;
      const auto [it, added] = totals_.try_emplace(std::move(key), p);
      if (!added) {
        it->second.value += p.value;
      }
    }
  }
  if (wants_histograms_) {
    const auto& m = second.merged;
    r->histograms.emplace_back("", m.latency);
    for (std::size_t i = 0; i < plan_->layout.steps.size() && i < m.steps.size(); ++i) {
      if (!m.steps[i].empty()) {
        r->histograms.emplace_back(plan_->layout.steps[i], m.steps[i]);
      }
    }
  }
  r->totals.reserve(totals_.size());
  for (const auto& [key, p] : totals_) {
    r->totals.push_back(p);
  }
  const std::shared_ptr<const second_record> shared = std::move(r);
  for (auto& o : outputs_) {
    o.out->offer(shared);
  }
}

void output_set::add(std::string name, std::unique_ptr<output> out, std::string description) {
  wants_histograms_ = wants_histograms_ || out->wants_histograms();
  outputs_.push_back({std::move(name), std::move(out)});
  descriptions_.push_back(std::move(description));
}

void output_set::stats_now(metrics::summary& summary) const {
  for (const auto& o : outputs_) {
    summary.outputs[o.name] = o.out->stats();
  }
}

void output_set::on_finish(metrics::summary& summary) {
  // The queued outputs first, within one deadline (their threads deliver side by side), then
  // the endpoints that linger for a last scrape: the run's end waits at most for both.
  const auto deadline = std::chrono::steady_clock::now() + finish_within;
  for (const bool lingering : {false, true}) {
    for (auto& o : outputs_) {
      if (o.out->lingers() == lingering) {
        o.out->finish(deadline);
        summary.outputs[o.name] = o.out->stats();
      }
    }
  }
}

}  // namespace stampede::outputs
