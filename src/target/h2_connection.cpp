// SPDX-License-Identifier: Apache-2.0
#include "target/h2_connection.hpp"
#include "protocol/http2/nghttp2_output.hpp"

#include <nghttp2/nghttp2.h>

#include <array>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <type_traits>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "target/routes.hpp"

namespace stampede::target {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// Streams one connection serves at once; a client opening more gets them refused.
constexpr std::uint32_t max_concurrent_streams = 1000;
/// A request body larger than this resets its stream, as HTTP/1.1 answers 413.
constexpr std::size_t max_request_body = 64 * 1024 * 1024;
/// Bytes gathered from nghttp2 into one write.
constexpr std::size_t write_batch = 64 * 1024;
constexpr std::size_t read_chunk = 16 * 1024;

struct stream {
  std::string method;
  std::string path;
  std::string content_type;
  std::string cookie;  ///< the cookie fields, joined by "; "
  std::string body;    ///< the request's
  route_plan plan;
  std::uint64_t sent = 0;  ///< response body bytes handed to nghttp2
  std::unique_ptr<asio::steady_timer> delay;
};

template <class Stream>
class h2_server : public std::enable_shared_from_this<h2_server<Stream>> {
 public:
  h2_server(Stream& socket, target_stats& stats, pubsub_hub& hub)
      : socket_(socket),
        stats_(stats),
        hub_(hub),
        wake_(socket.get_executor()),
        done_signal_(socket.get_executor()) {}

  ~h2_server() {
    if (session_ != nullptr) {
      nghttp2_session_del(session_);
    }
  }

  asio::awaitable<void> run(std::string_view already_read) {
    if (!start()) {
      co_return;
    }
    const bool ok = feed(already_read);
    // The writer runs beside the reader; it ends when nghttp2 has nothing left to say, or
    // when the reader ends and wakes it with `reading_done_`.
    asio::co_spawn(socket_.get_executor(), write_loop(this->shared_from_this()), asio::detached);
    if (ok) {
      co_await read_loop();
    }
    reading_done_ = true;
    wake_.cancel();
    // The writer owns the last word: wait for it so the socket outlives its writes.
    while (!writer_done_) {
      done_signal_.expires_at(asio::steady_timer::time_point::max());
      co_await done_signal_.async_wait(use_tuple);
    }
  }

