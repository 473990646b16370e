// SPDX-License-Identifier: Apache-2.0
#include "net/dial_failure.hpp"

#include <fmt/format.h>

#include "core/duration_text.hpp"
#include "net/error_classify.hpp"

namespace stampede::net {

dial_failure describe_failure(const dial_result& dialed, bool timed_out,
                              std::chrono::nanoseconds connect_timeout) {
  const bool tls_stage = dialed.failed_at == dial_result::stage::tls;
  if (timed_out) {
    return {metrics::error_class::connect_timeout,
            fmt::format("{} to {} timed out after {}", tls_stage ? "TLS handshake" : "connect",
                        dialed.endpoint, core::format_duration(connect_timeout))};
  }
  const auto cls = tls_stage ? metrics::error_class::tls : classify(dialed.error);
  return {cls, fmt::format("{} {}: {}{}", tls_stage ? "TLS handshake with" : "connect to",
                           dialed.endpoint, dialed.error.message(),
                           cls == metrics::error_class::local_limit ? local_limit_hint : "")};
}

}  // namespace stampede::net
