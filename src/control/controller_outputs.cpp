// SPDX-License-Identifier: Apache-2.0
#include "control/controller_outputs.hpp"

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include <fmt/format.h>

#include "metrics/summary.hpp"

namespace stampede::control {
namespace fs = std::filesystem;

namespace {

bool is_file_kind(const std::string& kind) {
  return kind == "jsonl" || kind == "csv" || kind == "hdrlog";
}

/// runs.jsonl -> runs-17.jsonl: each run its own file.
std::string per_run(const std::string& path, std::int64_t run_id) {
  const fs::path p(path);
  return (p.parent_path() /
          fmt::format("{}-{}{}", p.stem().string(), run_id, p.extension().string()))
      .string();
}

}  // namespace

/// The observer a run's recorder sees: the set's seconds as they come, and at the end what it
/// had delivered then, while the rest is delivered in the background.
class run_outputs final : public engine::interval_observer {
 public:
  run_outputs(controller_outputs& owner, std::int64_t run_id,
              std::unique_ptr<outputs::output_set> set)
      : owner_(owner), run_id_(run_id), set_(std::move(set)) {}
  void on_start(const engine::run_plan& plan, std::int64_t run_id,
                std::int64_t start_unix_ms) override {
    set_->on_start(plan, run_id, start_unix_ms);
  }
  void on_interval(const engine::completed_interval& second) override { set_->on_interval(second); }
  void on_finish(metrics::summary& summary) override {
    set_->stats_now(summary);
    owner_.finish_later(run_id_, std::move(set_));
  }

 private:
  controller_outputs& owner_;
  std::int64_t run_id_;
  std::unique_ptr<outputs::output_set> set_;
};

controller_outputs::controller_outputs(const std::vector<std::string>& specs, std::string data_dir)
    : data_dir_(std::move(data_dir)) {
  for (const auto& text : specs) {
    auto spec = outputs::parse_output_spec(text);
    if (spec.kind != "prometheus") {
      specs_.push_back(std::move(spec));
      continue;
    }
    if (board_) {
      throw std::invalid_argument("one prometheus= endpoint serves every run; give it once");
    }
    board_ = std::make_shared<outputs::scrape_board>(spec.target, spec.linger);
  }
}

controller_outputs::~controller_outputs() {
  std::lock_guard lock(mutex_);
  for (auto& f : finishing_) {
    f.thread.join();
  }
}

std::vector<std::string> controller_outputs::descriptions() const {
  std::vector<std::string> out;
  if (board_) {
    out.push_back(fmt::format("prometheus: http://{}/metrics (every run)", board_->address()));
  }
  for (const auto& s : specs_) {
    out.push_back(fmt::format("{}: {}{}", s.kind, s.target,
                              is_file_kind(s.kind) ? " (a file per run: NAME-RUN.EXT)" : ""));
  }
  return out;
}

void controller_outputs::check(const scenario::campaign& campaign) const {
  campaign_specs(campaign);
}

std::vector<outputs::output_spec> controller_outputs::campaign_specs(
    const scenario::campaign& campaign) const {
  std::vector<outputs::output_spec> specs;
  std::vector<outputs::output_spec> from_campaign;
  try {
    from_campaign = outputs::campaign_outputs(campaign);
  } catch (const std::exception& e) {
    throw std::invalid_argument(e.what());
  }
  const auto data = fs::weakly_canonical(fs::absolute(data_dir_));
  for (std::size_t i = 0; i < from_campaign.size(); ++i) {
    auto spec = from_campaign[i];
    const auto where =
        fmt::format("{}:{}: outputs[{}]", campaign.source_file, campaign.outputs[i].line, i);
    if (spec.kind == "prometheus") {
      throw std::invalid_argument(where +
                                  ": the controller serves every run's series at its own "
                                  "--out prometheus=HOST:PORT; a campaign cannot open one");
    }
    if (is_file_kind(spec.kind)) {
      // The campaign's author is not the controller's operator: its files stay in --data.
      const auto path = fs::weakly_canonical(data / spec.target);
      const auto rel = path.lexically_relative(data);
      if (rel.empty() || *rel.begin() == "..") {
        throw std::invalid_argument(fmt::format(
            "{}: {}={} is outside the controller's --data directory ({}): a campaign's files "
            "go there",
            where, spec.kind, spec.target, data.string()));
      }
      spec.target = path.string();
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::shared_ptr<engine::interval_observer> controller_outputs::for_run(
    std::int64_t run_id, const scenario::campaign& campaign) {
  auto specs = specs_;
  for (auto& s : campaign_specs(campaign)) {
    if (is_file_kind(s.kind)) {
      std::error_code ec;  // --data is the controller's: the campaign's folders are made there
      fs::create_directories(fs::path(s.target).parent_path(), ec);
    }
    specs.push_back(std::move(s));
  }
  if (specs.empty() && !board_) {
    return nullptr;
  }
  for (auto& s : specs) {
    if (is_file_kind(s.kind)) {
      s.target = per_run(s.target, run_id);
    }
  }
  auto set = std::make_unique<outputs::output_set>(specs);
  if (board_) {
    set->add("prometheus", outputs::make_board_feeder(board_),
             fmt::format("prometheus: http://{}/metrics", board_->address()));
  }
  for (const auto& d : set->descriptions()) {
    std::cerr << fmt::format("stampede controller: run {} output {}\n", run_id, d);
  }
  return std::make_shared<run_outputs>(*this, run_id, std::move(set));
}

void controller_outputs::finish_later(std::int64_t run_id,
                                      std::unique_ptr<outputs::output_set> set) {
  std::lock_guard lock(mutex_);
  std::erase_if(finishing_, [](finishing& f) {
    if (!f.done->load()) {
      return false;
    }
    f.thread.join();
    return true;
  });
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread t([run_id, done, set = std::shared_ptr<outputs::output_set>(std::move(set))] {
    metrics::summary final_counts;
    set->on_finish(final_counts);
    std::vector<std::string> parts;
    for (const auto& [name, o] : final_counts.outputs) {
      parts.push_back(
          fmt::format("{} {} sent, {} dropped, {} errors", name, o.sent, o.dropped, o.errors));
    }
    std::string line;
    for (const auto& p : parts) {
      line += (line.empty() ? "" : " · ") + p;
    }
    std::cerr << fmt::format("stampede controller: run {} outputs delivered: {}\n", run_id, line);
    *done = true;
  });
  finishing_.push_back({std::move(t), std::move(done)});
}

}  // namespace stampede::control
