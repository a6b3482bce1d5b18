#include "sync/publication/layout.h"

namespace akari::sync::publication {

bool IsValidRegion(std::string_view region) {
  if (region.empty() || region.size() > 16) return false;
  for (char c : region) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsValidObjectHash(std::string_view hash) {
  if (hash.size() != 64) return false;
  for (char c : hash) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string RootPath(std::string_view region, std::int64_t version) {
  return std::string(region) + "/root/" + std::to_string(version) + ".json";
}
std::string ManifestPath(std::string_view region) {
  return std::string(region) + "/manifest.json";
}
std::string VersionedManifestPath(std::string_view region, std::int64_t version) {
  return std::string(region) + "/manifests/" + std::to_string(version) + ".json";
}
std::string ObjectPath(std::string_view region, std::string_view hash) {
  return std::string(region) + "/objects/" + std::string(hash);
}

}  // namespace akari::sync::publication
