// SPDX-License-Identifier: Apache-2.0
#include "scenario/json_path.hpp"

#include <gtest/gtest.h>

namespace stampede::scenario {
namespace {

const auto doc = nlohmann::json::parse(
    R"({"token":"abc123","user":{"id":42,"name":"stampede","ok":true},
        "items":[{"id":1},{"id":2}],"odd key":{"x":null}})");

TEST(JsonPath, LooksUpNestedValues) {
  EXPECT_EQ(json_path_lookup(doc, "$.token"), "abc123");
  EXPECT_EQ(json_path_lookup(doc, "$.user.id"), "42");
  EXPECT_EQ(json_path_lookup(doc, "$.user.ok"), "true");
  EXPECT_EQ(json_path_lookup(doc, "$.items[1].id"), "2");
  EXPECT_EQ(json_path_lookup(doc, "$['odd key'].x"), "null");
  EXPECT_EQ(json_path_lookup(doc, "$.items[0]"), R"({"id":1})");
  EXPECT_EQ(json_path_lookup(doc, "$"), doc.dump());
}

TEST(JsonPath, MissingPathsAreNullopt) {
  EXPECT_FALSE(json_path_lookup(doc, "$.nope"));
  EXPECT_FALSE(json_path_lookup(doc, "$.items[5]"));
  EXPECT_FALSE(json_path_lookup(doc, "$.token.deeper"));
  EXPECT_FALSE(json_path_lookup(doc, "$.user[0]"));
}

TEST(JsonPath, ValidatesSyntax) {
  EXPECT_TRUE(valid_json_path("$.a.b[0]['c d']"));
  EXPECT_FALSE(valid_json_path("a.b"));
  EXPECT_FALSE(valid_json_path("$."));
  EXPECT_FALSE(valid_json_path("$..a"));
  EXPECT_FALSE(valid_json_path("$[x]"));
  EXPECT_FALSE(valid_json_path("$['a'"));
  EXPECT_FALSE(valid_json_path("$a"));
  EXPECT_FALSE(json_path_lookup(doc, "token"));
}

}  // namespace
}  // namespace stampede::scenario
