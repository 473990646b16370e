// SPDX-License-Identifier: Apache-2.0
// `--profile-sut LENGTH@START`: records the monitored process with `perf record -F 99 -g -k mono`
// for that window of the run, then folds its stacks for the report's flame graph. Where perf is
// missing or not permitted it says so once, and the run goes on without a profile.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace stampede::monitor {

struct profile_window {
  std::chrono::milliseconds length{0};
  std::chrono::milliseconds start{0};  ///< since the run's start
};

/// "20s@30s" (20 s from 30 s into the run) or "20s" (from the start); nullopt otherwise.
std::optional<profile_window> parse_profile_window(std::string_view text);

struct profile_result {
  std::int64_t started_unix_ms = 0;
  double duration_s = 0;
  std::string folded;  ///< "comm;frame;...;leaf count" lines
};

class sut_profiler {
 public:
  /// `pids`: the processes to record (a monitor's); `scratch_dir`: where perf writes its file.
  sut_profiler(profile_window window, std::vector<pid_t> pids, std::string scratch_dir);
  ~sut_profiler();

  /// The run begins now: perf starts `window.start` later, on a thread of its own.
  void begin();
  /// Stops perf if it still records, and folds what it recorded; nullopt (said on stderr)
  /// when there is no profile.
  std::optional<profile_result> finish();

 private:
  void record();
  std::string perf_file() const;

  const profile_window window_;
  const std::vector<pid_t> pids_;
  const std::string dir_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool finishing_ = false;
  pid_t perf_ = 0;  ///< while it records
  std::int64_t started_unix_ms_ = 0;
  std::int64_t ended_unix_ms_ = 0;
  std::string failure_;  ///< why there is no profile
};

}  // namespace stampede::monitor
