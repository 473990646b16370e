// SPDX-License-Identifier: Apache-2.0
#include "scenario/campaign_warnings.hpp"

#include <fmt/format.h>

namespace stampede::scenario {
namespace {

bool thinks(const std::vector<step>& flow) {
  for (const auto& s : flow) {
    if (std::holds_alternative<think_step>(s)) {
      return true;
    }
    if (const auto* loop = std::get_if<loop_step>(&s); loop != nullptr && thinks(loop->flow)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> campaign_warnings(const campaign& c) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < c.phases.size(); ++i) {
    const auto& p = c.phases[i];
    const auto* tp = std::get_if<throughput_model>(&p.model);
    if (tp == nullptr) {
      continue;
    }
    for (const auto& sc : c.scenarios) {
      if (!thinks(sc.flow)) {
        continue;
      }
      // Each of the phase's connections sends the next request when its time comes; a think
      // keeps the connection idle meanwhile, and the sends due then leave late.
      out.push_back(fmt::format(
          "{}:{}: phases[{}]: warning: '{}' is a constant throughput phase ({}/s over {} "
          "connections) and scenario '{}' thinks between requests: each think holds a "
          "connection idle, so sends fall behind the rate; drop the think or add connections",
          c.source_file, p.position.line, i, p.name, tp->rate, tp->connections, sc.name));
    }
  }
  return out;
}

}  // namespace stampede::scenario
