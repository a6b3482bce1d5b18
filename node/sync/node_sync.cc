#include "node/sync/node_sync.h"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "base/file.h"
#include "base/strings.h"
#include "crypto/openssl.h"
#include "node/audit/audit_log.h"
#include "node/store/meta_keys.h"
#include "node/sync/sync_state.h"
#include "sync/client/plan.h"
#include "sync/client/verifier.h"
#include "sync/db/errors.h"
#include "sync/document_dictionary.h"
#include "sync/errors.h"
#include "sync/publication/entries.h"
#include "sync/publication/object.h"

namespace akari::node {
namespace {

namespace pub = sync::publication;
namespace cl = sync::client;
using sync::SyncErrc;

bool IsRefusal(const Error& e) {
  if (e.code.category() != sync::SyncCategory()) return false;
  switch (static_cast<SyncErrc>(e.code.value())) {
    case SyncErrc::kBadSignature:
    case SyncErrc::kUnknownKey:
    case SyncErrc::kRolledBack:
    case SyncErrc::kWrongRegion:
    case SyncErrc::kExpired:
    case SyncErrc::kNoEnvelope:
    case SyncErrc::kObjectMismatch:
    case SyncErrc::kMixAndMatch:
    case SyncErrc::kCorruptDocument:
      return true;
    default:
      return false;
  }
}

// Audits a refusal in its own transaction (the data is untouched); the
// original error is what the caller sees, whatever happens here.
Error Refuse(OpenNode& node, const Clock& clock, Error error, const std::string& source,
             std::optional<std::int64_t> version) {
  if (!IsRefusal(error)) return error;
  AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock);
  nlohmann::json detail = {{"code", error.code.message()}, {"reason", error.message}, {"source", source}};
  if (version) detail["version"] = *version;
  (void)audit.Append({"sync.refused", "cli", std::nullopt, detail});
  return error;
}

// The manifest's `id` of a chunk or trust item names its plaintext
// (docs/publication.md §6), and the node records it as what it holds: a
// later sync skips a held chunk, or keeps its trust material, by id alone.
// The object's hash binds only the ciphertext, so the id is checked
// against what was decrypted before it is recorded.
Status CheckPlainId(pub::ObjectKind kind, ByteSpan payload, const std::string& id, std::string_view what) {
  if (pub::PlainIdOf(kind, payload) == id) return {};
  return MakeError(SyncErrc::kCorruptDocument,
                   std::string(what) + " " + id.substr(0, 16) +
                       "… does not hold what the manifest's id for it names; the hub published an inconsistent "
                       "manifest. Nothing was applied; report this to the hub");
}

// The manifest lists each trust item as a CA certificate or a revocation
// list, and card checks use it as listed: a CA certificate that does not
// parse as one would leave every card check failing after the sync.
Status CheckTrustKind(const pub::TrustRef& t, ByteSpan der) {
  const bool crl = t.kind == pub::TrustRef::Kind::kCrl;
  std::string problem;
  if (crl) {
    if (auto parsed = crypto::ParseCrlDer(der); !parsed) problem = parsed.error().message;
  } else if (auto parsed = crypto::ParseCertificateDer(der); !parsed) {
    problem = parsed.error().message;
  }
  if (problem.empty()) return {};
  return MakeError(SyncErrc::kCorruptDocument,
                   "trust material " + t.id.substr(0, 16) + "… is listed as " +
                       (crl ? "a revocation list" : "a CA certificate") + " but is not one (" + problem +
                       "). Nothing was applied; the node keeps its current trust material. Report this to the hub");
}

std::vector<store::StoredPerson> ToStored(std::vector<pub::PersonEntry>&& entries) {
  std::vector<store::StoredPerson> out;
  out.reserve(entries.size());
  for (pub::PersonEntry& e : entries) out.push_back({e.id, std::move(e.document), std::move(e.index)});
  return out;
}

class Applier {
 public:
  // PRAGMA cache_size during an apply: 64 MiB (negative: KiB).
  static constexpr std::int64_t kApplyCacheSize = -65536;

  Applier(OpenNode& node, cl::Staging& staging, const cl::VerifiedManifest& verified, const cl::SyncPlan& plan,
          const SyncOptions& options, const Clock& clock, SyncSummary& summary)
      : node_(node),
        store_(node.store),
        staging_(staging),
        v_(verified),
        m_(verified.manifest),
        plan_(plan),
        options_(options),
        clock_(clock),
        summary_(summary),
        key_(verified.content_key->key) {}

