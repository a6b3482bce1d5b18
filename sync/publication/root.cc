#include "sync/publication/root.h"

#include "crypto/encoding.h"
#include "sync/errors.h"
#include "sync/internal/json_fields.h"
#include "sync/publication/layout.h"

namespace akari::sync::publication {
namespace {

using internal::JsonFields;

nlohmann::json RoleToJson(const KeyRole& role) {
  return {{"keyids", role.keyids}, {"threshold", role.threshold}};
}

KeyRole RoleFromJson(JsonFields& parent, const nlohmann::json& j, std::string_view name, const KeyMap& keys) {
  JsonFields f(j, "roles." + std::string(name));
  KeyRole role;
  role.threshold = static_cast<int>(f.Int("threshold", 1, 64));
  for (const auto& id : f.Array("keyids", /*required=*/true, 64)) {
    if (!id.is_string() || !keys.contains(id.get<std::string>())) {
      f.Fail("keyids", "names a key not listed in keys");
      break;
    }
    role.keyids.push_back(id.get<std::string>());
  }
  if (f.ok() && static_cast<std::size_t>(role.threshold) > role.keyids.size()) {
    f.Fail("threshold", "larger than the number of keys");
  }
  parent.Absorb(f);
  return role;
}

std::unexpected<Error> CorruptRoot(std::string_view detail) {
  return MakeError(SyncErrc::kCorruptDocument,
                   "root metadata is malformed (" + std::string(detail) +
                       "); it was not written by an Akari hub. Report this to the hub operator");
}

}  // namespace

nlohmann::json RootToJson(const RootMetadata& root) {
  nlohmann::json keys = nlohmann::json::object();
  for (const auto& [id, key] : root.keys) keys[id] = {{"type", "ed25519"}, {"public", crypto::Base64Encode(key)}};
  return {{"_type", "root"},
          {"format", 1},
          {"region", root.region},
          {"version", root.version},
          {"created", FormatUtc(root.created)},
          {"expires", FormatUtc(root.expires)},
          {"keys", keys},
          {"roles", {{"root", RoleToJson(root.root_role)}, {"manifest", RoleToJson(root.manifest_role)}}}};
}

Result<RootMetadata> RootFromJson(const nlohmann::json& j) {
  JsonFields f(j, "root");
  RootMetadata root;
  if (f.String("_type") != "root") f.Fail("_type", "expected \"root\"");
  if (f.Int("format", 1, 1) != 1) return CorruptRoot(f.error());
  root.region = f.String("region");
  if (f.ok() && !IsValidRegion(root.region)) f.Fail("region", "not a region code");
  // Bounded far below the end of int64: the next version is version + 1.
  root.version = f.Int("version", 1, kMaxVersion);
  root.created = f.Utc("created");
  root.expires = f.Utc("expires");
  if (!f.ok()) return CorruptRoot(f.error());
  const nlohmann::json* keys = f.Find("keys");
  if (keys == nullptr || !keys->is_object() || keys->size() > 64) return CorruptRoot("root.keys: expected an object");
  for (const auto& [id, entry] : keys->items()) {
    JsonFields k(entry, "root.keys." + id);
    if (k.String("type") != "ed25519") k.Fail("type", "expected \"ed25519\"");
    auto pub = crypto::Base64Decode(k.String("public"));
    if (!k.ok()) return CorruptRoot(k.error());
    if (!pub || pub->size() != 32) return CorruptRoot("root.keys." + id + ".public: not 32 bytes of base64");
    crypto::Ed25519PublicKey key{};
    std::copy(pub->begin(), pub->end(), key.begin());
    if (KeyIdOf(key) != id) return CorruptRoot("root.keys." + id + ": the key id is not the hash of the key");
    root.keys[id] = key;
  }
  const nlohmann::json* roles = f.Find("roles");
  if (roles == nullptr || !roles->is_object() || !roles->contains("root") || !roles->contains("manifest")) {
    return CorruptRoot("root.roles: expected root and manifest");
  }
  root.root_role = RoleFromJson(f, (*roles)["root"], "root", root.keys);
  root.manifest_role = RoleFromJson(f, (*roles)["manifest"], "manifest", root.keys);
  if (!f.ok()) return CorruptRoot(f.error());
  return root;
}

Result<RootMetadata> VerifyInitialRoot(const SignedDocument& doc) {
  AKARI_ASSIGN_OR_RETURN(RootMetadata root, RootFromJson(doc.signed_part));
  AKARI_TRY(VerifyThreshold(doc, root.root_role, root.keys, "root metadata version " + std::to_string(root.version)));
  return root;
}

Result<RootMetadata> VerifyNextRoot(const RootMetadata& current, const SignedDocument& next_doc) {
  AKARI_ASSIGN_OR_RETURN(RootMetadata next, RootFromJson(next_doc.signed_part));
  const std::string what = "root metadata version " + std::to_string(next.version);
  if (next.region != current.region) {
    return MakeError(SyncErrc::kWrongRegion, what + " is for region " + next.region + ", not " + current.region +
                                                 "; the publication directory is mixed up. Nothing was changed");
  }
  if (next.version != current.version + 1) {
    return MakeError(SyncErrc::kRolledBack, "root metadata file " + std::to_string(current.version + 1) +
                                                ".json claims version " + std::to_string(next.version) +
                                                "; the publication was tampered with. Nothing was changed");
  }
  // Signed by the keys trusted so far (continuity) and by its own keys
  // (the new keys accept their role).
  AKARI_TRY(VerifyThreshold(next_doc, current.root_role, current.keys, what + " (by the previous root keys)"));
  AKARI_TRY(VerifyThreshold(next_doc, next.root_role, next.keys, what + " (by its own root keys)"));
  return next;
}

}  // namespace akari::sync::publication
