// SPDX-License-Identifier: Apache-2.0
#include "control/report_outbox.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

namespace stampede::control {

namespace fs = std::filesystem;

report_outbox::report_outbox(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    throw std::runtime_error(
        fmt::format("cannot use the spool directory {}: {}", dir_, ec.message()));
  }
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".report") {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    v1::IntervalReport r;
    if (!in || !r.ParseFromIstream(&in)) {
      std::cerr << "stampede agent: dropping unreadable spooled report " << entry.path() << "\n";
      fs::remove(entry.path(), ec);
      continue;
    }
    key k{r.run_id(), r.worker(), r.index()};
    kept_.insert_or_assign(k, std::move(r));
  }
  resend_all();
}

std::string report_outbox::file_of(const key& k) const {
  return fmt::format("{}/{}-{}-{}.report", dir_, std::get<0>(k), std::get<1>(k), std::get<2>(k));
}

void report_outbox::push(v1::IntervalReport report) {
  key k{report.run_id(), report.worker(), report.index()};
  if (!dir_.empty()) {
    // Written aside and renamed: a crash never leaves half a report under the real name.
    const auto path = file_of(k);
    {
      std::ofstream out(path + ".tmp", std::ios::binary | std::ios::trunc);
      report.SerializeToOstream(&out);
    }
    std::error_code ec;
    fs::rename(path + ".tmp", path, ec);
    if (ec) {
      std::cerr << "stampede agent: cannot spool " << path << ": " << ec.message()
                << " (kept in memory)\n";
    }
  }
  kept_.insert_or_assign(k, std::move(report));
  unsent_.push_back(k);
}

std::vector<v1::IntervalReport> report_outbox::take_unsent() {
  std::vector<v1::IntervalReport> out;
  while (!unsent_.empty()) {
    const auto k = unsent_.front();
    unsent_.pop_front();
    if (const auto it = kept_.find(k); it != kept_.end()) {
      out.push_back(it->second);
    }
  }
  return out;
}

void report_outbox::acknowledge(std::int64_t run_id, std::uint32_t worker, std::int64_t index) {
  const key k{run_id, worker, index};
  if (kept_.erase(k) != 0 && !dir_.empty()) {
    std::error_code ec;
    fs::remove(file_of(k), ec);
  }
}

void report_outbox::resend_all() {
  unsent_.clear();
  // The map's order is run, worker, index: each worker's reports go out in order, as the
  // controller's merger expects.
  for (const auto& [k, report] : kept_) {
    unsent_.push_back(k);
  }
}

std::size_t report_outbox::unacknowledged(std::int64_t run_id) const {
  std::size_t n = 0;
  for (const auto& [k, report] : kept_) {
    n += std::get<0>(k) == run_id ? 1 : 0;
  }
  return n;
}

}  // namespace stampede::control
