// SPDX-License-Identifier: Apache-2.0
#include "report/report_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "report/report_data.hpp"
#include "report/report_page.hpp"
#include "report/second_data.hpp"

namespace stampede::report {

std::string default_report_path(std::int64_t run_id) {
  return fmt::format("stampede-report-{}.html", run_id);
}

stored_run read_run(const storage::results_db& db, std::int64_t run_id) {
  auto run = db.find_run(run_id);
  if (!run) {
    throw std::runtime_error(fmt::format("no run {} in {}", run_id, db.path()));
  }
  return {std::move(*run), db.intervals(run_id, -1, drawn_histograms()), db.profiles(run_id)};
}

void write_report(const storage::results_db& db, std::int64_t run_id, const std::string& path,
                  std::optional<std::int64_t> compare_id) {
  std::optional<stored_run> other;
  if (compare_id) {
    other = read_run(db, *compare_id);
  }
  write_report(read_run(db, run_id), path, other);
}

void write_report(const stored_run& run, const std::string& path,
                  const std::optional<stored_run>& compare) {
  auto data = report_data(run.run, run.seconds);
  if (!run.profiles.empty()) {
    data["profiles"] = profiles_json(run.profiles);
  }
  if (compare) {
    // What the charts and tables draw of the other run; its campaign and heatmap are not.
    auto other = report_data(compare->run, compare->seconds);
    other.erase("campaign");
    other.erase("heatmap");
    data["compare"] = std::move(other);
  }
  const auto page = render_page(data);
  // Written beside the file, then renamed over it: a reader never sees half a report.
  const auto partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << page;
    out.close();
    if (!out) {
      std::remove(partial.c_str());
      throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    }
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    const auto why = std::strerror(errno);
    std::remove(partial.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, why));
  }
}

}  // namespace stampede::report
