#include "node/service/service.h"

#include <sodium.h>

#include <cctype>
#include <exception>
#include <semaphore>
#include <thread>

#include "base/errors.h"
#include "base/log.h"
#include "base/strings.h"
#include "node/checks/eligibility.h"
#include "node/node_time.h"
#include "node/service/disaster_mode.h"
#include "node/service/internal/service_impl.h"
#include "node/store/meta_keys.h"
#include "sync/db/errors.h"
#include "sync/record.h"

namespace akari::node {

namespace {

// Only this origin's own files; nothing inline, nothing from elsewhere.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void AddSecurityHeaders(net::Response& response) {
  for (const auto& [name, value] : SecurityHeaders().all()) response.headers.Set(name, value);
}

std::string_view PermissionNeeds(Permission p) {
  switch (p) {
    case Permission::kEligibility:
      return "a clerk, doctor, pharmacist or nurse";
    case Permission::kClinical:
      return "a doctor, pharmacist or nurse (clinical roles see medications and checkups)";
    case Permission::kAdmin:
      return "an admin";
    default:
      return "a logged-in operator";
  }
}

bool Allowed(Permission p, Role role) {
  switch (p) {
    case Permission::kPublic:
    case Permission::kOperator:
      return true;
    case Permission::kEligibility:
      return role != Role::kAdmin;
    case Permission::kClinical:
      return IsClinical(role);
    case Permission::kAdmin:
      return role == Role::kAdmin;
  }
  return false;
}

std::string BearerToken(const net::Request& request) {
  const std::string header = request.headers.Get("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size()) return "";
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(kScheme[i])))
      return "";
  }
  return header.substr(kScheme.size());
}

// Takes the node's audit journal, first moving into the log what a stopped
// process left in it. Without it (another process holds it, or it cannot
// be written) the service still serves, committing each record opening to
// the log before showing it, as it did before the journal.
std::unique_ptr<AuditJournal> TakeAuditJournal(OpenNode& node, const Clock& clock) {
  auto store = OpenStoreConnection(node);
  if (!store) {
    Log(LogLevel::kError, "audit.journal_unavailable", {{"message", store.error().message}});
    return nullptr;
  }
  AuditLog log(*store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock);
  AuditJournalRecovery recovery;
  auto journal = AuditJournal::Open(node.dir, node.keystore.database_key(), log, &recovery);
  // A command (akari audit export, backup) may be moving what a stopped
  // serve left in it: that takes a moment.
  for (int i = 0; i < 50 && !journal && journal.error().code == BaseErrc::kBusy; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    journal = AuditJournal::Open(node.dir, node.keystore.database_key(), log, &recovery);
  }
  if (!journal) {
    Log(LogLevel::kError, "audit.journal_unavailable", {{"message", journal.error().message}});
    return nullptr;
  }
  if (recovery.merged > 0 || !recovery.problem.empty()) {
    Log(recovery.problem.empty() ? LogLevel::kInfo : LogLevel::kError, "audit.journal_recovered",
        {{"merged", recovery.merged}, {"problem", recovery.problem}});
  }
  return std::move(*journal);
}

}  // namespace

const net::Headers& SecurityHeaders() {
  static const net::Headers headers = [] {
    net::Headers h;
    h.Set("Content-Security-Policy", std::string(kContentSecurityPolicy));
    h.Set("X-Frame-Options", "DENY");
    h.Set("Referrer-Policy", "no-referrer");
    h.Set("Cross-Origin-Opener-Policy", "same-origin");
    h.Set("Cross-Origin-Resource-Policy", "same-origin");
    h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), usb=(), payment=()");
    return h;
  }();
  return headers;
}

void ConfigureServerForService(net::ServerOptions& options) {
  options.headers = SecurityHeaders();
  options.loop_per_thread = true;
}

Service::Service(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Service::~Service() = default;

SessionRegistry& Service::sessions() {
  return impl_->sessions;
}

void Service::AttachHubLink(HubLink* link) {
  impl_->hub_link.store(link);
}

std::optional<std::chrono::steady_clock::time_point> Service::LastUse() const {
  const std::int64_t ticks = impl_->last_use.load(std::memory_order_relaxed);
  if (ticks == Impl::kNeverUsed) return std::nullopt;
  return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(ticks));
}

