#include "sync/hub/keys.h"

#include <set>

#include "base/file.h"
#include "crypto/keys.h"
#include "sync/errors.h"
#include "sync/publication/layout.h"

namespace akari::sync::hub {
namespace {

using publication::KeyIdOf;
using publication::RootMetadata;
using publication::SignedDocument;

struct KeyRow {
  std::string keyid;
  crypto::Ed25519PublicKey public_key{};
  crypto::SecretBuffer secret;
};

Result<KeyRow> GenerateKey(HubStore& store, std::string_view role, const Clock& clock) {
  AKARI_ASSIGN_OR_RETURN(crypto::SigningKeyPair pair, crypto::GenerateSigningKeyPair());
  KeyRow row{KeyIdOf(pair.public_key), pair.public_key, std::move(pair.secret_key)};
  AKARI_ASSIGN_OR_RETURN(
      db::Statement s,
      store.database().Prepare("INSERT INTO signing_key(keyid, role, public_key, secret_key, created_at) "
                               "VALUES (?, ?, ?, ?, ?)"));
  AKARI_TRY(s.Bind(1, row.keyid)
                .Bind(2, role)
                .BindBlob(3, row.public_key)
                .BindBlob(4, row.secret.span())
                .Bind(5, ToUnixSeconds(clock.Now()))
                .Run());
  return row;
}

Result<std::vector<KeyRow>> ActiveKeys(HubStore& store, std::string_view role) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s,
                         store.database().Prepare("SELECT keyid, public_key, secret_key FROM signing_key "
                                                  "WHERE role = ? AND retired_at IS NULL ORDER BY created_at, keyid"));
  s.Bind(1, role);
  std::vector<KeyRow> out;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    KeyRow k;
    k.keyid = s.ColumnText(0);
    const ByteSpan pub = s.ColumnBlob(1);
    if (pub.size() != 32) return MakeError(SyncErrc::kCorruptDocument, "a stored public key is damaged");
    std::copy(pub.begin(), pub.end(), k.public_key.begin());
    AKARI_ASSIGN_OR_RETURN(k.secret, crypto::SecretBuffer::CopyOf(s.ColumnBlob(2)));
    out.push_back(std::move(k));
  }
  return out;
}

Result<SignedRoot> ParseStoredRoot(std::string text) {
  AKARI_ASSIGN_OR_RETURN(SignedDocument doc, publication::ParseSignedDocument(AsBytes(text), "stored root metadata",
                                                                              publication::kMaxRootBytes));
  AKARI_ASSIGN_OR_RETURN(RootMetadata root, publication::RootFromJson(doc.signed_part));
  AKARI_ASSIGN_OR_RETURN(std::string fp, publication::FingerprintOf(doc.signed_part));
  return SignedRoot{std::move(root), std::move(text), std::move(fp)};
}

// Signs `root` with every key in `signers` (each once) and stores it.
Result<SignedRoot> SignAndStore(HubStore& store, const RootMetadata& root, const std::vector<const KeyRow*>& signers) {
  SignedDocument doc;
  doc.signed_part = publication::RootToJson(root);
  std::set<std::string> signed_by;
  for (const KeyRow* k : signers) {
    if (!signed_by.insert(k->keyid).second) continue;
    AKARI_TRY(publication::AddSignature(doc, k->secret));
  }
  AKARI_ASSIGN_OR_RETURN(std::string text, publication::SerializeSignedDocument(doc));
  AKARI_ASSIGN_OR_RETURN(db::Statement s,
                         store.database().Prepare("INSERT INTO root_metadata(version, document) VALUES (?, ?)"));
  AKARI_TRY(s.Bind(1, root.version).BindBlob(2, AsBytes(text)).Run());
  return ParseStoredRoot(std::move(text));
}

publication::KeyRole RoleOf(const std::vector<KeyRow>& keys, int threshold) {
  publication::KeyRole role;
  for (const KeyRow& k : keys) role.keyids.push_back(k.keyid);
  role.threshold = threshold;
  return role;
}

}  // namespace

Status CreateInitialKeys(HubStore& store, std::string_view region, const Clock& clock) {
  std::vector<KeyRow> root_keys;
  for (int i = 0; i < kRootKeyCount; ++i) {
    AKARI_ASSIGN_OR_RETURN(KeyRow k, GenerateKey(store, "root", clock));
    root_keys.push_back(std::move(k));
  }
  AKARI_ASSIGN_OR_RETURN(KeyRow manifest_key, GenerateKey(store, "manifest", clock));
  RootMetadata root;
  root.region = std::string(region);
  root.version = 1;
  root.created = clock.Now();
  root.expires = root.created + kDefaultRootValidity;
  for (const KeyRow& k : root_keys) root.keys[k.keyid] = k.public_key;
  root.keys[manifest_key.keyid] = manifest_key.public_key;
  root.root_role = RoleOf(root_keys, kRootThreshold);
  root.manifest_role = {{manifest_key.keyid}, 1};
  std::vector<const KeyRow*> signers;
  for (const KeyRow& k : root_keys) signers.push_back(&k);
  AKARI_TRY(SignAndStore(store, root, signers));
  return {};
}

Result<std::vector<SignedRoot>> AllRoots(HubStore& store) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s,
                         store.database().Prepare("SELECT document FROM root_metadata ORDER BY version"));
  std::vector<SignedRoot> out;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    AKARI_ASSIGN_OR_RETURN(SignedRoot root, ParseStoredRoot(ToString(s.ColumnBlob(0))));
    out.push_back(std::move(root));
  }
  if (out.empty()) return MakeError(SyncErrc::kCorruptDocument, "the hub has no root metadata; run akari-hub init");
  return out;
}

