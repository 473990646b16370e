// SPDX-License-Identifier: Apache-2.0
#include "scenario/json_path.hpp"

#include <gtest/gtest.h>

namespace stampede::scenario {
namespace {

const auto doc = nlohmann::json::parse(
    R"({"token":"abc123","user":{"id":42,"name":"stampede","ok":true,"score":1.5},
        "items":[{"id":1},{"id":2}],"odd key":{"x":null},"a.b":"dotted","empty":"",
        "matrix":[[1,2],[3,4]]})");

TEST(JsonPath, StringsAreUnquoted) {
  EXPECT_EQ(json_path_lookup(doc, "$.token"), "abc123");
  EXPECT_EQ(json_path_lookup(doc, "$.user.name"), "stampede");
  EXPECT_EQ(json_path_lookup(doc, "$.empty"), "");
}

TEST(JsonPath, OtherValuesAreCompactJson) {
  EXPECT_EQ(json_path_lookup(doc, "$.user.id"), "42");
  EXPECT_EQ(json_path_lookup(doc, "$.user.ok"), "true");
  EXPECT_EQ(json_path_lookup(doc, "$.user.score"), "1.5");
  EXPECT_EQ(json_path_lookup(doc, "$['odd key'].x"), "null");
  EXPECT_EQ(json_path_lookup(doc, "$.items[0]"), R"({"id":1})");
  EXPECT_EQ(json_path_lookup(doc, "$.items"), R"([{"id":1},{"id":2}])");
  EXPECT_EQ(json_path_lookup(doc, "$"), doc.dump());
}

TEST(JsonPath, BracketsIndexesAndNesting) {
  EXPECT_EQ(json_path_lookup(doc, "$.items[1].id"), "2");
  EXPECT_EQ(json_path_lookup(doc, "$['items'][1]['id']"), "2");
  EXPECT_EQ(json_path_lookup(doc, R"($["user"].name)"), "stampede");
  EXPECT_EQ(json_path_lookup(doc, "$['a.b']"), "dotted");
  EXPECT_EQ(json_path_lookup(doc, "$.matrix[1][0]"), "3");
  const auto array = nlohmann::json::parse(R"([{"id":"first"}])");
  EXPECT_EQ(json_path_lookup(array, "$[0].id"), "first");
}

TEST(JsonPath, MissingPathsAreNullopt) {
  EXPECT_FALSE(json_path_lookup(doc, "$.nope"));
  EXPECT_FALSE(json_path_lookup(doc, "$.items[5]"));
  EXPECT_FALSE(json_path_lookup(doc, "$.token.deeper"));
  EXPECT_FALSE(json_path_lookup(doc, "$.user[0]"));
  EXPECT_FALSE(json_path_lookup(doc, "$.items.id"));
  EXPECT_FALSE(json_path_lookup(nlohmann::json::parse("5"), "$.a"));
}

TEST(JsonPath, ValidatesSyntax) {
  EXPECT_TRUE(valid_json_path("$"));
  EXPECT_TRUE(valid_json_path("$.a.b[0]['c d'][\"e\"]"));
  EXPECT_FALSE(valid_json_path(""));
  EXPECT_FALSE(valid_json_path("a.b"));
  EXPECT_FALSE(valid_json_path("$."));
  EXPECT_FALSE(valid_json_path("$..a"));
  EXPECT_FALSE(valid_json_path("$[x]"));
  EXPECT_FALSE(valid_json_path("$[]"));
  EXPECT_FALSE(valid_json_path("$[-1]"));
  EXPECT_FALSE(valid_json_path("$[*]"));
  EXPECT_FALSE(valid_json_path("$['a'"));
  EXPECT_FALSE(valid_json_path("$['a']x"));
  EXPECT_FALSE(valid_json_path("$[0"));
  EXPECT_FALSE(valid_json_path("$a"));
  EXPECT_FALSE(json_path_lookup(doc, "token"));
  EXPECT_FALSE(json_path_lookup(doc, "$..token"));
}

}  // namespace
}  // namespace stampede::scenario
