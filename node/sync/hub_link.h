// The node's link to its hub while it serves: reconciliation and snapshot
// sync with no human action (ARCHITECTURE.md section 7). `akari sync` runs
// one round; `akari serve` runs HubLink, which repeats rounds in the
// background and backs off while the hub is unreachable, so connectivity
// returning is noticed within one retry interval.
//
// A round: upload the pending checks to the hub the node enrolled with
// (POST /v1/checks; answers recorded durably, node/checks/uploader.h), then
// fetch, verify and apply the newest snapshot (node/sync/node_sync.h).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/result.h"
#include "node/checks/uploader.h"
#include "node/node_dir.h"
#include "node/sync/node_sync.h"
#include "sync/net/http_client.h"

namespace akari::node {

// The hub URL recorded at enrollment. Error kInvalidArgument (with what to
// do) when the node is not enrolled.
[[nodiscard]] Result<std::string> EnrolledHubUrl(store::Store& store);

// Uploads every pending check to `hub_url`. Errors as CheckUploader; the
// answers received before an error stay recorded.
[[nodiscard]] Result<UploadSummary> UploadChecks(OpenNode& node, const std::string& hub_url,
                                                 const net::ClientOptions& client, const UploadPolicy& policy,
                                                 const Clock& clock, const std::atomic<bool>* cancel = nullptr);

struct HubLinkOptions {
  std::chrono::milliseconds interval{std::chrono::seconds(60)};  // between rounds while the hub answers
  std::chrono::milliseconds first_retry{std::chrono::seconds(5)};
  std::chrono::milliseconds max_retry{std::chrono::minutes(5)};  // backoff cap while it does not

  // Holding large full applies while staff work. An apply is one write
  // transaction: while it runs, every record opening (its audit entry) and
  // every check waits for it, and gives up with 503 after 10 s. A delta
  // applies in well under a second, but a full snapshot of a prefecture
  // (after an outage longer than the hub's delta chain, which is exactly
  // when staff are busiest) takes tens of seconds. So a full apply of at
  // least `hold_full_apply_persons` persons waits until the node has not
  // been used for `hold_full_apply_idle`, as `last_use` reports, or until
  // it has been held for `hold_full_apply_max` (a clinic busy around the
  // clock must not serve week-old data while new data waits). It is never
  // held when the node holds no data or only expired data (nothing to
  // protect), and `akari sync` never holds. Zero idle time: never hold.
  std::chrono::milliseconds hold_full_apply_idle{std::chrono::minutes(10)};
  std::chrono::milliseconds hold_full_apply_max{std::chrono::hours(6)};
  std::int64_t hold_full_apply_persons = 50'000;  // about a second of apply
  // When the node was last used by staff (steady clock); nullopt: not since
  // it started. Called on the link thread. Unset: never hold.
  std::function<std::optional<std::chrono::steady_clock::time_point>()> last_use;
  net::ClientOptions client;
  const Clock* clock = nullptr;  // default: the system clock
};

// A full apply the link is holding (HubLinkOptions::last_use).
struct HeldFullApply {
  std::int64_t version = 0;
  std::int64_t persons = 0;  // persons it will write
  TimePoint since;           // first held (by this link)
  TimePoint apply_by;        // applied at the first round after this, in use or not
  std::chrono::milliseconds idle_needed{0};
};

// What the last round did, for status displays and tests.
struct HubLinkState {
  std::int64_t rounds = 0;
  std::int64_t failed_rounds = 0;  // consecutive
  std::int64_t checks_uploaded = 0;
  std::optional<std::int64_t> data_version;
  std::optional<TimePoint> last_success;
  std::string last_error;             // "" after a good round
  std::optional<HeldFullApply> held;  // set while a full apply is held
};

// Threading: the link thread is the only user of `node.store` (and of the
// node's main connection) until Stop() returns; the caller must not use it
// meanwhile. State() and Wake() may be called from any thread.
class HubLink {
 public:
  // Starts the thread; the first round begins at once. Error
  // kInvalidArgument when the node is not enrolled.
  [[nodiscard]] static Result<std::unique_ptr<HubLink>> Start(OpenNode& node, HubLinkOptions options);
  ~HubLink();
  HubLink(const HubLink&) = delete;
  HubLink& operator=(const HubLink&) = delete;

  // Stops between two steps (an HTTP exchange in flight runs to its timeout
  // at most) and joins. Idempotent.
  void Stop();
  // Starts the next round now (e.g. after new checks were recorded).
  void Wake();
  // Lets the held full apply (State().held) go ahead at the next round,
  // which starts now, whether staff are using the node or not (an admin
  // chose the moment). Returns what was held; nullopt if nothing was.
  // Thread-safe.
  std::optional<HeldFullApply> ApplyHeldNow();
  HubLinkState State() const;

 private:
  HubLink(OpenNode& node, HubLinkOptions options, std::string hub_url);
  void Run();
  void Round();
  // Whether to hold a full apply of version `version`, `persons` persons,
  // now (on the link thread, which owns the node's store).
  bool HoldFullApply(std::int64_t version, std::int64_t persons);
  // Waits `delay` or until woken or stopped.
  void WaitFor(std::chrono::milliseconds delay);

  OpenNode& node_;
  HubLinkOptions options_;
  std::string hub_url_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  HubLinkState state_;
  std::optional<std::int64_t> released_version_;  // ApplyHeldNow(); guarded by mutex_
  std::thread thread_;
};

}  // namespace akari::node