AuditGroupCommit::Counts Service::audit_commit_counts() const {
  return impl_->audit_commit->counts();
}

Status Service::FlushAudit() {
  return impl_->audit_commit->Flush();
}

Result<std::unique_ptr<Service>> Service::Create(OpenNode& node, const Clock& clock, ServiceOptions options,
                                                 int workers) {
  auto impl = std::make_unique<Impl>(node, clock, std::move(options));
  for (int i = 0; i < std::max(1, workers); ++i) {
    AKARI_ASSIGN_OR_RETURN(store::Store s, OpenStoreConnection(node));
    impl->workers.push_back(std::make_unique<Worker>(std::move(s), node, impl->clock, clock, impl->options.lockout));
  }
  AKARI_ASSIGN_OR_RETURN(store::Store checkpoints, OpenStoreConnection(node));
  impl->checkpointer = store::WalCheckpointer::Start(std::move(checkpoints));
  AKARI_ASSIGN_OR_RETURN(store::Store shared, OpenStoreConnection(node));
  impl->checkpointer->Attach(shared.database());
  // Reads in WAL mode do not wait for writers; the audit writer retries
  // with the connection released (AuditGroupCommit), so that a snapshot
  // apply holding the write lock for seconds does not stall every request.
  shared.database().SetBusyTimeout(std::chrono::milliseconds(20));
  AKARI_TRY(RaiseToTrustedTime(impl->clock, shared));
  impl->shared = std::make_unique<Worker>(std::move(shared), node, impl->clock, clock, impl->options.lockout);
  impl->audit_journal = TakeAuditJournal(node, impl->clock);
  impl->audit_commit.emplace(
      impl->shared->audit, impl->shared->mu, impl->write_mu, impl->audit_journal.get(), [](const Error& e) {
        Log(LogLevel::kError, "audit.journal_merge_failed",
            {{"message", e.message}, {"retry_in_seconds", AuditGroupCommit::kRetryPause.count()}});
      });
  impl->pool = std::make_unique<WorkerPool>(impl->workers.size());
  impl->AddRoutes();
  return std::unique_ptr<Service>(new Service(std::move(impl)));
}

void Service::HandleAsync(const net::Request& request, net::Responder responder) {
  // Every answer, now or later, leaves with the security headers.
  net::Responder answer([inner = std::move(responder)](net::Response response) mutable {
    AddSecurityHeaders(response);
    std::move(inner)(std::move(response));
  });
  try {
    impl_->Dispatch(request, answer);
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "service.exception", {{"path", request.path}, {"what", e.what()}});
    // A handler that threw before answering dropped its Responder, which
    // answered 500 as it went.
    if (answer) {
      std::move(answer)(
          net::Response::Error(500, "internal_error", "the node failed to answer this request; it was logged"));
    }
  }
}

net::Response Service::Handle(const net::Request& request) {
  net::Response out;
  std::binary_semaphore answered{0};
  HandleAsync(request, net::Responder([&](net::Response response) {
                out = std::move(response);
                // After this the caller may return and `out` be gone.
                answered.release();
              }));
  answered.acquire();
  return out;
}

void Service::Impl::Dispatch(const net::Request& request, net::Responder& responder) {
  if (request.path != "/v1" && !request.path.starts_with("/v1/")) return std::move(responder)(StaticFile(request));
  // The copy may hold a PIN: wiped whichever way it goes. On the heap, so
  // that handing it to a worker moves a pointer: moving a short body (a
  // small-string buffer) would copy its bytes and leave them behind.
  auto call = std::make_unique<net::Request>(request);
  struct Wipe {
    net::Request& r;
    ~Wipe() { sodium_memzero(r.body.data(), r.body.size()); }
  };
  const net::Router::Match match = router.Find(*call);
  if (match.async_handler != nullptr) {
    Wipe wipe{*call};
    call->worker = -1;  // it holds no worker
    return (*match.async_handler)(*call, std::move(responder));
  }
  if (match.handler == nullptr) {
    Wipe wipe{*call};
    return std::move(responder)(match.refusal);
  }
  // A route that may block: on the worker pool, so that the server's
  // threads go on serving while it waits for a card, a PIN hash or a disk.
  pool->Post([this, handler = match.handler, call = std::move(call),
              responder = std::move(responder)](std::size_t worker) mutable {
    Wipe wipe{*call};
    call->worker = static_cast<int>(worker);
    net::Response response;
    try {
      response = (*handler)(*call);
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "service.exception", {{"path", call->path}, {"what", e.what()}});
      response = net::Response::Error(500, "internal_error", "the node failed to answer this request; it was logged");
    }
    std::move(responder)(std::move(response));
  });
}

