// SPDX-License-Identifier: Apache-2.0
#include "protocol/http1/response_parser.hpp"

#include <algorithm>
#include <array>

#include "core/text.hpp"

namespace stampede::protocol::http1 {
namespace {

constexpr std::string_view crlf = "\r\n";

using core::iequals;

/// True when the comma-separated list `value` holds `token` (case-insensitive).
bool has_token(std::string_view value, std::string_view token) noexcept {
  while (!value.empty()) {
    auto comma = value.find(',');
    if (iequals(core::trim(value.substr(0, comma)), token)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
  return false;
}

/// RFC 9110 tchar, as a table: header names are checked byte by byte on every response.
constexpr auto token_chars = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c)
    t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c)
    t[c] = true;
  for (int c = '0'; c <= '9'; ++c)
    t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~"))
    t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool is_token_char(char c) noexcept {
  return token_chars[static_cast<unsigned char>(c)];
}

bool parse_decimal(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty() || s.size() > 18) {
    return false;
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = v;
  return true;
}

using core::hex_value;

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

void response_parser::reset(bool response_to_head) noexcept {
  phase_ = phase::headers;
  response_to_head_ = response_to_head;
  keep_alive_ = true;
  started_ = false;
  status_code_ = 0;
  remaining_ = 0;
  body_bytes_ = 0;
  error_ = "";
}

response_parser::result response_parser::fail(const char* message, std::size_t consumed) noexcept {
  phase_ = phase::failed;
  error_ = message;
  keep_alive_ = false;
  return {status::error, consumed};
}

bool response_parser::parse_header_block(std::string_view block, response_sink& sink) noexcept {
  // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
  const auto line_end = block.find(crlf);
  const auto line = block.substr(0, line_end);
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || (line[7] != '0' && line[7] != '1') ||
      line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
    error_ = "malformed status line";
    return false;
  }
  int code = 0;
  for (int i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      error_ = "malformed status code";
      return false;
    }
    code = code * 10 + (line[i] - '0');
  }
  if (code < 100) {
    error_ = "malformed status code";
    return false;
  }
  status_code_ = code;
  const bool http10 = line[7] == '0';
  bool keep_alive_token = false;
  bool close_token = false;
  bool chunked = false;
  bool other_transfer_coding = false;
  bool have_length = false;
  std::uint64_t length = 0;

  std::string_view rest = block.substr(line_end + 2);
  while (true) {
    const auto end = rest.find(crlf);
    // The block always ends with an empty line, so `end` is found.
    const auto header = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (header.empty()) {
      break;
    }
    if (header.front() == ' ' || header.front() == '\t') {
      error_ = "obsolete header line folding";
      return false;
    }
    const auto colon = header.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      error_ = "malformed header line";
      return false;
    }
    const auto name = header.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char)) {
      error_ = "malformed header name";
      return false;
    }
    const auto value = trim_ows(header.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::uint64_t v = 0;
      if (!parse_decimal(value, v) || (have_length && v != length)) {
        error_ = "invalid Content-Length";
        return false;
      }
      have_length = true;
      length = v;
    } else if (iequals(name, "transfer-encoding")) {
      // Only the final coding decides framing; chunked must be last (RFC 9112 6.1).
      auto last = value;
      if (auto comma = last.rfind(','); comma != std::string_view::npos) {
        last = trim_ows(last.substr(comma + 1));
      }
      if (iequals(last, "chunked")) {
        chunked = true;
      } else {
        other_transfer_coding = true;
      }
    } else if (iequals(name, "connection")) {
      close_token = close_token || has_token(value, "close");
      keep_alive_token = keep_alive_token || has_token(value, "keep-alive");
    }
    sink.on_header(name, value);
  }

  keep_alive_ = http10 ? (keep_alive_token && !close_token) : !close_token;
  const bool no_body = response_to_head_ || code == 204 || code == 304 || code < 200;
  if (no_body) {
    phase_ = phase::complete;
  } else if (chunked) {
    phase_ = phase::chunk_size;
  } else if (other_transfer_coding) {
    phase_ = phase::body_until_eof;
    keep_alive_ = false;
  } else if (have_length) {
    remaining_ = length;
    phase_ = length == 0 ? phase::complete : phase::body_length;
  } else {
    phase_ = phase::body_until_eof;
    keep_alive_ = false;
  }
  return true;
}