  Status Run() {
    const auto started = std::chrono::steady_clock::now();
    progress_.phase = "apply";
    progress_.persons_total = cl::PersonsToWrite(plan_);
    Report();
    // A snapshot apply touches index pages all over the file; a larger page
    // cache for its duration keeps them from being written, evicted and read
    // back (measured in docs/benchmarks.md). Restored afterwards.
    AKARI_ASSIGN_OR_RETURN(std::int64_t cache, store_.database().QueryInt("PRAGMA cache_size"));
    AKARI_TRY(store_.database().Exec("PRAGMA cache_size = " + std::to_string(kApplyCacheSize)));
    struct RestoreCache {
      db::Database& db;
      std::int64_t size;
      ~RestoreCache() { (void)db.Exec("PRAGMA cache_size = " + std::to_string(size)); }
    } restore{store_.database(), cache};
    AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(store_.database()));
    AKARI_TRY(CheckBaseUnchanged());
    if (plan_.mode == cl::SyncPlan::Mode::kDelta) {
      for (const auto& d : plan_.chain) AKARI_TRY(ApplyDelta(d));
    } else {
      AKARI_TRY(ApplyFull());
    }
    AKARI_TRY(ApplyDictionaries());
    AKARI_TRY(ApplyTrust());
    AKARI_TRY(SaveChunks(store_, m_.chunks));
    AKARI_ASSIGN_OR_RETURN(store::StoreCounts counts, store_.Counts());
    if (counts.persons != m_.persons) {
      return MakeError(SyncErrc::kMixAndMatch, "after applying, the node would hold " + std::to_string(counts.persons) +
                                                   " persons but version " + std::to_string(m_.version) + " has " +
                                                   std::to_string(m_.persons) + "; nothing was applied");
    }
    AKARI_TRY(WriteMeta());
    AKARI_TRY(Audit());
    Check("before-commit");
    AKARI_TRY(tx.Commit());
    Check("after-commit");
    summary_.apply_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    summary_.persons_total = counts.persons;
    if (summary_.apply_seconds > 0) {
      summary_.persons_per_second = static_cast<double>(summary_.persons_inserted) / summary_.apply_seconds;
    }
    return {};
  }

 private:
  void Check(std::string_view point) {
    if (options_.checkpoint) options_.checkpoint(point);
  }

  // The plan was made from the version read before the write lock was
  // taken; a delta applied on another version, or a full plan's chunk
  // choice made for it, would leave data no manifest describes, or set the
  // version back. DIR/sync.lock keeps other syncs out; this catches any
  // other writer (an older program, a restore) at no cost.
  Status CheckBaseUnchanged() {
    AKARI_ASSIGN_OR_RETURN(auto version, store_.GetMeta(store::meta::kDataVersion));
    const std::optional<std::int64_t> now_held = version ? ParseInt64(*version) : std::nullopt;
    if (now_held == summary_.from_version) return {};
    return MakeError(SyncErrc::kBusy, "this node's data changed to version " +
                                          (now_held ? std::to_string(*now_held) : std::string("none")) +
                                          " while this sync was preparing to apply version " +
                                          std::to_string(m_.version) + "; nothing was applied. Sync again");
  }
  void Report() {
    if (options_.progress) options_.progress(progress_);
  }

  Result<Bytes> Open(const pub::ObjectRef& ref, pub::ObjectKind kind) {
    return pub::OpenObjectFile(staging_.PathOf(ref), ref, kind, key_);
  }

  Status Insert(std::vector<pub::PersonEntry>&& entries) {
    const auto n = static_cast<std::int64_t>(entries.size());
    AKARI_TRY(store_.InsertPersons(ToStored(std::move(entries))));
    summary_.persons_inserted += n;
    progress_.persons_applied += n;
    Report();
    Check("apply-object");
    return {};
  }

  // `ids` were read from the store, so each exists.
  Status Delete(const std::vector<std::int64_t>& ids) {
    AKARI_TRY(store_.DeletePersons(ids));
    summary_.persons_removed += static_cast<std::int64_t>(ids.size());
    return {};
  }

