// SPDX-License-Identifier: Apache-2.0
// Several sources of the system under test's samples as one: a controller's remote monitors
// and a campaign's own.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "engine/sut_source.hpp"

namespace stampede::engine {

/// A monitor name in two sources keeps the first's samples.
class sut_sources final : public sut_source {
 public:
  explicit sut_sources(std::vector<std::shared_ptr<sut_source>> sources)
      : sources_(std::move(sources)) {}
  void begin() override {
    for (auto& s : sources_) {
      s->begin();
    }
  }
  sut_second take(std::int64_t index) override {
    sut_second out;
    for (auto& s : sources_) {
      out.merge(s->take(index));
    }
    return out;
  }

 private:
  std::vector<std::shared_ptr<sut_source>> sources_;
};

}  // namespace stampede::engine
