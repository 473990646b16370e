// SPDX-License-Identifier: Apache-2.0
#include "protocol/http2/h2_link.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/duration_text.hpp"
#include "net/dial_failure.hpp"
#include "net/error_classify.hpp"
#include "protocol/http2/nghttp2_output.hpp"
#include "protocol/http2/session_memory.hpp"

namespace stampede::protocol::http2 {
namespace {

namespace asio = boost::asio;
using metrics::error_class;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t read_buffer_size = 16 * 1024;
constexpr std::size_t write_batch = 64 * 1024;
/// Bodies kept for checks and captures are capped, as over HTTP/1.1.
constexpr std::size_t max_kept_body = 16 * 1024 * 1024;
/// A frame's header on the wire, counted with its payload in bytes in and out.
constexpr std::uint64_t frame_header_bytes = 9;

/// Header fields HTTP/2 forbids (RFC 9113 8.2.2) or carries as pseudo-headers.
bool connection_specific(std::string_view lowered) {
  return lowered == "connection" || lowered == "keep-alive" || lowered == "proxy-connection" ||
         lowered == "transfer-encoding" || lowered == "upgrade" || lowered == "host" ||
         lowered == "content-length";
}

/// A header field. nghttp2 copies a field's name and value when the request is submitted,
/// unless `flags` says they outlive the session: its HEADERS frame may go out after the
/// exchange ended (the last flush after a failure), when a request's own storage is gone.
nghttp2_nv field(std::string_view name, std::string_view value,
                 std::uint8_t flags = NGHTTP2_NV_FLAG_NONE) {
  return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
          value.size(), flags};
}

/// nghttp2 lets through only a three-digit :status (its HTTP messaging checks are on).
int parse_status(const std::uint8_t* value, std::size_t len) {
  if (len == 3) {
    return (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
  }
  int status = 0;
  std::from_chars(reinterpret_cast<const char*>(value), reinterpret_cast<const char*>(value) + len,
                  status);
  return status;
}

}  // namespace

/// nghttp2's callbacks; `user_data` is the link.
struct h2_callbacks {
  static h2_link& link(void* user_data) { return *static_cast<h2_link*>(user_data); }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t name_len, const std::uint8_t* value, std::size_t value_len,
                       std::uint8_t, void* user_data) {
    auto* call = link(user_data).find(frame->hd.stream_id);
    if (call == nullptr) {
      return 0;
    }
    // (A compare of constant length: no memcmp call for each field.)
    if (name_len == 7 && std::memcmp(name, ":status", 7) == 0) {
      // The first field of a response: its bytes came with this read.
      if (call->first_byte_at == stream_call::clock::time_point{}) {
        call->first_byte_at = link(user_data).read_at_;
      }
      // An interim 1xx answer is followed by the final one, which overwrites it.
      call->status = parse_status(value, value_len);
    } else if (call->keep_headers ||
               (call->keep_session_fields &&
                is_session_field({reinterpret_cast<const char*>(name), name_len}))) {
      call->resp->headers.emplace_back(
          std::string_view(reinterpret_cast<const char*>(name), name_len),
          std::string_view(reinterpret_cast<const char*>(value), value_len));
    }
    return 0;
  }

  static int on_data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                           const std::uint8_t* data, std::size_t len, void* user_data) {
    auto* call = link(user_data).find(stream_id);
    if (call != nullptr && call->keep_body && call->resp->body.size() < max_kept_body) {
      const std::string_view chunk(reinterpret_cast<const char*>(data), len);
      call->resp->body.append(chunk.substr(0, max_kept_body - call->resp->body.size()));
    }
    return 0;
  }

  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    auto& self = link(user_data);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      ++self.goaways_;
      return 0;
    }
    auto* call = self.find(frame->hd.stream_id);
    if (call == nullptr) {
      return 0;
    }
    if (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) {
      call->bytes_in += frame->hd.length + frame_header_bytes;
    } else if (frame->hd.type == NGHTTP2_RST_STREAM) {
      call->reset_by_peer = true;
      call->reset_code = frame->rst_stream.error_code;
    }
    return 0;
  }

  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) {
      if (auto* call = link(user_data).find(frame->hd.stream_id)) {
        call->bytes_out += frame->hd.length + frame_header_bytes;
      }
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                             void* user_data) {
    auto& self = link(user_data);
    if (auto* call = self.find(stream_id)) {
      self.finish(*call, error_code);
    }
    return 0;
  }

  static ssize_t read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf,
                           std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                           void* user_data) {
    auto* call = link(user_data).find(stream_id);
    if (call == nullptr) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;  // cancelled: its RST_STREAM is on the way
      return 0;
    }
    const auto body = call->req->body;
    const auto n = std::min(length, body.size() - call->body_sent);
    std::memcpy(buf, body.data() + call->body_sent, n);
    call->body_sent += n;
    if (call->body_sent == body.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return static_cast<ssize_t>(n);
  }
};

