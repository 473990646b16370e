// SPDX-License-Identifier: Apache-2.0
#include <string>

#include <gtest/gtest.h>

#include "push/delivery_tracker.hpp"
#include "push/push_stamp.hpp"

namespace stampede::push {
namespace {

TEST(PushStamp, RoundTripsAndPadsToSize) {
  std::string body;
  write_stamp({0xabc, 42, 1'700'000'000'123'456}, 100, body);
  EXPECT_EQ(body.size(), 100u);
  EXPECT_EQ(body.rfind("~sp1:0000000000000abc:42:1700000000123456~", 0), 0u);
  const auto s = find_stamp(body);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->stream, 0xabcu);
  EXPECT_EQ(s->sequence, 42u);
  EXPECT_EQ(s->sent_us, 1'700'000'000'123'456);
}

TEST(PushStamp, SizeSmallerThanTheStampKeepsTheWholeStamp) {
  std::string body = "x";
  write_stamp({1, 1, 1}, 4, body);
  EXPECT_EQ(body, "x~sp1:0000000000000001:1:1~");
}

TEST(PushStamp, FoundInsideAnEnvelope) {
  std::string stamped;
  write_stamp({7, 3, 99}, 0, stamped);
  const auto s = find_stamp(R"({"channel":"a","data":")" + stamped + "\"}");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->sequence, 3u);
}

TEST(PushStamp, MalformedOrFarStampsAreNotStamps) {
  EXPECT_FALSE(find_stamp("hello"));
  EXPECT_FALSE(find_stamp("~sp1:zz:1:2~"));
  EXPECT_FALSE(find_stamp("~sp1:12:1:2"));  // no closing ~
  EXPECT_FALSE(find_stamp("~sp1:12::2~"));
  std::string stamped;
  write_stamp({7, 3, 99}, 0, stamped);
  EXPECT_FALSE(find_stamp(std::string(stamp_search_window, ' ') + stamped));
  // A broken stamp before a good one does not hide it.
  const auto s = find_stamp("~sp1:1:2 " + stamped);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->stream, 7u);
}

TEST(PushStamp, StreamsDifferByPublisherPathAndPhase) {
  const auto a = stream_id(0, 1, "/publish?channel=a");
  EXPECT_EQ(a, stream_id(0, 1, "/publish?channel=a"));
  EXPECT_NE(a, stream_id(0, 2, "/publish?channel=a"));
  EXPECT_NE(a, stream_id(0, 1, "/publish?channel=b"));
  EXPECT_NE(a, stream_id(1, 1, "/publish?channel=a"));
}

TEST(DeliveryTracker, InOrderStreamLosesNothing) {
  delivery_tracker t;
  for (std::uint64_t n = 5; n <= 50; ++n) {  // joined mid-stream at 5
    EXPECT_EQ(t.observe(9, n), delivery::in_order);
  }
  EXPECT_EQ(t.take_lost(), 0u);
  EXPECT_TRUE(t.empty());
}

TEST(DeliveryTracker, GapsFilledLateAreOutOfOrderTheRestLost) {
  delivery_tracker t;
  t.observe(1, 1);
  EXPECT_EQ(t.observe(1, 6), delivery::in_order);  // 2..5 missing
  EXPECT_EQ(t.observe(1, 3), delivery::out_of_order);
  EXPECT_EQ(t.observe(1, 3), delivery::duplicate);
  EXPECT_EQ(t.observe(1, 2), delivery::out_of_order);
  EXPECT_EQ(t.observe(1, 5), delivery::out_of_order);
  EXPECT_EQ(t.observe(1, 6), delivery::duplicate);
  EXPECT_EQ(t.observe(1, 1), delivery::duplicate);
  EXPECT_EQ(t.take_lost(), 1u);  // 4
}

TEST(DeliveryTracker, StreamsAreIndependent) {
  delivery_tracker t;
  t.observe(1, 10);
  t.observe(2, 100);
  EXPECT_EQ(t.observe(1, 11), delivery::in_order);
  EXPECT_EQ(t.observe(2, 103), delivery::in_order);
  EXPECT_EQ(t.observe(1, 10), delivery::duplicate);
  EXPECT_EQ(t.take_lost(), 2u);
  // Starting over: the next message is a new baseline, not a gap from before.
  EXPECT_EQ(t.observe(1, 50), delivery::in_order);
  EXPECT_EQ(t.take_lost(), 0u);
}

TEST(DeliveryTracker, TooManyGapsCountTheOldestLost) {
  delivery_tracker t;
  t.observe(1, 0);
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < delivery_tracker::max_gaps + 10; ++i) {
    n += 3;  // each jump leaves two missing
    t.observe(1, n);
  }
  // The oldest gaps were given up; filling one of them now reads as a duplicate.
  EXPECT_EQ(t.observe(1, 1), delivery::duplicate);
  EXPECT_EQ(t.observe(1, n - 1), delivery::out_of_order);
  EXPECT_EQ(t.take_lost(), 2 * (delivery_tracker::max_gaps + 10) - 1);
}

}  // namespace
}  // namespace stampede::push
