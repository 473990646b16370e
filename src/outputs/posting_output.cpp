// SPDX-License-Identifier: Apache-2.0
#include "outputs/posting_output.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <boost/beast/core/detail/base64.hpp>

namespace stampede::outputs {

posting_output::posting_output(const std::string& name, http_url url, std::string content_type,
                               header_list headers)
    : queued_output(name),
      url_(std::move(url)),
      content_type_(std::move(content_type)),
      headers_(std::move(headers)) {}

bool posting_output::deliver(const second_record& second) {
  for (const auto& body : bodies_of(second)) {
    post(body);
  }
  return true;
}

void posting_output::post(const std::string& body) {
  constexpr int tries = 5;
  auto pause = std::chrono::milliseconds(100);
  for (int attempt = 1;; ++attempt) {
    const auto res = http_post(url_, content_type_, headers_, body, std::chrono::seconds(5));
    if (res.status >= 200 && res.status < 300) {
      return;
    }
    const auto why = res.status == 0 ? fmt::format("{}:{}: {}", url_.host, url_.port, res.error)
                                     : fmt::format("{}:{} answered {}: {}", url_.host, url_.port,
                                                   res.status, res.body.substr(0, 200));
    // A 4xx other than 429 refuses these very points: sending them again changes nothing.
    const bool again = res.status == 0 || res.status >= 500 || res.status == 429;
    if (!again || attempt == tries || out_of_time()) {
      throw std::runtime_error(why);
    }
    count_error();
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(2000));
  }
}

header_list authorization(const std::string& option, const std::string& value) {
  std::string secret;
  if (option.ends_with("_env")) {
    const char* v = std::getenv(value.c_str());
    if (v == nullptr || *v == '\0') {
      throw std::invalid_argument(fmt::format("{}: the variable {} is not set", option, value));
    }
    secret = v;
  } else {
    std::ifstream in(value);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      throw std::invalid_argument(fmt::format("{}: cannot read {}", option, value));
    }
    secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
      secret.pop_back();
    }
  }
  if (option.starts_with("bearer")) {
    return {{"Authorization", "Bearer " + secret}};
  }
  std::string encoded(boost::beast::detail::base64::encoded_size(secret.size()), '\0');
  encoded.resize(
      boost::beast::detail::base64::encode(encoded.data(), secret.data(), secret.size()));
  return {{"Authorization", "Basic " + encoded}};
}

}  // namespace stampede::outputs
