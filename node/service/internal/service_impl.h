// The service's insides, shared by service.cc and the api_*.cc files that
// hold the handlers of each area. Not for use outside node/service.
#pragma once

#include <atomic>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/audit/audit_log.h"
#include "node/audit/group_commit.h"
#include "node/audit/journal.h"
#include "node/checks/check_queue.h"
#include "node/operators/operator_store.h"
#include "node/service/internal/worker_pool.h"
#include "node/service/json_input.h"
#include "node/service/person_summary.h"
#include "node/service/service.h"
#include "node/service/sessions.h"
#include "node/store/store.h"
#include "node/store/wal_checkpointer.h"
#include "sync/net/http.h"

namespace akari::node {

// One store connection and what is built on it; used by one thread at a
// time (a route added with Route holds `mu` while its request runs).
// `node_time` dates audit entries and checks; `wall_clock` times lockouts.
struct Worker {
  Worker(store::Store s, const OpenNode& node, const Clock& node_time, const Clock& wall_clock, LockoutPolicy lockout)
      : store(std::move(s)),
        audit(store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), node_time),
        checks(store, node.keystore.node_id(), node.keystore.signing_secret_key(), node_time),
        operators(store, wall_clock, lockout) {}

  std::mutex mu;
  store::Store store;
  AuditLog audit;
  CheckQueue checks;
  OperatorStore operators;
};

enum class Permission {
  kPublic,       // no login
  kOperator,     // any logged-in operator
  kEligibility,  // clerk and clinical roles
  kClinical,     // doctor, pharmacist, nurse
  kAdmin,
};

// One API call as a handler sees it.
struct Call {
  const net::Request& request;  // with Router params filled in
  Worker* worker;               // held for the call; null on asynchronous routes (they use `shared`)
  const SessionInfo* session;   // null on public routes
};

// The mode the node is in (store meta).
struct ModeState {
  bool disaster = false;
  std::string reason;
  std::int64_t change_seq = 0;  // NodeMode::change_seq: which declaration
};

struct Service::Impl {
  Impl(OpenNode& n, const Clock& c, ServiceOptions o)
      : node(n),
        wall_clock(c),
        clock(c),
        options(std::move(o)),
        session_clock(options.session_clock != nullptr ? *options.session_clock : c),
        sessions(session_clock, options.sessions),
        login_limiter(session_clock, options.login_attempts, options.login_window) {}

  using Method = net::Response (Impl::*)(Call&);
  // Answers through the Responder, possibly later from another thread; the
  // Call (and its request) is valid only during the call.
  using AsyncMethod = void (Impl::*)(Call&, net::Responder);
  // Runs on the worker pool, holding the worker of its thread.
  void Route(std::string method, std::string pattern, Permission permission, Method method_fn);
  // Always on the shared connection (an asynchronous answer holds no worker).
  // The session is checked before the handler runs, except whether its
  // operator is still active: the handler checks that with
  // OperatorStillActive inside the read transaction it opens anyway, so
  // that a record opening costs one transaction on `shared`, not two.
  void RouteAsync(std::string method, std::string pattern, Permission permission, AsyncMethod method_fn);
  void AddRoutes();
  // Answers through `responder`, which it moves from unless it throws first.
  void Dispatch(const net::Request& request, net::Responder& responder);
  // Who may check that a session's operator has not been removed meanwhile.
  enum class OperatorCheck {
    kNow,      // Authenticate reads it (on `shared`)
    kByRoute,  // the route calls OperatorStillActive in its own read transaction
  };
  ApiResult<SessionInfo> Authenticate(const net::Request& request, Permission permission, OperatorCheck check);
  // Refuses (401 operator_removed, ending the operator's sessions) when the
  // session's operator has been removed since login, e.g. by `akari
  // operator remove` from another process. `worker.mu` must be held.
  ApiResult<std::monostate> OperatorStillActive(Worker& worker, const SessionInfo& session);
  // What every route does first: notes staff use (`counts_as_use`) and, on
  // routes that need a login, authenticates (nullopt on public routes).
  ApiResult<std::optional<SessionInfo>> Admit(const net::Request& request, Permission permission, bool counts_as_use,
                                              OperatorCheck check);
  // A refusal as an answer (401s with their WWW-Authenticate).
  static net::Response Refusal(const ApiError& error);

  // Helpers shared by the handlers.
  // Today in Japan on the node's time, its floor first raised to the trusted
  // time in `store` (a sync by another process may have moved it).
  sync::Date Today(store::Store& store);
  net::Response StoreFailure(const Error& error, std::string_view what);
  ApiResult<ModeState> Mode(store::Store& store);
  ApiResult<DataFreshness> Freshness(store::Store& store);
  // Freshness through `shared`, inside a read transaction open on it, with
  // `shared->mu` held: the stored values are read again only when the
  // store has changed since they were last read (every record opening
  // asks, and they change with a sync).
  ApiResult<DataFreshness> SharedFreshness();
  // Records a check and its audit entry in one durable transaction.
  Result<CheckRecord> RecordCheck(Worker& worker, const CheckInput& input);
  // The JSON answer of any check: the check, the local answer, the person.
  nlohmann::json CheckAnswerJson(const CheckRecord& check, const LocalAnswer& answer, const sync::PersonRecord* record,
                                 const SessionInfo& session);
  // Both append through `audit_commit` (group commit, on the shared
  // connection) and return once the entry is committed; neither may be
  // called while holding `write_mu` or `shared->mu`.
  void Audit(AuditEvent event);  // logs (never throws) when the append fails
  Status AuditOrFail(AuditEvent event);
  // Sends `answer` through `responder` once `event` has committed (audited
  // before shown), or a store failure instead if it could not be written.
  // Returns at once; the answer leaves from the audit writer's thread.
  void AnswerOnceAudited(AuditEvent event, net::Response answer, net::Responder responder);

