#include "sync/hub/content_keys.h"

#include "sync/errors.h"

namespace akari::sync::hub {

Status StoreNewContentKey(HubStore& store, const Clock& clock) {
  AKARI_ASSIGN_OR_RETURN(publication::ContentKey key, publication::GenerateContentKey());
  const std::int64_t now = ToUnixSeconds(clock.Now());
  AKARI_ASSIGN_OR_RETURN(db::Statement retire,
                         store.database().Prepare("UPDATE content_key SET retired_at = ? WHERE retired_at IS NULL"));
  AKARI_TRY(retire.Bind(1, now).Run());
  AKARI_ASSIGN_OR_RETURN(db::Statement insert,
                         store.database().Prepare("INSERT INTO content_key(id, secret, created_at) VALUES (?, ?, ?)"));
  return insert.Bind(1, key.id).BindBlob(2, key.key.span()).Bind(3, now).Run();
}

Result<publication::ContentKey> CurrentContentKey(HubStore& store) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s,
                         store.database().Prepare("SELECT id, secret FROM content_key WHERE retired_at IS NULL "
                                                  "ORDER BY created_at DESC LIMIT 1"));
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return MakeError(SyncErrc::kCorruptDocument, "the hub has no content key; its database is damaged");
  std::string id = s.ColumnText(0);
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer key, crypto::SecretBuffer::CopyOf(s.ColumnBlob(1)));
  s.Reset();
  return publication::ContentKeyFrom(id, std::move(key));
}

}  // namespace akari::sync::hub
