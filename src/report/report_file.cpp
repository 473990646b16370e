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

namespace stampede::report {

std::string default_report_path(std::int64_t run_id) {
  return fmt::format("stampede-report-{}.html", run_id);
}

void write_report(const storage::results_db& db, std::int64_t run_id, const std::string& path,
                  std::optional<std::int64_t> compare_id) {
  const auto find = [&](std::int64_t id) {
    auto run = db.find_run(id);
    if (!run) {
      throw std::runtime_error(fmt::format("no run {} in {}", id, db.path()));
    }
    return *run;
  };
  auto data = report_data(find(run_id), db.intervals(run_id));
  if (compare_id) {
    // What the charts and tables draw of the other run; its campaign and heatmap are not.
    auto other = report_data(find(*compare_id), db.intervals(*compare_id));
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