  Status ApplyDelta(const pub::DeltaRef& d) {
    for (const auto& o : d.objects) {
      AKARI_ASSIGN_OR_RETURN(Bytes payload, Open(o, pub::ObjectKind::kDelta));
      AKARI_ASSIGN_OR_RETURN(pub::DeltaPayload delta, pub::DecodeDeltaPayload(payload));
      std::vector<std::int64_t> ids = delta.removed;
      for (const auto& e : delta.upserts) ids.push_back(e.id);
      AKARI_TRY(store_.DeletePersons(ids));
      summary_.persons_removed += static_cast<std::int64_t>(delta.removed.size());
      AKARI_TRY(Insert(std::move(delta.upserts)));
    }
    return {};
  }

  Status ApplyFull() {
    if (plan_.replace_all) {
      AKARI_ASSIGN_OR_RETURN(store::StoreCounts before, store_.Counts());
      AKARI_TRY(store_.DeleteAllPersons());
      summary_.persons_removed += before.persons;
    } else {
      for (const std::string& id : plan_.drop_chunk_ids) {
        AKARI_ASSIGN_OR_RETURN(auto range, HeldChunkRange(store_, id));
        if (!range) continue;
        AKARI_ASSIGN_OR_RETURN(std::vector<std::int64_t> ids, PersonIdsInRange(store_, range->first, range->second));
        AKARI_TRY(Delete(ids));
      }
    }
    for (const auto& c : plan_.chunks) {
      AKARI_ASSIGN_OR_RETURN(Bytes payload, Open(c.object, pub::ObjectKind::kChunk));
      AKARI_TRY(CheckPlainId(pub::ObjectKind::kChunk, payload, c.id, "snapshot chunk"));
      AKARI_ASSIGN_OR_RETURN(std::vector<pub::PersonEntry> entries,
                             pub::DecodeChunkPayload(payload, c.first_id, c.last_id));
      if (static_cast<std::int64_t>(entries.size()) != c.persons) {
        return MakeError(SyncErrc::kCorruptDocument, "a snapshot chunk holds " + std::to_string(entries.size()) +
                                                         " persons where the manifest says " +
                                                         std::to_string(c.persons) + "; report this to the hub");
      }
      if (!plan_.replace_all) {
        // Persons left in this range from a state the node's chunk list
        // does not describe are replaced, never duplicated.
        AKARI_ASSIGN_OR_RETURN(std::vector<std::int64_t> stale, PersonIdsInRange(store_, c.first_id, c.last_id));
        if (!stale.empty()) AKARI_TRY(Delete(stale));
      }
      AKARI_TRY(Insert(std::move(entries)));
    }
    return {};
  }

  Status ApplyDictionaries() {
    for (const auto& d : plan_.dictionaries) {
      AKARI_ASSIGN_OR_RETURN(Bytes payload, Open(d.object, pub::ObjectKind::kDictionary));
      AKARI_ASSIGN_OR_RETURN(auto decoded, pub::DecodeDictionaryPayload(payload));
      auto dict = sync::DocumentDictionary::Create(decoded.second);
      if (decoded.first != d.id || !dict || (*dict)->id() != d.id) {
        return MakeError(SyncErrc::kCorruptDocument,
                         "document dictionary " + std::to_string(d.id) + " is not what the manifest names");
      }
      AKARI_TRY(store_.PutDocumentDictionary(d.id, decoded.second));
    }
    return {};
  }

