// SPDX-License-Identifier: Apache-2.0
#include "engine/cookie_jar.hpp"

#include <gtest/gtest.h>

namespace stampede::engine {
namespace {

using namespace std::chrono_literals;
using time_point = cookie::time_point;

const time_point now = time_point(std::chrono::seconds(1'800'000'000));  // 2027-01-15

std::string header(cookie_jar& jar, std::string_view host, std::string_view path,
                   bool secure = false, time_point at = now) {
  std::string out;
  jar.header_for({host, path, secure}, at, out);
  return out;
}

TEST(CookieJar, SendsWhatWasSetBackToTheSameSite) {
  cookie_jar jar;
  jar.store("sid=abc123; Path=/", {"example.test", "/login"}, now);
  jar.store("theme = dark ", {"example.test", "/"}, now);
  EXPECT_EQ(header(jar, "example.test", "/account?x=1"), "sid=abc123; theme=dark");
  EXPECT_EQ(header(jar, "other.test", "/"), "");
  // Host-only: a cookie without Domain is not sent to subdomains.
  EXPECT_EQ(header(jar, "www.example.test", "/"), "");
}

TEST(CookieJar, AppendsToACookieFieldAlreadyGiven) {
  cookie_jar jar;
  jar.store("a=1", {"h", "/"}, now);
  std::string out = "mine=x";
  jar.header_for({"h", "/"}, now, out);
  EXPECT_EQ(out, "mine=x; a=1");
}

TEST(CookieJar, DefaultPathIsTheRequestsDirectory) {
  cookie_jar jar;
  jar.store("deep=1", {"h", "/shop/cart/add?item=3"}, now);
  ASSERT_EQ(jar.size(), 1U);
  EXPECT_EQ(jar.cookies()[0].path, "/shop/cart");
  EXPECT_EQ(header(jar, "h", "/shop/cart"), "deep=1");
  EXPECT_EQ(header(jar, "h", "/shop/cart/view"), "deep=1");
  EXPECT_EQ(header(jar, "h", "/shop/cartoon"), "");
  EXPECT_EQ(header(jar, "h", "/shop"), "");
  jar.store("top=1", {"h", "/login"}, now);
  EXPECT_EQ(jar.cookies()[1].path, "/");
  jar.store("bad=1; Path=relative", {"h", "/a/b"}, now);
  EXPECT_EQ(jar.cookies()[2].path, "/a");
}

TEST(CookieJar, LongerPathsGoFirstThenOlderCookies) {
  cookie_jar jar;
  jar.store("b=1; Path=/", {"h", "/"}, now);
  jar.store("a=1; Path=/", {"h", "/"}, now);
  jar.store("c=1; Path=/api", {"h", "/"}, now);
  EXPECT_EQ(header(jar, "h", "/api/x"), "c=1; b=1; a=1");
  // Replacing a cookie keeps its place.
  jar.store("b=2; Path=/", {"h", "/"}, now);
  EXPECT_EQ(header(jar, "h", "/api/x"), "c=1; b=2; a=1");
  EXPECT_EQ(jar.size(), 3U);
}

TEST(CookieJar, DomainAttributeReachesSubdomainsButNoOtherSite) {
  cookie_jar jar;
  jar.store("wide=1; Domain=.Example.test", {"www.example.test", "/"}, now);
  EXPECT_EQ(header(jar, "example.test", "/"), "wide=1");
  EXPECT_EQ(header(jar, "api.example.test", "/"), "wide=1");
  EXPECT_EQ(header(jar, "badexample.test", "/"), "");
  jar.store("evil=1; Domain=other.test", {"www.example.test", "/"}, now);
  jar.store("up=1; Domain=www.example.test", {"example.test", "/"}, now);
  EXPECT_EQ(jar.size(), 1U);
  // An IP address matches only itself.
  jar.store("ip=1; Domain=0.0.1", {"127.0.0.1", "/"}, now);
  EXPECT_EQ(jar.size(), 1U);
  jar.store("ip=1; Domain=127.0.0.1", {"127.0.0.1", "/"}, now);
  EXPECT_EQ(header(jar, "127.0.0.1", "/"), "ip=1");
}

TEST(CookieJar, SecureCookiesGoOverHttpsOnlyAndHttpOnlyIsKept) {
  cookie_jar jar;
  jar.store("s=1; Secure; HttpOnly", {"h", "/"}, now);
  EXPECT_EQ(header(jar, "h", "/", false), "");
  EXPECT_EQ(header(jar, "h", "/", true), "s=1");
  EXPECT_TRUE(jar.cookies()[0].http_only);
}

TEST(CookieJar, ExpiryByMaxAgeOrExpiresAndDeletion) {
  cookie_jar jar;
  jar.store("short=1; Max-Age=60", {"h", "/"}, now);
  jar.store("dated=1; Expires=Fri, 15 Jan 2027 08:30:00 GMT", {"h", "/"}, now);
  // Max-Age wins over Expires, whichever comes first.
  jar.store("both=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=600", {"h", "/"}, now);
  EXPECT_EQ(header(jar, "h", "/"), "short=1; dated=1; both=1");
  EXPECT_EQ(header(jar, "h", "/", false, now + 61s), "dated=1; both=1");
  EXPECT_EQ(jar.size(), 2U);  // the expired one is gone
  jar.store("dated=gone; Max-Age=0", {"h", "/"}, now);
  jar.store("both=gone; Expires=Thu, 01 Jan 1970 00:00:00 GMT", {"h", "/"}, now);
  EXPECT_EQ(jar.size(), 0U);
  jar.store("never=1; Max-Age=-5", {"h", "/"}, now);
  EXPECT_TRUE(jar.empty());
  jar.store("odd=1; Max-Age=12abc", {"h", "/"}, now);  // ignored attribute: a session cookie
  ASSERT_EQ(jar.size(), 1U);
  EXPECT_FALSE(jar.cookies()[0].expires);
}

TEST(CookieJar, IgnoresFieldsThatAreNoCookies) {
  cookie_jar jar;
  jar.store("novalue", {"h", "/"}, now);
  jar.store("=nameless", {"h", "/"}, now);
  jar.store("", {"h", "/"}, now);
  EXPECT_TRUE(jar.empty());
  jar.store("empty=", {"h", "/"}, now);
  EXPECT_EQ(header(jar, "h", "/"), "empty=");
}

TEST(CookieJar, KeepsAtMostFiftyDroppingTheOldest) {
  cookie_jar jar;
  for (int i = 0; i < 55; ++i) {
    jar.store("c" + std::to_string(i) + "=v", {"h", "/"}, now);
  }
  EXPECT_EQ(jar.size(), cookie_jar::max_cookies);
  EXPECT_EQ(jar.value_of("c4", now), nullptr);
  ASSERT_NE(jar.value_of("c5", now), nullptr);
}

TEST(CookieJar, ValueOfFindsTheNewestLiveCookie) {
  cookie_jar jar;
  jar.store("sid=old; Path=/a", {"h", "/"}, now);
  jar.store("sid=new; Path=/b", {"h", "/"}, now);
  jar.store("temp=1; Max-Age=1", {"h", "/"}, now);
  ASSERT_NE(jar.value_of("sid", now), nullptr);
  EXPECT_EQ(*jar.value_of("sid", now), "new");
  EXPECT_EQ(jar.value_of("temp", now + 2s), nullptr);
  EXPECT_EQ(jar.value_of("none", now), nullptr);
}

TEST(CookieDate, ReadsTheFormsServersSend) {
  const auto expected = time_point(std::chrono::seconds(1792567680));  // 2026-10-21 07:28:00 UTC
  EXPECT_EQ(parse_cookie_date("Wed, 21 Oct 2026 07:28:00 GMT"), expected);
  EXPECT_EQ(parse_cookie_date("Wednesday, 21-Oct-26 07:28:00 GMT"), expected);
  EXPECT_EQ(parse_cookie_date("Wed Oct 21 07:28:00 2026"), expected);
  EXPECT_EQ(parse_cookie_date("21 october 2026 7:28:0"), expected);
  EXPECT_EQ(parse_cookie_date("Thu, 01 Jan 1970 00:00:00 GMT"), time_point{});
  EXPECT_FALSE(parse_cookie_date("tomorrow"));
  EXPECT_FALSE(parse_cookie_date("Wed, 32 Oct 2026 07:28:00 GMT"));
  EXPECT_FALSE(parse_cookie_date("Wed, 21 Oct 2026 25:28:00 GMT"));
  EXPECT_FALSE(parse_cookie_date("Wed, 21 Oct 2026"));
}

TEST(CookieMatching, DomainAndPathRules) {
  EXPECT_TRUE(domain_matches("a.example.test", "example.test"));
  EXPECT_TRUE(domain_matches("example.test", "example.test"));
  EXPECT_FALSE(domain_matches("aexample.test", "example.test"));
  EXPECT_FALSE(domain_matches("10.0.0.1", "0.0.1"));
  EXPECT_TRUE(path_matches("/docs/web", "/docs"));
  EXPECT_TRUE(path_matches("/docs", "/docs"));
  EXPECT_TRUE(path_matches("/docs/", "/docs/"));
  EXPECT_TRUE(path_matches("/docs?q=1", "/docs"));
  EXPECT_FALSE(path_matches("/docsets", "/docs"));
  EXPECT_FALSE(path_matches("/", "/docs"));
}

}  // namespace
}  // namespace stampede::engine
