#include "sync/hub/routes.h"

#include "crypto/encoding.h"
#include "sync/errors.h"
#include "sync/hub/nodes.h"

namespace akari::sync::hub {
namespace {

template <typename Key>
bool DecodeKey(const nlohmann::json& body, const char* field, Key& out) {
  if (!body.contains(field) || !body[field].is_string()) return false;
  auto bytes = crypto::Base64Decode(body[field].get<std::string>());
  if (!bytes || bytes->size() != out.size()) return false;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return true;
}

net::Response Enroll(const net::Request& request, HubApiContext& context) {
  const auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  EnrollRequest req;
  if (!body.is_object() || !body.contains("token") || !body["token"].is_string() || !body.contains("node_id") ||
      !body["node_id"].is_string() || !DecodeKey(body, "signing_public_key", req.signing_public_key) ||
      !DecodeKey(body, "box_public_key", req.box_public_key)) {
    return net::Response::Error(400, "bad_request",
                                "expected JSON with token, node_id, signing_public_key and box_public_key");
  }
  req.token = body["token"].get<std::string>();
  req.node_id = body["node_id"].get<std::string>();
  auto result = EnrollNode(context.stores->ForWorker(request.worker), req, *context.clock);
  if (!result) {
    const Error& e = result.error();
    if (e.code == SyncErrc::kBadToken) return net::Response::Error(403, "bad_token", e.message);
    if (e.code == SyncErrc::kConflict) return net::Response::Error(409, "already_enrolled", e.message);
    if (e.code == SyncErrc::kInvalidArgument) return net::Response::Error(400, "bad_request", e.message);
    return net::Response::Error(500, "internal", "the hub could not record the enrollment; try again later");
  }
  return net::Response::Json(200, {{"region", result->region}, {"root", result->root}});
}

bool SafeSegment(std::string_view s) {
  return !s.empty() && s.front() != '.' && s.find('\\') == std::string_view::npos &&
         s.find('\0') == std::string_view::npos;
}

}  // namespace

Result<std::unique_ptr<HubStorePool>> HubStorePool::Open(const OpenHub& hub, int workers) {
  auto pool = std::make_unique<HubStorePool>();
  for (int i = 0; i < workers; ++i) {
    AKARI_ASSIGN_OR_RETURN(HubStore store, OpenHubStoreConnection(hub));
    pool->stores_.push_back(std::make_unique<HubStore>(std::move(store)));
  }
  return pool;
}

void AddEnrollmentRoutes(net::Router& router, HubApiContext& context) {
  router.Add("POST", "/v1/enroll", [&context](const net::Request& r) { return Enroll(r, context); });
}

void AddPublicationRoutes(net::Router& router, const std::filesystem::path& publication_root) {
  std::error_code ec;
  const std::filesystem::path root = std::filesystem::weakly_canonical(publication_root, ec);
  router.Add("GET", "/{path...}", [root](const net::Request& request) {
    const std::string& rel = request.params.at("path");
    const auto segments = net::SplitPath(rel);
    if (segments.empty() || !std::all_of(segments.begin(), segments.end(), SafeSegment) || segments.front() == "v1") {
      return net::Response::Error(404, "not_found", "no such file: " + request.path);
    }
    std::filesystem::path file = root;
    for (const std::string& s : segments) file /= s;
    std::error_code err;
    const auto resolved = std::filesystem::weakly_canonical(file, err);
    const auto [r_end, f_end] = std::mismatch(root.begin(), root.end(), resolved.begin(), resolved.end());
    if (err || r_end != root.end() || !std::filesystem::is_regular_file(resolved, err)) {
      return net::Response::Error(404, "not_found", "no such file: " + request.path);
    }
    const bool json = resolved.extension() == ".json";
    net::Response response = net::Response::File(resolved, json ? "application/json" : "application/octet-stream");
    const bool immutable = segments.size() >= 3 && (segments[1] == "objects" || segments[1] == "manifests");
    response.headers.Set("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    return response;
  });
}

}  // namespace akari::sync::hub
