// SPDX-License-Identifier: Apache-2.0
#include "net/error_classify.hpp"

#include <cerrno>

#include <gtest/gtest.h>
#include <boost/asio/error.hpp>

namespace stampede::net {
namespace {

using metrics::error_class;

boost::system::error_code errno_code(int e) {
  return {e, boost::system::system_category()};
}

TEST(ErrorClassify, SocketErrorsByCause) {
  EXPECT_EQ(classify(errno_code(ECONNREFUSED)), error_class::refused);
  EXPECT_EQ(classify(errno_code(ECONNRESET)), error_class::reset);
  EXPECT_EQ(classify(errno_code(EPIPE)), error_class::reset);
  EXPECT_EQ(classify(boost::asio::error::eof), error_class::reset);
  EXPECT_EQ(classify(errno_code(ETIMEDOUT)), error_class::connect_timeout);
  EXPECT_EQ(classify(boost::asio::error::host_not_found), error_class::dns);
  EXPECT_EQ(classify(errno_code(EHOSTUNREACH)), error_class::other);
}

TEST(ErrorClassify, TheLoadMachinesOwnLimitsAreLocalLimits) {
  for (const int e : {EMFILE, ENFILE, EADDRNOTAVAIL, ENOBUFS, ENOMEM}) {
    EXPECT_EQ(classify(errno_code(e)), error_class::local_limit) << e;
  }
  EXPECT_EQ(metrics::name(error_class::local_limit), "local_limit");
  EXPECT_NE(local_limit_hint.find("stampede doctor"), std::string_view::npos);
}

}  // namespace
}  // namespace stampede::net
