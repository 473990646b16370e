// SPDX-License-Identifier: Apache-2.0
#include "monitor/proc_text.hpp"

#include <charconv>
#include <vector>

namespace stampede::monitor {
namespace {

/// The whitespace-separated words of `line`.
std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
      ++i;
    }
    const auto start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      ++i;
    }
    if (i > start) {
      out.push_back(line.substr(start, i - start));
    }
  }
  return out;
}

std::optional<std::uint64_t> number(std::string_view word) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (ec != std::errc() || end != word.data() + word.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<double> decimal(std::string_view word) {
  double v = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (ec != std::errc() || end != word.data() + word.size()) {
    return std::nullopt;
  }
  return v;
}

/// Calls `f(line)` for each line of `text` until it returns true.
template <typename F>
void each_line(std::string_view text, F f) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = text.substr(0, end);
    if (f(line)) {
      return;
    }
    if (end == std::string_view::npos) {
      return;
    }
    text.remove_prefix(end + 1);
  }
}

}  // namespace

std::optional<pid_stat> parse_pid_stat(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  // After ") ": field 3 (state) is w[0], so field N is w[N - 3].
  const auto w = words(text.substr(close + 1, text.find('\n', close) - close - 1));
  if (w.size() < 22) {
    return std::nullopt;
  }
  pid_stat s;
  s.comm = std::string(text.substr(open + 1, close - open - 1));
  const auto utime = number(w[14 - 3]), stime = number(w[15 - 3]);
  const auto threads = number(w[20 - 3]), rss = number(w[24 - 3]);
  if (!utime || !stime || !threads || !rss) {
    return std::nullopt;
  }
  s.utime_ticks = *utime;
  s.stime_ticks = *stime;
  s.threads = *threads;
  s.rss_pages = *rss;
  return s;
}

std::optional<std::uint64_t> parse_context_switches(std::string_view status_text) {
  std::optional<std::uint64_t> total;
  each_line(status_text, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() == 2 &&
        (w[0] == "voluntary_ctxt_switches:" || w[0] == "nonvoluntary_ctxt_switches:")) {
      if (const auto v = number(w[1])) {
        total = total.value_or(0) + *v;
      }
    }
    return false;
  });
  return total;
}

std::optional<std::uint64_t> parse_open_files_limit(std::string_view text) {
  std::optional<std::uint64_t> limit;
  each_line(text, [&](std::string_view line) {
    if (line.rfind("Max open files", 0) != 0) {
      return false;
    }
    const auto w = words(line.substr(14));
    if (!w.empty()) {
      limit = number(w[0]);  // "unlimited" stays unset
    }
    return true;
  });
  return limit;
}

std::optional<cpu_ticks> parse_cpu_ticks(std::string_view text) {
  const auto w = words(text.substr(0, text.find('\n')));
  if (w.size() < 5 || w[0] != "cpu") {
    return std::nullopt;
  }
  cpu_ticks t;
  // user nice system idle iowait irq softirq steal (guest time is inside user already)
  for (std::size_t i = 1; i < w.size() && i <= 8; ++i) {
    const auto v = number(w[i]);
    if (!v) {
      return std::nullopt;
    }
    t.total += *v;
    if (i != 4 && i != 5) {
      t.busy += *v;
    }
  }
  return t;
}

std::optional<std::uint64_t> parse_meminfo(std::string_view text, std::string_view name) {
  std::optional<std::uint64_t> value;
  each_line(text, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() >= 2 && w[0].size() == name.size() + 1 && w[0].substr(0, name.size()) == name &&
        w[0].back() == ':') {
      if (const auto v = number(w[1])) {
        value = w.size() >= 3 && w[2] == "kB" ? *v * 1024 : *v;
      }
      return true;
    }
    return false;
  });
  return value;
}

std::optional<double> parse_load1(std::string_view text) {
  const auto w = words(text.substr(0, text.find('\n')));
  return w.empty() ? std::nullopt : decimal(w[0]);
}

std::optional<double> parse_psi_some_avg10(std::string_view text) {
  std::optional<double> value;
  each_line(text, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() >= 2 && w[0] == "some" && w[1].rfind("avg10=", 0) == 0) {
      value = decimal(w[1].substr(6));
      return true;
    }
    return false;
  });
  return value;
}

std::map<std::string, std::uint64_t> parse_sockstat_tcp(std::string_view text) {
  std::map<std::string, std::uint64_t> out;
  each_line(text, [&](std::string_view line) {
    const auto w = words(line);
    if (w.empty() || w[0] != "TCP:") {
      return false;
    }
    for (std::size_t i = 1; i + 1 < w.size(); i += 2) {
      if (const auto v = number(w[i + 1])) {
        out[std::string(w[i])] = *v;
      }
    }
    return true;
  });
  return out;
}

std::optional<std::uint64_t> parse_counter_table(std::string_view text, std::string_view prefix,
                                                 std::string_view name) {
  const std::string head = std::string(prefix) + ":";
  std::vector<std::string_view> names;
  std::optional<std::uint64_t> value;
  each_line(text, [&](std::string_view line) {
    const auto w = words(line);
    if (w.empty() || w[0] != head) {
      return false;
    }
    if (names.empty()) {
      names = w;  // the first line of the pair names the columns
      return false;
    }
    for (std::size_t i = 1; i < names.size() && i < w.size(); ++i) {
      if (names[i] == name) {
        value = number(w[i]);
      }
    }
    return true;
  });
  return value;
}

std::optional<std::uint64_t> parse_keyed_value(std::string_view text, std::string_view key) {
  std::optional<std::uint64_t> value;
  each_line(text, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() == 2 && w[0] == key) {
      value = number(w[1]);
      return true;
    }
    return false;
  });
  return value;
}

std::optional<std::string> parse_cgroup_path(std::string_view text, std::string_view controller) {
  std::optional<std::string> path;
  each_line(text, [&](std::string_view line) {
    // ID:controller[,controller...]:path
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) {
      return false;
    }
    const auto controllers = line.substr(first + 1, second - first - 1);
    bool match = controller.empty() ? controllers.empty() : false;
    if (!controller.empty()) {
      std::size_t i = 0;
      while (i <= controllers.size()) {
        const auto end = std::min(controllers.find(',', i), controllers.size());
        match = match || controllers.substr(i, end - i) == controller;
        i = end + 1;
      }
    }
    if (match) {
      path = std::string(line.substr(second + 1));
      return true;
    }
    return false;
  });
  return path;
}

std::optional<std::uint64_t> parse_slab_bytes(std::string_view text, std::string_view name) {
  std::optional<std::uint64_t> bytes;
  each_line(text, [&](std::string_view line) {
    const auto w = words(line);
    // name active_objs num_objs objsize ...
    if (w.size() >= 4 && w[0] == name) {
      const auto objects = number(w[2]), size = number(w[3]);
      if (objects && size) {
        bytes = *objects * *size;
      }
      return true;
    }
    return false;
  });
  return bytes;
}

}  // namespace stampede::monitor
