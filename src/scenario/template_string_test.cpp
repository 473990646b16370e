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

TEST(TemplateString, UrlValuesArePercentEncodedSoTheyCannotBreakTheRequestLine) {
  template_string t("/search/{{q}}?tag={{tag}}&n=1", value_escaping::url);
  EXPECT_FALSE(t.has_raw_values());
  EXPECT_EQ(t.render(map_source({{"q", "a b/c?d"}, {"tag", "x&y=z\r\nInjected: 1"}})),
            "/search/a%20b%2Fc%3Fd?tag=x%26y%3Dz%0D%0AInjected%3A%201&n=1");
  // encodeURIComponent's unreserved set goes through; bytes above 0x7f are encoded.
  EXPECT_EQ(t.render(map_source({{"q", "AZaz09-_.!~*'()"}, {"tag", "\xc3\xa9"}})),
            "/search/AZaz09-_.!~*'()?tag=%C3%A9&n=1");
}

TEST(TemplateString, RawValuesGoInAsTheyAre) {
  template_string t("/{{path|raw}}?x={{ x | raw }}&y={{y}}", value_escaping::url);
  EXPECT_TRUE(t.has_raw_values());
  EXPECT_EQ(t.variables(), (std::vector<std::string>{"path", "x", "y"}));
  EXPECT_EQ(t.render(map_source({{"path", "bytes?n=10"}, {"x", "a/b"}, {"y", "a/b"}})),
            "/bytes?n=10?x=a/b&y=a%2Fb");
  // Without escaping asked for, `|raw` only names the variable.
  template_string header("Bearer {{token|raw}} {{token}}");
  EXPECT_FALSE(header.has_raw_values());
  EXPECT_EQ(header.render(map_source({{"token", "a b"}})), "Bearer a b a b");
}

TEST(TemplateString, JsonValuesAreEscapedAndNumbersGoInBare) {
  template_string t(R"({"name":"{{name}}","id":{{id|number}},"raw":"{{r|raw}}"})",
                    value_escaping::json);
  EXPECT_TRUE(t.has_number_values());
  const map_source vars({{"name", "a \"quoted\"\\ \n name"}, {"id", "42"}, {"r", "x\"y"}});
  EXPECT_EQ(t.render(vars), R"({"name":"a \"quoted\"\\ \u000a name","id":42,"raw":"x"y"})");
  EXPECT_EQ(t.first_non_number(vars), "");
  EXPECT_EQ(t.first_non_number(map_source({{"id", "forty"}})), "id");
  EXPECT_EQ(t.first_non_number(map_source({})), "");  // missing: render_to's answer
  EXPECT_FALSE(template_string("{{a}}").has_number_values());
}

TEST(TemplateString, JsonNumbers) {
  for (const auto* yes : {"0", "42", "-1", "3.25", "-0.5e-3", "1E9", "2e+10"}) {
    EXPECT_TRUE(is_json_number(yes)) << yes;
  }
  for (const auto* no : {"", "-", "01", "1.", ".5", "1e", "+1", "0x10", "1 ", "NaN", "4a"}) {
    EXPECT_FALSE(is_json_number(no)) << no;
  }
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

TEST(TemplateString, FixedValuesAreWrittenInAtLoad) {
  const map_source fixed({{"env.HOST", "a b/c"}, {"env.TOKEN", "s3cret"}});
  template_string path("/{{env.HOST}}/{{env.HOST|raw}}/{{id}}", value_escaping::url, fixed);
  EXPECT_EQ(path.text(), "/a%20b%2Fc/a b/c/{{id}}");
  EXPECT_EQ(path.variables(), (std::vector<std::string>{"id"}));
  EXPECT_TRUE(path.has_raw_values());  // checked before sending, as a rendered raw value is
  EXPECT_EQ(path.render(map_source({{"id", "7"}})), "/a%20b%2Fc/a b/c/7");

  template_string header("Bearer {{ env.TOKEN }}", value_escaping::none, fixed);
  EXPECT_TRUE(header.is_literal());
  EXPECT_EQ(header.text(), "Bearer s3cret");
  EXPECT_EQ(header.render(map_source({})), "Bearer s3cret");

  // Nothing fixed: the text stays as written.
  template_string same("x {{ a }} {{b|raw}} {{", value_escaping::url, map_source({}));
  EXPECT_EQ(same.text(), "x {{ a }} {{b|raw}} {{");
  EXPECT_EQ(same.variables(), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace stampede::scenario
