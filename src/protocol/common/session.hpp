// SPDX-License-Identifier: Apache-2.0
// The one interface every protocol implements. The scenario engine drives sessions through it
// and never includes a protocol header: HTTP/1.1 and HTTP/2 behind the same calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/text.hpp"
#include "metrics/error_class.hpp"
#include "protocol/common/failure_text.hpp"

namespace stampede::protocol {

struct header_view {
  std::string_view name;
  std::string_view value;
};

/// A request, fully rendered. Views must stay valid until exchange() completes.
struct request {
  std::string_view method;               ///< "GET"
  std::string_view target;               ///< origin-form: "/delay?ms=20"
  std::span<const header_view> headers;  ///< besides Host and Content-Length, which are added
  std::string_view body;
  std::chrono::nanoseconds timeout{};  ///< for the whole exchange once connected
  bool keep_headers = false;           ///< fill response::headers (checks, captures)
  bool keep_body = false;              ///< fill response::body (checks, captures)
  /// Without keep_headers: fill response::headers with the Set-Cookie and Location fields
  /// only (a cookie jar, redirects).
  bool keep_session_fields = false;
  /// Non-null when every view above points to storage that stays unchanged for the run: the
  /// same key then means the same bytes, and a session may reuse its encoding of the request.
  const void* cache_key = nullptr;
};

/// Set-Cookie or Location, in any case: the fields keep_session_fields keeps.
inline bool is_session_field(std::string_view name) {
  return core::iequals(name, "set-cookie") || core::iequals(name, "location");
}

struct response {
  int status = 0;
  /// Only when keep_headers (or keep_session_fields: those fields only).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  ///< only when keep_body

  void clear() {
    status = 0;
    headers.clear();
    body.clear();
  }
};

/// What happened during one exchange. Failures are data: `failed` with a class and a message
/// (`why`, formatted only when kept, or `message`).
struct exchange_result {
  using clock = std::chrono::steady_clock;

  bool failed = false;
  bool aborted = false;  ///< cut short by close(): neither a success nor a failure
  metrics::error_class error = metrics::error_class::other;
  /// On failure: the message in parts, set by the hot failure paths instead of `message`.
  failure_text why;
  std::string message;  ///< on failure, when `why` is empty
  /// With `message`, when it names a value that varies by request: static text that groups
  /// such failures into one reason. Empty: the message is the reason.
  std::string_view reason;

  bool connected = false;  ///< a new connection was opened for this exchange
  std::chrono::nanoseconds connect_time{};
  std::chrono::nanoseconds tls_time{};
  clock::time_point sent_at{};        ///< first request byte handed to the kernel
  clock::time_point first_byte_at{};  ///< first response byte read
  clock::time_point done_at{};
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  bool http2 = false;         ///< the exchange was an HTTP/2 stream
  bool stream_reset = false;  ///< HTTP/2: the server reset the stream (RST_STREAM)
  std::uint64_t goaways = 0;  ///< HTTP/2: GOAWAY frames received since the last report

  void clear() { *this = exchange_result{}; }
  /// The failure's message, whichever way it was given.
  std::string describe() const { return why.empty() ? message : why.describe(); }
  void clear_failure() {
    failed = false;
    why = {};
    message.clear();
    reason = {};
  }
};

/// One client connection (or, for multiplexing protocols, one logical session).
///
/// Thread-safety: none; a session lives on its worker's io_context. exchange() calls must not
/// overlap. A session reconnects by itself when its connection was closed.
class session {
 public:
  virtual ~session() = default;

  /// Sends `req` and reads the response. Never throws for network or protocol failures:
  /// they are reported in `result`.
  virtual boost::asio::awaitable<void> exchange(const request& req, response& resp,
                                                exchange_result& result) = 0;

  /// Closes the connection now; an exchange in flight ends with operation_aborted and is not
  /// reported as a failure.
  virtual void close() noexcept = 0;

  /// True while a connection is open.
  virtual bool connected() const noexcept = 0;
};

}  // namespace stampede::protocol
