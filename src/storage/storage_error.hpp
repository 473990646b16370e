// SPDX-License-Identifier: Apache-2.0
// The one exception the storage component throws.
#pragma once

#include <stdexcept>

namespace stampede::storage {

/// Any results database failure: it cannot be opened or created, a migration or a statement
/// failed. The message names the database file and carries SQLite's own error text.
class storage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace stampede::storage
