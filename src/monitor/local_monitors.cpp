// SPDX-License-Identifier: Apache-2.0
#include "monitor/local_monitors.hpp"

#include <fstream>
#include <iostream>
#include <set>
#include <stdexcept>

#include <sys/stat.h>

namespace stampede::monitor {

local_monitors::local_monitors(std::vector<sut_target> targets) {
  std::set<std::string> names;
  for (auto& t : targets) {
    if (t.name.empty() && t.pid > 0) {
      // Named after its command, as top shows it.
      std::ifstream comm("/proc/" + std::to_string(t.pid) + "/comm");
      std::getline(comm, t.name);
    }
    t.name = default_name(t);
    if (!names.insert(t.name).second) {
      throw std::invalid_argument("two monitors are named '" + t.name +
                                  "'; give each its own name");
    }
    struct stat st {};
    if (t.pid > 0 && ::stat(("/proc/" + std::to_string(t.pid)).c_str(), &st) != 0) {
      throw std::invalid_argument(describe(t) + ": no such process");
    }
    samplers_.emplace_back(std::move(t));
  }
}

void local_monitors::begin() {
  for (auto& s : samplers_) {
    // The levels now; the rates of second 0 count from here.
    if (s.sample()["processes"] == 0) {
      std::cerr << "stampede: monitor " << s.target().name << ": no process matches "
                << describe(s.target()) << " yet; its series start when one does\n";
    }
  }
}

engine::sut_second local_monitors::take(std::int64_t /*index*/) {
  engine::sut_second second;
  for (auto& s : samplers_) {
    second[s.target().name] = s.sample();
  }
  return second;
}

std::string local_monitors::first_name() const {
  return samplers_.empty() ? std::string() : samplers_.front().target().name;
}

std::vector<std::int64_t> local_monitors::first_pids() const {
  return samplers_.empty() ? std::vector<std::int64_t>() : samplers_.front().matching_pids();
}

std::vector<std::string> local_monitors::descriptions() const {
  std::vector<std::string> out;
  for (const auto& s : samplers_) {
    out.push_back(s.target().name + ": " + describe(s.target()));
  }
  return out;
}

}  // namespace stampede::monitor