h2_link::h2_link(asio::io_context& ctx, net::connector& connector, const h2_settings& settings)
    : ctx_(ctx),
      connector_(connector),
      settings_(settings),
      wake_(ctx),
      connect_deadline_(ctx,
                        [this] {
                          if (state_ == state::connecting) {
                            stream_->close();
                          }
                        }),
      watchdog_timer_(ctx) {}

h2_link::~h2_link() {
  if (session_ != nullptr) {
    nghttp2_session_del(session_);
  }
}

bool h2_link::usable() const noexcept {
  return state_ == state::open && !failed_ && nghttp2_session_check_request_allowed(session_) != 0;
}

asio::awaitable<bool> h2_link::open(exchange_result& result) {
  state_ = state::connecting;
  stream_ = connector_.make_stream(ctx_);
  connect_deadline_.arm(clock::now() + settings_.connect_timeout, *this);
  auto dialed = co_await connector_.dial(*stream_);
  connect_deadline_.disarm();
  std::string failure;
  error_class cls = error_class::other;
  if (state_ != state::connecting) {
    failure = "connection closed while connecting";  // close() was called
  } else if (connect_deadline_.timed_out() || dialed.error) {
    auto described =
        net::describe_failure(dialed, connect_deadline_.timed_out(), settings_.connect_timeout);
    cls = described.error;
    failure = std::move(described.message);
  } else if (stream_->is_tls() && net::alpn_selected(*stream_) != "h2") {
    cls = error_class::tls;
    const auto chosen = net::alpn_selected(*stream_);
    failure = fmt::format("{} did not choose HTTP/2 by ALPN ({})", dialed.endpoint,
                          chosen.empty() ? "it chose no protocol" : "it chose " + chosen);
  } else if (!start_session()) {
    failure = "cannot start an HTTP/2 session";
  }
  if (!failure.empty()) {
    state_ = state::closed;
    failed_ = true;
    stream_->close();
    result.failed = true;
    result.error = cls;
    result.message = std::move(failure);
    result.done_at = clock::now();
    co_return false;
  }
  result.connected = true;
  result.connect_time = dialed.connect_time;
  result.tls_time = dialed.tls_time;
  state_ = state::open;
  in_.resize(read_buffer_size);
  asio::co_spawn(ctx_, read_loop(shared_from_this()), asio::detached);
  asio::co_spawn(ctx_, write_loop(shared_from_this()), asio::detached);
  co_return true;
}

bool h2_link::start_session() {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) {
    return false;
  }
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &h2_callbacks::on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks,
                                                            &h2_callbacks::on_data_chunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &h2_callbacks::on_frame_recv);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, &h2_callbacks::on_frame_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &h2_callbacks::on_stream_close);
  const int rv = nghttp2_session_client_new3(&session_, callbacks, this, nullptr, session_memory());
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) {
    session_ = nullptr;
    return false;
  }
  const std::array<nghttp2_settings_entry, 2> settings{{
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings_.window_size},
  }};
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size()) != 0) {
    return false;
  }
  // The connection window only grows by WINDOW_UPDATE; nghttp2 sends it with the preface.
  return nghttp2_session_set_local_window_size(
             session_, NGHTTP2_FLAG_NONE, 0,
             static_cast<std::int32_t>(settings_.connection_window_size)) == 0;
}

bool h2_link::submit(stream_call& call) {
  const auto& req = *call.req;
  const header_fields* fields = literal_fields(req);
  if (fields == nullptr) {
    build_fields(req, call.fields, false);
    fields = &call.fields;
  }
  const auto& nva = fields->nva;
  nghttp2_data_provider body{};
  body.read_callback = &h2_callbacks::read_body;
  const auto id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                         req.body.empty() ? nullptr : &body, nullptr);
  if (id < 0) {
    fail_call(call, error_class::protocol,
              failure_text::naming("cannot start an HTTP/2 stream: {}", nghttp2_strerror(id)));
    return false;
  }
  call.stream_id = id;
  call.link = this;
  in_flight_.insert(id, &call);
  arm(call.deadline);
  wake_writer();
  return true;
}

void h2_link::arm(clock::time_point deadline) {
  if (!watchdog_running_) {
    watchdog_running_ = true;
    asio::co_spawn(ctx_, watchdog(shared_from_this()), asio::detached);
  } else if (deadline < watchdog_at_) {
    watchdog_timer_.cancel();  // asleep past this deadline: wake up and sleep less
  }
}

