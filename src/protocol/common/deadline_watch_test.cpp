// SPDX-License-Identifier: Apache-2.0
#include "protocol/common/deadline_watch.hpp"

#include <memory>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace stampede::protocol {
namespace {

using namespace std::chrono_literals;
using clock = deadline_watch::clock;

/// What a session is to its watch: the owner it checks is still there.
struct owner : std::enable_shared_from_this<owner> {
  explicit owner(boost::asio::io_context& ctx) : watch(ctx, [this] { ++expired; }) {}
  deadline_watch watch;
  int expired = 0;
};

TEST(DeadlineWatch, ExpiresOnceWhenTheOperationOutlivesItsDeadline) {
  boost::asio::io_context ctx;
  auto o = std::make_shared<owner>(ctx);
  o->watch.arm(clock::now() + 20ms, *o);
  ctx.run_for(200ms);
  EXPECT_EQ(o->expired, 1);
  EXPECT_TRUE(o->watch.timed_out());
  o->watch.arm(clock::now() + 10s, *o);  // a new operation: no longer timed out
  EXPECT_FALSE(o->watch.timed_out());
  o->watch.cancel();
}

TEST(DeadlineWatch, DisarmedInTimeNothingHappens) {
  boost::asio::io_context ctx;
  auto o = std::make_shared<owner>(ctx);
  o->watch.arm(clock::now() + 30ms, *o);
  o->watch.disarm();
  ctx.run_for(150ms);
  EXPECT_EQ(o->expired, 0);
  EXPECT_FALSE(o->watch.timed_out());
}

TEST(DeadlineWatch, ALaterDeadlineWaitsAndAnEarlierOneWakesTheTimer) {
  boost::asio::io_context ctx;
  auto o = std::make_shared<owner>(ctx);
  // Armed again later while asleep: the first wake-up finds the new deadline ahead and sleeps on.
  o->watch.arm(clock::now() + 20ms, *o);
  o->watch.arm(clock::now() + 120ms, *o);
  ctx.run_for(70ms);
  EXPECT_EQ(o->expired, 0);
  ctx.run_for(150ms);
  EXPECT_EQ(o->expired, 1);

  // Asleep towards 10 s, an earlier deadline wakes the timer: it expires on time.
  ctx.restart();
  o->watch.arm(clock::now() + 10s, *o);
  o->watch.arm(clock::now() + 20ms, *o);
  const auto start = clock::now();
  ctx.run_for(500ms);
  EXPECT_EQ(o->expired, 2);
  EXPECT_LT(clock::now() - start, 1s);
}

TEST(DeadlineWatch, NeitherKeepsItsOwnerAliveNorCallsIntoAGoneOne) {
  boost::asio::io_context ctx;
  auto o = std::make_shared<owner>(ctx);
  std::weak_ptr<owner> alive = o;
  o->watch.arm(clock::now() + 20ms, *o);
  o.reset();  // the session is dropped while its watch sleeps
  EXPECT_TRUE(alive.expired());
  // The cancelled wake-up runs and must touch nothing of the owner (a sanitizer build sees it).
  ctx.run_for(100ms);
}

}  // namespace
}  // namespace stampede::protocol