  Status ApplyTrust() {
    if (!plan_.replace_trust) return {};
    std::vector<store::TrustItem> items;
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& t : m_.trust) {
      AKARI_ASSIGN_OR_RETURN(Bytes der, Open(t.object, pub::ObjectKind::kTrust));
      AKARI_TRY(CheckPlainId(pub::ObjectKind::kTrust, der, t.id, "trust material"));
      AKARI_TRY(CheckTrustKind(t, der));
      items.push_back(
          {t.kind == pub::TrustRef::Kind::kCrl ? store::TrustItem::Kind::kCrl : store::TrustItem::Kind::kCaCertificate,
           std::move(der)});
      ids.push_back(t.id);
    }
    AKARI_TRY(store_.ReplaceTrustMaterial(items));
    return store_.SetMeta(sync_meta::kTrustIds, ids.dump());
  }

  Status WriteMeta() {
    AKARI_TRY(store_.SetMeta(store::meta::kDataVersion, std::to_string(m_.version)));
    AKARI_TRY(store_.SetMeta(store::meta::kDataCreatedAt, FormatUtc(m_.created)));
    AKARI_TRY(store_.SetMeta(store::meta::kDataRecordsAsOf, sync::FormatDate(m_.as_of)));
    AKARI_TRY(store_.SetMeta(store::meta::kDataExpiresAt, FormatUtc(m_.expires)));
    AKARI_TRY(store_.SetMeta(store::meta::kSyncedAt, FormatUtc(clock_.Now())));
    AKARI_TRY(store_.SetMeta(store::meta::kTrustedTime, FormatUtc(v_.new_trusted_time)));
    return store_.SetMeta(sync_meta::kManifestHash, v_.hash);
  }

  Status Audit() {
    AuditLog audit(store_, node_.keystore.signing_secret_key(), node_.keystore.signing_public_key(), clock_);
    nlohmann::json detail = {
        {"version", m_.version},
        {"from_version", summary_.from_version ? nlohmann::json(*summary_.from_version) : nlohmann::json(nullptr)},
        {"mode", plan_.mode == cl::SyncPlan::Mode::kDelta ? "delta" : "full"},
        {"manifest", v_.hash},
        {"source", summary_.source},
        {"persons", m_.persons},
        {"inserted", summary_.persons_inserted},
        {"removed", summary_.persons_removed},
        {"expires", FormatUtc(m_.expires)}};
    if (v_.expired) {
      detail["accepted_expired"] = true;
      AKARI_TRY(
          audit.Append({"sync.accept_expired",
                        "cli",
                        std::nullopt,
                        {{"version", m_.version}, {"expired_at", FormatUtc(m_.expires)}, {"manifest", v_.hash}}}));
    }
    AKARI_TRY(audit.Append({"sync.apply", "cli", std::nullopt, detail}));
    return {};
  }

  OpenNode& node_;
  store::Store& store_;
  cl::Staging& staging_;
  const cl::VerifiedManifest& v_;
  const pub::Manifest& m_;
  const cl::SyncPlan& plan_;
  const SyncOptions& options_;
  const Clock& clock_;
  SyncSummary& summary_;
  const crypto::SecretBuffer& key_;
  SyncProgress progress_;
};

// Counts the bytes of metadata (roots, manifest) read through a source.
class CountingSource final : public cl::PublicationSource {
 public:
  CountingSource(cl::PublicationSource& inner, std::int64_t& bytes) : inner_(inner), bytes_(bytes) {}
  std::string Describe() const override { return inner_.Describe(); }
  Result<std::optional<Bytes>> ReadSmall(std::string_view path, std::size_t max_bytes) override {
    auto r = inner_.ReadSmall(path, max_bytes);
    if (r && *r) bytes_ += static_cast<std::int64_t>((*r)->size());
    return r;
  }
  Status FetchObject(std::string_view path, std::int64_t size, const std::filesystem::path& part,
                     const cl::BytesCallback& on_bytes) override {
    return inner_.FetchObject(path, size, part, on_bytes);
  }

 private:
  cl::PublicationSource& inner_;
  std::int64_t& bytes_;
};

// Fetches and verifies the plan's objects into staging.
Status Stage(cl::PublicationSource& source, cl::Staging& staging, const std::string& region, const cl::SyncPlan& plan,
             const crypto::SecretBuffer& key, const SyncOptions& options, SyncSummary& summary) {
  std::set<std::string> keep;
  for (const auto& o : plan.objects) keep.insert(o.hash);
  staging.RemoveAllExcept(keep);
  const std::set<std::string> present = staging.Present();
  for (const auto& o : plan.objects) summary.objects_already_staged += present.contains(o.hash) ? 1 : 0;
  SyncProgress progress;
  progress.phase = "fetch";
  const std::int64_t bytes_before = summary.bytes_fetched, objects_before = summary.objects_fetched;
  auto on_fetch = [&](const cl::FetchProgress& p) {
    progress.fetch = p;
    summary.bytes_fetched = bytes_before + p.bytes_done;
    summary.objects_fetched = objects_before + p.objects_done;
    if (options.progress) options.progress(progress);
  };
  AKARI_TRY(staging.Fetch(source, region, plan.objects, on_fetch, options.checkpoint));
  progress.phase = "verify";
  if (options.progress) options.progress(progress);
  AKARI_TRY(staging.VerifyAll(plan.objects, key));
  if (options.checkpoint) options.checkpoint("verified");
  return {};
}

