// SPDX-License-Identifier: Apache-2.0
// What the campaign parser's tests share: campaigns built around a minimal one, the exact
// error a text gives, the examples folder, a temporary directory.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "scenario/campaign_parser.hpp"

namespace stampede::scenario::test {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

inline const char* const minimal = R"(target: http://127.0.0.1:8080
phases:
  - name: steady
    duration: 2s
    users: 5
scenarios:
  - name: slow
    flow:
      - get: /delay?ms=20
thresholds:
  - http.latency.p95 < 1ms
)";

inline campaign parse(const std::string& text) {
  return parse_campaign(text, "c.yaml", ".");
}

/// The exact error text for `text`, or "no error".
inline std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const campaign_error& e) {
    return e.what();
  }
  return "no error";
}

/// The minimal campaign with `from` replaced by `to`.
inline std::string with(const std::string& from, const std::string& to) {
  std::string s = minimal;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

/// A campaign whose only phase is `- name: p` followed by `lines` (which start on line 5).
inline std::string with_phase(const std::string& lines) {
  return "target: http://h:1\n"
         "scenarios: [{name: s, flow: [get: /]}]\n"
         "phases:\n"
         "  - name: p\n" +
         lines;
}

/// A campaign whose only flow step is `- ` followed by `step` (which starts on line 6).
inline std::string with_step(const std::string& step) {
  return "target: http://h:1\n"
         "phases: [{name: p, duration: 1s, users: 1}]\n"
         "scenarios:\n"
         "  - name: s\n"
         "    flow:\n"
         "      - " +
         step;
}

inline std::filesystem::path examples_dir() {
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "examples";
}

/// A fresh directory for files a test writes, removed at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    path_ =
        std::filesystem::temp_directory_path() /
        ("stampede-scenario-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace stampede::scenario::test
