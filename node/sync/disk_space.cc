#include "node/sync/disk_space.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/errors.h"
#include "base/saturating.h"

namespace akari::node {
namespace {

// Measured on a 100,000-person region (2026-11-26): a full apply's WAL
// peaked at 79.6 MB for 54.3 MB of snapshot objects (1.47), a one-day
// delta's at 39.8 MB for 4,624 changed persons (8.6 KB each, against
// 0.85 KB of delta bytes each). The factors below keep a margin over both.
constexpr double kPagesPerObjectByte = 1.6;
constexpr std::int64_t kDeltaBytesPerPerson = 16 * 1024;

}  // namespace

SpaceEstimate EstimateSpace(const sync::client::SyncPlan& plan, const std::set<std::string>& staged,
                            std::int64_t database_bytes, std::int64_t keep_free) {
  SpaceEstimate e;
  e.keep_free = keep_free;
  for (const auto& o : plan.objects) {
    if (!staged.contains(o.hash)) e.download += o.size;
  }
  auto pages = [](std::int64_t bytes) {
    return static_cast<std::int64_t>(kPagesPerObjectByte * static_cast<double>(bytes));
  };
  if (plan.mode == sync::client::SyncPlan::Mode::kFull) {
    std::int64_t bytes = 0;
    for (const auto& c : plan.chunks) bytes += c.object.size;
    // The WAL holds every page the apply writes until a checkpoint copies
    // them into the database file; the file grows only by what the
    // persons deleted in the same transaction did not free.
    e.apply = pages(bytes) + std::max<std::int64_t>(0, pages(bytes) - database_bytes);
  } else {
    // Object sizes are capped so that their sums fit (manifest.cc); the
    // person counts are only capped each, and a chain of them, times the
    // bytes per person, can pass int64: that saturates, and the database's
    // size bounds it below.
    std::int64_t bytes = 0, persons = 0;
    for (const auto& d : plan.chain) {
      bytes += d.Bytes();
      persons = SaturatingAdd(persons, SaturatingAdd(d.upserts, d.removes));
    }
    // A changed person rewrites the pages its row and index entries lie
    // on; no more pages than the database has.
    e.apply = std::min(SaturatingMul(persons, kDeltaBytesPerPerson), database_bytes) + 2 * pages(bytes);
  }
  return e;
}

Result<std::int64_t> FreeBytes(const std::filesystem::path& path) {
  struct statvfs s {};
  if (::statvfs(path.c_str(), &s) != 0) {
    return MakeError(BaseErrc::kIo,
                     "cannot read the free space of the disk holding " + path.string() + ": " + std::strerror(errno));
  }
  return static_cast<std::int64_t>(s.f_bavail) * static_cast<std::int64_t>(s.f_frsize);
}

std::string FormatSize(std::int64_t bytes) {
  char buf[32];
  if (bytes >= 10'000'000'000) {
    std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(bytes) / 1e9);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  }
  return buf;
}

}  // namespace akari::node
