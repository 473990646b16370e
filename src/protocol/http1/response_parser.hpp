// SPDX-License-Identifier: Apache-2.0
// An incremental HTTP/1.1 response parser that never allocates and never trusts the peer.
//
// The session feeds it whatever bytes have arrived; it consumes what it can and says whether it
// needs more, is done, or found the response malformed. Malformed input is a result, not an
// exception: a load generator must count a broken server, not crash on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace stampede::protocol::http1 {

/// Receives the parts of a response as they are parsed. Every view is only valid during the
/// call. The default implementations ignore everything, so a sink overrides what it keeps.
class response_sink {
 public:
  virtual void on_header(std::string_view /*name*/, std::string_view /*value*/) {}
  virtual void on_body(std::string_view /*data*/) {}

 protected:
  ~response_sink() = default;
};

class response_parser {
 public:
  enum class status {
    need_more,  ///< everything given was consumed (or buffered headers are incomplete)
    done,       ///< one whole response was parsed; bytes after it were not consumed
    error,      ///< malformed; error_message() says why
  };

  struct result {
    status state = status::need_more;
    std::size_t consumed = 0;  ///< bytes of the input that were used
  };

  /// Header blocks larger than this are a protocol error (servers send a few hundred bytes).
  static constexpr std::size_t max_header_bytes = 64 * 1024;

  /// Prepares for the next response. A response to HEAD has no body whatever its headers say.
  void reset(bool response_to_head = false) noexcept;

  /// Parses as much of `data` as possible. The header block is only parsed once it is complete,
  /// so until then nothing is consumed and the caller keeps the bytes buffered and appends more.
  result parse(std::string_view data, response_sink& sink) noexcept;

  /// The peer closed the connection. Completes a close-delimited body; anything else that was
  /// unfinished becomes an error ("connection closed before the response was complete").
  result on_eof() noexcept;

  int status_code() const noexcept { return status_code_; }
  /// False when the server asked to close (Connection: close, or HTTP/1.0 without keep-alive),
  /// or the body was delimited by closing the connection.
  bool keep_alive() const noexcept { return keep_alive_; }
  bool headers_complete() const noexcept { return phase_ > phase::headers; }
  /// True once any byte of this response was consumed (so an EOF before is "no response").
  bool started() const noexcept { return started_; }
  std::uint64_t body_bytes() const noexcept { return body_bytes_; }
  /// Describes the last error; a string literal, so it never dangles.
  const char* error_message() const noexcept { return error_; }

 private:
  enum class phase : std::uint8_t {
    headers,
    body_length,  ///< Content-Length body
    chunk_size,   ///< expecting "hex[;ext]\r\n"
    chunk_data,
    chunk_data_end,  ///< expecting the CRLF after chunk data
    chunk_trailers,  ///< trailer lines until an empty one
    body_until_eof,
    complete,
    failed,
  };

  result fail(const char* message, std::size_t consumed) noexcept;
  /// Parses the complete header block in `block` (ending with the empty line).
  bool parse_header_block(std::string_view block, response_sink& sink) noexcept;

  phase phase_ = phase::headers;
  bool response_to_head_ = false;
  bool keep_alive_ = true;
  bool started_ = false;
  int status_code_ = 0;
  std::uint64_t remaining_ = 0;  ///< of the Content-Length body or of the current chunk
  std::uint64_t body_bytes_ = 0;
  const char* error_ = "";
};

}  // namespace stampede::protocol::http1
