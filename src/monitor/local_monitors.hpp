// SPDX-License-Identifier: Apache-2.0
// The monitors of a local run (`run --monitor-pid`, `--monitor-process`, a campaign's
// `monitor:`): sampled on the recorder's thread as each second completes, so each sample
// covers that second and nothing waits on another thread.
#pragma once

#include <string>
#include <vector>

#include "engine/sut_source.hpp"
#include "monitor/sut_sampler.hpp"

namespace stampede::monitor {

class local_monitors : public engine::sut_source {
 public:
  /// Throws std::invalid_argument for two monitors of one name, or a --pid that runs no
  /// process.
  explicit local_monitors(std::vector<sut_target> targets);

  void begin() override;
  engine::sut_second take(std::int64_t index) override;

  /// "target: --pid 123": what is watched, for the run's first lines.
  std::vector<std::string> descriptions() const;
  /// The first monitor's name and the processes it watches now (what --profile-sut records).
  std::string first_name() const;
  std::vector<std::int64_t> first_pids() const;

 private:
  std::vector<sut_sampler> samplers_;
};

}  // namespace stampede::monitor
