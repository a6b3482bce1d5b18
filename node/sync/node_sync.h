// `akari sync`: brings the node to the newest verified version of its
// region's publication, from a hub URL, a mirror or a local copy.
//
// Steps: walk the root chain from the pinned root; fetch and verify the
// manifest (TUF-style checks, sync/client/verifier.h); choose the delta
// chain or the missing snapshot chunks by bytes; download into
// DIR/staging/<region>/ (resumable, fetched objects survive a crash);
// verify every object (size, hash, authentication); then apply everything
// in one store transaction, with the audit entry "sync.apply". Refusals
// are audited as "sync.refused". Local records are never touched.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "node/node_dir.h"
#include "node/sync/disk_space.h"
#include "sync/client/source.h"
#include "sync/client/staging.h"

namespace akari::node {

struct SyncProgress {
  std::string phase;  // "manifest", "fetch", "verify", "apply"
  sync::client::FetchProgress fetch;
  std::int64_t persons_applied = 0;
  std::int64_t persons_total = 0;  // persons in the objects being applied
};

struct SyncOptions {
  bool accept_expired = false;   // apply an expired manifest (an administrator's decision, audited)
  const Clock* clock = nullptr;  // default: the system clock
  std::function<void(const SyncProgress&)> progress;
  // Called before a full sync's apply, with the version and the number of
  // persons it would write: once its objects are staged and verified, or,
  // if they were all staged by an earlier run, before they are verified
  // again (they are verified at the apply). Returning true holds
  // the apply: nothing is written, the node keeps serving its version, the
  // verified objects stay staged for the next run, and the summary's mode
  // is "full-held". An apply is one write transaction, and the service's
  // writes (audit entries, checks) wait for it; `akari serve`'s hub link
  // holds large ones while staff are using the node (hub_link.h).
  std::function<bool(std::int64_t version, std::int64_t persons)> hold_full_apply;
  // Left free on the node's disk for serving: a sync whose download and
  // apply would leave less is refused before it downloads anything
  // (SyncErrc::kDiskFull; disk_space.h).
  std::int64_t keep_free_bytes = kKeepFreeBytes;
  // Test hook: called at named points ("manifest-verified", "object-fetched",
  // "verified", "apply-object", "before-commit", "after-commit"). Production
  // code passes nothing.
  std::function<void(std::string_view point)> checkpoint;
};

struct SyncSummary {
  std::string source;
  std::string region;
  std::optional<std::int64_t> from_version;
  std::int64_t to_version = 0;
  std::string mode;  // "up-to-date", "delta", "full", "full-held" (SyncOptions::hold_full_apply)
  int new_root_versions = 0;
  std::int64_t objects_fetched = 0;
  std::int64_t bytes_fetched = 0;   // object bytes downloaded in this run
  std::int64_t metadata_bytes = 0;  // root and manifest bytes read
  std::int64_t objects_already_staged = 0;
  std::int64_t persons_inserted = 0;
  std::int64_t persons_removed = 0;
  std::int64_t persons_total = 0;
  std::int64_t persons_held = 0;  // "full-held": the persons the held apply would write
  double apply_seconds = 0;
  double persons_per_second = 0;
  bool accepted_expired = false;           // an expired manifest or root applied with accept_expired
  bool accepted_expired_manifest = false;  // the manifest had expired
  // When the hub's root metadata had expired and accept_expired took it:
  // its expiry (recorded in the audit log as sync.accept_expired, "root").
  std::optional<TimePoint> accepted_expired_root;
  bool clock_behind = false;  // local clock behind the newest signed time (reported, not trusted)
  TimePoint data_created_at;
  TimePoint data_expires_at;
  TimePoint trusted_time;
};

// Errors: see sync/client/verifier.h and staging.h; kInvalidArgument when
// the node is not enrolled; kDiskFull when the update would not fit
// beside options.keep_free_bytes (nothing is downloaded), or when the disk
// filled up while downloading or applying (SyncErrc::kDiskFull or
// db::DbErrc::kDiskFull: what this run staged is deleted, to give the
// space back to serving); kBusy when another sync of this node is running
// (the two would share the staging area: DIR/sync.lock is held for the whole
// sync), or when another writer changed the node's data version between this
// sync's plan and its apply (nothing applied). On any error the store still
// holds (and serves) the version it held before.
[[nodiscard]] Result<SyncSummary> SyncNode(OpenNode& node, sync::client::PublicationSource& source,
                                           const SyncOptions& options);

nlohmann::json SyncSummaryToJson(const SyncSummary& summary);

}  // namespace akari::node
