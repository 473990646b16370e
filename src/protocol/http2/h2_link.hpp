// SPDX-License-Identifier: Apache-2.0
// One HTTP/2 client connection (nghttp2): a socket, its session, a reader and a writer
// coroutine, and the streams in flight on it. Streams are started by h2_session, one per
// exchange; the link completes each by waking the stream's own timer.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nghttp2/nghttp2.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/connector.hpp"
#include "protocol/common/session.hpp"

namespace stampede::protocol::http2 {

/// What every connection of a run is opened with.
struct h2_settings {
  std::string scheme;     ///< :scheme, "http" or "https"
  std::string authority;  ///< :authority, host[:port]
  std::chrono::nanoseconds connect_timeout{std::chrono::seconds(10)};
  std::uint32_t window_size = 1u << 20;             ///< SETTINGS_INITIAL_WINDOW_SIZE
  std::uint32_t connection_window_size = 1u << 24;  ///< the connection's receive window
};

/// One exchange's stream, owned by the session that runs it and reused from exchange to
/// exchange. The link fills `result` and `resp` and cancels `signal` when the stream ends.
struct stream_call {
  explicit stream_call(boost::asio::io_context& ctx) : signal(ctx) {}

  void begin(const request& r, response& p, exchange_result& x) {
    req = &r;
    resp = &p;
    result = &x;
    stream_id = -1;
    body_sent = 0;
    done = false;
    reset_code = 0;
    reset_by_peer = false;
    unprocessed = false;
  }

  boost::asio::steady_timer signal;  ///< waited on by the session; cancelled to wake it
  const request* req = nullptr;
  response* resp = nullptr;
  exchange_result* result = nullptr;
  std::int32_t stream_id = -1;
  std::size_t body_sent = 0;
  bool done = false;
  bool reset_by_peer = false;  ///< RST_STREAM received
  /// Refused by a GOAWAY before the server processed it (RFC 9113 8.7): safe to send again.
  bool unprocessed = false;
  std::uint32_t reset_code = 0;
  std::vector<nghttp2_nv> nva;  ///< reused storage for the request's header fields
  std::string lowered;          ///< header names in lower case, which HTTP/2 requires
};

/// Thread-safety: none; lives on one worker's io_context. Create with std::make_shared: the
/// reader and writer keep the link alive while they run.
class h2_link : public std::enable_shared_from_this<h2_link> {
 public:
  using clock = std::chrono::steady_clock;

  h2_link(boost::asio::io_context& ctx, net::connector& connector, const h2_settings& settings);
  ~h2_link();
  h2_link(const h2_link&) = delete;
  h2_link& operator=(const h2_link&) = delete;

  /// Connects (TLS with ALPN h2 when the connector is TLS), starts the session and its reader
  /// and writer. On failure fills `result` as a failed exchange and returns false.
  boost::asio::awaitable<bool> open(exchange_result& result);

  /// True while new streams may start: connected, no GOAWAY received, no error.
  bool usable() const noexcept;
  bool is_open() const noexcept { return state_ == state::open; }

  /// Starts `call`'s stream. False (and `call.result` failed) when nghttp2 refuses it.
  bool submit(stream_call& call);
  /// Stops waiting for `call`: resets its stream (CANCEL) and forgets it.
  void cancel(stream_call& call) noexcept;
  /// Closes the socket; streams in flight fail.
  void close() noexcept;

  /// GOAWAY frames received and not yet reported.
  std::uint64_t take_goaways() noexcept { return std::exchange(goaways_, 0); }

 private:
  enum class state { idle, connecting, open, closed };

  boost::asio::awaitable<void> read_loop(std::shared_ptr<h2_link> self);
  boost::asio::awaitable<void> write_loop(std::shared_ptr<h2_link> self);
  boost::asio::awaitable<bool> flush_once();
  bool start_session();
  void wake_writer() { wake_.cancel(); }
  /// Ends every stream in flight as failed, e.g. when the connection broke.
  void fail_all(metrics::error_class error, const std::string& message);
  stream_call* find(std::int32_t stream_id) const;
  /// The stream closed: completes the call from what arrived and how it ended.
  void finish(stream_call& call, std::uint32_t error_code);
  void fail_call(stream_call& call, metrics::error_class error, std::string message);

  friend struct h2_callbacks;  ///< nghttp2's callbacks, in the .cpp

  boost::asio::io_context& ctx_;
  net::connector& connector_;
  h2_settings settings_;
  std::unique_ptr<net::stream> stream_;
  nghttp2_session* session_ = nullptr;
  state state_ = state::idle;
  boost::asio::steady_timer wake_;           ///< wakes the writer
  boost::asio::steady_timer connect_timer_;  ///< the connect deadline
  bool connect_timed_out_ = false;
  bool failed_ = false;  ///< a protocol or socket error: no new streams
  std::uint64_t goaways_ = 0;
  /// Streams in flight by id. nghttp2 is never given pointers to calls: a call may be reused
  /// or gone by the time a late callback for its old stream arrives.
  std::unordered_map<std::int32_t, stream_call*> in_flight_;
  std::string out_;  ///< bytes nghttp2 queued, written in one go
  std::vector<char> in_;
};

}  // namespace stampede::protocol::http2
