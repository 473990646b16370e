// SPDX-License-Identifier: Apache-2.0
#include "outputs/prometheus_endpoint.hpp"

#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "web/dashboard.hpp"
#include "web/http_server.hpp"

namespace stampede::outputs {
namespace {

/// A label value as the text format writes it: `\`, `"` and line breaks escaped.
std::string escaped(std::string_view v) {
  std::string out;
  for (const char c : v) {
    out += c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : std::string(1, c);
  }
  return out;
}

}  // namespace

std::pair<std::string, double> prometheus_name(const series_point& p) {
  std::string name = "stampede_" + p.metric;
  if (p.counter) {
    return {name + "_total", 1.0};
  }
  if (name.ends_with("_ms")) {
    return {name.substr(0, name.size() - 3) + "_seconds", 1e-3};
  }
  return {name, 1.0};
}

namespace {
void add_samples(const scraped_run& run, std::map<std::string, std::vector<std::string>>& by_name,
                 std::map<std::string, bool>& is_counter);
}  // namespace

std::string exposition_text(const second_record* last, const std::vector<series_point>& totals,
                            const std::vector<series_point>& levels) {
  return exposition_text({{last, &totals, &levels}});
}

std::string exposition_text(const std::vector<scraped_run>& runs) {
  // Every sample of a metric together, under its TYPE line, whichever run it is of.
  std::map<std::string, std::vector<std::string>> by_name;
  std::map<std::string, bool> is_counter;
  for (const auto& run : runs) {
    add_samples(run, by_name, is_counter);
  }
  std::string out;
  for (const auto& [name, samples] : by_name) {
    out += fmt::format("# TYPE {} {}\n", name, is_counter[name] ? "counter" : "gauge");
    for (const auto& s : samples) {
      out += s;
      out += '\n';
    }
  }
  return out;
}

namespace {

void add_samples(const scraped_run& run, std::map<std::string, std::vector<std::string>>& by_name,
                 std::map<std::string, bool>& is_counter) {
  const auto* last = run.last;
  // The run's id only when it is stored (--no-db: none).
  std::string common;
  if (last != nullptr) {
    common = fmt::format("campaign=\"{}\"", escaped(last->campaign));
    if (last->run_id != 0) {
      common += fmt::format(",run=\"{}\"", last->run_id);
    }
  }
  for (const auto* list : {run.totals, run.levels}) {
    for (const auto& p : *list) {
      const auto [name, scale] = prometheus_name(p);
      std::string labels = common;
      if (!p.label.empty()) {
        labels +=
            fmt::format("{}{}=\"{}\"", labels.empty() ? "" : ",", p.label, escaped(p.label_value));
      }
      by_name[name].push_back(fmt::format("{}{{{}}} {}", name, labels, p.value * scale));
      is_counter[name] = p.counter;
    }
  }
}

}  // namespace

class prometheus_endpoint final : public output {
 public:
  prometheus_endpoint(const web::listen_address& where, std::chrono::milliseconds linger)
      : linger_(linger),
        server_(where.host, where.port,
                [this](const web::http_request& r) -> web::route_result { return answer(r); }) {
    server_.start();
  }
  ~prometheus_endpoint() override { server_.stop(std::chrono::milliseconds(0)); }

  std::string address() const { return server_.address(); }

  void offer(std::shared_ptr<const second_record> second) override {
    auto now = second->points;
    std::erase_if(now, [](const series_point& p) { return p.counter; });
    std::lock_guard lock(mutex_);
    levels_ = std::move(now);
    last_ = std::move(second);
  }

  bool lingers() const override { return true; }

  void finish(std::chrono::steady_clock::time_point) override {
    std::this_thread::sleep_for(linger_);
    server_.stop(std::chrono::milliseconds(0));
  }

  metrics::output_stats stats() const override {
    std::lock_guard lock(mutex_);
    return {scrapes_, 0, 0};
  }

 private:
  web::route_result answer(const web::http_request& r) {
    if (r.path != "/metrics") {
      return web::http_response::error(404, "stampede serves /metrics here");
    }
    std::string text;
    {
      std::lock_guard lock(mutex_);
      ++scrapes_;
      if (last_) {
        text = exposition_text(last_.get(), last_->totals, levels_);
      }
    }
    return web::http_response{200, "text/plain; version=0.0.4; charset=utf-8", std::move(text), {}};
  }

  const std::chrono::milliseconds linger_;
  mutable std::mutex mutex_;
  std::vector<series_point> levels_;
  std::shared_ptr<const second_record> last_;
  std::uint64_t scrapes_ = 0;
  web::http_server server_;
};

std::unique_ptr<output> make_prometheus_endpoint(const std::string& address,
                                                 std::chrono::milliseconds linger,
                                                 std::string* listening_on) {
  web::listen_address where;
  try {
    where = web::parse_listen_address(address);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  auto out = std::make_unique<prometheus_endpoint>(where, linger);
  if (listening_on != nullptr) {
    *listening_on = out->address();
  }
  return out;
}

}  // namespace stampede::outputs