Status SaveNewRoots(OpenNode& node, const Clock& clock, const cl::RootUpdate& update) {
  if (update.new_roots.empty()) return {};
  AKARI_ASSIGN_OR_RETURN(store::Transaction tx, store::Transaction::Begin(node.store.database()));
  AKARI_TRY(SaveRoots(node.store, update.new_roots));
  AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock);
  AKARI_TRY(
      audit.Append({"sync.root",
                    "cli",
                    std::nullopt,
                    {{"from_version", update.new_roots.front().first - 1}, {"to_version", update.root.version}}}));
  return tx.Commit();
}

std::string WhatTheNodeKeeps(const SyncSummary& summary) {
  return summary.from_version ? "the node keeps serving version " + std::to_string(*summary.from_version)
                              : "the node still has no data";
}

// Refuses an update that would not leave options.keep_free_bytes free on
// the node's disk, before anything is downloaded.
Status CheckSpace(const OpenNode& node, const cl::Staging& staging, const cl::SyncPlan& plan,
                  const SyncOptions& options, const SyncSummary& summary) {
  std::error_code ec;
  const auto database = std::filesystem::file_size(node.dir / kDatabaseFile, ec);
  const SpaceEstimate need =
      EstimateSpace(plan, staging.Present(), ec ? 0 : static_cast<std::int64_t>(database), options.keep_free_bytes);
  AKARI_ASSIGN_OR_RETURN(const std::int64_t free, FreeBytes(node.dir));
  if (free >= need.Total()) return {};
  return MakeError(SyncErrc::kDiskFull,
                   "not enough free space on the disk holding " + node.dir.string() + " for version " +
                       std::to_string(summary.to_version) + " (" + summary.mode + "): it needs about " +
                       FormatSize(need.download + need.apply) + " (download " + FormatSize(need.download) +
                       ", apply about " + FormatSize(need.apply) + ") and keeps " + FormatSize(need.keep_free) +
                       " free for checks and the audit log, but only " + FormatSize(free) +
                       " are free. Nothing was downloaded or changed; " + WhatTheNodeKeeps(summary) +
                       ". Free at least " + FormatSize(need.Total() - free) + " on that disk, then sync again");
}

// After the disk filled up while this run downloaded or applied: deletes
// what it staged, so that checks and audit entries can be written again.
// Any other error is returned as it is.
Error GiveSpaceBack(const OpenNode& node, cl::Staging& staging, const SyncSummary& summary, Error error) {
  if (error.code != SyncErrc::kDiskFull && error.code != db::DbErrc::kDiskFull) return error;
  const std::int64_t staged = staging.BytesHeld();
  staging.RemoveAllExcept({});
  return Error{make_error_code(SyncErrc::kDiskFull),
               error.message + ". Nothing was applied; " + WhatTheNodeKeeps(summary) +
                   ". What this sync had downloaded (" + FormatSize(staged) +
                   ") was deleted to give the space back to checks and the audit log. Free space on the disk holding " +
                   node.dir.string() + ", then sync again"};
}

// Asks options.hold_full_apply about `plan` (a full one); if it holds,
// fills `summary` for a held run.
Result<bool> HoldFullApply(OpenNode& node, std::int64_t plan_version, const cl::SyncPlan& plan,
                           const SyncOptions& options, SyncSummary& summary) {
  const std::int64_t persons = cl::PersonsToWrite(plan);
  if (!options.hold_full_apply(plan_version, persons)) return false;
  summary.mode = "full-held";
  summary.persons_held = persons;
  AKARI_ASSIGN_OR_RETURN(store::StoreCounts counts, node.store.Counts());
  summary.persons_total = counts.persons;
  return true;
}

}  // namespace

