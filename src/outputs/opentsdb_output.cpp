// SPDX-License-Identifier: Apache-2.0
#include "outputs/opentsdb_output.hpp"

#include <nlohmann/json.hpp>

#include "outputs/posting_output.hpp"

namespace stampede::outputs {
namespace {

class opentsdb_output final : public posting_output {
 public:
  opentsdb_output(const std::string& name, http_url url, header_list auth)
      : posting_output(name, std::move(url), "application/json", std::move(auth)), tags_("-_./") {
    start();
  }
  ~opentsdb_output() override { finish(std::chrono::steady_clock::now()); }

 private:
  std::vector<std::string> bodies_of(const second_record& second) override {
    return opentsdb_batches(second, tags_);
  }
  name_cleaner tags_;  ///< OpenTSDB's names: letters, digits, '-', '_', '.', '/'
};

}  // namespace

std::vector<std::string> opentsdb_batches(const second_record& second, name_cleaner& tags) {
  nlohmann::json common = {{"campaign", tags(second.campaign)}};
  if (second.run_id != 0) {
    common["run"] = std::to_string(second.run_id);
  }
  std::vector<std::string> out;
  auto batch = nlohmann::json::array();
  for (const auto& p : second.points) {
    auto point_tags = common;
    if (!p.label.empty()) {
      point_tags[std::string(p.label)] = tags(p.label_value);
    }
    batch.push_back({{"metric", "stampede." + p.metric},
                     {"timestamp", second.t_ms},
                     {"value", p.value},
                     {"tags", std::move(point_tags)}});
    if (batch.size() == opentsdb_batch) {
      out.push_back(batch.dump());
      batch = nlohmann::json::array();
    }
  }
  if (!batch.empty()) {
    out.push_back(batch.dump());
  }
  return out;
}

std::unique_ptr<output> make_opentsdb_output(const std::string& name, const std::string& url,
                                             header_list auth) {
  auto where = parse_http_url(url);
  if (where.target == "/") {
    where.target = "/api/put";
  }
  return std::make_unique<opentsdb_output>(name, std::move(where), std::move(auth));
}

}  // namespace stampede::outputs
