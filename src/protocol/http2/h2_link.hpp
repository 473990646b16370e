// SPDX-License-Identifier: Apache-2.0
// One HTTP/2 client connection (nghttp2): a socket, its session, a reader and a writer
// coroutine, and the streams in flight on it. Streams are started by h2_session, one per
// exchange; the link completes each by waking the stream's own timer.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nghttp2/nghttp2.h>

#include <optional>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/connector.hpp"
#include "protocol/common/deadline_watch.hpp"
#include "protocol/common/session.hpp"
#include "protocol/http2/stream_table.hpp"

namespace stampede::protocol::http2 {

/// What every connection of a run is opened with.
struct h2_settings {
  std::string scheme;     ///< :scheme, "http" or "https"
  std::string authority;  ///< :authority, host[:port]
  std::chrono::nanoseconds connect_timeout{std::chrono::seconds(10)};
  std::uint32_t window_size = 1u << 20;             ///< SETTINGS_INITIAL_WINDOW_SIZE
  std::uint32_t connection_window_size = 1u << 24;  ///< the connection's receive window
};

/// Wakes the one coroutine waiting on it. Cheaper than a timer used as a signal (no timer
/// queue, no reactor lock) and than a type-erased handler: the waiter is kept as the concrete
/// handler use_awaitable makes, so waking it allocates nothing and goes through no executor.
class wake_signal {
 public:
  explicit wake_signal(boost::asio::io_context& ctx) : ctx_(ctx) {}

  /// Suspends until notify(). At most one waiter at a time.
  boost::asio::awaitable<void> wait() {
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
        [this](handler_type handler) { waiter_.emplace(std::move(handler)); },
        boost::asio::use_awaitable);
  }
  /// Resumes the waiter, if any, from the event loop (never inside the caller's stack).
  void notify() noexcept {
    if (waiter_) {
      boost::asio::post(ctx_, std::move(*waiter_));
      waiter_.reset();
    }
  }
  /// Hands the waiter, if any, over to `to` (whose own waiter must be gone): this signal is
  /// then free for another wait.
  void move_waiter_to(wake_signal& to) noexcept {
    if (waiter_) {
      to.waiter_.emplace(std::move(*waiter_));  // the handler moves but does not assign
      waiter_.reset();
    }
  }
  /// Resumes the waiter, if any, now, on the caller's stack: only where the waiter may run
  /// at once (not inside an nghttp2 callback) and on the signal's own thread.
  void notify_now() {
    if (waiter_) {
      auto waiter = std::move(*waiter_);
      waiter_.reset();
      std::move(waiter)();
    }
  }

 private:
  using handler_type =
      boost::asio::async_result<boost::asio::use_awaitable_t<>, void()>::handler_type;

  boost::asio::io_context& ctx_;
  std::optional<handler_type> waiter_;
};

struct stream_call;
class h2_link;

/// A request's header fields as nghttp2 takes them, with the storage they point into.
struct header_fields {
  std::vector<nghttp2_nv> nva;
  std::string lowered;       ///< header names in lower case, which HTTP/2 requires
  char length_digits[24]{};  ///< the content-length value `nva` points to
};

/// Sends again a request a GOAWAY refused before the server processed it.
class stream_resender {
 public:
  virtual void resend(stream_call& call) = 0;

 protected:
  ~stream_resender() = default;
};

