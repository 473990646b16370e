// SPDX-License-Identifier: Apache-2.0
// An output that POSTs each second to an HTTP sink (InfluxDB, ...): a failure without an
// answer, a 5xx or a 429 is tried again with a growing pause (100 ms doubling to 2 s, 5 tries
// in all, never past the run's finish deadline); any other refusal is final. A second that
// cannot be delivered is dropped and counted.
#pragma once

#include <string>
#include <vector>

#include "outputs/http_post.hpp"
#include "outputs/output.hpp"

namespace stampede::outputs {

class posting_output : public queued_output {
 protected:
  posting_output(const std::string& name, http_url url, std::string content_type,
                 header_list headers);
  /// The bodies for one second, each POSTed in turn (a sink that takes batches of a bounded
  /// size gets several); none: nothing to send that second.
  virtual std::vector<std::string> bodies_of(const second_record& second) = 0;

 private:
  bool deliver(const second_record& second) final;
  /// POSTs one body, trying again as the class comment says.
  void post(const std::string& body);

  http_url url_;
  std::string content_type_;
  header_list headers_;
};

/// The Authorization header an output's options name (`bearer_env=NAME`, `bearer_file=PATH`,
/// `basic_env=NAME`, `basic_file=PATH`; basic: the value is user:password), or none. Throws
/// std::invalid_argument when the variable is unset or the file unreadable.
header_list authorization(const std::string& option, const std::string& value);

}  // namespace stampede::outputs
