// SPDX-License-Identifier: Apache-2.0
#include "net/error_classify.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace stampede::net {

metrics::error_class classify(const boost::system::error_code& ec) {
  namespace error = boost::asio::error;
  using metrics::error_class;
  if (ec == error::connection_refused) {
    return error_class::refused;
  }
  if (ec == error::connection_reset || ec == error::broken_pipe ||
      ec == error::connection_aborted || ec == error::eof) {
    return error_class::reset;
  }
  if (ec == error::timed_out) {
    return error_class::connect_timeout;
  }
  if (ec == error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
      ec == boost::system::errc::address_not_available || ec == error::no_buffer_space ||
      ec == error::no_memory) {
    return error_class::local_limit;
  }
  if (ec == error::host_not_found || ec == error::host_not_found_try_again ||
      ec == error::no_data) {
    return error_class::dns;
  }
  if (ec.category() == boost::asio::error::get_ssl_category() ||
      ec.category() == boost::asio::ssl::error::get_stream_category()) {
    return error_class::tls;
  }
  return error_class::other;
}

bool is_end_of_stream(const boost::system::error_code& ec) {
  return ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
}

}  // namespace stampede::net
