// SPDX-License-Identifier: Apache-2.0
#include "protocol/common/failure_text.hpp"

#include <functional>

#include <fmt/format.h>

#include "core/duration_text.hpp"

namespace stampede::protocol {

std::string failure_text::describe() const {
  switch (kind) {
    case value_kind::none:
      return std::string(format);
    case value_kind::duration:
      return fmt::format(fmt::runtime(format), core::format_duration(duration));
    case value_kind::error:
      return fmt::format(fmt::runtime(format), error.message());
    case value_kind::text:
      return fmt::format(fmt::runtime(format), text);
  }
  return std::string(format);
}

std::int64_t failure_text::value_key() const noexcept {
  switch (kind) {
    case value_kind::none:
      return 0;
    case value_kind::duration:
      return duration.count();
    case value_kind::error:
      // The category tells errors of the same value apart (asio's end of file is 2, as is
      // ENOENT).
      return static_cast<std::int64_t>(std::hash<const void*>{}(&error.category()) * 31 +
                                       static_cast<std::size_t>(error.value()));
    case value_kind::text:
      return static_cast<std::int64_t>(std::hash<const void*>{}(text.data()));
  }
  return 0;
}

}  // namespace stampede::protocol
