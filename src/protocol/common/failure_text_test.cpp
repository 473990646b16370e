// SPDX-License-Identifier: Apache-2.0
#include "protocol/common/failure_text.hpp"

#include <gtest/gtest.h>
#include <boost/asio/error.hpp>

namespace stampede::protocol {
namespace {

using namespace std::chrono_literals;

TEST(FailureText, DescribesEachKindOfValue) {
  EXPECT_EQ(failure_text::of("malformed status line").describe(), "malformed status line");
  EXPECT_EQ(failure_text::after("no complete response within {}", 250ms).describe(),
            "no complete response within 250.0ms");
  const auto reset =
      failure_text::because("reading the response: {}", boost::asio::error::connection_reset);
  EXPECT_EQ(reset.describe(),
            "reading the response: " +
                boost::system::error_code(boost::asio::error::connection_reset).message());
  EXPECT_EQ(failure_text::naming("stream closed with {}", "PROTOCOL_ERROR").describe(),
            "stream closed with PROTOCOL_ERROR");
  EXPECT_TRUE(failure_text{}.empty());
  EXPECT_FALSE(failure_text::of("x").empty());
}

TEST(FailureText, SameFormatAndValueIsOneKeyOtherValuesAnother) {
  constexpr std::string_view format = "no response within {}";
  EXPECT_EQ(failure_text::after(format, 1s).value_key(),
            failure_text::after(format, 1s).value_key());
  EXPECT_NE(failure_text::after(format, 1s).value_key(),
            failure_text::after(format, 2s).value_key());
  // asio's end of file and ENOENT share the value 2 but not the category.
  const auto eof = failure_text::because("{}", boost::asio::error::eof);
  const auto noent =
      failure_text::because("{}", boost::system::error_code(2, boost::system::system_category()));
  EXPECT_NE(eof.value_key(), noent.value_key());
  EXPECT_NE(failure_text::naming("{}", "A").value_key(),
            failure_text::naming("{}", std::string_view("B")).value_key());
}

}  // namespace
}  // namespace stampede::protocol
