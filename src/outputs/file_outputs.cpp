// SPDX-License-Identifier: Apache-2.0
#include "outputs/file_outputs.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "outputs/hdr_log.hpp"
#include "outputs/name_cleaner.hpp"

namespace stampede::outputs {
namespace {

/// A file written a line (or a few) each second, flushed each time so it can be followed.
class line_file : public queued_output {
 public:
  line_file(const std::string& name, const std::string& path)
      : queued_output(name), path_(path), out_(path, std::ios::binary | std::ios::trunc) {
    if (!out_) {
      throw std::runtime_error(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
    }
  }

 protected:
  bool deliver(const second_record& second) final {
    write(second);
    out_.flush();
    if (!out_) {
      throw std::runtime_error(fmt::format("cannot write {}", path_));
    }
    return true;
  }
  void close() final { out_.close(); }
  virtual void write(const second_record& second) = 0;

  std::string path_;
  std::ofstream out_;
};

class jsonl_file final : public line_file {
 public:
  jsonl_file(const std::string& name, const std::string& path) : line_file(name, path) { start(); }
  ~jsonl_file() override { finish(std::chrono::steady_clock::now()); }

 private:
  void write(const second_record& second) override { out_ << to_json(second).dump() << '\n'; }
};

/// A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180).
std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) {
    return v;
  }
  std::string out = "\"";
  for (const char c : v) {
    out += c == '"' ? "\"\"" : std::string(1, c);
  }
  return out + "\"";
}

class csv_file final : public line_file {
 public:
  csv_file(const std::string& name, const std::string& path) : line_file(name, path) {
    out_ << "t,metric,scenario,step,status,error,agent,monitor,value\n";
    start();
  }
  ~csv_file() override { finish(std::chrono::steady_clock::now()); }

 private:
  void write(const second_record& second) override {
    const auto t = fmt::format("{:.3f}", static_cast<double>(second.t_ms) / 1000.0);
    static constexpr std::string_view labels[] = {"scenario", "step",  "status",
                                                  "error",    "agent", "monitor"};
    for (const auto& p : second.points) {
      out_ << t << ',' << p.metric;
      for (const auto label : labels) {
        out_ << ',' << (p.label == label ? csv_field(p.label_value) : "");
      }
      out_ << ',' << fmt::format("{}", p.value) << '\n';
    }
  }
};

class hdrlog_file final : public line_file {
 public:
  hdrlog_file(const std::string& name, const std::string& path)
      : line_file(name, path), tags_(tag_bytes()) {
    start();
  }
  ~hdrlog_file() override { finish(std::chrono::steady_clock::now()); }
  bool wants_histograms() const override { return true; }

 private:
  /// A tag may hold any printable byte but ',' and ' ' (and no line break).
  static std::string tag_bytes() {
    std::string out;
    for (char c = '!'; c <= '~'; ++c) {
      if (c != ',') {
        out += c;
      }
    }
    return out;
  }
  void write(const second_record& second) override {
    if (!header_written_) {
      // BaseTime is interval 0's start: each line's start is its second's index.
      out_ << hdr_log_header(second.t_ms - second.index * 1000);
      header_written_ = true;
    }
    for (const auto& [step, h] : second.histograms) {
      if (step.empty() || !h.empty()) {
        out_ << hdr_log_line(step.empty() ? "" : tags_(step), static_cast<double>(second.index),
                             1.0, h);
      }
    }
  }

  name_cleaner tags_;
  bool header_written_ = false;
};

}  // namespace

std::unique_ptr<output> make_hdrlog_output(const std::string& name, const std::string& path) {
  return std::make_unique<hdrlog_file>(name, path);
}

std::unique_ptr<output> make_jsonl_output(const std::string& name, const std::string& path) {
  return std::make_unique<jsonl_file>(name, path);
}

std::unique_ptr<output> make_csv_output(const std::string& name, const std::string& path) {
  return std::make_unique<csv_file>(name, path);
}

}  // namespace stampede::outputs
