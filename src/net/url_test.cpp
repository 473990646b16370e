// SPDX-License-Identifier: Apache-2.0
#include "net/url.hpp"

#include <gtest/gtest.h>

namespace stampede::net {
namespace {

TEST(Url, ParsesHostPortAndPath) {
  auto u = parse_url("http://127.0.0.1:8080/delay?ms=20");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/delay?ms=20");
  EXPECT_EQ(u->host_header(), "127.0.0.1:8080");
}

TEST(Url, DefaultsPortAndPath) {
  auto u = parse_url("HTTPS://example.test");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls());
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/");
  EXPECT_EQ(u->host_header(), "example.test");
  EXPECT_EQ(parse_url("http://h?x=1")->path, "/?x=1");
}

TEST(Url, Ipv6Literal) {
  auto u = parse_url("http://[::1]:9000/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->host_header(), "[::1]:9000");
}

TEST(Url, Http2Schemes) {
  auto clear = parse_url("h2c://localhost/x");
  ASSERT_TRUE(clear);
  EXPECT_TRUE(clear->http2());
  EXPECT_FALSE(clear->tls());
  EXPECT_EQ(clear->port, 80);
  EXPECT_EQ(clear->web_scheme(), "http");
  EXPECT_EQ(clear->host_header(), "localhost");
  auto tls = parse_url("H2://example.test:8443/");
  ASSERT_TRUE(tls);
  EXPECT_TRUE(tls->http2());
  EXPECT_TRUE(tls->tls());
  EXPECT_EQ(tls->web_scheme(), "https");
  EXPECT_EQ(tls->host_header(), "example.test:8443");
  EXPECT_FALSE(parse_url("https://h/")->http2());
}

TEST(Url, RejectsMalformed) {
  std::string error;
  EXPECT_FALSE(parse_url("127.0.0.1:8080", &error));
  EXPECT_EQ(error, "expected a URL like http://host:port/path");
  EXPECT_FALSE(parse_url("ftp://h/", &error));
  EXPECT_EQ(error,
            "unsupported scheme 'ftp' (use http, https, h2c for HTTP/2 with prior knowledge, or h2 "
            "for HTTP/2 over TLS)");
  EXPECT_FALSE(parse_url("http://h:99999/", &error));
  EXPECT_EQ(error, "invalid port '99999'");
  EXPECT_FALSE(parse_url("http://:80/", &error));
  EXPECT_EQ(error, "missing host");
}

}  // namespace
}  // namespace stampede::net
