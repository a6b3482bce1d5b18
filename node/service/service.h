// The node's local service (`akari serve`): the JSON API under /v1 and the
// embedded staff web UI, as one handler for net::HttpServer.
//
// Who may do what:
//   public            GET /v1/status, the UI's static files, POST /v1/login
//   any operator      GET /v1/session, POST /v1/logout, GET /v1/checks
//   eligibility       card readers, probe and verification, check by insurance numbers,
//                     disaster search and selection, self-reported checks,
//                     the reconciliation report: clerk, doctor, pharmacist, nurse
//   clinical          GET /v1/persons/{id} (medications, checkups): doctor,
//                     pharmacist, nurse
//   admin             PUT /v1/mode
// A record opens only for a session that identified the person through a
// check (card, insurance numbers, or, in disaster mode, a disaster search
// and selection); every opening is written to the audit log first.
//
// Threading: Handle() and HandleAsync() may be called from any number of
// threads at once (Request::worker is ignored). Record openings run on the
// calling thread and are answered from the audit writer's thread once
// their entry has committed; every other API request runs on one of
// `workers` threads, each owning one store connection (and its check
// queue, audit log and operator store), so the caller never waits for a
// card, a PIN hash or a durable write.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "node/audit/group_commit.h"
#include "node/card/card_access.h"
#include "node/node_dir.h"
#include "node/operators/operator_store.h"
#include "node/service/sessions.h"
#include "node/sync/hub_link.h"
#include "sync/net/http.h"
#include "sync/net/http_server.h"

namespace akari::node {

struct ServiceOptions {
  std::string facility;        // 医療機関コード or site name, recorded with every check
  std::string default_reader;  // PC/SC reader for card checks when a request names none
  SessionLimits sessions;
  LockoutPolicy lockout;
  int login_attempts = 10;  // per client address and window
  std::chrono::seconds login_window{60};
  std::size_t max_search_results = 20;
  std::optional<std::string> tls_fingerprint;  // shown by GET /v1/status when serving TLS
  card::CardAccess* cards = nullptr;           // card readers (not owned); none: card endpoints answer 503
  // The clock sessions and login limits measure their durations on (not
  // owned); null: the service's clock. akari serve gives a MonotonicClock,
  // so that setting the machine's clock neither ends nor extends a session.
  const Clock* session_clock = nullptr;
};

// The security headers of every answer of the local service (a strict
// Content-Security-Policy, no framing, no referrer, …). akari serve also
// gives them to net::HttpServer (ServerOptions::headers), so that the
// server's own refusals (400, 413, 431, 503) carry them too.
const net::Headers& SecurityHeaders();

// Sets on `options` what the local service needs of its HTTP server: the
// security headers above on every answer, and an event loop per I/O thread
// (ServerOptions::loop_per_thread: no route of the service blocks an I/O
// thread, as those that may wait run on its workers). akari serve, the
// service's HTTP tests and service_bench all use it, so that they run the
// same server.
void ConfigureServerForService(net::ServerOptions& options);

class Service {
 public:
  // Opens `workers` store connections to `node` for most routes, each used
  // by one worker thread it starts, one shared by the record openings and
  // the audit entries (written by the audit writer thread), and one for
  // checkpoints.
  // `node` and `clock` must outlive the service. Errors: store errors from
  // opening connections.
  [[nodiscard]] static Result<std::unique_ptr<Service>> Create(OpenNode& node, const Clock& clock,
                                                               ServiceOptions options, int workers);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Answers one request (API or static file) through `responder`: at once
  // for most, once its audit entry has committed for a record opening (so
  // that no server thread waits for the commit). Never throws for anything
  // a client sends; internal failures become 500 with a JSON error body.
  void HandleAsync(const net::Request& request, net::Responder responder);

  // The same, waiting for the answer (tests, benchmarks, in-process use).
  net::Response Handle(const net::Request& request);

  // A handler for net::HttpServer::Start.
  net::AsyncHandler AsHandler() {
    return [this](const net::Request& r, net::Responder responder) { HandleAsync(r, std::move(responder)); };
  }

  SessionRegistry& sessions();
  // Makes GET /v1/status report `link`'s state ("hub") and lets an admin
  // release the full apply it holds (POST /v1/hub/held-update/apply);
  // null: no link (offline, not enrolled). Thread-safe; `link` must outlive the service
  // or be detached first.
  void AttachHubLink(HubLink* link);
  // When an API request other than GET /v1/status last arrived (the UI
  // polls that one by itself); nullopt: none yet. Thread-safe. The hub
  // link holds large snapshot applies while the node is in use.
  std::optional<std::chrono::steady_clock::time_point> LastUse() const;
  // Audit transactions written by the group commit, and the entries in them.
  AuditGroupCommit::Counts audit_commit_counts() const;
  // Waits until every record opening answered so far is in the audit log
  // (they reach it from the audit journal within
  // AuditGroupCommit::kMergeDelay otherwise). For tests and benchmarks.
  [[nodiscard]] Status FlushAudit();

  struct Impl;

 private:
  explicit Service(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace akari::node
