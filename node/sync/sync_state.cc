#include "node/sync/sync_state.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "node/store/meta_keys.h"
#include "sync/errors.h"
#include "sync/publication/layout.h"
#include "sync/publication/signed.h"

namespace akari::node {

namespace pub = sync::publication;

Result<pub::RootMetadata> PinnedRoot(store::Store& store) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s,
                         store.database().Prepare("SELECT document FROM sync_root ORDER BY version DESC LIMIT 1"));
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) {
    return MakeError(sync::SyncErrc::kInvalidArgument,
                     "this node is not enrolled with a hub: run `akari enroll --data DIR --hub URL --token TOKEN` "
                     "first");
  }
  const std::string text = ToString(s.ColumnBlob(0));
  s.Reset();
  AKARI_ASSIGN_OR_RETURN(pub::SignedDocument doc,
                         pub::ParseSignedDocument(AsBytes(text), "the pinned root metadata", pub::kMaxRootBytes));
  return pub::RootFromJson(doc.signed_part);
}

Status SaveRoots(store::Store& store, const std::vector<std::pair<std::int64_t, std::string>>& roots) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s,
                         store.database().Prepare("INSERT OR REPLACE INTO sync_root(version, document) VALUES (?, ?)"));
  for (const auto& [version, text] : roots) AKARI_TRY(s.Bind(1, version).BindBlob(2, AsBytes(text)).Run());
  return {};
}

Result<sync::client::TrustState> ReadTrustState(store::Store& store, std::string node_id) {
  sync::client::TrustState t;
  t.node_id = std::move(node_id);
  AKARI_ASSIGN_OR_RETURN(auto region, store.GetMeta(store::meta::kRegion));
  AKARI_ASSIGN_OR_RETURN(auto version, store.GetMeta(store::meta::kDataVersion));
  AKARI_ASSIGN_OR_RETURN(auto hash, store.GetMeta(sync_meta::kManifestHash));
  AKARI_ASSIGN_OR_RETURN(auto trusted, store.GetMeta(store::meta::kTrustedTime));
  t.region = region.value_or("");
  if (version) t.data_version = ParseInt64(*version);
  t.applied_manifest_hash = hash.value_or("");
  TimePoint tp;
  if (trusted && ParseUtc(*trusted, tp)) t.trusted_time = tp;
  return t;
}

Result<sync::client::HeldState> ReadHeldState(store::Store& store) {
  sync::client::HeldState h;
  AKARI_ASSIGN_OR_RETURN(auto version, store.GetMeta(store::meta::kDataVersion));
  if (version) h.data_version = ParseInt64(*version);
  db::Database& db = store.database();
  {
    AKARI_ASSIGN_OR_RETURN(store::Statement s, db.Prepare("SELECT id FROM sync_chunk"));
    for (;;) {
      AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      h.chunk_ids.insert(s.ColumnText(0));
    }
  }
  {
    AKARI_ASSIGN_OR_RETURN(store::Statement s, db.Prepare("SELECT id FROM document_dictionary"));
    for (;;) {
      AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      h.dictionary_ids.insert(static_cast<std::uint32_t>(s.ColumnInt(0)));
    }
  }
  AKARI_ASSIGN_OR_RETURN(auto trust, store.GetMeta(sync_meta::kTrustIds));
  if (trust) {
    const auto j = nlohmann::json::parse(*trust, nullptr, false);
    if (j.is_array()) {
      for (const auto& id : j) {
        if (id.is_string()) h.trust_ids.insert(id.get<std::string>());
      }
    }
  }
  return h;
}

Status SaveChunks(store::Store& store, const std::vector<pub::ChunkRef>& chunks) {
  AKARI_TRY(store.database().Exec("DELETE FROM sync_chunk"));
  AKARI_ASSIGN_OR_RETURN(
      store::Statement s,
      store.database().Prepare("INSERT INTO sync_chunk(id, first_id, last_id, persons) VALUES (?, ?, ?, ?)"));
  for (const auto& c : chunks)
    AKARI_TRY(s.Bind(1, c.id).Bind(2, c.first_id).Bind(3, c.last_id).Bind(4, c.persons).Run());
  return {};
}

Result<std::optional<std::pair<std::int64_t, std::int64_t>>> HeldChunkRange(store::Store& store, std::string_view id) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s,
                         store.database().Prepare("SELECT first_id, last_id FROM sync_chunk WHERE id = ?"));
  s.Bind(1, id);
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<std::pair<std::int64_t, std::int64_t>>();
  auto range = std::make_pair(s.ColumnInt(0), s.ColumnInt(1));
  s.Reset();
  return std::optional<std::pair<std::int64_t, std::int64_t>>(range);
}

Result<std::vector<std::int64_t>> PersonIdsInRange(store::Store& store, std::int64_t first, std::int64_t last) {
  AKARI_ASSIGN_OR_RETURN(store::Statement s,
                         store.database().Prepare("SELECT id FROM person WHERE id BETWEEN ? AND ? ORDER BY id"));
  s.Bind(1, first).Bind(2, last);
  std::vector<std::int64_t> ids;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ids.push_back(s.ColumnInt(0));
  }
  return ids;
}

}  // namespace akari::node
