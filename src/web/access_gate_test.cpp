// SPDX-License-Identifier: Apache-2.0
#include "web/access_gate.hpp"

#include <gtest/gtest.h>

namespace stampede::web {
namespace {

const std::string token(64, 'a');

http_request request(std::string method, std::string path,
                     std::vector<std::pair<std::string, std::string>> headers = {},
                     std::string body = "") {
  http_request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.headers = std::move(headers);
  r.body = std::move(body);
  r.peer = "127.0.0.1:4242";
  return r;
}

std::string header_of(const http_response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) {
      return v;
    }
  }
  return {};
}

class AccessGate : public ::testing::Test {
 protected:
  std::vector<std::string> log_;
  access_gate gate_{token, false, [this](const std::string& line) { log_.push_back(line); }};
};

TEST_F(AccessGate, TheBearerOfTheTokenIsLetInAndNeedsNoCsrf) {
  const auto r = request("POST", "/api/runs/1/stop", {{"authorization", "Bearer " + token}});
  const auto who = gate_.check(r);
  ASSERT_TRUE(who.has_value());
  EXPECT_FALSE(who->by_session);
  EXPECT_TRUE(access_gate::may_change(r, *who));
  EXPECT_TRUE(log_.empty());
}

TEST_F(AccessGate, AWrongOrMissingTokenIsRefusedAndAWrongOneLogged) {
  EXPECT_FALSE(gate_.check(request("GET", "/api/runs")).has_value());
  EXPECT_TRUE(log_.empty());
  EXPECT_FALSE(
      gate_.check(request("GET", "/api/runs", {{"authorization", "Bearer " + token + "x"}})));
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_EQ(log_[0], "refused HTTP GET /api/runs from 127.0.0.1:4242: wrong token");
  EXPECT_FALSE(gate_.check(request("GET", "/", {{"cookie", "stampede_session=forged"}})));
}

TEST_F(AccessGate, SigningInGivesAStrictHttpOnlySessionWhosePostsNeedTheCsrfToken) {
  const auto bad = gate_.sign_in(request("POST", "/sign-in", {}, "token=nope&next=%2Fruns"));
  EXPECT_EQ(bad.status, 401u);
  EXPECT_NE(bad.body.find("not the controller's token"), std::string::npos);
  EXPECT_EQ(log_.back(), "refused HTTP sign-in from 127.0.0.1:4242: wrong token");

  const auto ok =
      gate_.sign_in(request("POST", "/sign-in", {}, "token=" + token + "&next=%2Fruns"));
  EXPECT_EQ(ok.status, 303u);
  EXPECT_EQ(header_of(ok, "Location"), "/runs");
  const auto cookie = header_of(ok, "Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  const auto value = cookie.substr(0, cookie.find(';'));  // stampede_session=...

  const auto page = request("GET", "/runs", {{"cookie", "theme=dark; " + value}});
  const auto who = gate_.check(page);
  ASSERT_TRUE(who.has_value());
  EXPECT_TRUE(who->by_session);
  EXPECT_EQ(who->csrf.size(), 32u);
  EXPECT_FALSE(access_gate::may_change(request("POST", "/api/x", {{"cookie", value}}), *who));
  // A token one character off (never the token itself, whatever its first character is).
  const auto forged = std::string(who->csrf[0] == '0' ? "1" : "0") + who->csrf.substr(1);
  EXPECT_FALSE(access_gate::may_change(
      request("POST", "/api/x", {{"cookie", value}, {"x-csrf-token", forged}}), *who));
  EXPECT_TRUE(access_gate::may_change(
      request("POST", "/api/x", {{"cookie", value}, {"x-csrf-token", who->csrf}}), *who));

  const auto out = gate_.sign_out(request("POST", "/sign-out", {{"cookie", value}}));
  EXPECT_EQ(out.status, 303u);
  EXPECT_NE(header_of(out, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_FALSE(gate_.check(page).has_value());
}

TEST_F(AccessGate, SignInGoesNowhereButThisServer) {
  for (const char* next : {"https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example", "%2F%5Cevil",
                           "%2F%09%2Fevil.example", "%2Fx%0D%0ASet-Cookie:%20a=b"}) {
    const auto ok =
        gate_.sign_in(request("POST", "/sign-in", {}, "token=" + token + "&next=" + next));
    EXPECT_EQ(header_of(ok, "Location"), "/") << next;
  }
  const auto page = access_gate::sign_in_page(401, "<b>", "/runs\"><script>");
  EXPECT_EQ(page.body.find("<b>"), std::string::npos);
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
}

TEST_F(AccessGate, RefusalsAreLoggedOnOneLineAndAtMostFiveASecond) {
  for (int i = 0; i < 20; ++i) {
    gate_.check(request("GET", "/a\x1b[2J\nb", {{"authorization", "Bearer nope"}}));
  }
  ASSERT_EQ(log_.size(), 5u);
  EXPECT_EQ(log_[0], "refused HTTP GET /a\\x1b[2J\\x0ab from 127.0.0.1:4242: wrong token");
}

TEST(FormFields, DecodesQueriesAndForms) {
  const auto f = form_fields("a=1&b=two+words&c=%2F%zz&&d&a=3");
  EXPECT_EQ(f.at("a"), "3");
  EXPECT_EQ(f.at("b"), "two words");
  EXPECT_EQ(f.at("c"), "/%zz");
  EXPECT_EQ(f.at("d"), "");
  EXPECT_EQ(f.size(), 4u);
}

}  // namespace
}  // namespace stampede::web
