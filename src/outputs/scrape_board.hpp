// SPDX-License-Identifier: Apache-2.0
// The controller's `--out prometheus=HOST:PORT`: one scrape endpoint for every run the
// controller steers, side by side and told apart by their `run` label. A run's series stay
// while it goes and `linger` after it ends, so the last seconds are scraped, then go.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "outputs/output.hpp"

namespace stampede::web {
class http_server;
}

namespace stampede::outputs {

class scrape_board {
 public:
  /// Listens at once: throws std::runtime_error naming the address.
  scrape_board(const std::string& address, std::chrono::milliseconds linger);
  ~scrape_board();

  std::string address() const;
  /// A run's latest second (the run is its record's run_id).
  void update(std::shared_ptr<const second_record> second);
  /// The run is over: its series are served `linger` more, then dropped.
  void retire(std::int64_t run_id);
  std::uint64_t scrapes() const;

 private:
  struct run_series {
    std::shared_ptr<const second_record> last;
    std::vector<series_point> levels;
    std::optional<std::chrono::steady_clock::time_point> gone_at;
  };
  std::string answer();

  const std::chrono::milliseconds linger_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, run_series> runs_;
  std::uint64_t scrapes_ = 0;
  std::unique_ptr<web::http_server> server_;
};

/// An output of one run feeding `board`; it never lingers itself (the board keeps the series).
std::unique_ptr<output> make_board_feeder(std::shared_ptr<scrape_board> board);

}  // namespace stampede::outputs
