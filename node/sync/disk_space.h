// What an update needs on the node's own disk, judged before anything is
// downloaded. The node's data directory holds the store, its WAL and the
// staging area on one file system; an update that filled it would leave
// no room for the checks and audit entries staff are making, so the node
// could no longer open a record (every opening is audited first). A sync
// therefore starts only when the download, the apply's growth and a
// reserve for serving all fit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include "base/result.h"
#include "sync/client/plan.h"

namespace akari::node {

// Left free by a sync for the node's own writes while it serves (checks,
// audit entries, their WAL frames): tens of thousands of commits.
inline constexpr std::int64_t kKeepFreeBytes = std::int64_t{64} << 20;

// Free space under which `akari status`, GET /v1/status and the staff UI
// warn that the node's disk is nearly full.
inline constexpr std::int64_t kLowDiskBytes = 2 * kKeepFreeBytes;

struct SpaceEstimate {
  std::int64_t download = 0;   // objects of the plan not yet staged
  std::int64_t apply = 0;      // WAL frames and database growth while applying
  std::int64_t keep_free = 0;  // the reserve for serving
  std::int64_t Total() const { return download + apply + keep_free; }
};

// Estimates `plan` for a node whose store file holds `database_bytes` and
// whose staging area holds `staged`. The factors were measured on a
// 100,000-person region (docs/store.md, "Disk space"): a snapshot's WAL is
// 1.5 times its objects' bytes; a delta rewrites whole pages where its
// persons' rows and index entries lie, about 9 KB per changed person.
SpaceEstimate EstimateSpace(const sync::client::SyncPlan& plan, const std::set<std::string>& staged,
                            std::int64_t database_bytes, std::int64_t keep_free);

// Bytes an unprivileged process may still write on the file system that
// holds `path` (statvfs f_bavail). Error: BaseErrc::kIo.
[[nodiscard]] Result<std::int64_t> FreeBytes(const std::filesystem::path& path);

// "12.3 MB", or "12.3 GB" from 10 GB up (decimal units).
std::string FormatSize(std::int64_t bytes);

}  // namespace akari::node
