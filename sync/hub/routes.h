// The hub's HTTP routes for `akari-hub serve`: the publication root as
// static files (GET/HEAD with Range, guarded against path traversal) and
// the /v1/ API (POST /v1/enroll). Further /v1/ routes (reconciliation's
// POST /v1/checks) are added with their own Add…Routes function before
// AddPublicationRoutes, which must come last: it answers every other GET.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "sync/hub/hub.h"
#include "sync/net/http.h"

namespace akari::sync::hub {

// One hub store connection per server worker (Request::worker), so that
// handlers never share a connection. Threading: ForWorker(i) is used only
// by worker i.
class HubStorePool {
 public:
  [[nodiscard]] static Result<std::unique_ptr<HubStorePool>> Open(const OpenHub& hub, int workers);
  HubStore& ForWorker(int worker) { return *stores_.at(static_cast<std::size_t>(worker)); }

 private:
  std::vector<std::unique_ptr<HubStore>> stores_;
};

struct HubApiContext {
  HubStorePool* stores = nullptr;
  const Clock* clock = nullptr;
};

// POST /v1/enroll: {"token", "node_id", "signing_public_key", "box_public_key"
// (base64)} -> 200 {"region", "root": "<root metadata file text>"}; 400
// bad_request, 403 bad_token, 409 already_enrolled.
void AddEnrollmentRoutes(net::Router& router, HubApiContext& context);

// GET/HEAD /<path>: the file <publication_root>/<path>. Paths with "." or
// ".." segments, hidden names or anything resolving outside the root get
// 404, as do directories.
void AddPublicationRoutes(net::Router& router, const std::filesystem::path& publication_root);

}  // namespace akari::sync::hub