Result<SignedRoot> CurrentRoot(HubStore& store) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s,
                         store.database().Prepare("SELECT document FROM root_metadata ORDER BY version DESC LIMIT 1"));
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return MakeError(SyncErrc::kCorruptDocument, "the hub has no root metadata; run akari-hub init");
  std::string text = ToString(s.ColumnBlob(0));
  s.Reset();
  return ParseStoredRoot(std::move(text));
}

Result<std::vector<crypto::SecretBuffer>> ManifestSigningKeys(HubStore& store) {
  AKARI_ASSIGN_OR_RETURN(SignedRoot current, CurrentRoot(store));
  AKARI_ASSIGN_OR_RETURN(std::vector<KeyRow> keys, ActiveKeys(store, "manifest"));
  std::vector<crypto::SecretBuffer> out;
  for (KeyRow& k : keys) {
    const auto& ids = current.root.manifest_role.keyids;
    if (std::find(ids.begin(), ids.end(), k.keyid) != ids.end()) out.push_back(std::move(k.secret));
  }
  if (static_cast<int>(out.size()) < current.root.manifest_role.threshold) {
    return MakeError(SyncErrc::kUnknownKey, "the hub holds too few manifest keys of root version " +
                                                std::to_string(current.root.version) + " to sign a manifest");
  }
  return out;
}

Result<SignedRoot> RotateKeys(HubStore& store, const RotateOptions& options, const Clock& clock) {
  AKARI_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(store.database()));
  AKARI_ASSIGN_OR_RETURN(SignedRoot current, CurrentRoot(store));
  AKARI_ASSIGN_OR_RETURN(std::vector<KeyRow> old_root, ActiveKeys(store, "root"));
  AKARI_ASSIGN_OR_RETURN(std::vector<KeyRow> old_manifest, ActiveKeys(store, "manifest"));
  const std::int64_t now = ToUnixSeconds(clock.Now());
  AKARI_ASSIGN_OR_RETURN(db::Statement retire,
                         store.database().Prepare("UPDATE signing_key SET retired_at = ? WHERE role = ? AND "
                                                  "retired_at IS NULL AND created_at <= ?"));
  std::vector<KeyRow> new_root, new_manifest;
  if (options.root_keys) {
    AKARI_TRY(retire.Bind(1, now).Bind(2, "root").Bind(3, now).Run());
    for (int i = 0; i < kRootKeyCount; ++i) {
      AKARI_ASSIGN_OR_RETURN(KeyRow k, GenerateKey(store, "root", clock));
      new_root.push_back(std::move(k));
    }
  }
  if (options.manifest_key) {
    AKARI_TRY(retire.Bind(1, now).Bind(2, "manifest").Bind(3, now).Run());
    AKARI_ASSIGN_OR_RETURN(KeyRow k, GenerateKey(store, "manifest", clock));
    new_manifest.push_back(std::move(k));
  }
  const std::vector<KeyRow>& root_keys = options.root_keys ? new_root : old_root;
  const std::vector<KeyRow>& manifest_keys = options.manifest_key ? new_manifest : old_manifest;
  RootMetadata next;
  next.region = current.root.region;
  next.version = current.root.version + 1;
  next.created = clock.Now();
  next.expires = next.created + options.validity;
  for (const KeyRow& k : root_keys) next.keys[k.keyid] = k.public_key;
  for (const KeyRow& k : manifest_keys) next.keys[k.keyid] = k.public_key;
  next.root_role = RoleOf(root_keys, kRootThreshold);
  next.manifest_role = RoleOf(manifest_keys, 1);
  std::vector<const KeyRow*> signers;
  for (const KeyRow& k : old_root) signers.push_back(&k);
  for (const KeyRow& k : new_root) signers.push_back(&k);
  AKARI_ASSIGN_OR_RETURN(SignedRoot signed_root, SignAndStore(store, next, signers));
  AKARI_TRY(tx.Commit());
  return signed_root;
}

Status WriteRootFiles(HubStore& store, const std::filesystem::path& publication_root) {
  AKARI_ASSIGN_OR_RETURN(std::string region, store.Region());
  AKARI_ASSIGN_OR_RETURN(std::vector<SignedRoot> roots, AllRoots(store));
  const auto dir = publication_root / region / "root";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeError(SyncErrc::kIo, "cannot create " + dir.string() + ": " + ec.message());
  for (const SignedRoot& r : roots) {
    const auto file = publication_root / publication::RootPath(region, r.root.version);
    if (std::filesystem::exists(file, ec)) continue;
    if (auto s = WriteFileAtomically(file, AsBytes(r.text), 0644); !s) {
      return MakeError(SyncErrc::kIo, s.error().message);
    }
  }
  return {};
}

Result<bool> ManifestKeyChangeUnpublished(HubStore& store, const std::filesystem::path& publication_root) {
  AKARI_ASSIGN_OR_RETURN(std::string region, store.Region());
  AKARI_ASSIGN_OR_RETURN(std::vector<SignedRoot> roots, AllRoots(store));
  for (std::size_t i = 1; i < roots.size(); ++i) {
    std::error_code ec;
    if (std::filesystem::exists(publication_root / publication::RootPath(region, roots[i].root.version), ec)) continue;
    if (roots[i].root.manifest_role.keyids != roots[i - 1].root.manifest_role.keyids) return true;
  }
  return false;
}

}  // namespace akari::sync::hub
