#include "node/sync/hub_link.h"

#include <random>

#include "base/log.h"
#include "node/audit/audit_log.h"
#include "node/checks/check_queue.h"
#include "node/store/meta_keys.h"
#include "sync/client/source.h"
#include "sync/errors.h"

namespace akari::node {

Result<std::string> EnrolledHubUrl(store::Store& store) {
  AKARI_ASSIGN_OR_RETURN(auto url, store.GetMeta(store::meta::kHubUrl));
  if (!url || url->empty()) {
    return MakeError(sync::SyncErrc::kInvalidArgument,
                     "this node is not enrolled with a hub, so its checks cannot be reconciled: run `akari enroll "
                     "--data DIR --hub URL --token TOKEN` first");
  }
  return *url;
}

Result<UploadSummary> UploadChecks(OpenNode& node, const std::string& hub_url, const net::ClientOptions& client,
                                   const UploadPolicy& policy, const Clock& clock, const std::atomic<bool>* cancel) {
  const std::string node_id = node.keystore.node_id();
  CheckQueue queue(node.store, node_id, node.keystore.signing_secret_key(), clock);
  AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock);
  net::HttpClient http(client);
  HttpCheckTransport transport(http, hub_url);
  CheckUploader uploader(node.store, queue, audit, node.keystore.signing_secret_key(), transport, clock, node_id,
                         policy, [cancel](std::chrono::milliseconds d) {
                           // Sleep in short steps so that a stop is not held up by a long backoff.
                           const auto until = std::chrono::steady_clock::now() + d;
                           while (std::chrono::steady_clock::now() < until && (cancel == nullptr || !cancel->load())) {
                             std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                                 std::chrono::milliseconds(100), until - std::chrono::steady_clock::now()));
                           }
                         });
  return uploader.UploadPending(cancel);
}

Result<std::unique_ptr<HubLink>> HubLink::Start(OpenNode& node, HubLinkOptions options) {
  AKARI_ASSIGN_OR_RETURN(std::string url, EnrolledHubUrl(node.store));
  if (options.clock == nullptr) options.clock = &SystemClock::Instance();
  std::unique_ptr<HubLink> link(new HubLink(node, options, std::move(url)));
  link->thread_ = std::thread([raw = link.get()] { raw->Run(); });
  return link;
}

HubLink::HubLink(OpenNode& node, HubLinkOptions options, std::string hub_url)
    : node_(node), options_(std::move(options)), hub_url_(std::move(hub_url)) {}

HubLink::~HubLink() {
  Stop();
}

void HubLink::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HubLink::Wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

std::optional<HeldFullApply> HubLink::ApplyHeldNow() {
  std::optional<HeldFullApply> held;
  {
    std::lock_guard lock(mutex_);
    held = state_.held;
    if (held) released_version_ = held->version;
  }
  if (held) Wake();
  return held;
}

HubLinkState HubLink::State() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void HubLink::WaitFor(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, delay, [this] { return stop_.load() || woken_; });
  woken_ = false;
}

void HubLink::Run() {
  std::mt19937_64 rng{std::random_device{}()};
  while (!stop_) {
    Round();
    std::chrono::milliseconds delay = options_.interval;
    std::int64_t failed = 0;
    {
      std::lock_guard lock(mutex_);
      failed = state_.failed_rounds;
    }
    if (failed > 0) {
      // Exponential backoff with jitter, so that many nodes coming back at
      // once do not reach the hub in lockstep.
      const auto shift = std::min<std::int64_t>(failed - 1, 16);
      const std::int64_t full =
          std::min<std::int64_t>(options_.max_retry.count(), options_.first_retry.count() << shift);
      std::uniform_int_distribution<std::int64_t> jitter(full / 2, std::max<std::int64_t>(full, 1));
      delay = std::chrono::milliseconds(jitter(rng));
    }
    WaitFor(delay);
  }
}

