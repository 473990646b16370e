// SPDX-License-Identifier: Apache-2.0
#include "monitor/perf_folding.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>

namespace stampede::monitor {
namespace {

/// "stampede 20946 16359.388964: " -> "stampede": the command may hold spaces, the tid and
/// the time after it do not.
std::string command_of(std::string_view header) {
  auto end = header.find_last_not_of(" :");
  header = header.substr(0, end + 1);
  for (int field = 0; field < 2; ++field) {  // the time, then the tid
    const auto space = header.find_last_of(' ');
    if (space == std::string_view::npos) {
      return std::string(header);
    }
    header = header.substr(0, header.find_last_not_of(' ', space) + 1);
  }
  return std::string(header);
}

/// "\t ffffffff813aecd3 finish_task_switch.isra.0" -> "finish_task_switch.isra.0".
std::string frame_of(std::string_view line) {
  const auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    return {};
  }
  line.remove_prefix(start);
  const auto space = line.find(' ');
  std::string name(space == std::string_view::npos ? std::string_view("[unknown]")
                                                   : line.substr(space + 1));
  std::replace(name.begin(), name.end(), ';', ':');
  return name.empty() ? "[unknown]" : name;
}

}  // namespace

std::string fold_perf_script(std::string_view text) {
  std::map<std::string, std::uint64_t> stacks;
  std::string command;
  std::vector<std::string> frames;  // leaf first, as perf prints them
  bool in_sample = false;
  const auto flush = [&] {
    if (in_sample) {
      std::string stack = command.empty() ? "[unknown]" : command;
      std::replace(stack.begin(), stack.end(), ';', ':');
      for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
        stack += ';';
        stack += *it;
      }
      ++stacks[stack];
    }
    frames.clear();
    in_sample = false;
  };
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      flush();
    } else if (line[0] == ' ' || line[0] == '\t') {
      if (in_sample) {
        frames.push_back(frame_of(line));
      }
    } else {
      flush();
      command = command_of(line);
      in_sample = true;
    }
  }
  flush();
  std::vector<std::pair<std::string, std::uint64_t>> sorted(stacks.begin(), stacks.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [stack, n] : sorted) {
    out += fmt::format("{} {}\n", stack, n);
  }
  return out;
}

}  // namespace stampede::monitor
