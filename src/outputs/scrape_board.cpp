// SPDX-License-Identifier: Apache-2.0
#include "outputs/scrape_board.hpp"

#include <stdexcept>

#include "outputs/prometheus_endpoint.hpp"
#include "web/dashboard.hpp"
#include "web/http_server.hpp"

namespace stampede::outputs {

scrape_board::scrape_board(const std::string& address, std::chrono::milliseconds linger)
    : linger_(linger) {
  web::listen_address where;
  try {
    where = web::parse_listen_address(address);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  server_ = std::make_unique<web::http_server>(
      where.host, where.port, [this](const web::http_request& r) -> web::route_result {
        if (r.path != "/metrics") {
          return web::http_response::error(404, "stampede serves /metrics here");
        }
        return web::http_response{200, "text/plain; version=0.0.4; charset=utf-8", answer(), {}};
      });
  server_->start();
}

scrape_board::~scrape_board() {
  server_->stop(std::chrono::milliseconds(0));
}

std::string scrape_board::address() const {
  return server_->address();
}

void scrape_board::update(std::shared_ptr<const second_record> second) {
  auto levels = second->points;
  std::erase_if(levels, [](const series_point& p) { return p.counter; });
  std::lock_guard lock(mutex_);
  auto& run = runs_[second->run_id];
  run.levels = std::move(levels);
  run.last = std::move(second);
}

void scrape_board::retire(std::int64_t run_id) {
  std::lock_guard lock(mutex_);
  if (const auto it = runs_.find(run_id); it != runs_.end()) {
    it->second.gone_at = std::chrono::steady_clock::now() + linger_;
  }
}

std::uint64_t scrape_board::scrapes() const {
  std::lock_guard lock(mutex_);
  return scrapes_;
}

std::string scrape_board::answer() {
  std::lock_guard lock(mutex_);
  ++scrapes_;
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(runs_, [&](const auto& r) { return r.second.gone_at && *r.second.gone_at < now; });
  std::vector<scraped_run> runs;
  for (const auto& [id, r] : runs_) {
    runs.push_back({r.last.get(), &r.last->totals, &r.levels});
  }
  return exposition_text(runs);
}

namespace {

class board_feeder final : public output {
 public:
  explicit board_feeder(std::shared_ptr<scrape_board> board)
      : board_(std::move(board)), scrapes_at_start_(board_->scrapes()) {}

  void offer(std::shared_ptr<const second_record> second) override {
    std::lock_guard lock(mutex_);
    run_id_ = second->run_id;
    board_->update(std::move(second));
  }
  void finish(std::chrono::steady_clock::time_point) override {
    std::lock_guard lock(mutex_);
    if (run_id_) {
      board_->retire(*run_id_);
    }
  }
  metrics::output_stats stats() const override {
    return {board_->scrapes() - scrapes_at_start_, 0, 0};  // scrapes while the run went
  }

 private:
  std::shared_ptr<scrape_board> board_;
  const std::uint64_t scrapes_at_start_;
  std::mutex mutex_;
  std::optional<std::int64_t> run_id_;
};

}  // namespace

std::unique_ptr<output> make_board_feeder(std::shared_ptr<scrape_board> board) {
  return std::make_unique<board_feeder>(std::move(board));
}

}  // namespace stampede::outputs