asio::awaitable<void> h2_link::watchdog([[maybe_unused]] std::shared_ptr<h2_link> self) {
  std::vector<stream_call*> expired;
  while (state_ == state::open && !in_flight_.empty()) {
    watchdog_at_ = clock::time_point::max();
    in_flight_.for_each([&](std::int32_t, stream_call* call) {
      watchdog_at_ = std::min(watchdog_at_, call->deadline);
    });
    watchdog_timer_.expires_at(watchdog_at_);
    co_await watchdog_timer_.async_wait(use_tuple);
    if (state_ != state::open) {
      break;
    }
    const auto now = clock::now();
    expired.clear();
    in_flight_.for_each([&](std::int32_t, stream_call* call) {
      if (call->deadline <= now) {
        expired.push_back(call);
      }
    });
    for (auto* call : expired) {
      cancel(*call);
      fail_call(*call, error_class::request_timeout,
                failure_text::after("no complete response within {}", call->req->timeout));
    }
  }
  watchdog_at_ = clock::time_point::max();
  watchdog_running_ = false;
}

const header_fields* h2_link::literal_fields(const request& req) {
  if (req.cache_key == nullptr) {
    return nullptr;
  }
  for (const auto& [key, fields] : literal_fields_) {
    if (key == req.cache_key) {
      return fields.get();
    }
  }
  if (literal_fields_.size() >= max_literal_requests) {
    return nullptr;
  }
  auto fields = std::make_unique<header_fields>();
  build_fields(req, *fields, true);
  return literal_fields_.emplace_back(req.cache_key, std::move(fields)).second.get();
}

void h2_link::build_fields(const request& req, header_fields& out, bool lasting) {
  // Lower-cased names first, all in one string, so the views below stay valid.
  auto& lowered = out.lowered;
  lowered.clear();
  for (const auto& h : req.headers) {
    for (const char c : h.name) {
      lowered += static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
  }
  const bool has_body =
      !req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
  // Names are literals or kept by the link; values too when the request's are lasting, and
  // the link's own settings live as long as its session.
  constexpr std::uint8_t name_kept = NGHTTP2_NV_FLAG_NO_COPY_NAME;
  constexpr std::uint8_t both_kept = NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE;
  const std::uint8_t request_kept = lasting ? both_kept : name_kept;
  auto& nva = out.nva;
  nva.clear();
  nva.push_back(field(":method", req.method, request_kept));
  nva.push_back(field(":scheme", settings_.scheme, both_kept));
  nva.push_back(field(":authority", settings_.authority, both_kept));  // or the Host header's
  nva.push_back(field(":path", req.target, request_kept));
  std::size_t offset = 0;
  for (const auto& h : req.headers) {
    const std::string_view name(lowered.data() + offset, h.name.size());
    offset += h.name.size();
    if (name == "host") {
      nva[2] = field(":authority", h.value, request_kept);
    } else if (connection_specific(name)) {
      continue;
    } else if (const auto kept = intern_name(name); !kept.empty()) {
      nva.push_back(field(kept, h.value, request_kept));
    } else {
      nva.push_back(field(name, h.value));
    }
  }
  if (has_body) {
    // The digits live in `out`, which lasts as long as what points to it.
    const auto end = fmt::format_to(out.length_digits, "{}", req.body.size());
    nva.push_back(field(
        "content-length",
        std::string_view(out.length_digits, static_cast<std::size_t>(end - out.length_digits)),
        lasting ? both_kept : name_kept));
  }
}

std::string_view h2_link::intern_name(std::string_view lowered) {
  for (const auto& name : names_) {
    if (name == lowered) {
      return name;
    }
  }
  if (names_.size() >= max_interned_names) {
    return {};
  }
  return names_.emplace_back(lowered);
}

void h2_link::cancel(stream_call& call) noexcept {
  if (call.stream_id <= 0 || find(call.stream_id) == nullptr) {
    return;
  }
  forget(call.stream_id);
  call.link = nullptr;
  if (state_ == state::open && session_ != nullptr) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, call.stream_id, NGHTTP2_CANCEL);
    wake_writer();
  }
}

void h2_link::close() noexcept {
  if (state_ == state::closed) {
    return;
  }
  state_ = state::closed;
  failed_ = true;
  connect_deadline_.cancel();
  watchdog_timer_.cancel();
  if (stream_) {
    stream_->close();
  }
  wake_writer();
  fail_all(error_class::reset, failure_text::of("connection closed"));
}

void h2_link::hand_over(stream_call& call) {
  call.link = nullptr;
  auto& r = *call.result;
  r.goaways += std::exchange(goaways_, 0);
  r.bytes_in += call.bytes_in;
  r.bytes_out += call.bytes_out;
  if (r.first_byte_at == exchange_result::clock::time_point{}) {
    r.first_byte_at = call.first_byte_at;
  }
  call.resp->status = call.status;
}