Result<SyncSummary> SyncNode(OpenNode& node, cl::PublicationSource& inner_source, const SyncOptions& options) {
  const Clock& clock = options.clock != nullptr ? *options.clock : SystemClock::Instance();
  // Held to the end: two syncs of one node would empty each other's
  // staging area, and each would plan from the version the other replaces.
  auto lock = FileLock::TryAcquire(node.dir / kSyncLockFile);
  if (!lock) {
    if (lock.error().code != BaseErrc::kBusy) return std::unexpected(lock.error());
    return MakeError(SyncErrc::kBusy,
                     "another sync of this node is running (akari serve's hub link, or another akari sync); "
                     "nothing was changed. Wait for it to finish (akari status shows the data version), then sync "
                     "again if needed");
  }
  SyncSummary summary;
  CountingSource source(inner_source, summary.metadata_bytes);
  summary.source = source.Describe();
  AKARI_ASSIGN_OR_RETURN(cl::TrustState state, ReadTrustState(node.store, node.keystore.node_id()));
  summary.region = state.region;
  summary.from_version = state.data_version;
  AKARI_ASSIGN_OR_RETURN(pub::RootMetadata pinned, PinnedRoot(node.store));
  auto refuse = [&](Error e, std::optional<std::int64_t> version = std::nullopt) {
    return std::unexpected(Refuse(node, clock, std::move(e), summary.source, version));
  };

  auto update = cl::UpdateRoots(source, pinned);
  if (!update) return refuse(update.error());
  AKARI_TRY(SaveNewRoots(node, clock, *update));
  summary.new_root_versions = static_cast<int>(update->new_roots.size());
  const TimePoint now = clock.Now();
  const TimePoint effective_now = std::max(now, state.trusted_time.value_or(now));
  if (update->root.expires <= effective_now) {
    if (!options.accept_expired) {
      return refuse(Error{make_error_code(SyncErrc::kExpired),
                          "the hub's root metadata (version " + std::to_string(update->root.version) + ") expired at " +
                              FormatUtc(update->root.expires) +
                              "; the hub must sign a new root version (akari-hub keys rotate). The node keeps "
                              "serving its current data"});
    }
    // An administrator accepted it: recorded now, whatever the rest of
    // the sync finds (the manifest's own expiry is recorded with the apply).
    AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock);
    AKARI_TRY(audit.Append(
        {"sync.accept_expired",
         "cli",
         std::nullopt,
         {{"what", "root"}, {"root_version", update->root.version}, {"expired_at", FormatUtc(update->root.expires)}}}));
    summary.accepted_expired_root = update->root.expires;
  }

  const cl::NodeBoxKeys keys{node.keystore.box_public_key(), &node.keystore.box_secret_key()};
  auto signed_manifest = cl::FetchSignedManifest(source, update->root, state.region);
  if (!signed_manifest) return refuse(signed_manifest.error());
  // A verified signature is signed time seen, whatever is decided next.
  if (!state.trusted_time || signed_manifest->manifest.created > *state.trusted_time) {
    AKARI_TRY(node.store.SetMeta(store::meta::kTrustedTime, FormatUtc(signed_manifest->manifest.created)));
  }
  const std::int64_t offered_version = signed_manifest->manifest.version;
  auto verified =
      cl::CheckManifest(std::move(*signed_manifest), update->root, state, keys, {options.accept_expired, now});
  if (!verified) return refuse(verified.error(), offered_version);
  const pub::Manifest& m = verified->manifest;
  summary.to_version = m.version;
  summary.clock_behind = verified->clock_behind;
  summary.data_created_at = m.created;
  summary.data_expires_at = m.expires;
  summary.trusted_time = verified->new_trusted_time;
  summary.accepted_expired_manifest = verified->expired;
  summary.accepted_expired = verified->expired || summary.accepted_expired_root.has_value();
  if (options.checkpoint) options.checkpoint("manifest-verified");
  if (verified->clock_behind) {
    AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(), clock);
    AKARI_TRY(
        audit.Append({"sync.clock_behind",
                      "cli",
                      std::nullopt,
                      {{"local_time", FormatUtc(now)}, {"trusted_time", FormatUtc(verified->new_trusted_time)}}}));
  }

  AKARI_ASSIGN_OR_RETURN(cl::Staging staging, cl::Staging::Open(node.dir / kStagingDir / state.region));
  if (verified->up_to_date) {
    summary.mode = "up-to-date";
    if (!state.trusted_time || verified->new_trusted_time > *state.trusted_time) {
      AKARI_TRY(node.store.SetMeta(store::meta::kTrustedTime, FormatUtc(verified->new_trusted_time)));
    }
    staging.RemoveAllExcept({});
    AKARI_ASSIGN_OR_RETURN(store::StoreCounts counts, node.store.Counts());
    summary.persons_total = counts.persons;
    return summary;
  }

  AKARI_ASSIGN_OR_RETURN(cl::HeldState held, ReadHeldState(node.store));
  held.staged = staging.Present();
  cl::SyncPlan plan = cl::PlanSync(m, held);
  const crypto::SecretBuffer& key = verified->content_key->key;
  for (int attempt = 0;; ++attempt) {
    summary.mode = plan.mode == cl::SyncPlan::Mode::kDelta ? "delta" : "full";
    // A held apply is asked about again every round: once its objects
    // are all staged it is held before they are verified again (reading
    // and authenticating a prefecture's snapshot each minute would cost a
    // battery-powered node for nothing); they are verified at the apply.
    const bool may_hold = plan.mode == cl::SyncPlan::Mode::kFull && options.hold_full_apply && attempt == 0;
    const bool all_staged = may_hold && std::ranges::all_of(plan.objects, [&](const pub::ObjectRef& o) {
                              return held.staged.contains(o.hash);
                            });
    if (all_staged) {
      AKARI_ASSIGN_OR_RETURN(bool hold, HoldFullApply(node, m.version, plan, options, summary));
      if (hold) {
        summary.objects_already_staged = static_cast<std::int64_t>(plan.objects.size());
        return summary;
      }
    }
    if (auto s = CheckSpace(node, staging, plan, options, summary); !s) return std::unexpected(s.error());
    if (auto s = Stage(source, staging, state.region, plan, key, options, summary); !s)
      return refuse(GiveSpaceBack(node, staging, summary, s.error()), m.version);
    if (may_hold && !all_staged) {
      AKARI_ASSIGN_OR_RETURN(bool hold, HoldFullApply(node, m.version, plan, options, summary));
      if (hold) return summary;
    }
    Applier applier(node, staging, *verified, plan, options, clock, summary);
    auto applied = applier.Run();
    if (applied) break;
    // The node's persons differ from what its version and chunk list say
    // (a delta or a chunk-wise sync would not reproduce the snapshot): the
    // snapshot itself replaces them, once. Staged objects are kept.
    if (attempt == 0 && applied.error().code == SyncErrc::kMixAndMatch && !plan.replace_all) {
      summary.persons_inserted = summary.persons_removed = 0;
      cl::HeldState fresh = held;
      fresh.chunk_ids.clear();
      fresh.staged = staging.Present();
      plan = cl::PlanFullSync(m, fresh);
      continue;
    }
    return refuse(GiveSpaceBack(node, staging, summary, applied.error()), m.version);
  }
  staging.RemoveAllExcept({});
  return summary;
}

