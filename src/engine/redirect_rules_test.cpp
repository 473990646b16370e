// SPDX-License-Identifier: Apache-2.0
#include "engine/redirect_rules.hpp"

#include <gtest/gtest.h>

namespace stampede::engine {
namespace {

net::url origin(std::string_view text) {
  return *net::parse_url(text);
}

TEST(RedirectTarget, ResolvesRelativeReferencesAgainstTheRequest) {
  const auto o = origin("http://127.0.0.1:8080");
  EXPECT_EQ(redirect_target("/json", "/login", o), "/json");
  EXPECT_EQ(redirect_target("/a?b=1#top", "/", o), "/a?b=1");
  EXPECT_EQ(redirect_target("next", "/shop/cart?x=1", o), "/shop/next");
  EXPECT_EQ(redirect_target("../up", "/shop/cart/item", o), "/shop/up");
  EXPECT_EQ(redirect_target("./same", "/shop/cart", o), "/shop/same");
  EXPECT_EQ(redirect_target("?page=2", "/list?page=1", o), "/list?page=2");
  EXPECT_EQ(redirect_target("../../../../x", "/a/b", o), "/x");
  EXPECT_EQ(redirect_target(" /trimmed ", "/", o), "/trimmed");
}

TEST(RedirectTarget, FollowsAbsoluteUrlsOnlyToTheSameOrigin) {
  const auto o = origin("http://localhost:8080");
  EXPECT_EQ(redirect_target("http://LOCALHOST:8080/x/./y?q=1", "/", o), "/x/y?q=1");
  EXPECT_EQ(redirect_target("//localhost:8080/z", "/", o), "/z");
  EXPECT_EQ(redirect_target("http://localhost:8080", "/a", o), "/");
  EXPECT_EQ(redirect_target("http://localhost:8081/x", "/", o), std::nullopt);
  EXPECT_EQ(redirect_target("https://localhost:8080/x", "/", o), std::nullopt);
  EXPECT_EQ(redirect_target("http://example.test:8080/x", "/", o), std::nullopt);
  EXPECT_EQ(redirect_target("ftp://localhost:8080/x", "/", o), std::nullopt);
  EXPECT_EQ(redirect_target("mailto:someone", "/", o), std::nullopt);
  // h2c is HTTP/2 over http: an http:// Location is the same origin.
  EXPECT_EQ(redirect_target("http://localhost:8080/h2", "/", origin("h2c://localhost:8080")),
            "/h2");
  EXPECT_EQ(redirect_target("https://h:443/s", "/", origin("https://h")), "/s");
}

TEST(RedirectTarget, RefusesWhatCannotBeSent) {
  const auto o = origin("http://h:1");
  EXPECT_EQ(redirect_target("", "/", o), std::nullopt);
  EXPECT_EQ(redirect_target("/a b", "/", o), std::nullopt);
  EXPECT_EQ(redirect_target("/a\r\nX: y", "/", o), std::nullopt);
  EXPECT_EQ(redirect_target("#only-a-fragment", "/", o), std::nullopt);
}

TEST(AfterRedirect, MethodAndBodyFollowRfc9110) {
  EXPECT_EQ(after_redirect(301, "POST").method, "GET");
  EXPECT_FALSE(after_redirect(302, "POST").keeps_body);
  EXPECT_EQ(after_redirect(302, "PUT").method, "PUT");
  EXPECT_TRUE(after_redirect(302, "PUT").keeps_body);
  EXPECT_EQ(after_redirect(303, "PUT").method, "GET");
  EXPECT_FALSE(after_redirect(303, "DELETE").keeps_body);
  EXPECT_EQ(after_redirect(303, "HEAD").method, "HEAD");
  EXPECT_EQ(after_redirect(307, "POST").method, "POST");
  EXPECT_TRUE(after_redirect(307, "POST").keeps_body);
  EXPECT_EQ(after_redirect(308, "PATCH").method, "PATCH");
  EXPECT_TRUE(is_followed_redirect(308));
  EXPECT_FALSE(is_followed_redirect(300));
  EXPECT_FALSE(is_followed_redirect(304));
}

TEST(DotSegments, Rfc3986Examples) {
  EXPECT_EQ(without_dot_segments("/a/b/c/./../../g"), "/a/g");
  EXPECT_EQ(without_dot_segments("mid/content=5/../6"), "mid/6");
  EXPECT_EQ(without_dot_segments("/a/b/.."), "/a/");
  EXPECT_EQ(without_dot_segments("/."), "/");
}

}  // namespace
}  // namespace stampede::engine