void h2_link::fail_call(stream_call& call, error_class error, failure_text why) {
  hand_over(call);
  auto& r = *call.result;
  r.failed = true;
  r.error = error;
  r.why = why;
  r.done_at = clock::now();
  call.done = true;
  call.signal.notify();
}

void h2_link::wake_finished() {
  // Swapped out first: a woken user may start its next stream, and end, before this returns.
  waking_.swap(finished_);
  for (auto* call : waking_) {
    call->signal.notify_now();
  }
  waking_.clear();
}

void h2_link::fail_all(error_class error, failure_text why) {
  for (auto* call : in_flight_.take_all()) {
    fail_call(*call, error, why);
  }
}

void h2_link::finish(stream_call& call, std::uint32_t error_code) {
  forget(call.stream_id);
  if (call.reset_by_peer) {
    call.result->stream_reset = true;
    fail_call(call, error_class::protocol,
              failure_text::naming("stream reset by the server (RST_STREAM {})",
                                   nghttp2_http2_strerror(call.reset_code)));
  } else if (error_code == NGHTTP2_REFUSED_STREAM && call.status == 0) {
    // nghttp2 closes the streams a GOAWAY's last stream id excludes this way.
    call.unprocessed = true;
    if (call.resender != nullptr) {
      hand_over(call);
      call.resender->resend(call);
      return;
    }
    fail_call(call, error_class::protocol,
              failure_text::of("stream refused by a GOAWAY before it was processed"));
  } else if (error_code != NGHTTP2_NO_ERROR) {
    // Closed by the session, e.g. refused after a GOAWAY or a stream-level protocol error.
    fail_call(call, error_class::protocol,
              failure_text::naming("stream closed with {}", nghttp2_http2_strerror(error_code)));
  } else if (call.status == 0) {
    fail_call(call, error_class::protocol,
              failure_text::of("stream ended without a response status"));
  } else {
    hand_over(call);
    call.result->done_at = read_at_;
    call.done = true;
    finished_.push_back(&call);
  }
}

asio::awaitable<void> h2_link::read_loop([[maybe_unused]] std::shared_ptr<h2_link> self) {
  while (state_ == state::open) {
    auto [ec, n] = co_await stream_->async_read_some(asio::buffer(in_), use_tuple);
    if (n > 0 && state_ == state::open) {
      read_at_ = clock::now();
      const auto rv =
          nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(in_.data()), n);
      wake_writer();
      wake_finished();
      if (rv < 0) {
        failed_ = true;
        fail_all(error_class::protocol,
                 failure_text::naming("HTTP/2 protocol error from the server: {}",
                                      nghttp2_strerror(static_cast<int>(rv))));
        break;  // the writer sends nghttp2's GOAWAY, then closes
      }
    }
    if (state_ != state::open) {
      break;
    }
    if (ec) {
      failed_ = true;
      if (net::is_end_of_stream(ec)) {
        fail_all(error_class::protocol,
                 failure_text::of("the server closed the connection with the stream open"));
      } else {
        fail_all(net::classify(ec), failure_text::because("reading the response: {}", ec));
      }
      close();
      break;
    }
    if (nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0) {
      close();  // both sides said GOAWAY and every stream is done
      break;
    }
  }
}

asio::awaitable<bool> h2_link::flush_once() {
  while (true) {
    const auto n = take_output(session_, out_, write_batch);
    wake_finished();
    if (n < 0) {
      failed_ = true;
      fail_all(error_class::protocol,
               failure_text::naming("HTTP/2: {}", nghttp2_strerror(static_cast<int>(n))));
      co_return false;
    }
    if (out_.empty()) {
      co_return true;
    }
    auto [ec, written] = co_await stream_->async_write(asio::buffer(out_), use_tuple);
    if (ec) {
      if (state_ == state::open) {
        failed_ = true;
        fail_all(net::classify(ec), failure_text::because("sending the request: {}", ec));
      }
      co_return false;
    }
  }
}

asio::awaitable<void> h2_link::write_loop([[maybe_unused]] std::shared_ptr<h2_link> self) {
  while (true) {
    // After an error, one more flush sends what nghttp2 queued (its GOAWAY), then the end.
    // (A co_await inside a || chain miscompiles with GCC 12: the flush is awaited alone.)
    const bool flushed = co_await flush_once();
    if (!flushed || state_ != state::open || failed_) {
      break;
    }
    // Woken by submit(), cancel(), the reader and close(); never fires by itself.
    wake_.expires_at(asio::steady_timer::time_point::max());
    writer_asleep_ = true;
    co_await wake_.async_wait(use_tuple);
    writer_asleep_ = false;
  }
  close();
}

}  // namespace stampede::protocol::http2
