// The staff web UI's files, embedded in the binary at build time
// (node/service/ui/embed.cmake): no files on disk, nothing from a CDN.
#pragma once

#include <span>
#include <string_view>

namespace akari::node {

struct UiAsset {
  std::string_view name;  // file name below ui/, e.g. "app.js"
  std::string_view content_type;
  std::string_view data;
};

std::span<const UiAsset> AllUiAssets();

// The asset called exactly `name`, or nullptr. Names are compared as whole
// strings, so "../x", "%2e%2e/x" or "a/b" never reach anything else.
const UiAsset* FindUiAsset(std::string_view name);

}  // namespace akari::node
