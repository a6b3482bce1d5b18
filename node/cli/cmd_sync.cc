// `akari enroll` and `akari sync`.
//
// Test-only environment variables (read by `akari sync` alone, ignored when
// unset, documented in docs/cli.md):
//   AKARI_TEST_SYNC_STOP=POINT[:N]  the process kills itself with SIGKILL at
//                                   the N-th (default first) checkpoint POINT
//   AKARI_TEST_CLOCK=RFC3339        the local clock reads this fixed time
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "base/strings.h"
#include "node/cli/cli.h"
#include "node/store/meta_keys.h"
#include "node/sync/enroll.h"
#include "node/sync/hub_link.h"
#include "node/sync/node_sync.h"
#include "sync/errors.h"

namespace akari::cli {
namespace {

// Kills the process at a named checkpoint (see the file comment).
std::function<void(std::string_view)> StopHookFromEnvironment() {
  const char* spec = std::getenv("AKARI_TEST_SYNC_STOP");
  if (spec == nullptr || *spec == '\0') return {};
  std::string point(spec);
  int count = 1;
  if (const std::size_t colon = point.find(':'); colon != std::string::npos) {
    count = static_cast<int>(ParseInt64(point.substr(colon + 1)).value_or(1));
    point.resize(colon);
  }
  auto seen = std::make_shared<int>(0);
  return [point, count, seen](std::string_view at) {
    if (at == point && ++*seen == count) ::kill(::getpid(), SIGKILL);
  };
}

void ShowProgress(const node::SyncProgress& p) {
  if (p.phase == "fetch") {
    std::fprintf(stderr, "\rfetching %s of %s, %d of %d objects   ", node::FormatSize(p.fetch.bytes_done).c_str(),
                 node::FormatSize(p.fetch.bytes_total).c_str(), p.fetch.objects_done, p.fetch.objects_total);
  } else if (p.phase == "verify") {
    std::fprintf(stderr, "\rverifying objects…                                   ");
  } else if (p.phase == "apply") {
    static const auto started = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "\rapplying %lld of %lld persons (%.0f/s)   ", static_cast<long long>(p.persons_applied),
                 static_cast<long long>(p.persons_total), s > 0 ? static_cast<double>(p.persons_applied) / s : 0.0);
  }
  std::fflush(stderr);
}

void PrintHuman(const node::SyncSummary& s) {
  if (s.mode == "up-to-date") {
    Print("Region " + s.region + " is up to date at version " + std::to_string(s.to_version) + " (" + s.source + ")");
    return;
  }
  const std::string from = s.from_version ? std::to_string(*s.from_version) : "none";
  Print("Synced region " + s.region + " from " + s.source + ": version " + from + " -> " +
        std::to_string(s.to_version) + " (" + s.mode + "), " + std::to_string(s.objects_fetched) + " objects / " +
        node::FormatSize(s.bytes_fetched) + " fetched, " + std::to_string(s.persons_inserted) + " persons written, " +
        std::to_string(s.persons_removed) + " removed, " + std::to_string(s.persons_total) + " held");
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.1f s (%.0f persons/s)", s.apply_seconds, s.persons_per_second);
  Print(std::string("Applied in ") + rate + "; data as of " + FormatUtc(s.data_created_at) + ", valid until " +
        FormatUtc(s.data_expires_at));
}

}  // namespace

