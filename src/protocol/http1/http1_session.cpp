// SPDX-License-Identifier: Apache-2.0
#include "protocol/http1/http1_session.hpp"

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

namespace stampede::protocol::http1 {
namespace {

namespace asio = boost::asio;
using metrics::error_class;

constexpr std::size_t initial_read_buffer = 16 * 1024;
/// Room for the largest header block the parser accepts plus a read's worth of body.
constexpr std::size_t max_read_buffer = response_parser::max_header_bytes + 16 * 1024;
/// Bodies kept for checks and captures are capped; the rest is counted, not stored.
constexpr std::size_t max_kept_body = 16 * 1024 * 1024;

class response_collector final : public response_sink {
 public:
  response_collector(response& resp, const request& req) : resp_(resp), req_(req) {}
  void on_header(std::string_view name, std::string_view value) override {
    if (req_.keep_headers || (req_.keep_session_fields && is_session_field(name))) {
      resp_.headers.emplace_back(name, value);
    }
  }
  void on_body(std::string_view data) override {
    if (req_.keep_body && resp_.body.size() < max_kept_body) {
      resp_.body.append(data.substr(0, max_kept_body - resp_.body.size()));
    }
  }

 private:
  response& resp_;
  const request& req_;
};

}  // namespace

http1_session::http1_session(asio::io_context& ctx, net::connector& connector,
                             std::string host_header, std::chrono::nanoseconds connect_timeout)
    : ctx_(ctx),
      connector_(connector),
      host_header_(std::move(host_header)),
      connect_timeout_(connect_timeout),
      deadline_(ctx, [this] {
        if (stream_) {
          stream_->close();
        }
      }) {}

http1_session::~http1_session() = default;

bool http1_session::connected() const noexcept {
  return stream_ && stream_->socket().is_open();
}

void http1_session::close() noexcept {
  closing_ = true;
  deadline_.cancel();
  if (stream_) {
    stream_->close();
  }
}

void http1_session::fail(exchange_result& result, error_class error, std::string message) {
  fail(result, error, failure_text{});
  if (result.failed) {
    result.message = std::move(message);
  }
}

void http1_session::fail(exchange_result& result, error_class error, failure_text why) {
  deadline_.disarm();
  if (stream_) {
    stream_->close();
  }
  read_begin_ = read_end_ = 0;
  if (closing_) {
    result.aborted = true;
    return;
  }
  result.failed = true;
  result.error = error;
  result.why = why;
  result.done_at = clock::now();
}

asio::awaitable<bool> http1_session::open_connection(exchange_result& result) {
  stream_ = connector_.make_stream(ctx_);
  read_begin_ = read_end_ = 0;
  deadline_.arm(clock::now() + connect_timeout_, *this);
  auto dialed = co_await connector_.dial(*stream_);
  deadline_.disarm();
  if (dialed.error || deadline_.timed_out()) {
    auto failure = net::describe_failure(dialed, deadline_.timed_out(), connect_timeout_);
    fail(result, failure.error, std::move(failure.message));
    co_return false;
  }
  result.connected = true;
  result.connect_time = dialed.connect_time;
  result.tls_time = dialed.tls_time;
  if (read_buffer_.empty()) {
    read_buffer_.resize(initial_read_buffer);
  }
  co_return true;
}

void http1_session::serialize(const request& req) {
  if (req.cache_key != nullptr && req.cache_key == write_buffer_key_) {
    return;  // the same unchanging request as last time: its bytes are already here
  }
  write_buffer_key_ = req.cache_key;
  auto& out = write_buffer_;
  out.clear();
  out.append(req.method).append(" ").append(req.target).append(" HTTP/1.1\r\nHost: ");
  out.append(host_header_).append("\r\n");
  for (const auto& h : req.headers) {
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
    char digits[24];
    auto* end = fmt::format_to(digits, "{}", req.body.size());
    out.append("Content-Length: ").append(digits, end).append("\r\n");
  }
  out.append("\r\n").append(req.body);
}

asio::awaitable<void> http1_session::exchange(const request& req, response& resp,
                                              exchange_result& result) {
  result.clear();
  resp.clear();
  closing_ = false;
  if (!connected()) {
    if (!co_await open_connection(result)) {
      co_return;
    }
  }
  serialize(req);
  deadline_.arm(clock::now() + req.timeout, *this);
  result.sent_at = clock::now();
  auto [wec, written] = co_await stream_->async_write(asio::buffer(write_buffer_),
                                                      asio::as_tuple(asio::use_awaitable));
  if (wec || deadline_.timed_out()) {
    if (deadline_.timed_out()) {
      fail(result, error_class::request_timeout,
           failure_text::after("no response within {}", req.timeout));
    } else {
      fail(result, net::classify(wec), failure_text::because("sending the request: {}", wec));
    }
    co_return;
  }
  result.bytes_out = written;

  parser_.reset(req.method == "HEAD");
  response_collector sink(resp, req);
  while (true) {
    if (read_end_ > read_begin_) {
      const auto r = parser_.parse(
          std::string_view(read_buffer_.data() + read_begin_, read_end_ - read_begin_), sink);
      read_begin_ += r.consumed;
      if (r.state == response_parser::status::done) {
        break;
      }
      if (r.state == response_parser::status::error) {
        fail(result, error_class::protocol, failure_text::of(parser_.error_message()));
        co_return;
      }
    }
    // Make room: move unconsumed bytes (a partial header block) to the front, grow if full.
    if (read_begin_ == read_end_) {
      read_begin_ = read_end_ = 0;
    } else if (read_begin_ > 0) {
      std::memmove(read_buffer_.data(), read_buffer_.data() + read_begin_, read_end_ - read_begin_);
      read_end_ -= read_begin_;
      read_begin_ = 0;
    }
    if (read_end_ == read_buffer_.size()) {
      if (read_buffer_.size() >= max_read_buffer) {
        fail(result, error_class::protocol,
             failure_text::of("response headers larger than 64 KiB"));
        co_return;
      }
      read_buffer_.resize(std::min(read_buffer_.size() * 2, max_read_buffer));
    }
    auto [ec, n] = co_await stream_->async_read_some(
        asio::buffer(read_buffer_.data() + read_end_, read_buffer_.size() - read_end_),
        asio::as_tuple(asio::use_awaitable));
    if (result.first_byte_at == clock::time_point{} && n > 0) {
      result.first_byte_at = clock::now();
    }
    read_end_ += n;
    result.bytes_in += n;
    if (deadline_.timed_out()) {
      fail(result, error_class::request_timeout,
           failure_text::after("no complete response within {}", req.timeout));
      co_return;
    }
    if (ec) {
      if (!net::is_end_of_stream(ec)) {
        fail(result, net::classify(ec), failure_text::because("reading the response: {}", ec));
        co_return;
      }
      // Parse what came with the EOF, then let the parser decide if the response was whole.
      if (read_end_ > read_begin_) {
        const auto r = parser_.parse(
            std::string_view(read_buffer_.data() + read_begin_, read_end_ - read_begin_), sink);
        read_begin_ += r.consumed;
        if (r.state == response_parser::status::error) {
          fail(result, error_class::protocol, failure_text::of(parser_.error_message()));
          co_return;
        }
      }
      if (parser_.on_eof().state != response_parser::status::done) {
        fail(result, error_class::protocol, failure_text::of(parser_.error_message()));
        co_return;
      }
      stream_->close();
      break;
    }
  }
  deadline_.disarm();
  result.done_at = clock::now();
  resp.status = parser_.status_code();
  if (!parser_.keep_alive() && stream_) {
    stream_->close();
    read_begin_ = read_end_ = 0;
  }
}

}  // namespace stampede::protocol::http1