/// One exchange's stream, owned by the session that runs it and reused from exchange to
/// exchange. The link fills `result` and `resp` and notifies `signal` when the stream ends,
/// fails or times out.
struct stream_call {
  using clock = std::chrono::steady_clock;

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
    keep_headers = r.keep_headers;
    keep_session_fields = r.keep_session_fields;
    keep_body = r.keep_body;
    status = 0;
    first_byte_at = {};
    bytes_in = 0;
    bytes_out = 0;
  }

  // What nghttp2's callbacks note while the stream runs, kept here and handed to the response
  // and result when it ends: the callbacks then touch one object per stream, not three.
  int status = 0;
  clock::time_point first_byte_at{};
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  bool keep_headers = false;
  bool keep_session_fields = false;
  bool keep_body = false;

  wake_signal signal;                                     ///< waited on by the session
  clock::time_point deadline = clock::time_point::max();  ///< the request timeout
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
  /// The link the stream is in flight on; null once it ended (the link outlives its streams:
  /// its reader runs until every stream in flight has failed or ended).
  h2_link* link = nullptr;
  /// When set, a stream refused unprocessed is handed to it instead of waking the waiter.
  stream_resender* resender = nullptr;
  /// The fields of a request rendered for this call (one without a request::cache_key).
  header_fields fields;
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
  /// Times out streams past their deadline. Sleeps until the earliest deadline in flight, so
  /// requests cost no timer operation of their own.
  boost::asio::awaitable<void> watchdog(std::shared_ptr<h2_link> self);
  void arm(clock::time_point deadline);
  boost::asio::awaitable<void> write_loop(std::shared_ptr<h2_link> self);
  boost::asio::awaitable<bool> flush_once();
  bool start_session();
  /// Fills `out` with the request's header fields (pseudo-headers first). `lasting`: the
  /// request's views stay valid for the run (request::cache_key), so nghttp2 need not copy
  /// their bytes.
  void build_fields(const request& req, header_fields& out, bool lasting);
  /// The fields of a request with a cache_key, built on first use and shared by every stream
  /// that sends it on this link; null once max_literal_requests are kept.
  const header_fields* literal_fields(const request& req);
  /// `lowered` kept as long as the link, or empty once max_interned_names are kept (header
  /// names made from data could be endless).
  std::string_view intern_name(std::string_view lowered);
  /// A cancel takes the reactor's lock: only done when the writer is asleep, not once for
  /// each of the streams a read starts.
  void wake_writer() {
    if (writer_asleep_) {
      writer_asleep_ = false;
      wake_.cancel();
    }
  }
  /// Ends every stream in flight as failed, e.g. when the connection broke.
  void fail_all(metrics::error_class error, failure_text why);
  stream_call* find(std::int32_t stream_id) const noexcept { return in_flight_.find(stream_id); }
  void forget(std::int32_t stream_id) noexcept { in_flight_.erase(stream_id); }
  /// The stream closed: completes the call from what arrived and how it ended.
  void finish(stream_call& call, std::uint32_t error_code);
  void fail_call(stream_call& call, metrics::error_class error, failure_text why);
  /// The stream ended: what the callbacks noted goes to the call's response and result, with
  /// the GOAWAYs not yet reported.
  void hand_over(stream_call& call);
  /// Wakes the sessions whose streams ended during the last nghttp2 call, on this stack: the
  /// next request of a user goes out without a trip through the event loop.
  void wake_finished();

  friend struct h2_callbacks;  ///< nghttp2's callbacks, in the .cpp

  boost::asio::io_context& ctx_;
  net::connector& connector_;
  h2_settings settings_;
  std::unique_ptr<net::stream> stream_;
  nghttp2_session* session_ = nullptr;
  state state_ = state::idle;
  boost::asio::steady_timer wake_;  ///< wakes the writer
  deadline_watch connect_deadline_;
  boost::asio::steady_timer watchdog_timer_;
  clock::time_point watchdog_at_ = clock::time_point::max();  ///< when the watchdog wakes
  bool watchdog_running_ = false;
  bool writer_asleep_ = false;  ///< the writer waits on wake_
  bool failed_ = false;         ///< a protocol or socket error: no new streams
  std::uint64_t goaways_ = 0;
  /// Streams in flight by id. nghttp2 is never given pointers to calls: a call may be reused
  /// or gone by the time a late callback for its old stream arrives.
  stream_table<stream_call> in_flight_;
  /// When the bytes being parsed arrived: one clock read per read, not per stream.
  clock::time_point read_at_{};
  std::vector<stream_call*> finished_;  ///< ended inside nghttp2 callbacks, not yet woken
  std::vector<stream_call*> waking_;
  static constexpr std::size_t max_interned_names = 64;
  static constexpr std::size_t max_literal_requests = 64;
  /// By request::cache_key; a handful per campaign, searched in order.
  std::vector<std::pair<const void*, std::unique_ptr<header_fields>>> literal_fields_;
  /// Lower-cased header names given to nghttp2 without a copy (a deque: they never move).
  std::deque<std::string> names_;
  std::string out_;  ///< bytes nghttp2 queued, written in one go
  std::vector<char> in_;
};

}  // namespace stampede::protocol::http2