  // api_auth.cc
  net::Response Login(Call& call);
  net::Response Logout(Call& call);
  net::Response SessionInfoGet(Call& call);
  // api_status.cc
  net::Response StatusGet(Call& call);
  net::Response ModePut(Call& call);
  net::Response HeldUpdateApply(Call& call);
  net::Response ChecksList(Call& call);
  // api_checks.cc
  net::Response InsuranceCheck(Call& call);
  // api_reconcile.cc
  net::Response SelfReportedCheck(Call& call);
  net::Response ReconciliationReportGet(Call& call);
  // api_cards.cc
  net::Response CardReaders(Call& call);
  net::Response CardProbe(Call& call);
  net::Response CardVerify(Call& call);
  // api_disaster.cc
  net::Response DisasterSearch(Call& call);
  net::Response DisasterSelect(Call& call);
  // api_persons.cc
  void PersonGet(Call& call, net::Responder responder);
  // static_files.cc
  net::Response StaticFile(const net::Request& request);

  OpenNode& node;
  // The clock the service was given, the machine's: lockouts (kept in the
  // store, so they outlast a restart) measure their durations on it, and
  // card verification floors it at the trusted time itself.
  const Clock& wall_clock;
  // The node's time (node/node_time.h), never before the newest signed time
  // the node has seen: today's date for coverage, ages and supply, the
  // data's expiry, and the time of checks and audit entries. Raised at
  // start and by every Freshness read, so a sync by another process (akari
  // sync from a USB stick) raises it too.
  FloorClock clock;
  ServiceOptions options;
  // Sessions, their grants and the login limiter (ServiceOptions).
  const Clock& session_clock;
  std::vector<std::unique_ptr<Worker>> workers;
  // Checkpoints for `shared`, whose commits (audit entries) would otherwise
  // checkpoint while holding it. Declared first: outlives `shared`.
  std::unique_ptr<store::WalCheckpointer> checkpointer;
  // The connection the hot path shares. Every request's operator check,
  // every record opening's read of the person and the data version, and
  // every audit entry outside a check's own transaction go through it, each
  // holding `mu` only for its statements (its CheckQueue is not used). Why
  // one connection: a write through one SQLite connection makes every other
  // connection of the file drop its whole page cache at its next read (WAL
  // change detection), and with SQLCipher every page read again is
  // decrypted and authenticated again. With the audit entries written
  // through the connection that reads the persons, the audit entry of one
  // opening no longer costs the next openings their cached pages
  // (docs/store.md, "Connections under akari serve").
  std::unique_ptr<Worker> shared;
  // What SharedFreshness() read last, with the store's change counters
  // then (guarded by shared->mu): PRAGMA data_version, which changes with
  // every commit by another connection, and the rows `shared` itself had
  // changed.
  struct StoredFreshness {
    std::int64_t data_version = 0;
    std::int64_t own_changes = 0;
    DataFreshness values;  // all but `now`
    std::optional<TimePoint> trusted_time;
  };
  std::optional<StoredFreshness> shared_freshness;
  std::optional<store::Statement> shared_data_version;  // PRAGMA data_version, prepared on first use
  SessionRegistry sessions;
  LoginRateLimiter login_limiter;
  net::Router router;
  // Serialises this process's audit and check writes, so that workers wait
  // for each other here instead of in SQLite's busy handler (which sleeps
  // in millisecond steps). Never held across card I/O or PIN hashing.
  std::mutex write_mu;
  // Where record openings are audited before they are shown (null when it
  // could not be taken: they are then committed to the log first).
  // Declared before `audit_commit`, which uses it until it is gone.
  std::unique_ptr<AuditJournal> audit_journal;
  // Audit entries outside a check's transaction are group-committed:
  // concurrent record openings share one write transaction.
  // Created with `shared`.
  std::optional<AuditGroupCommit> audit_commit;
  // Whether the audit journal is failing (record openings are then written
  // to the log directly): logged when it starts and when it ends, not for
  // every opening.
  std::atomic<bool> journal_failing{false};
  // The background sync of akari serve, if any (Service::AttachHubLink).
  std::atomic<HubLink*> hub_link{nullptr};
  // Runs the routes added with Route (they may block: Argon2id, card I/O,
  // durable writes), thread i with workers[i]; routes added with RouteAsync
  // run on the server's thread. Declared after everything its tasks use, so
  // it finishes them first.
  std::unique_ptr<WorkerPool> pool;
  // steady_clock ticks of the last request other than GET /v1/status (which
  // the UI polls on its own); kNeverUsed until the first.
  static constexpr std::int64_t kNeverUsed = std::numeric_limits<std::int64_t>::min();
  std::atomic<std::int64_t> last_use{kNeverUsed};
};

}  // namespace akari::node
