// SPDX-License-Identifier: Apache-2.0
#include "scenario/template_string.hpp"

#include <map>

#include <gtest/gtest.h>

namespace stampede::scenario {
namespace {

class map_source final : public variable_source {
 public:
  map_source(std::initializer_list<std::pair<const std::string, std::string>> values)
      : values_(values) {}
  const std::string* find(std::string_view name) const override {
    auto it = values_.find(name);
    return it == values_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

TEST(TemplateString, LiteralTextRendersUnchanged) {
  template_string t("/delay?ms=20");
  EXPECT_TRUE(t.is_literal());
  EXPECT_EQ(t.render(map_source({})), "/delay?ms=20");
}

TEST(TemplateString, SubstitutesVariablesWithSurroundingSpaces) {
  template_string t("/users/{{id}}/posts?page={{ page }}&x=1");
  EXPECT_FALSE(t.is_literal());
  EXPECT_EQ(t.variables(), (std::vector<std::string>{"id", "page"}));
  EXPECT_EQ(t.render(map_source({{"id", "42"}, {"page", "3"}})), "/users/42/posts?page=3&x=1");
}

TEST(TemplateString, UnknownVariableIsKeptAsWritten) {
  template_string t("a{{missing}}b");
  EXPECT_EQ(t.render(map_source({})), "a{{missing}}b");
}

TEST(TemplateString, UnterminatedAndEmptyPlaceholdersAreLiteral) {
  EXPECT_EQ(template_string("x{{y").render(map_source({{"y", "1"}})), "x{{y");
  template_string empty("a{{}}b");
  EXPECT_TRUE(empty.is_literal());
  EXPECT_EQ(empty.render(map_source({})), "a{{}}b");
}

TEST(TemplateString, AdjacentVariables) {
  template_string t("{{a}}{{b}}");
  EXPECT_EQ(t.render(map_source({{"a", "1"}, {"b", "2"}})), "12");
}

}  // namespace
}  // namespace stampede::scenario