nlohmann::json SyncSummaryToJson(const SyncSummary& s) {
  return {{"source", s.source},
          {"region", s.region},
          {"from_version", s.from_version ? nlohmann::json(*s.from_version) : nlohmann::json(nullptr)},
          {"to_version", s.to_version},
          {"mode", s.mode},
          {"new_root_versions", s.new_root_versions},
          {"objects_fetched", s.objects_fetched},
          {"bytes_fetched", s.bytes_fetched},
          {"metadata_bytes", s.metadata_bytes},
          {"objects_already_staged", s.objects_already_staged},
          {"persons_inserted", s.persons_inserted},
          {"persons_removed", s.persons_removed},
          {"persons_total", s.persons_total},
          {"persons_held", s.persons_held},
          {"apply_seconds", s.apply_seconds},
          {"persons_per_second", s.persons_per_second},
          {"accepted_expired", s.accepted_expired},
          {"accepted_expired_root",
           s.accepted_expired_root ? nlohmann::json(FormatUtc(*s.accepted_expired_root)) : nlohmann::json(nullptr)},
          {"clock_behind", s.clock_behind},
          {"data_created_at", FormatUtc(s.data_created_at)},
          {"data_expires_at", FormatUtc(s.data_expires_at)},
          {"trusted_time", FormatUtc(s.trusted_time)}};
}

}  // namespace akari::node
