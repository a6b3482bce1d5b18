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

// Integer caps a reader applies while parsing root and manifest fields:
// versions and counts (of persons, upserts, removals) are at most 2^53 - 1,
// the integers every JSON reader holds exactly. A version is far from the
// end of int64, so version + 1 cannot overflow; person ids span all
// int64 above 0 (docs/formats.md) and are only compared.
inline constexpr std::int64_t kMaxVersion = (std::int64_t{1} << 53) - 1;
inline constexpr std::int64_t kMaxCount = (std::int64_t{1} << 53) - 1;

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
