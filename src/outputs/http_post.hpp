// SPDX-License-Identifier: Apache-2.0
// A blocking HTTP/1.1 POST for the network outputs, on the output's own thread: one request,
// bounded by a timeout, on a connection of its own.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stampede::outputs {

/// Where an http:// URL points.
struct http_url {
  std::string host;
  unsigned short port = 80;
  std::string target = "/";  ///< path and query, as sent
};

/// Parses an http:// URL. Throws std::invalid_argument for anything else, and for a URL with
/// credentials in it (user:password@host): those come from the environment or a file.
http_url parse_http_url(const std::string& url);

struct post_result {
  unsigned status = 0;  ///< 0: no answer (`error` says why)
  std::string body;
  std::string error;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

post_result http_post(const http_url& url, std::string_view content_type,
                      const header_list& headers, std::string body,
                      std::chrono::milliseconds timeout);

}  // namespace stampede::outputs
