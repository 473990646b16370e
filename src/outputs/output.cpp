// SPDX-License-Identifier: Apache-2.0
#include "outputs/output.hpp"

#include <iostream>
#include <utility>

#include "core/thread_name.hpp"

namespace stampede::outputs {

queued_output::queued_output(std::string name, std::size_t capacity)
    : name_(std::move(name)), capacity_(capacity) {}

queued_output::~queued_output() {
  if (thread_.joinable()) {
    finish(std::chrono::steady_clock::now());
  }
}

void queued_output::start() {
  thread_ = std::thread([this] {
    core::name_this_thread("out " + name_);
    loop();
  });
}

void queued_output::offer(std::shared_ptr<const second_record> second) {
  {
    std::lock_guard lock(mutex_);
    if (finishing_ || queue_.size() >= capacity_) {
      ++stats_.dropped;
      return;
    }
    queue_.push_back(std::move(second));
  }
  wake_.notify_one();
}

void queued_output::finish(std::chrono::steady_clock::time_point deadline) {
  {
    std::unique_lock lock(mutex_);
    if (!thread_.joinable()) {
      return;
    }
    finishing_ = true;
    deadline_ = deadline;
    wake_.notify_one();
    drained_.wait_until(lock, deadline, [this] { return queue_.empty() && idle_; });
    // What is still queued once time is up is dropped; a delivery under way ends by itself
    // (out_of_time() stops its retries).
    stats_.dropped += queue_.size();
    queue_.clear();
  }
  wake_.notify_one();
  thread_.join();
}

metrics::output_stats queued_output::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void queued_output::count_error() {
  std::lock_guard lock(mutex_);
  ++stats_.errors;
}

bool queued_output::out_of_time() const {
  std::lock_guard lock(mutex_);
  return finishing_ && std::chrono::steady_clock::now() >= deadline_;
}

void queued_output::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return !queue_.empty() || finishing_; });
    if (queue_.empty()) {
      break;  // finishing, and everything is delivered
    }
    auto next = std::move(queue_.front());
    queue_.pop_front();
    idle_ = false;
    lock.unlock();
    bool delivered = false;
    bool failed = false;
    try {
      delivered = deliver(*next);
    } catch (const std::exception& e) {
      failed = true;
      if (!warned_) {
        warned_ = true;
        std::cerr << "stampede: output " << name_ << ": " << e.what()
                  << " (what it drops is counted in the summary)\n";
      }
    }
    lock.lock();
    idle_ = true;
    if (delivered) {
      ++stats_.sent;
    } else {
      ++stats_.dropped;
      stats_.errors += failed ? 1 : 0;
    }
    drained_.notify_all();
  }
  lock.unlock();
  try {
    close();
  } catch (const std::exception& e) {
    std::cerr << "stampede: " << e.what() << "\n";
  }
}

}  // namespace stampede::outputs
