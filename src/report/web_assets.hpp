// SPDX-License-Identifier: Apache-2.0
// The web pages' files, embedded at build time (cmake/EmbedAssets.cmake): the report page and
// its script and styles from web/report, the controller's pages from web/ui, uPlot from the npm
// registry (web/package-lock.json).
#pragma once

#include <string_view>

namespace stampede::report::assets {

extern const std::string_view report_html;
extern const std::string_view report_js;
extern const std::string_view flame_js;  ///< the flame graphs of --profile-sut
extern const std::string_view report_css;
extern const std::string_view uplot_js;
extern const std::string_view uplot_css;
extern const std::string_view ui_html;  ///< the controller's pages (web/ui)
extern const std::string_view ui_js;
extern const std::string_view ui_css;

}  // namespace stampede::report::assets