response_parser::result response_parser::parse(std::string_view data,
                                               response_sink& sink) noexcept {
  std::size_t pos = 0;
  if (!data.empty()) {
    started_ = true;
  }
  while (true) {
    const auto avail = data.substr(pos);
    switch (phase_) {
      case phase::headers: {
        const auto end = avail.find("\r\n\r\n");
        if (end == std::string_view::npos) {
          if (avail.size() > max_header_bytes) {
            return fail("response headers larger than 64 KiB", pos);
          }
          return {status::need_more, pos};
        }
        if (end + 4 > max_header_bytes) {
          return fail("response headers larger than 64 KiB", pos);
        }
        if (!parse_header_block(avail.substr(0, end + 4), sink)) {
          return fail(error_, pos);
        }
        pos += end + 4;
        // Interim responses (100 Continue, 103 Early Hints) precede the real one.
        if (status_code_ >= 100 && status_code_ < 200 && status_code_ != 101) {
          phase_ = phase::headers;
        }
        break;
      }
      case phase::body_length: {
        if (avail.empty()) {
          return {status::need_more, pos};
        }
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, avail.size()));
        sink.on_body(avail.substr(0, n));
        body_bytes_ += n;
        remaining_ -= n;
        pos += n;
        if (remaining_ == 0) {
          phase_ = phase::complete;
        }
        break;
      }
      case phase::chunk_size: {
        const auto end = avail.find(crlf);
        if (end == std::string_view::npos) {
          if (avail.size() > 1024) {
            return fail("malformed chunk size line", pos);
          }
          return {status::need_more, pos};
        }
        auto line = avail.substr(0, end);
        if (auto semi = line.find(';'); semi != std::string_view::npos) {
          line = line.substr(0, semi);  // chunk extensions are ignored
        }
        line = trim_ows(line);
        if (line.empty() || line.size() > 15) {
          return fail("malformed chunk size", pos);
        }
        std::uint64_t size = 0;
        for (char c : line) {
          const int v = hex_value(c);
          if (v < 0) {
            return fail("malformed chunk size", pos);
          }
          size = size * 16 + static_cast<std::uint64_t>(v);
        }
        pos += end + 2;
        remaining_ = size;
        phase_ = size == 0 ? phase::chunk_trailers : phase::chunk_data;
        break;
      }
      case phase::chunk_data: {
        if (avail.empty()) {
          return {status::need_more, pos};
        }
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, avail.size()));
        sink.on_body(avail.substr(0, n));
        body_bytes_ += n;
        remaining_ -= n;
        pos += n;
        if (remaining_ == 0) {
          phase_ = phase::chunk_data_end;
        }
        break;
      }
      case phase::chunk_data_end: {
        if (avail.size() < 2) {
          if (!avail.empty() && avail[0] != '\r') {
            return fail("missing CRLF after chunk data", pos);
          }
          return {status::need_more, pos};
        }
        if (avail.substr(0, 2) != crlf) {
          return fail("missing CRLF after chunk data", pos);
        }
        pos += 2;
        phase_ = phase::chunk_size;
        break;
      }
      case phase::chunk_trailers: {
        const auto end = avail.find(crlf);
        if (end == std::string_view::npos) {
          if (avail.size() > max_header_bytes) {
            return fail("chunked trailers larger than 64 KiB", pos);
          }
          return {status::need_more, pos};
        }
        pos += end + 2;
        if (end == 0) {
          phase_ = phase::complete;
        }
        break;
      }
      case phase::body_until_eof: {
        if (!avail.empty()) {
          sink.on_body(avail);
          body_bytes_ += avail.size();
          pos += avail.size();
        }
        return {status::need_more, pos};
      }
      case phase::complete:
        return {status::done, pos};
      case phase::failed:
        return {status::error, pos};
    }
  }
}

response_parser::result response_parser::on_eof() noexcept {
  switch (phase_) {
    case phase::body_until_eof:
      phase_ = phase::complete;
      keep_alive_ = false;
      return {status::done, 0};
    case phase::complete:
      return {status::done, 0};
    case phase::failed:
      return {status::error, 0};
    default:
      return fail(started_ ? "connection closed before the response was complete"
                           : "connection closed before any response",
                  0);
  }
}

}  // namespace stampede::protocol::http1
