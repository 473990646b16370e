// SPDX-License-Identifier: Apache-2.0
// Who may use the controller's pages and API: whoever presents its access token, as
// "Authorization: Bearer TOKEN", or a browser signed in with it (a session cookie, HttpOnly and
// SameSite=Strict). A state-changing call on a session also carries the session's CSRF token
// (the X-CSRF-Token header the pages send); a bearer call needs none, as no browser adds it by
// itself.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "web/http_server.hpp"

namespace stampede::web {

class access_gate {
 public:
  /// `secure`: the pages are served over TLS, and so is the cookie. `log` gets a line for each
  /// refused token.
  access_gate(std::string token, bool secure, std::function<void(const std::string&)> log);

  struct caller {
    bool by_session = false;
    std::string csrf;  ///< the session's CSRF token; empty for a bearer
  };
  /// The caller when the request carries the token or a live session; nullopt (and logged
  /// when a token was given but wrong) otherwise. On the server's thread only.
  std::optional<caller> check(const http_request& r);
  /// A POST that may change something: from a bearer, or from a session with its CSRF token.
  static bool may_change(const http_request& r, const caller& c);

  /// POST /sign-in with the form field `token` (and `next`, where to go): a session cookie
  /// and a redirect, or the sign-in page again with 401.
  http_response sign_in(const http_request& r);
  /// POST /sign-out: the session ends, the cookie is cleared.
  http_response sign_out(const http_request& r);
  /// The sign-in form, with `status` (401 for a page asked without a token).
  static http_response sign_in_page(unsigned status, const std::string& message,
                                    const std::string& next);

 private:
  std::optional<std::string> session_of(const http_request& r) const;
  void refused(const std::string& line);

  std::string token_;
  bool secure_;
  std::function<void(const std::string&)> log_;
  struct session {
    std::string csrf;
    std::chrono::steady_clock::time_point expires;
  };
  std::map<std::string, session> sessions_;  ///< by cookie value
  std::chrono::steady_clock::time_point window_start_;
  int logged_ = 0;
  int unlogged_ = 0;
};

}  // namespace stampede::web
