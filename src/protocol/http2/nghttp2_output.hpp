// SPDX-License-Identifier: Apache-2.0
// Collecting what an nghttp2 session wants to send, for one gathered socket write. Used by the
// client (h2_link) and the built-in target alike.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <string>

namespace stampede::protocol::http2 {

/// Clears `out` and fills it with frames nghttp2 has queued, stopping after about `batch`
/// bytes. Returns the last nghttp2_session_mem_send result: negative on a fatal session
/// error, 0 when nothing more is queued.
inline ssize_t take_output(nghttp2_session* session, std::string& out, std::size_t batch) {
  out.clear();
  const std::uint8_t* data = nullptr;
  ssize_t n = 0;
  while (out.size() < batch && (n = nghttp2_session_mem_send(session, &data)) > 0) {
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  return n;
}

}  // namespace stampede::protocol::http2
