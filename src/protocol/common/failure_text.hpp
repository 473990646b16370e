// SPDX-License-Identifier: Apache-2.0
// A failure's message in parts, formatted only where it is kept. Under overload most failures
// are only counted (a metric set keeps one sample per class and one entry per reason), so the
// sessions' hot failure paths (timeouts, socket errors, malformed responses, reset streams)
// name static text and one value instead of formatting a message for each failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

namespace stampede::protocol {

struct failure_text {
  enum class value_kind : std::uint8_t { none, duration, error, text };

  /// Static text with one "{}" where the value goes (none for value_kind::none); empty: no
  /// failure_text was set.
  std::string_view format;
  value_kind kind = value_kind::none;
  std::chrono::nanoseconds duration{};
  boost::system::error_code error;
  std::string_view text;  ///< static, e.g. an nghttp2 error name

  /// The whole message is `message`, static text.
  static failure_text of(std::string_view message) { return {message}; }
  /// "no complete response within {}" and a timeout: "... within 10s".
  static failure_text after(std::string_view format, std::chrono::nanoseconds d) {
    return {format, value_kind::duration, d};
  }
  /// "reading the response: {}" and a socket error: "...: Connection reset by peer".
  static failure_text because(std::string_view format, boost::system::error_code ec) {
    return {format, value_kind::error, {}, ec};
  }
  /// "stream closed with {}" and static text: "... PROTOCOL_ERROR".
  static failure_text naming(std::string_view format, std::string_view static_text) {
    return {format, value_kind::text, {}, {}, static_text};
  }

  bool empty() const noexcept { return format.empty(); }
  /// The message; allocates, so only for messages that are kept.
  std::string describe() const;
  /// With format.data(), tells one reason from another without formatting: failures with the
  /// same format and value are one reason.
  std::int64_t value_key() const noexcept;
};

}  // namespace stampede::protocol
