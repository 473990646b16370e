// SPDX-License-Identifier: Apache-2.0
#include "outputs/remote_write_output.hpp"

#include <algorithm>

#include <snappy.h>

#include "outputs/posting_output.hpp"
#include "outputs/prometheus_endpoint.hpp"
#include "prometheus/remote_write.pb.h"

namespace stampede::outputs {
namespace {

class remote_write_output final : public posting_output {
 public:
  remote_write_output(const std::string& name, http_url url, header_list headers)
      : posting_output(name, std::move(url), "application/x-protobuf", with_spec(headers)) {
    start();
  }
  ~remote_write_output() override { finish(std::chrono::steady_clock::now()); }

 private:
  static header_list with_spec(header_list headers) {
    headers.emplace_back("Content-Encoding", "snappy");
    headers.emplace_back("X-Prometheus-Remote-Write-Version", "0.1.0");
    return headers;
  }
  std::vector<std::string> bodies_of(const second_record& second) override {
    const auto raw = write_request(second);
    std::string compressed;
    snappy::Compress(raw.data(), raw.size(), &compressed);
    return {std::move(compressed)};
  }
};

void add_series(prometheus::WriteRequest& req, const second_record& second, const series_point& p) {
  const auto [name, scale] = prometheus_name(p);
  auto* ts = req.add_timeseries();
  // Labels sorted by name, as the spec asks: __name__ sorts before the lower-case ones.
  std::vector<std::pair<std::string, std::string>> labels{{"__name__", name},
                                                          {"campaign", second.campaign}};
  if (second.run_id != 0) {
    labels.emplace_back("run", std::to_string(second.run_id));
  }
  if (!p.label.empty() && !p.label_value.empty()) {
    labels.emplace_back(std::string(p.label), p.label_value);
  }
  std::sort(labels.begin(), labels.end());
  for (auto& [k, v] : labels) {
    if (v.empty()) {
      continue;  // the spec forbids empty values
    }
    auto* l = ts->add_labels();
    l->set_name(k);
    l->set_value(v);
  }
  auto* sample = ts->add_samples();
  sample->set_value(p.value * scale);
  sample->set_timestamp(second.t_ms);
}

}  // namespace

std::string write_request(const second_record& second) {
  prometheus::WriteRequest req;
  for (const auto& p : second.totals) {
    add_series(req, second, p);
  }
  for (const auto& p : second.points) {
    if (!p.counter) {
      add_series(req, second, p);
    }
  }
  return req.SerializeAsString();
}

std::unique_ptr<output> make_remote_write_output(const std::string& name, const std::string& url,
                                                 header_list auth) {
  return std::make_unique<remote_write_output>(name, parse_http_url(url), std::move(auth));
}

}  // namespace stampede::outputs
