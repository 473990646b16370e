// SPDX-License-Identifier: Apache-2.0
#include "report/report_page.hpp"

#include <string_view>
#include <utility>

#include "report/web_assets.hpp"

namespace stampede::report {
void fill_marker(std::string& page, std::string_view marker, std::string_view value) {
  const auto at = page.find(marker);
  if (at != std::string::npos) {
    page.replace(at, marker.size(), value);
  }
}

std::string script_safe_json(const nlohmann::json& data) {
  const auto text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 64);
  for (std::size_t i = 0; i < text.size(); ++i) {
    // '<' only appears inside JSON strings, where \u003c means the same.
    if (text[i] == '<') {
      out += "\\u003c";
    } else if (text.compare(i, 3, "\xE2\x80\xA8") == 0) {
      out += "\\u2028";
      i += 2;
    } else if (text.compare(i, 3, "\xE2\x80\xA9") == 0) {
      out += "\\u2029";
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string render_page(const nlohmann::json& data) {
  std::string page(assets::report_html);
  // The data last: a marker's text inside it (a campaign may hold anything) is never filled.
  fill_marker(page, "/*@uplot_css@*/", assets::uplot_css);
  fill_marker(page, "/*@report_css@*/", assets::report_css);
  fill_marker(page, "/*@uplot_js@*/", assets::uplot_js);
  fill_marker(page, "/*@flame_js@*/", assets::flame_js);
  fill_marker(page, "/*@report_js@*/", assets::report_js);
  fill_marker(page, "/*@data@*/", script_safe_json(data));
  return page;
}

}  // namespace stampede::report
