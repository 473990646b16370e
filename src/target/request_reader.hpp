// SPDX-License-Identifier: Apache-2.0
// Beast's HTTP request parser, receiving into reused strings instead of a fields container:
// the target parses every request of a benchmark, so it must not allocate per request.
#pragma once

#include <string>

#include <boost/beast/http/basic_parser.hpp>

namespace stampede::target {

namespace http = boost::beast::http;

/// One request. Beast parsers parse one message each: make a new reader per request (it is a
/// small object; the strings it fills belong to the connection and keep their capacity).
class request_reader final : public http::basic_parser<true> {
 public:
  request_reader(std::string& target, std::string& body, std::string& content_type)
      : target_(target), body_(body), content_type_(content_type) {
    target_.clear();
    body_.clear();
    content_type_.clear();
    header_limit(64 * 1024);
    body_limit(64 * 1024 * 1024);
  }

  http::verb method() const { return method_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(http::verb method, string_view, string_view target, int,
                       error_code&) override {
    method_ = method;
    target_.assign(target.data(), target.size());
  }
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(http::field name, string_view, string_view value, error_code&) override {
    if (name == http::field::content_type) {
      content_type_.assign(value.data(), value.size());
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view s, error_code&) override {
    body_.append(s.data(), s.size());
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view s, error_code&) override {
    body_.append(s.data(), s.size());
    return s.size();
  }
  void on_finish_impl(error_code&) override {}

  std::string& target_;
  std::string& body_;
  std::string& content_type_;
  http::verb method_ = http::verb::unknown;
};

}  // namespace stampede::target
