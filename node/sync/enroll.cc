#include "node/sync/enroll.h"

#include "crypto/encoding.h"
#include "node/audit/audit_log.h"
#include "node/store/meta_keys.h"
#include "node/sync/sync_state.h"
#include "sync/errors.h"
#include "sync/publication/enrollment.h"
#include "sync/publication/layout.h"
#include "sync/publication/root.h"
#include "sync/publication/signed.h"

namespace akari::node {

namespace pub = sync::publication;
using sync::SyncErrc;

Result<EnrollResult> EnrollWithHub(OpenNode& node, const EnrollOptions& options, const Clock& clock) {
  AKARI_ASSIGN_OR_RETURN(pub::EnrollmentToken token, pub::ParseEnrollmentToken(options.token));
  AKARI_TRY(net::ParseUrl(options.hub_url));
  AKARI_ASSIGN_OR_RETURN(auto region, node.store.GetMeta(store::meta::kRegion));
  if (region) {
    AKARI_ASSIGN_OR_RETURN(auto hub, node.store.GetMeta(store::meta::kHubUrl));
    return MakeError(SyncErrc::kInvalidArgument, "this node is already enrolled (region " + *region + ", hub " +
                                                     hub.value_or("?") +
                                                     "); a node belongs to one hub. Create a new node to change hubs");
  }
  const nlohmann::json body = {{"token", options.token},
                               {"node_id", node.keystore.node_id()},
                               {"signing_public_key", crypto::Base64Encode(node.keystore.signing_public_key())},
                               {"box_public_key", crypto::Base64Encode(node.keystore.box_public_key())}};
  net::HttpClient client(options.client);
  const std::string url = net::JoinUrl(options.hub_url, "v1/enroll");
  AKARI_ASSIGN_OR_RETURN(net::ClientResponse response, client.PostJson(url, body));
  const auto answer = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (response.status != 200) {
    std::string message = "HTTP " + std::to_string(response.status);
    if (answer.is_object() && answer.contains("error") && answer["error"].is_object()) {
      message = answer["error"].value("message", message);
    }
    const SyncErrc code = response.status == 403   ? SyncErrc::kBadToken
                          : response.status == 409 ? SyncErrc::kInvalidArgument
                                                   : SyncErrc::kHttp;
    return MakeError(code, "the hub at " + options.hub_url + " refused the enrollment: " + message);
  }
  if (!answer.is_object() || !answer.contains("root") || !answer["root"].is_string() || !answer.contains("region") ||
      answer["region"] != token.region) {
    return MakeError(SyncErrc::kHttp, url + " did not answer like an Akari hub; check --hub");
  }
  const std::string root_text = answer["root"].get<std::string>();
  AKARI_ASSIGN_OR_RETURN(pub::SignedDocument doc,
                         pub::ParseSignedDocument(AsBytes(root_text), "the hub's root metadata", pub::kMaxRootBytes));
  AKARI_ASSIGN_OR_RETURN(std::string fingerprint, pub::FingerprintOf(doc.signed_part));
  if (fingerprint != token.root_fingerprint) {
    return MakeError(SyncErrc::kBadToken, "the hub at " + options.hub_url +
                                              " presented other root keys than the token names; it is not the hub "
                                              "that issued the token. Nothing was stored");
  }
  AKARI_ASSIGN_OR_RETURN(pub::RootMetadata root, pub::VerifyInitialRoot(doc));
  if (root.region != token.region) {
    return MakeError(SyncErrc::kWrongRegion,
                     "the hub's root metadata is for region " + root.region + ", the token for " + token.region);
  }
  AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(node.store.database()));
  AKARI_TRY(SaveRoots(node.store, {{root.version, root_text}}));
  AKARI_TRY(node.store.SetMeta(store::meta::kRegion, root.region));
  AKARI_TRY(node.store.SetMeta(store::meta::kHubUrl, options.hub_url));
  AKARI_TRY(node.store.SetMeta(sync_meta::kRootFingerprint, fingerprint));
  AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock);
  AKARI_TRY(
      audit.Append({"sync.enroll",
                    "cli",
                    std::nullopt,
                    {{"region", root.region}, {"root_version", root.version}, {"root_fingerprint", fingerprint}}}));
  AKARI_TRY(tx.Commit());
  return EnrollResult{root.region, options.hub_url, root.version, fingerprint};
}

}  // namespace akari::node