ApiResult<std::optional<SessionInfo>> Service::Impl::Admit(const net::Request& request, Permission permission,
                                                           bool counts_as_use, OperatorCheck check) {
  // Staff at work, for the hub link's hold on large applies.
  if (counts_as_use) {
    last_use.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  }
  if (permission == Permission::kPublic) return std::optional<SessionInfo>();
  auto session = Authenticate(request, permission, check);
  if (!session) return std::unexpected(std::move(session.error()));
  return std::optional<SessionInfo>(std::move(*session));
}

net::Response Service::Impl::Refusal(const ApiError& error) {
  net::Response r = error.ToResponse();
  if (r.status == 401) r.headers.Set("WWW-Authenticate", "Bearer realm=\"akari\"");
  return r;
}

void Service::Impl::Route(std::string method, std::string pattern, Permission permission, Method method_fn) {
  router.Add(std::move(method), std::move(pattern),
             [this, permission, method_fn](const net::Request& request) -> net::Response {
               // request.worker is the pool thread running this (Dispatch).
               Worker* worker = workers[static_cast<std::size_t>(request.worker)].get();
               std::lock_guard worker_lock(worker->mu);
               auto session = Admit(request, permission, method_fn != &Impl::StatusGet, OperatorCheck::kNow);
               if (!session) return Refusal(session.error());
               Call call{request, worker, *session ? &**session : nullptr};
               return (this->*method_fn)(call);
             });
}

void Service::Impl::RouteAsync(std::string method, std::string pattern, Permission permission, AsyncMethod method_fn) {
  router.AddAsync(std::move(method), std::move(pattern),
                  [this, permission, method_fn](net::Request& request, net::Responder responder) {
                    auto session = Admit(request, permission, true, OperatorCheck::kByRoute);
                    if (!session) return std::move(responder)(Refusal(session.error()));
                    Call call{request, nullptr, *session ? &**session : nullptr};
                    (this->*method_fn)(call, std::move(responder));
                  });
}

void Service::Impl::AddRoutes() {
  Route("GET", "/v1/status", Permission::kPublic, &Impl::StatusGet);
  Route("POST", "/v1/login", Permission::kPublic, &Impl::Login);
  Route("POST", "/v1/logout", Permission::kOperator, &Impl::Logout);
  Route("GET", "/v1/session", Permission::kOperator, &Impl::SessionInfoGet);
  Route("PUT", "/v1/mode", Permission::kAdmin, &Impl::ModePut);
  Route("POST", "/v1/hub/held-update/apply", Permission::kAdmin, &Impl::HeldUpdateApply);
  Route("GET", "/v1/checks", Permission::kOperator, &Impl::ChecksList);
  Route("POST", "/v1/checks/insurance", Permission::kEligibility, &Impl::InsuranceCheck);
  Route("POST", "/v1/checks/self-reported", Permission::kEligibility, &Impl::SelfReportedCheck);
  Route("GET", "/v1/checks/report", Permission::kEligibility, &Impl::ReconciliationReportGet);
  Route("GET", "/v1/cards/readers", Permission::kEligibility, &Impl::CardReaders);
  Route("POST", "/v1/cards/probe", Permission::kEligibility, &Impl::CardProbe);
  Route("POST", "/v1/cards/verify", Permission::kEligibility, &Impl::CardVerify);
  Route("POST", "/v1/disaster/search", Permission::kEligibility, &Impl::DisasterSearch);
  Route("POST", "/v1/disaster/select", Permission::kEligibility, &Impl::DisasterSelect);
  RouteAsync("GET", "/v1/persons/{id}", Permission::kClinical, &Impl::PersonGet);
}

