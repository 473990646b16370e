// SPDX-License-Identifier: Apache-2.0
// A controller's outputs: `controller --out KIND=TARGET` for every run it steers, and each
// campaign's `outputs:` for that campaign's runs (network sinks, or files under the --data
// directory only). Each run gets its own set, sending its merged seconds; one scrape endpoint
// serves every run's. A run's end never waits on a sink: its last seconds are delivered in the
// background, and the controller's log says what each output sent in the end.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/interval_observer.hpp"
#include "outputs/output_set.hpp"
#include "outputs/scrape_board.hpp"
#include "scenario/campaign.hpp"

namespace stampede::control {

class controller_outputs {
 public:
  /// Parses `specs` (--out values) and opens the scrape endpoint, if one is asked for. Throws
  /// std::invalid_argument for a bad spec, std::runtime_error for a port taken.
  controller_outputs(const std::vector<std::string>& specs, std::string data_dir);
  ~controller_outputs();  ///< waits for the runs' last deliveries

  /// What runs get, for the controller's first lines.
  std::vector<std::string> descriptions() const;

  /// Throws std::invalid_argument when the campaign's `outputs:` are refused here (before a
  /// run of it begins).
  void check(const scenario::campaign& campaign) const;

  /// The outputs of run `run_id` of `campaign`; null when it has none. A file's name gets the
  /// run's id before its extension (runs.jsonl: runs-17.jsonl). Throws std::invalid_argument
  /// naming the campaign's output that is refused (a file outside --data, a scrape endpoint).
  std::shared_ptr<engine::interval_observer> for_run(std::int64_t run_id,
                                                     const scenario::campaign& campaign);

 private:
  friend class run_outputs;
  /// The campaign's `outputs:` as this controller takes them (files resolved under --data).
  std::vector<outputs::output_spec> campaign_specs(const scenario::campaign& campaign) const;
  /// Finishes `set` on a thread of its own.
  void finish_later(std::int64_t run_id, std::unique_ptr<outputs::output_set> set);

  std::vector<outputs::output_spec> specs_;  ///< but the scrape endpoint
  std::string data_dir_;
  std::shared_ptr<outputs::scrape_board> board_;
  std::mutex mutex_;
  struct finishing {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<finishing> finishing_;  ///< joined once done, at the next run's end
};

}  // namespace stampede::control