void RegisterSyncCommands(CLI::App& app, CommandTable& table) {
  struct EnrollOpts {
    std::string dir, hub, token;
    PassphraseSource passphrase;
  };
  auto e = std::make_shared<EnrollOpts>();
  CLI::App* enroll = app.add_subcommand("enroll", "Register this node with a hub (one-time token) and pin its keys");
  AddDataOption(enroll, e->dir);
  AddPassphraseOption(enroll, e->passphrase);
  enroll->add_option("--hub", e->hub, "The hub's URL, e.g. http://127.0.0.1:8470/")->required();
  enroll->add_option("--token", e->token, "The token printed by `akari-hub node add`")->required();
  table.Add(enroll, [e]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(e->dir, e->passphrase));
    AKARI_ASSIGN_OR_RETURN(node::EnrollResult r,
                           node::EnrollWithHub(node, {e->hub, e->token, {}}, SystemClock::Instance()));
    Print("Enrolled with " + r.hub_url + " for region " + r.region + "; pinned root metadata version " +
          std::to_string(r.root_version) + " (fingerprint " + r.root_fingerprint + ")");
    Print("Next: akari sync --data " + e->dir);
    return {};
  });

  struct SyncOpts {
    std::string dir, hub, from;
    PassphraseSource passphrase;
    bool accept_expired = false;
    bool json = false;
    bool no_checks = false;
    int timeout_s = 60;
    int retries = 5;
  };
  auto o = std::make_shared<SyncOpts>();
  CLI::App* sync = app.add_subcommand("sync", "Fetch, verify and apply the newest signed snapshot of the region");
  AddDataOption(sync, o->dir);
  AddPassphraseOption(sync, o->passphrase);
  auto* hub = sync->add_option("--hub", o->hub, "Publication root URL (default: the hub this node enrolled with)");
  sync->add_option("--from", o->from, "A local copy of a publication root (e.g. a USB stick)")->excludes(hub);
  sync->add_flag("--accept-expired", o->accept_expired,
                 "Apply a manifest past its expiry (an administrator's decision; recorded in the audit log)");
  sync->add_flag("--json", o->json, "Print a machine-readable summary");
  sync->add_flag("--no-checks", o->no_checks,
                 "Do not upload the queued checks first (they are sent to the enrolled hub otherwise)");
  sync->add_option("--timeout", o->timeout_s, "Seconds allowed per HTTP request (default 60)")
      ->check(CLI::Range(1, 3600));
  sync->add_option("--retries", o->retries, "Attempts per HTTP request before giving up (default 5)")
      ->check(CLI::Range(1, 100));
  table.Add(sync, [o]() -> Status {
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(o->dir, o->passphrase));
    std::string location = !o->from.empty() ? o->from : o->hub;
    if (location.empty()) {
      AKARI_ASSIGN_OR_RETURN(auto hub_url, node.store.GetMeta(store::meta::kHubUrl));
      if (!hub_url) {
        return MakeError(sync::SyncErrc::kInvalidArgument,
                         "this node is not enrolled: run `akari enroll --data DIR --hub URL --token TOKEN`, or give "
                         "--hub URL or --from DIR");
      }
      location = *hub_url;
    }
    net::ClientOptions client;
    client.request_timeout = std::chrono::seconds(o->timeout_s);
    client.connect_timeout = std::chrono::seconds(std::min(o->timeout_s, 10));
    sync::client::RetryPolicy retry;
    retry.max_attempts = o->retries;
    AKARI_ASSIGN_OR_RETURN(auto source, sync::client::MakeSource(location, client, retry));

    std::unique_ptr<ManualClock> test_clock;
    if (const char* fixed = std::getenv("AKARI_TEST_CLOCK"); fixed != nullptr) {
      TimePoint t;
      if (!ParseUtc(fixed, t)) return MakeError(sync::SyncErrc::kInvalidArgument, "AKARI_TEST_CLOCK is not RFC 3339");
      test_clock = std::make_unique<ManualClock>(t);
    }
    const Clock& clock = test_clock ? static_cast<const Clock&>(*test_clock) : SystemClock::Instance();

    // Checks go to the hub the node enrolled with (a mirror given with --hub
    // serves the publication only), before the pull: the queue is what a
    // node must not hold longer than it has to.
    nlohmann::json checks_json = nullptr;
    if (!o->no_checks && o->from.empty()) {
      AKARI_ASSIGN_OR_RETURN(std::string hub_url, node::EnrolledHubUrl(node.store));
      node::UploadPolicy policy;
      policy.max_attempts = o->retries;
      auto up = node::UploadChecks(node, hub_url, client, policy, clock);
      if (up) {
        checks_json = {{"uploaded", up->uploaded}, {"batches", up->batches}, {"outcomes", up->outcomes}};
        if (!o->json && up->uploaded > 0) {
          std::string outcomes;
          for (const auto& [name, n] : up->outcomes) {
            outcomes += (outcomes.empty() ? "" : ", ") + std::to_string(n) + " " + name;
          }
          Print("Reconciled " + std::to_string(up->uploaded) + " checks with " + hub_url + " (" + outcomes +
                "); see `akari checks report --data " + o->dir + "`");
        }
      } else {
        // The pull may still work (another source, or a hub whose check
        // endpoint is failing): go on, and say what stays queued.
        checks_json = {{"error", up.error().message}};
        std::fprintf(stderr, "akari: warning: %s\n", up.error().message.c_str());
      }
    }
    node::SyncOptions options;
    options.accept_expired = o->accept_expired;
    options.clock = &clock;
    options.checkpoint = StopHookFromEnvironment();
    const bool tty = !o->json && ::isatty(2) != 0;
    if (tty) options.progress = ShowProgress;
    auto summary = node::SyncNode(node, *source, options);
    if (tty) std::fputc('\n', stderr);
    if (!summary) return std::unexpected(summary.error());
    if (summary->clock_behind) {
      std::fprintf(stderr,
                   "akari: warning: this machine's clock is behind the newest signed time seen (%s); it was not "
                   "trusted for expiry checks. Fix the clock\n",
                   FormatUtc(summary->trusted_time).c_str());
    }
    if (summary->accepted_expired_root) {
      std::fprintf(stderr,
                   "akari: warning: used the hub's root metadata although it expired at %s (recorded in the audit "
                   "log)\n",
                   FormatUtc(*summary->accepted_expired_root).c_str());
    }
    if (summary->accepted_expired_manifest) {
      std::fprintf(stderr,
                   "akari: warning: applied version %lld although it expired at %s (recorded in the audit log)\n",
                   static_cast<long long>(summary->to_version), FormatUtc(summary->data_expires_at).c_str());
    }
    if (o->json) {
      nlohmann::json out = node::SyncSummaryToJson(*summary);
      out["checks"] = checks_json;
      Print(out.dump(2));
    } else {
      PrintHuman(*summary);
    }
    return {};
  });
}

}  // namespace akari::cli