ApiResult<SessionInfo> Service::Impl::Authenticate(const net::Request& request, Permission permission,
                                                   OperatorCheck check) {
  const std::string token = BearerToken(request);
  if (token.empty()) {
    return Refuse(401, "not_logged_in",
                  "log in first: POST /v1/login with operator_id and pin, then send the token as "
                  "\"Authorization: Bearer <token>\"");
  }
  auto session = sessions.Touch(token);
  if (!session) {
    if (session.error() == SessionProblem::kExpired)
      return Refuse(401, "session_expired",
                    "the session has ended (idle too long or past its time limit); log in again");
    if (session.error() == SessionProblem::kOperatorRemoved)
      return Refuse(401, "operator_removed", "this operator account has been removed; ask an admin");
    if (session.error() == SessionProblem::kOperatorLocked)
      return Refuse(401, "operator_locked",
                    "this operator was locked after too many wrong PINs, which ended its sessions; wait, or ask an "
                    "admin to run akari operator unlock");
    return Refuse(401, "invalid_token", "the token is not valid (the node may have restarted); log in again");
  }
  // A removed operator is refused as such before anything else; a route
  // that reads it itself still gets it here when the role refuses first.
  if (check == OperatorCheck::kNow || !Allowed(permission, session->role)) {
    std::lock_guard lock(shared->mu);
    AKARI_TRY(OperatorStillActive(*shared, *session));
  }
  if (!Allowed(permission, session->role)) {
    return Refuse(403, "forbidden_role",
                  "operator role \"" + std::string(RoleName(session->role)) + "\" may not do this; it needs " +
                      std::string(PermissionNeeds(permission)));
  }
  return *session;
}

ApiResult<std::monostate> Service::Impl::OperatorStillActive(Worker& worker, const SessionInfo& session) {
  auto active = worker.operators.IsActive(session.operator_id);
  if (!active) return Refuse(503, "store_unavailable", "the node's store could not be read: " + active.error().message);
  if (!*active) {
    sessions.RevokeOperator(session.operator_id, SessionProblem::kOperatorRemoved);
    return Refuse(401, "operator_removed", "this operator account has been removed; ask an admin");
  }
  return std::monostate{};
}

net::Response Service::Impl::StoreFailure(const Error& error, std::string_view what) {
  Log(LogLevel::kError, "service.store_error",
      {{"what", what}, {"category", error.code.category().name()}, {"code", error.code.value()}});
  if (error.code == db::DbErrc::kBusy) {
    net::Response r = net::Response::Error(
        503, "busy",
        "the node's store is busy (new data is being applied, or another write is running); try again in a moment; "
        "nothing was shown or changed");
    r.headers.Set("Retry-After", "1");
    return r;
  }
  if (error.code == db::DbErrc::kDiskFull) {
    // 507 Insufficient Storage (RFC 4918): the request was valid, the node
    // could not record it; nothing is shown unrecorded.
    return net::Response::Error(507, "disk_full",
                                std::string(what) +
                                    " failed: the node's disk is full, so nothing was shown or changed. An admin must "
                                    "free space on the disk holding the node's data (akari status shows how much is "
                                    "free); then try again");
  }
  return net::Response::Error(500, "store_error",
                              std::string(what) + " failed: " + error.message + " (nothing was shown or changed)");
}

ApiResult<ModeState> Service::Impl::Mode(store::Store& store) {
  auto mode = ReadNodeMode(store);
  if (!mode) return Refuse(500, "store_error", "reading the node's mode failed: " + mode.error().message);
  return ModeState{mode->disaster, mode->reason, mode->change_seq};
}