 private:
  bool start() {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &on_stream_close);
    const int rv = nghttp2_session_server_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    if (rv != 0) {
      return false;
    }
    const std::array<nghttp2_settings_entry, 1> settings{
        {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, max_concurrent_streams}}};
    return nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size()) ==
           0;
  }

  /// Hands received bytes to nghttp2; false when the peer broke the protocol (nghttp2 has
  /// then queued a GOAWAY saying why).
  bool feed(std::string_view bytes) {
    const auto rv = nghttp2_session_mem_recv(
        session_, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    wake_.cancel();
    return rv >= 0;
  }

  asio::awaitable<void> read_loop() {
    // A read buffer only while streams are open: a connection held quiet (the C1M load) keeps
    // none, 16 KB less each. Quiet, it waits for bytes first; busy, it reads as it goes.
    // (Over TLS OpenSSL may hold decrypted bytes the socket no longer shows: it keeps one.)
    std::unique_ptr<char[]> buf;
    while (true) {
      if (!buf) {
        if constexpr (std::is_same_v<Stream, detail::tcp_stream>) {
          auto [wait_ec] =
              co_await detail::tcp_of(socket_).async_wait(tcp::socket::wait_read, use_tuple);
          if (wait_ec) {
            co_return;
          }
        }
        buf = std::make_unique<char[]>(read_chunk);
      }
      auto [ec, n] =
          co_await socket_.async_read_some(asio::buffer(buf.get(), read_chunk), use_tuple);
      if (ec || !take(std::string_view(buf.get(), n))) {
        co_return;
      }
      if (std::is_same_v<Stream, detail::tcp_stream> && streams_.empty()) {
        buf.reset();
      }
    }
  }

  /// Counts and feeds what was read; false when the peer broke the protocol (the writer then
  /// sends nghttp2's GOAWAY and ends).
  bool take(std::string_view bytes) {
    stats_.bytes_in.fetch_add(bytes.size(), std::memory_order_relaxed);
    return feed(bytes);
  }

  /// Writes whatever nghttp2 has queued; false when the socket failed.
  asio::awaitable<bool> flush_once() {
    while (true) {
      const auto n = protocol::http2::take_output(session_, out_, write_batch);
      if (out_.empty()) {
        co_return n >= 0;
      }
      stats_.bytes_out.fetch_add(out_.size(), std::memory_order_relaxed);
      auto [ec, written] = co_await asio::async_write(socket_, asio::buffer(out_), use_tuple);
      if (ec) {
        co_return false;
      }
    }
  }

  /// `self` keeps the connection alive while the writer runs.
  asio::awaitable<void> write_loop([[maybe_unused]] std::shared_ptr<h2_server> self) {
    while (true) {
      if (!co_await flush_once()) {
        break;
      }
      const bool session_done =
          nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
      if (session_done || reading_done_) {
        break;  // both sides are done (GOAWAY sent, /close), or the peer went away
      }
      // Woken by feed(), a delayed answer or the reader's end; never fires by itself.
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(use_tuple);
    }
    boost::system::error_code ec;
    detail::tcp_of(socket_).shutdown(tcp::socket::shutdown_both, ec);  // ends the reader too
    writer_done_ = true;
    done_signal_.cancel();
  }

  void on_request(std::int32_t id) {
    auto it = streams_.find(id);
    if (it == streams_.end()) {
      return;
    }
    auto& s = *it->second;
    s.plan = plan_request({s.method, s.path, s.body, s.content_type, s.cookie}, stats_);
    if (s.plan.publish) {
      s.plan.owned = publish(hub_, stats_, s.plan.channel, s.body);
      s.plan.body = s.plan.owned;
    }
    if (s.plan.close) {
      // As over HTTP/1.1: the connection ends without an answer.
      nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
      return;
    }
    if (s.plan.delay.count() > 0) {
      s.delay = std::make_unique<asio::steady_timer>(socket_.get_executor(), s.plan.delay);
      s.delay->async_wait([weak = this->weak_from_this(), id](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (ec || !self) {
          return;
        }
        self->respond(id);
        self->wake_.cancel();
      });
      return;
    }
    respond(id);
  }

  void respond(std::int32_t id) {
    auto it = streams_.find(id);
    if (it == streams_.end()) {
      return;
    }
    auto& s = *it->second;
    if (s.plan.code < 200) {
      // HTTP/2 has no final 1xx answer; refuse the stream instead.
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
      return;
    }
    status_text_ = std::to_string(s.plan.code);
    const std::uint64_t length =
        s.plan.filler_bytes ? *s.plan.filler_bytes : static_cast<std::uint64_t>(s.plan.body.size());
    length_text_ = std::to_string(length);
    const bool no_body = s.method == "HEAD" || s.plan.code == 204 || s.plan.code == 304;
    headers_.clear();
    headers_.push_back(header(":status", status_text_));
    headers_.push_back(header("content-type", s.plan.type));
    if (!no_body) {
      headers_.push_back(header("content-length", length_text_));
    }
    for (const auto& cookie : s.plan.set_cookies) {
      headers_.push_back(header("set-cookie", cookie));
    }
    if (!s.plan.location.empty()) {
      headers_.push_back(header("location", s.plan.location));
    }
    nghttp2_data_provider body{};
    body.source.ptr = &s;
    body.read_callback = &read_body;
    // nghttp2 copies the header values before this returns.
    nghttp2_submit_response(session_, id, headers_.data(), headers_.size(),
                            no_body ? nullptr : &body);
  }

  static nghttp2_nv header(std::string_view name, std::string_view value) {
    return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
            reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
            value.size(), NGHTTP2_NV_FLAG_NONE};
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                           std::uint32_t* flags, nghttp2_data_source* source, void*) {
    auto& s = *static_cast<stream*>(source->ptr);
    const std::uint64_t total =
        s.plan.filler_bytes ? *s.plan.filler_bytes : static_cast<std::uint64_t>(s.plan.body.size());
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(length, total - s.sent));
    if (s.plan.filler_bytes) {
      std::memset(buf, 'x', n);
    } else {
      std::memcpy(buf, s.plan.body.data() + s.sent, n);
    }
    s.sent += n;
    if (s.sent == total) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(n);
  }

  static h2_server& self(void* user_data) { return *static_cast<h2_server*>(user_data); }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      self(user_data).streams_[frame->hd.stream_id] = std::make_unique<stream>();
    }
    return 0;
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t name_len, const std::uint8_t* value, std::size_t value_len,
                       std::uint8_t, void* user_data) {
    auto& streams = self(user_data).streams_;
    const auto it = streams.find(frame->hd.stream_id);
    if (it == streams.end()) {
      return 0;
    }
    const std::string_view n(reinterpret_cast<const char*>(name), name_len);
    const std::string_view v(reinterpret_cast<const char*>(value), value_len);
    if (n == ":method") {
      it->second->method = v;
    } else if (n == ":path") {
      it->second->path = v;
    } else if (n == "content-type") {
      it->second->content_type = v;
    } else if (n == "cookie") {
      // HTTP/2 may split the Cookie field into one field per cookie (RFC 9113 8.2.3).
      auto& cookie = it->second->cookie;
      if (!cookie.empty()) {
        cookie.append("; ");
      }
      cookie.append(v);
    }
    return 0;
  }

  static int on_data_chunk(nghttp2_session* session, std::uint8_t, std::int32_t id,
                           const std::uint8_t* data, std::size_t len, void* user_data) {
    auto& streams = self(user_data).streams_;
    const auto it = streams.find(id);
    if (it == streams.end()) {
      return 0;
    }
    auto& body = it->second->body;
    if (body.size() + len > max_request_body) {
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
      return 0;
    }
    body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    const bool request_part = frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA;
    if (request_part && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
      self(user_data).on_request(frame->hd.stream_id);
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t, void* user_data) {
    self(user_data).streams_.erase(id);  // its delay timer, if any, is cancelled
    return 0;
  }

  Stream& socket_;
  target_stats& stats_;
  pubsub_hub& hub_;
  asio::steady_timer wake_;         ///< wakes the writer
  asio::steady_timer done_signal_;  ///< wakes run() when the writer is done
  bool reading_done_ = false;
  bool writer_done_ = false;
  nghttp2_session* session_ = nullptr;
  std::map<std::int32_t, std::unique_ptr<stream>> streams_;
  std::string out_;
  std::string status_text_;
  std::string length_text_;
  std::vector<nghttp2_nv> headers_;  ///< the response being submitted; reused
};

template <class Stream>
asio::awaitable<void> serve(Stream& stream, std::string_view already_read, target_stats& stats,
                            pubsub_hub& hub) {
  auto server = std::make_shared<h2_server<Stream>>(stream, stats, hub);
  co_await server->run(already_read);
}

}  // namespace

asio::awaitable<void> serve_h2(detail::tcp_stream& stream, std::string_view already_read,
                               target_stats& stats, pubsub_hub& hub) {
  return serve(stream, already_read, stats, hub);
}

asio::awaitable<void> serve_h2(detail::tls_stream& stream, std::string_view already_read,
                               target_stats& stats, pubsub_hub& hub) {
  return serve(stream, already_read, stats, hub);
}

}  // namespace stampede::target
