// SPDX-License-Identifier: Apache-2.0
// Beast's HTTP request parser, filling a connection's reused request instead of a fields
// container: the target parses every request of a benchmark, so it must not allocate per request.
#pragma once

#include <cstdint>
#include <string>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>

namespace stampede::target::detail {

namespace http = boost::beast::http;

/// The parts of a request the target looks at. Owned by the connection and reused, so the
/// strings keep their capacity from one request to the next.
struct request {
  http::verb method = http::verb::unknown;
  unsigned version = 11;  ///< 10 or 11
  std::string target;
  std::string body;
  std::string content_type;
  std::string cookie;              ///< Cookie, several fields joined by "; "
  bool expect_continue = false;    ///< "Expect: 100-continue": the client waits before the body
  bool upgrade_websocket = false;  ///< "Upgrade: websocket"
  std::string websocket_key;       ///< Sec-WebSocket-Key
  std::string websocket_version;   ///< Sec-WebSocket-Version

  void clear() {
    method = http::verb::unknown;
    version = 11;
    target.clear();
    body.clear();
    content_type.clear();
    cookie.clear();
    expect_continue = false;
    upgrade_websocket = false;
    websocket_key.clear();
    websocket_version.clear();
  }
};

/// Parses one request into a `request`. Beast parsers parse one message each: make a new reader
/// per request (a small object, and it allocates nothing unless a header arrives in pieces that
/// a flat buffer would not hold contiguously, which a flat buffer never does).
class request_reader final : public http::basic_parser<true> {
 public:
  static constexpr std::size_t header_limit_bytes = 64 * 1024;
  static constexpr std::uint64_t body_limit_bytes = 64ULL * 1024 * 1024;

  explicit request_reader(request& r) : request_(r) {
    request_.clear();
    header_limit(header_limit_bytes);
    body_limit(body_limit_bytes);
  }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(http::verb method, string_view, string_view target, int version,
                       error_code&) override {
    request_.method = method;
    request_.version = static_cast<unsigned>(version);
    request_.target.assign(target.data(), target.size());
  }
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(http::field name, string_view, string_view value, error_code&) override {
    if (name == http::field::content_type) {
      request_.content_type.assign(value.data(), value.size());
    } else if (name == http::field::cookie) {
      if (!request_.cookie.empty()) {
        request_.cookie.append("; ");
      }
      request_.cookie.append(value.data(), value.size());
    } else if (name == http::field::expect) {
      request_.expect_continue = boost::beast::iequals(value, "100-continue");
    } else if (name == http::field::upgrade) {
      request_.upgrade_websocket = boost::beast::iequals(value, "websocket");
    } else if (name == http::field::sec_websocket_key) {
      request_.websocket_key.assign(value.data(), value.size());
    } else if (name == http::field::sec_websocket_version) {
      request_.websocket_version.assign(value.data(), value.size());
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // The body limit was checked against the length already, so this reserve is bounded.
    if (length) {
      request_.body.reserve(static_cast<std::size_t>(*length));
    }
  }
  std::size_t on_body_impl(string_view s, error_code&) override {
    request_.body.append(s.data(), s.size());
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view s, error_code&) override {
    request_.body.append(s.data(), s.size());
    return s.size();
  }
  void on_finish_impl(error_code&) override {}

  request& request_;
};

}  // namespace stampede::target::detail