namespace {

// The stored values of a DataFreshness (all but `now`), and the trusted
// time, from `store`.
ApiResult<std::pair<DataFreshness, std::optional<TimePoint>>> ReadFreshness(store::Store& store) {
  auto version = store.GetMeta(store::meta::kDataVersion);
  auto created = store.GetMeta(store::meta::kDataCreatedAt);
  auto expires = store.GetMeta(store::meta::kDataExpiresAt);
  auto records = store.GetMeta(store::meta::kDataRecordsAsOf);
  auto trusted = ReadTrustedTime(store);
  if (!version || !created || !expires || !records || !trusted) {
    return Refuse(500, "store_error", "reading the data version failed");
  }
  DataFreshness f;
  if (*version) f.version = ParseInt64(**version);
  TimePoint t;
  if (*created && ParseUtc(**created, t)) f.as_of = t;
  if (*expires && ParseUtc(**expires, t)) f.expires_at = t;
  if (*records) f.records_as_of = sync::ParseDate(**records);
  return std::pair{f, *trusted};
}

}  // namespace

ApiResult<DataFreshness> Service::Impl::Freshness(store::Store& store) {
  AKARI_ASSIGN_OR_RETURN(auto read, ReadFreshness(store));
  auto& [f, trusted] = read;
  if (trusted) clock.Raise(*trusted);
  f.now = clock.Now();
  return f;
}

ApiResult<DataFreshness> Service::Impl::SharedFreshness() {
  store::Database& db = shared->store.database();
  if (!shared_data_version) {
    auto prepared = db.Prepare("PRAGMA data_version");
    if (!prepared) return Refuse(500, "store_error", "reading the data version failed: " + prepared.error().message);
    shared_data_version.emplace(std::move(*prepared));
  }
  auto row = shared_data_version->Step();
  const std::int64_t data_version = row && *row ? shared_data_version->ColumnInt(0) : -1;
  shared_data_version->Reset();
  if (!row) return Refuse(500, "store_error", "reading the data version failed: " + row.error().message);
  if (data_version < 0)
    return Refuse(500, "store_error", "reading the data version failed: PRAGMA data_version gave no row");
  const std::int64_t own_changes = db.TotalChanges();
  if (!shared_freshness || shared_freshness->data_version != data_version ||
      shared_freshness->own_changes != own_changes) {
    AKARI_ASSIGN_OR_RETURN(auto read, ReadFreshness(shared->store));
    shared_freshness = StoredFreshness{data_version, own_changes, read.first, read.second};
  }
  DataFreshness f = shared_freshness->values;
  // Raised every time, as Freshness() does: the clock may have been set
  // back since.
  if (shared_freshness->trusted_time) clock.Raise(*shared_freshness->trusted_time);
  f.now = clock.Now();
  return f;
}

sync::Date Service::Impl::Today(store::Store& store) {
  // A failed read leaves the floor at the trusted time read before, never
  // lower; the handler's own reads of the same store report the failure.
  static_cast<void>(RaiseToTrustedTime(clock, store));
  return TodayInJapan(clock);
}

void Service::Impl::Audit(AuditEvent event) {
  if (auto s = audit_commit->Append(event); !s) {
    Log(LogLevel::kError, "audit.append_failed", {{"audit_event", event.event}, {"message", s.error().message}});
  }
}

Status Service::Impl::AuditOrFail(AuditEvent event) {
  AKARI_TRY(audit_commit->Append(event));
  return {};
}

void Service::Impl::AnswerOnceAudited(AuditEvent event, net::Response answer, net::Responder responder) {
  // In the journal is in the log (journal.h): the answer goes at once.
  if (auto s = audit_commit->AppendJournaled(event, clock); s) {
    if (journal_failing.load(std::memory_order_relaxed) && journal_failing.exchange(false)) {
      Log(LogLevel::kInfo, "audit.journal_resumed", {});
    }
    std::move(responder)(std::move(answer));
    return;
  } else if (audit_journal != nullptr && !journal_failing.exchange(true)) {
    Log(LogLevel::kError, "audit.journal_failed",
        {{"message", s.error().message},
         {"then", "record openings are committed to the audit log before they are shown"}});
  }
  audit_commit->AppendAsync(std::move(event), [this, answer = std::move(answer),
                                               responder = std::move(responder)](Result<std::int64_t> seq) mutable {
    if (!seq) return std::move(responder)(StoreFailure(seq.error(), "writing the record opening to the audit log"));
    std::move(responder)(std::move(answer));
  });
}

}  // namespace akari::node
