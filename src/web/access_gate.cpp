// SPDX-License-Identifier: Apache-2.0
#include "web/access_gate.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/text.hpp"

namespace stampede::web {
namespace {

constexpr std::string_view cookie_name = "stampede_session";
constexpr auto session_length = std::chrono::hours(12);

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("no randomness for a session");
  }
  std::string out;
  for (const unsigned char b : raw) {
    out += fmt::format("{:02x}", b);
  }
  return out;
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// Only a path of this server: never an open redirect elsewhere (browsers drop tabs and line
/// breaks from a URL, so "/\t/evil" would be "//evil"), nor a header split by CR LF.
std::string local_path(const std::string& next) {
  const bool printable = std::all_of(next.begin(), next.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  return printable && next.starts_with('/') && !next.starts_with("//") &&
                 next.find('\\') == std::string::npos
             ? next
             : "/";
}

/// `text` with control characters as \xNN: a log line stays one line, free of terminal escapes.
std::string loggable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f ? fmt::format("\\x{:02x}", u) : std::string(1, c);
  }
  return out;
}

}  // namespace

access_gate::access_gate(std::string token, bool secure,
                         std::function<void(const std::string&)> log)
    : token_(std::move(token)), secure_(secure), log_(std::move(log)) {}

std::optional<std::string> access_gate::session_of(const http_request& r) const {
  std::string_view cookies;
  const auto header = r.header("cookie");
  cookies = header;
  while (!cookies.empty()) {
    const auto semi = cookies.find(';');
    const auto pair = core::trim(cookies.substr(0, semi));
    cookies = semi == std::string_view::npos ? std::string_view{} : cookies.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == cookie_name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

std::optional<access_gate::caller> access_gate::check(const http_request& r) {
  const auto authorization = r.header("authorization");
  if (!authorization.empty()) {
    if (same_secret(authorization, "Bearer " + token_)) {
      return caller{};
    }
    refused(fmt::format("refused HTTP {} {} from {}: wrong token", loggable(r.method),
                        loggable(r.path), r.peer));
    return std::nullopt;
  }
  if (const auto id = session_of(r)) {
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(sessions_, [&](const auto& s) { return s.second.expires < now; });
    if (const auto it = sessions_.find(*id); it != sessions_.end()) {
      return caller{true, it->second.csrf};
    }
  }
  return std::nullopt;
}

void access_gate::refused(const std::string& line) {
  // At most a few lines a second: a client guessing tokens cannot flood the log.
  const auto now = std::chrono::steady_clock::now();
  if (now - window_start_ >= std::chrono::seconds(1)) {
    if (unlogged_ > 0) {
      log_(fmt::format("refused {} more HTTP calls with a wrong token in a second", unlogged_));
    }
    window_start_ = now;
    logged_ = unlogged_ = 0;
  }
  if (logged_ < 5) {
    ++logged_;
    log_(line);
  } else {
    ++unlogged_;
  }
}

bool access_gate::may_change(const http_request& r, const caller& c) {
  return !c.by_session || same_secret(r.header("x-csrf-token"), c.csrf);
}

http_response access_gate::sign_in(const http_request& r) {
  const auto fields = form_fields(r.body);
  const auto next = local_path(fields.contains("next") ? fields.at("next") : "/");
  const auto token = fields.contains("token") ? fields.at("token") : "";
  if (!same_secret(core::trim(token), token_)) {
    refused(fmt::format("refused HTTP sign-in from {}: {}", r.peer,
                        token.empty() ? "no token" : "wrong token"));
    return sign_in_page(401, "That is not the controller's token.", next);
  }
  const auto id = random_hex(32);
  sessions_[id] = {random_hex(16), std::chrono::steady_clock::now() + session_length};
  http_response out{303, "text/plain", "signed in\n", {}};
  out.headers.emplace_back("Location", next);
  out.headers.emplace_back(
      "Set-Cookie",
      fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", cookie_name, id,
                  std::chrono::seconds(session_length).count(), secure_ ? "; Secure" : ""));
  return out;
}

http_response access_gate::sign_out(const http_request& r) {
  if (const auto id = session_of(r)) {
    sessions_.erase(*id);
  }
  http_response out{303, "text/plain", "signed out\n", {}};
  out.headers.emplace_back("Location", "/sign-in");
  out.headers.emplace_back(
      "Set-Cookie", fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", cookie_name,
                                secure_ ? "; Secure" : ""));
  return out;
}

http_response access_gate::sign_in_page(unsigned status, const std::string& message,
                                        const std::string& next) {
  auto page = fmt::format(
      R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>stampede: sign in</title>
<style>body{{font:15px system-ui,sans-serif;color:#1d2330;max-width:26em;margin:12vh auto;padding:0 1em}}
input{{font:inherit;width:100%;box-sizing:border-box;padding:.5em;margin:.4em 0 1em}}
button{{font:inherit;padding:.5em 1.4em}}.why{{color:#cf222e}}code{{font-size:90%}}</style></head>
<body><h1>stampede controller</h1>
<form method="post" action="/sign-in">
<p class="why" id="why">{}</p>
<label for="token">Access token (the controller's <code>token</code> file)</label>
<input type="password" id="token" name="token" autocomplete="current-password" autofocus>
<input type="hidden" name="next" value="{}">
<button type="submit">Sign in</button>
</form></body></html>
)",
      escaped(message), escaped(local_path(next)));
  http_response out = http_response::html(std::move(page));
  out.status = status;
  return out;
}

}  // namespace stampede::web
