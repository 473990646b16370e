// SPDX-License-Identifier: Apache-2.0
// One output (--out KIND=TARGET): takes each second's record without ever making the run wait.
// A queued output delivers on a thread of its own from a bounded queue; when the queue is full
// the new second is dropped and counted, so a slow or dead sink costs data, never the run.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "metrics/summary.hpp"
#include "outputs/second_record.hpp"

namespace stampede::outputs {

class output {
 public:
  virtual ~output() = default;
  /// Called on the run's thread, once a second: must return at once.
  virtual void offer(std::shared_ptr<const second_record> second) = 0;
  /// The run is over: delivers what is left, waiting at most until `deadline`.
  virtual void finish(std::chrono::steady_clock::time_point deadline) = 0;
  virtual metrics::output_stats stats() const = 0;
  /// Whether its records must carry the second's histograms (copied only then).
  virtual bool wants_histograms() const { return false; }
  /// Whether finish() serves on for a while whatever the deadline (a scrape endpoint).
  virtual bool lingers() const { return false; }
};

/// An output whose deliveries may block (a file, a network sink): a bounded queue and a thread.
class queued_output : public output {
 public:
  /// `capacity`: seconds held while the sink is slow, before new ones are dropped.
  /// `name` (as the summary lists it) for the one warning its first failure prints.
  explicit queued_output(std::string name, std::size_t capacity = 120);
  /// The most derived class's destructor must call finish() first: the thread calls it.
  ~queued_output() override;

  void offer(std::shared_ptr<const second_record> second) final;
  void finish(std::chrono::steady_clock::time_point deadline) final;
  metrics::output_stats stats() const final;

 protected:
  /// Starts the delivering thread: the derived class's constructor calls it last.
  void start();
  /// Delivers one second (on the output's thread). True when delivered; false when it was
  /// given up (counted dropped); throwing counts an error and drops it.
  virtual bool deliver(const second_record& second) = 0;
  /// After the last delivery, on the output's thread (a file is flushed and closed).
  virtual void close() {}
  /// Failed attempts that were retried (counted as errors without a drop).
  void count_error();
  /// Whether finish() has run out of time: retries stop.
  bool out_of_time() const;

 private:
  void loop();

  const std::string name_;
  const std::size_t capacity_;
  bool warned_ = false;  ///< on the output's thread
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<std::shared_ptr<const second_record>> queue_;
  bool finishing_ = false;
  bool idle_ = true;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  metrics::output_stats stats_;
  std::thread thread_;
};

}  // namespace stampede::outputs