bool HubLink::HoldFullApply(std::int64_t version, std::int64_t persons) {
  if (!options_.last_use || options_.hold_full_apply_idle <= std::chrono::milliseconds::zero() ||
      persons < options_.hold_full_apply_persons) {
    return false;
  }
  // A node with no data, or only expired data, has nothing an apply could
  // interrupt that is worth more than the new data.
  auto current = node_.store.GetMeta(store::meta::kDataVersion);
  auto expires = node_.store.GetMeta(store::meta::kDataExpiresAt);
  if (!current || !*current || !expires || !*expires) return false;
  const TimePoint now = options_.clock->Now();
  TimePoint expires_at;
  if (!ParseUtc(**expires, expires_at) || expires_at <= now) return false;
  {
    std::lock_guard lock(mutex_);
    if (released_version_ == version) return false;
    if (state_.held && state_.held->version == version && now >= state_.held->apply_by) return false;
  }
  const auto used = options_.last_use();
  return used && std::chrono::steady_clock::now() - *used < options_.hold_full_apply_idle;
}

void HubLink::Round() {
  const Clock& clock = *options_.clock;
  std::string error;
  std::int64_t uploaded = 0;
  std::optional<std::int64_t> version;
  std::optional<HeldFullApply> held;
  bool synced = false;  // the sync ran and succeeded (whatever the upload did)
  UploadPolicy policy;
  policy.max_attempts = 1;  // the loop backs off between rounds
  auto up = UploadChecks(node_, hub_url_, options_.client, policy, clock, &stop_);
  if (up) {
    uploaded = up->uploaded;
  } else if (up.error().code != sync::SyncErrc::kCancelled) {
    error = "check upload: " + up.error().message;
  }
  // A hub that refuses the checks (an answer it cannot give, a check
  // endpoint down while the publication is served) must not keep the node
  // on old data: the sync runs anyway, as akari sync's does. Only a hub that
  // could not be reached at all is not asked again within the round.
  const bool unreachable =
      !up && (up.error().code == sync::SyncErrc::kUnreachable || up.error().code == sync::SyncErrc::kTimeout);
  if (!unreachable && !stop_) {
    sync::client::RetryPolicy retry;
    retry.max_attempts = 2;
    auto source = sync::client::MakeSource(hub_url_, options_.client, retry);
    if (!source) {
      error += (error.empty() ? "" : "; ") + std::string("sync: ") + source.error().message;
    } else {
      SyncOptions sync_options;
      sync_options.clock = &clock;
      sync_options.hold_full_apply = [this](std::int64_t v, std::int64_t persons) { return HoldFullApply(v, persons); };
      auto summary = SyncNode(node_, **source, sync_options);
      synced = summary.has_value();
      if (summary && summary->mode == "full-held") {
        version = summary->from_version;
        const TimePoint now = clock.Now();
        held = HeldFullApply{
            summary->to_version, summary->persons_held, now,
            now + std::chrono::duration_cast<std::chrono::system_clock::duration>(options_.hold_full_apply_max),
            options_.hold_full_apply_idle};
      } else if (summary) {
        version = summary->to_version;
        if (summary->mode != "up-to-date") {
          Log(LogLevel::kInfo, "hub_link.synced",
              {{"version", summary->to_version}, {"mode", summary->mode}, {"persons", summary->persons_total}});
        }
      } else {
        error += (error.empty() ? "" : "; ") + std::string("sync: ") + summary.error().message;
      }
    }
  }
  if (uploaded > 0) Log(LogLevel::kInfo, "hub_link.checks_reconciled", {{"checks", uploaded}});
  std::lock_guard lock(mutex_);
  if (held && state_.held && state_.held->version == held->version) {
    held->since = state_.held->since;
    held->apply_by = state_.held->apply_by;
  } else if (held) {
    Log(LogLevel::kInfo, "hub_link.full_apply_held",
        {{"version", held->version},
         {"persons", held->persons},
         {"idle_minutes_needed",
          std::chrono::duration_cast<std::chrono::minutes>(options_.hold_full_apply_idle).count()}});
  }
  // Kept through a round whose sync failed: the apply is still waiting.
  if (held || synced) state_.held = held;
  ++state_.rounds;
  state_.checks_uploaded += uploaded;
  if (version) state_.data_version = version;
  if (error.empty()) {
    state_.failed_rounds = 0;
    state_.last_success = clock.Now();
    state_.last_error.clear();
  } else {
    ++state_.failed_rounds;
    if (error != state_.last_error) Log(LogLevel::kWarn, "hub_link.round_failed", {{"reason", error}});
    state_.last_error = std::move(error);
  }
}

}  // namespace akari::node
