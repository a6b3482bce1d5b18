// The staff web UI: "/" is index.html; "/ui/<name>" serves one embedded
// file. Nothing is read from disk, so no path can escape to the file system.
#include "node/service/internal/service_impl.h"
#include "node/service/ui_assets.h"

namespace akari::node {

const UiAsset* FindUiAsset(std::string_view name) {
  for (const UiAsset& a : AllUiAssets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

net::Response Service::Impl::StaticFile(const net::Request& request) {
  std::string_view name;
  if (request.path == "/" || request.path == "/index.html") {
    name = "index.html";
  } else if (request.path.starts_with("/ui/")) {
    name = std::string_view(request.path).substr(4);
  } else {
    return net::Response::Error(404, "not_found", "no such page: the staff UI is at /");
  }
  const UiAsset* asset = FindUiAsset(name);
  if (asset == nullptr) return net::Response::Error(404, "not_found", "no such file in the staff UI");
  if (request.method != "GET" && request.method != "HEAD") {
    net::Response r = net::Response::Error(405, "method_not_allowed", request.method + " is not allowed on UI files");
    r.headers.Set("Allow", "GET, HEAD");
    return r;
  }
  net::Response r;
  r.status = 200;
  r.headers.Set("Content-Type", std::string(asset->content_type));
  r.body = std::string(asset->data);
  return r;
}

}  // namespace akari::node
