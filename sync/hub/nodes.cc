#include "sync/hub/nodes.h"

#include <algorithm>

#include "crypto/hash.h"
#include "crypto/sodium.h"
#include "sync/errors.h"
#include "sync/hub/keys.h"
#include "sync/publication/layout.h"

namespace akari::sync::hub {
namespace {

std::unexpected<Error> BadToken(std::string_view why) {
  return MakeError(SyncErrc::kBadToken, "the enrollment token " + std::string(why) +
                                            "; ask the hub administrator for a new one (akari-hub node add)");
}

Bytes TokenHash(std::string_view secret) {
  const crypto::Hash32 h = crypto::Blake2b256(AsBytes("akari-enroll-token/1:" + std::string(secret)));
  return Bytes(h.begin(), h.end());
}

std::optional<TimePoint> OptionalTime(db::Statement& s, int col) {
  if (s.ColumnIsNull(col)) return std::nullopt;
  return FromUnixSeconds(s.ColumnInt(col));
}

template <typename Key>
std::optional<Key> OptionalKey(db::Statement& s, int col) {
  const ByteSpan b = s.ColumnBlob(col);
  if (s.ColumnIsNull(col) || b.size() != Key().size()) return std::nullopt;
  Key k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

Result<std::vector<NodeInfo>> QueryNodes(HubStore& store, std::string_view where) {
  AKARI_ASSIGN_OR_RETURN(db::Statement s,
                         store.database().Prepare("SELECT seq, label, node_id, invited_at, enrolled_at, removed_at, "
                                                  "box_public_key, signing_public_key FROM node " +
                                                  std::string(where) + " ORDER BY seq"));
  std::vector<NodeInfo> out;
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    NodeInfo n;
    n.seq = s.ColumnInt(0);
    n.label = s.ColumnText(1);
    n.node_id = s.ColumnIsNull(2) ? "" : s.ColumnText(2);
    n.invited_at = OptionalTime(s, 3);
    n.enrolled_at = OptionalTime(s, 4);
    n.removed_at = OptionalTime(s, 5);
    n.box_public_key = OptionalKey<crypto::X25519PublicKey>(s, 6);
    n.signing_public_key = OptionalKey<crypto::Ed25519PublicKey>(s, 7);
    n.state = n.removed_at ? "removed" : n.enrolled_at ? "enrolled" : "invited";
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace

Result<Invitation> InviteNode(HubStore& store, std::string_view label, const Clock& clock) {
  AKARI_TRY(crypto::EnsureSodium());
  AKARI_ASSIGN_OR_RETURN(std::string region, store.Region());
  AKARI_ASSIGN_OR_RETURN(SignedRoot root, CurrentRoot(store));
  std::array<std::uint8_t, 16> secret{};
  crypto::RandomBytes(secret);
  EnrollmentToken token{region, root.fingerprint, ToHex(secret)};
  AKARI_ASSIGN_OR_RETURN(db::Statement s,
                         store.database().Prepare("INSERT INTO node(label, token_hash, invited_at) VALUES (?, ?, ?)"));
  AKARI_TRY(s.Bind(1, label).BindBlob(2, TokenHash(token.secret)).Bind(3, ToUnixSeconds(clock.Now())).Run());
  return Invitation{store.database().LastInsertRowId(), token.Text()};
}

Result<std::vector<NodeInfo>> ListNodes(HubStore& store) {
  return QueryNodes(store, "");
}

Result<std::vector<NodeInfo>> EnrolledNodes(HubStore& store) {
  return QueryNodes(store, "WHERE enrolled_at IS NOT NULL AND removed_at IS NULL");
}

Result<NodeInfo> RemoveNode(HubStore& store, std::string_view node, const Clock& clock) {
  AKARI_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(store.database()));
  AKARI_ASSIGN_OR_RETURN(std::vector<NodeInfo> all, ListNodes(store));
  const NodeInfo* found = nullptr;
  for (const NodeInfo& n : all) {
    if ((!n.node_id.empty() && n.node_id == node) || std::to_string(n.seq) == node) found = &n;
  }
  if (found == nullptr) {
    return MakeError(SyncErrc::kInvalidArgument,
                     "no node '" + std::string(node) + "' is registered; `akari-hub node list` shows them");
  }
  if (found->removed_at) {
    return MakeError(SyncErrc::kInvalidArgument, "node '" + std::string(node) + "' was already removed");
  }
  AKARI_ASSIGN_OR_RETURN(db::Statement s, store.database().Prepare("UPDATE node SET removed_at = ? WHERE seq = ?"));
  AKARI_TRY(s.Bind(1, ToUnixSeconds(clock.Now())).Bind(2, found->seq).Run());
  // Only a node that could read the content key forces a new one.
  if (found->enrolled_at) AKARI_TRY(store.SetMeta(meta::kRotateContentKey, "1"));
  NodeInfo removed = *found;
  removed.state = "removed";
  removed.removed_at = clock.Now();
  AKARI_TRY(tx.Commit());
  return removed;
}

Result<EnrollResult> EnrollNode(HubStore& store, const EnrollRequest& request, const Clock& clock) {
  if (request.node_id.size() != 32 || !FromHex(request.node_id)) {
    return MakeError(SyncErrc::kInvalidArgument,
                     "node_id must be the node's id: 32 hex digits, as `akari status` shows it");
  }
  AKARI_ASSIGN_OR_RETURN(EnrollmentToken token, ParseEnrollmentToken(request.token));
  AKARI_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(store.database()));
  AKARI_ASSIGN_OR_RETURN(std::string region, store.Region());
  if (token.region != region) return BadToken("is for region " + token.region + ", not this hub's " + region);
  AKARI_ASSIGN_OR_RETURN(std::vector<SignedRoot> roots, AllRoots(store));
  const SignedRoot* pinned = nullptr;
  for (const SignedRoot& r : roots) {
    if (r.fingerprint == token.root_fingerprint) pinned = &r;
  }
  AKARI_ASSIGN_OR_RETURN(db::Statement find,
                         store.database().Prepare("SELECT seq, enrolled_at, removed_at, node_id, signing_public_key, "
                                                  "box_public_key FROM node WHERE token_hash = ?"));
  find.BindBlob(1, TokenHash(token.secret));
  AKARI_ASSIGN_OR_RETURN(bool row, find.Step());
  if (!row) return BadToken("is not known to this hub");
  const std::int64_t seq = find.ColumnInt(0);
  const bool enrolled = !find.ColumnIsNull(1);
  const bool removed = !find.ColumnIsNull(2);
  // The same node asking again with the same keys: its first answer was
  // lost (a timeout, a reset) after the hub committed. It gets the same
  // answer; anything else is a second use of the token.
  const bool same_node = enrolled && !removed && find.ColumnText(3) == request.node_id &&
                         std::ranges::equal(find.ColumnBlob(4), ByteSpan(request.signing_public_key)) &&
                         std::ranges::equal(find.ColumnBlob(5), ByteSpan(request.box_public_key));
  find.Reset();
  if (same_node && pinned != nullptr) return EnrollResult{region, pinned->text, seq};
  if (enrolled || removed) return BadToken("was already used (or its node was removed): a token enrolls one node once");
  AKARI_ASSIGN_OR_RETURN(db::Statement dup, store.database().Prepare("SELECT count(*) FROM node WHERE node_id = ?"));
  dup.Bind(1, request.node_id);
  AKARI_ASSIGN_OR_RETURN(bool dup_row, dup.Step());
  const bool taken = dup_row && dup.ColumnInt(0) > 0;
  dup.Reset();
  if (taken) {
    return MakeError(SyncErrc::kConflict,
                     "node " + request.node_id + " is already registered with this hub; it needs no second token");
  }
  if (pinned == nullptr) return BadToken("names root keys this hub never had");
  AKARI_ASSIGN_OR_RETURN(
      db::Statement s, store.database().Prepare("UPDATE node SET node_id = ?, signing_public_key = ?, box_public_key = "
                                                "?, enrolled_at = ? WHERE seq = ?"));
  AKARI_TRY(s.Bind(1, request.node_id)
                .BindBlob(2, request.signing_public_key)
                .BindBlob(3, request.box_public_key)
                .Bind(4, ToUnixSeconds(clock.Now()))
                .Bind(5, seq)
                .Run());
  EnrollResult result{region, pinned->text, seq};
  AKARI_TRY(tx.Commit());
  return result;
}

}  // namespace akari::sync::hub
