// SPDX-License-Identifier: Apache-2.0
// The outputs of one run (--out KIND=TARGET, repeatable): made before the run starts, so a bad
// spec or a port taken is an error up front; then each completed second goes to every one, and
// what each sent, dropped and failed goes into the summary.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/interval_observer.hpp"
#include "outputs/http_post.hpp"
#include "outputs/output.hpp"
#include "scenario/campaign.hpp"

namespace stampede::outputs {

/// One --out value, parsed: KIND=TARGET[?option=value&...] where the kind takes options.
struct output_spec {
  std::string kind;                        ///< prometheus, influxdb, jsonl, csv
  std::string target;                      ///< HOST:PORT, a URL without its query, a file
  std::chrono::milliseconds linger{5000};  ///< prometheus: serving on after the run
  std::string database;                    ///< influxdb: db=
  std::string retention;                   ///< influxdb: rp=
  header_list auth;                        ///< network sinks: from *_env= or *_file=
};

/// The kinds --out knows, for errors and --help.
const std::vector<std::string>& output_kinds();

/// Parses one --out value. Throws std::invalid_argument saying what is wrong with it. A
/// campaign's `outputs:` (`from_campaign`) may not name credentials: those are given with --out
/// by whoever runs it.
output_spec parse_output_spec(const std::string& text, bool from_campaign = false);

/// The campaign's `outputs:`, parsed. Throws scenario::campaign_error naming the file, line
/// and field of each that is wrong.
std::vector<output_spec> campaign_outputs(const scenario::campaign& c);

class output_set final : public engine::interval_observer {
 public:
  /// Makes every output (files created, endpoints listening). Throws std::runtime_error naming
  /// the output that cannot be made.
  explicit output_set(const std::vector<output_spec>& specs);

  /// Adds an output made elsewhere (the controller's shared scrape endpoint), before the run.
  void add(std::string name, std::unique_ptr<output> out, std::string description);
  /// What each output has sent, dropped and failed so far, into `summary`.
  void stats_now(metrics::summary& summary) const;

  /// What each output is, for the run's first lines ("prometheus at 127.0.0.1:9464").
  const std::vector<std::string>& descriptions() const { return descriptions_; }

  void on_start(const engine::run_plan& plan, std::int64_t run_id,
                std::int64_t start_unix_ms) override;
  void on_interval(const engine::completed_interval& second) override;
  void on_finish(metrics::summary& summary) override;

 private:
  struct named {
    std::string name;  ///< the kind, numbered from the second of a kind on: "jsonl-2"
    std::unique_ptr<output> out;
  };
  std::vector<named> outputs_;
  std::vector<std::string> descriptions_;
  const engine::run_plan* plan_ = nullptr;
  std::int64_t run_id_ = 0;
  std::int64_t start_ms_ = 0;
  /// The run's counters so far, by metric, label and label value.
  std::map<std::string, series_point> totals_;
  bool wants_histograms_ = false;
};

}  // namespace stampede::outputs
