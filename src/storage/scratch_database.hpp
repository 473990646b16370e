// SPDX-License-Identifier: Apache-2.0
// A results database that lives only as long as this object: for a run asked not to be
// stored (--no-db) whose report or dashboard still needs its seconds.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace stampede::storage {

class scratch_database {
 public:
  scratch_database() {
    auto pattern = (std::filesystem::temp_directory_path() / "stampede-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot make a temporary directory for the run's database");
    }
    dir_ = pattern;
  }
  ~scratch_database() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;

  std::string path() const { return (dir_ / "stampede.db").string(); }
  /// Its directory, gone with it: room for other scratch files of the run (a perf profile).
  std::string directory() const { return dir_.string(); }

 private:
  std::filesystem::path dir_;
};

}  // namespace stampede::storage
