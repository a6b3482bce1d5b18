// Where things live in a publication directory (docs/publication.md):
//
//   <root>/<region>/root/<n>.json        root metadata chain (keys, thresholds)
//   <root>/<region>/manifest.json        the latest manifest
//   <root>/<region>/manifests/<v>.json   every manifest, immutable
//   <root>/<region>/objects/<hash>       encrypted objects, named by BLAKE2b-256
//
// Paths here are relative to the publication root and use '/', so they
// serve as file paths and as URL paths alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace akari::sync::publication {

// Size caps a reader applies before parsing anything (TUF's "endless data").
inline constexpr std::size_t kMaxRootBytes = 64 * 1024;
inline constexpr std::size_t kMaxManifestBytes = std::size_t{32} << 20;
inline constexpr std::size_t kMaxObjectBytes = std::size_t{64} << 20;
inline constexpr std::int64_t kMaxRootChainSteps = 1024;

// A region code: 1 to 16 characters of [0-9A-Za-z_-] (default a JIS
// prefecture code such as "17").
bool IsValidRegion(std::string_view region);

// A lower-case hex BLAKE2b-256 (64 characters).
bool IsValidObjectHash(std::string_view hash);

std::string RootPath(std::string_view region, std::int64_t version);
std::string ManifestPath(std::string_view region);
std::string VersionedManifestPath(std::string_view region, std::int64_t version);
std::string ObjectPath(std::string_view region, std::string_view hash);

}  // namespace akari::sync::publication
