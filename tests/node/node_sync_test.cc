// `akari sync` as a library: a real hub (store, import, publisher) and a
// real node store, the publication read from its directory. Every refusal
// must name its error and leave the node serving what it had.
#include "node/sync/node_sync.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "base/file.h"
#include "crypto/hash.h"
#include "node/audit/audit_log.h"
#include "node/status.h"
#include "node/store/meta_keys.h"
#include "node/sync/sync_state.h"
#include "sync/errors.h"
#include "sync/hub/import.h"
#include "sync/hub/keys.h"
#include "sync/hub/nodes.h"
#include "sync/hub/publisher.h"
#include "sync/index_keys.h"
#include "sync/person_document.h"
#include "sync/publication/layout.h"
#include "sync/publication/manifest.h"
#include "sync/publication/signed.h"
#include "tests/sync/sync_fixture.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

using sync::SyncErrc;
namespace pub = sync::publication;
namespace hub = sync::hub;

using testing::At;

class NodeSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = testing::MakeHub(root_ / "hub", clock_);
    ASSERT_TRUE(h) << h.error().message;
    hub_.emplace(std::move(*h));
    persons_ = testing::SampleRegion(40);
    Import(20261101);
    auto n = testing::MakeNode(root_ / "node");
    ASSERT_TRUE(n) << n.error().message;
    node_.emplace(std::move(*n));
    auto enrolled = testing::EnrollOverHttp(*hub_, *node_, clock_);
    ASSERT_TRUE(enrolled) << enrolled.error().message;
  }

  void Import(sync::Date as_of) {
    const auto dir = root_ / ("region-" + std::to_string(++imports_));
    auto s = testing::ImportSpec(*hub_, dir, {.as_of = as_of, .persons = persons_}, clock_);
    ASSERT_TRUE(s) << s.error().message;
  }

  hub::PublishSummary Publish(std::chrono::seconds expires_in = std::chrono::hours(24 * 7), int max_deltas = 30) {
    hub::PublishOptions options;
    options.expires_in = expires_in;
    options.max_deltas = max_deltas;
    options.chunk_divisor = 8;  // several chunks even for a small region
    auto s = hub::Publish(*hub_, options, clock_);
    EXPECT_TRUE(s) << s.error().message;
    return s.value_or(hub::PublishSummary{});
  }

  Result<node::SyncSummary> Sync(bool accept_expired = false, sync::client::PublicationSource* source = nullptr,
                                 const Clock* clock = nullptr) {
    auto dir_source = sync::client::MakeDirectorySource(hub_->publication_root());
    node::SyncOptions options;
    options.accept_expired = accept_expired;
    options.clock = clock != nullptr ? clock : &clock_;
    return node::SyncNode(*node_, source != nullptr ? *source : *dir_source, options);
  }

  std::optional<std::int64_t> DataVersion() {
    auto v = node_->store.GetMeta(store::meta::kDataVersion);
    if (!v || !*v) return std::nullopt;
    return std::stoll(**v);
  }
  std::int64_t Persons() { return node_->store.Counts()->persons; }
  std::int64_t AuditEvents(std::string_view event) {
    auto s = node_->store.database().Prepare("SELECT count(*) FROM audit_log WHERE event = ?");
    s->Bind(1, event);
    EXPECT_TRUE(*s->Step());
    return s->ColumnInt(0);
  }
  // The node at version 1, and version 2 (one dispensing more) published.
  void SyncVersion1ThenPublishVersion2() {
    Publish();
    ASSERT_TRUE(Sync());
    testing::AddDispensing(persons_[2], 20261102, 1);
    clock_.Advance(std::chrono::hours(24));
    Import(20261101);
    Publish();
  }
  std::filesystem::path RegionDir() { return hub_->publication_root() / "17"; }
  pub::Manifest CurrentManifest() {
    auto bytes = ReadFileBytes(RegionDir() / "manifest.json");
    auto doc = pub::ParseSignedDocument(*bytes, "manifest", pub::kMaxManifestBytes);
    return *pub::ManifestFromJson(doc->signed_part);
  }
  std::filesystem::path ObjectFile(const pub::ObjectRef& ref) { return RegionDir() / "objects" / ref.hash; }

  // The refusal contract: the named error, the previous version still
  // served, and an audit entry.
  void ExpectRefused(const Result<node::SyncSummary>& r, SyncErrc code, std::optional<std::int64_t> version,
                     std::int64_t persons) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_FALSE(r.error().message.empty());
    EXPECT_EQ(DataVersion(), version);
    EXPECT_EQ(Persons(), persons);
    EXPECT_EQ(*node_->store.IntegrityCheck(), "ok");
    EXPECT_GE(AuditEvents("sync.refused"), 1);
    if (persons > 0) {
      auto p = node_->store.ReadPerson(persons_.front().person.id);
      ASSERT_TRUE(p && *p);
    }
  }

  testing::TempDir root_;
  ManualClock clock_{At("2026-11-01T09:00:00Z")};
  std::optional<hub::OpenHub> hub_;
  std::optional<node::OpenNode> node_;
  std::vector<sync::PersonRecord> persons_;
  int imports_ = 0;
};

TEST_F(NodeSyncTest, FullSyncAppliesPersonsIndexesTrustMaterialAndAudits) {
  Publish();
  auto r = Sync();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mode, "full");
  EXPECT_EQ(r->to_version, 1);
  EXPECT_EQ(r->persons_total, 40);
  EXPECT_EQ(Persons(), 40);
  EXPECT_EQ(DataVersion(), 1);
  auto read = node_->store.ReadPerson(7);
  ASSERT_TRUE(read && *read) << (read ? "missing" : read.error().message);
  sync::PersonRecord expected = persons_[6];
  expected.card_links.clear();
  EXPECT_EQ(**read, expected);
  const auto& link = persons_[6].card_links.front();
  auto by_card =
      node_->store.FindByCardKey(sync::CardLinkKey(*FromHex(link.issuer_der_hex), *FromHex(link.serial_hex)));
  EXPECT_EQ(*by_card, std::vector<std::int64_t>{7});
  auto trust = node_->store.ReadTrustMaterial();
  ASSERT_EQ(trust->size(), 2u);
  EXPECT_EQ(AuditEvents("sync.apply"), 1);
  EXPECT_EQ(*node_->store.GetMeta(store::meta::kDataExpiresAt), FormatUtc(clock_.Now() + std::chrono::hours(24 * 7)));
  // Staging is emptied after the apply.
  EXPECT_TRUE(std::filesystem::is_empty(root_ / "node" / "staging" / "17"));
}

// Clinicians are shown how old the records are. A publication that signs
// the same records again (a renewed expiry, a new node) must not make them
// look newer; a new import does.
TEST_F(NodeSyncTest, TheDateTheRecordsDescribeMovesWithAnImportNotWithAPublication) {
  Publish();
  ASSERT_TRUE(Sync());
  EXPECT_EQ(*node_->store.GetMeta(store::meta::kDataRecordsAsOf), "2026-11-01");
  EXPECT_EQ(*node_->store.GetMeta(store::meta::kDataCreatedAt), "2026-11-01T09:00:00Z");

  clock_.Advance(std::chrono::hours(24 * 5));
  Publish();  // no import since the first
  auto again = Sync();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(DataVersion(), 2);
  EXPECT_EQ(*node_->store.GetMeta(store::meta::kDataCreatedAt), "2026-11-06T09:00:00Z");
  EXPECT_EQ(*node_->store.GetMeta(store::meta::kDataRecordsAsOf), "2026-11-01");
  auto status = node::ReadNodeStatus(*node_, clock_);
  ASSERT_TRUE(status) << status.error().message;
  const nlohmann::json data = node::NodeStatusToJson(*status)["data"];
  EXPECT_EQ(data["records_as_of"], "2026-11-01");
  EXPECT_EQ(data["records_age_days"], 5);
  EXPECT_EQ(data["age_seconds"], 0);

  for (auto& p : persons_) testing::AddDispensing(p, 20261105, 14);
  Import(20261106);
  Publish();
  ASSERT_TRUE(Sync());
  EXPECT_EQ(*node_->store.GetMeta(store::meta::kDataRecordsAsOf), "2026-11-06");
}

TEST_F(NodeSyncTest, TheRevocationListOfAReferenceRegionReachesTheNodeAndIsReplacedWithIt) {
  // Evacuees from region 16 carry cards its list covers; the hub keeps
  // that region as reference records and sends its list along.
  auto reference = [&](std::int64_t crl_number) {
    sync::hub::ImportOptions options;
    options.reference = true;
    testing::RegionSpec spec{.region = "16", .persons = testing::SampleRegion(3, 100), .crl_number = crl_number};
    const auto dir = root_ / ("reference-" + std::to_string(crl_number));
    ASSERT_TRUE(testing::WriteRegion(dir, spec));
    auto s = hub::ImportRegion(hub_->store, dir, options, clock_);
    ASSERT_TRUE(s) << s.error().message;
  };
  auto crls = [&] {
    std::vector<Bytes> out;
    auto items = node_->store.ReadTrustMaterial();
    EXPECT_TRUE(items);
    for (const store::TrustItem& t : items.value_or(std::vector<store::TrustItem>{})) {
      if (t.kind == store::TrustItem::Kind::kCrl) out.push_back(t.der);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  reference(50);
  Publish();
  ASSERT_TRUE(Sync());
  const std::vector<Bytes> first = crls();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(Persons(), 40);  // reference persons are never sent

  reference(51);  // region 16's next list replaces its last one
  Publish();
  ASSERT_TRUE(Sync());
  const std::vector<Bytes> second = crls();
  ASSERT_EQ(second.size(), 2u);
  EXPECT_NE(second, first);
}

TEST_F(NodeSyncTest, DeltaSyncAppliesOnlyWhatChangedAndKeepsLocalRecords) {
  Publish();
  ASSERT_TRUE(Sync());
  ASSERT_TRUE(node_->store.database().Exec(
      "INSERT INTO check_record(seq, id, created_at, method, assurance, person_id, data_version, body, signature) "
      "VALUES (1, 'c1', 0, 'card', 'signature', 3, 1, x'00', x'00')"));
  testing::AddDispensing(persons_[2], 20261102, 1);
  testing::AddDispensing(persons_[9], 20261102, 2);
  persons_.erase(persons_.begin() + 20);  // person 21 moved away
  auto added = testing::SampleRegion(2, 100);
  persons_.insert(persons_.end(), added.begin(), added.end());
  clock_.Advance(std::chrono::hours(24));
  Import(20261101);
  const auto published = Publish();
  EXPECT_EQ(published.delta_upserts, 4);
  EXPECT_EQ(published.delta_removes, 1);
  auto r = Sync();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mode, "delta");
  EXPECT_EQ(r->persons_inserted, 4);
  EXPECT_EQ(r->persons_removed, 1);
  EXPECT_EQ(Persons(), 41);
  EXPECT_FALSE(*node_->store.ReadPerson(21));
  EXPECT_EQ((*node_->store.ReadPerson(3))->dispensings.size(), persons_[2].dispensings.size());
  EXPECT_TRUE(*node_->store.ReadPerson(101));
  EXPECT_EQ(node_->store.Counts()->checks, 1);
  EXPECT_LT(r->bytes_fetched, published.snapshot_bytes);
  EXPECT_EQ(*node_->store.IntegrityCheck(), "ok");
  // Nothing new: up to date, nothing fetched.
  auto again = Sync();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->mode, "up-to-date");
  EXPECT_EQ(again->bytes_fetched, 0);
}

TEST_F(NodeSyncTest, ASecondSyncOfTheSameNodeIsRefusedWhileTheFirstRuns) {
  ASSERT_NO_FATAL_FAILURE(SyncVersion1ThenPublishVersion2());
  {
    // As akari serve's hub link holds it while it syncs.
    auto running = FileLock::TryAcquire(node_->dir / node::kSyncLockFile);
    ASSERT_TRUE(running) << running.error().message;
    auto r = Sync();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, SyncErrc::kBusy);
    EXPECT_THAT(r.error().message, ::testing::HasSubstr("another sync of this node is running"));
    EXPECT_EQ(DataVersion(), 1);
  }
  auto r = Sync();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(DataVersion(), 2);
}

TEST_F(NodeSyncTest, AVersionWrittenBetweenPlanAndApplyIsNeverSetBack) {
  ASSERT_NO_FATAL_FAILURE(SyncVersion1ThenPublishVersion2());
  // Another writer (not a sync: those wait for sync.lock) moves the node to
  // a newer version after this sync read the node's version.
  auto dir_source = sync::client::MakeDirectorySource(hub_->publication_root());
  node::SyncOptions options;
  options.clock = &clock_;
  options.checkpoint = [&](std::string_view point) {
    if (point == "manifest-verified") {
      ASSERT_TRUE(node_->store.SetMeta(store::meta::kDataVersion, "3"));
    }
  };
  auto r = node::SyncNode(*node_, *dir_source, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kBusy) << r.error().message;
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("nothing was applied"));
  EXPECT_EQ(DataVersion(), 3) << "version 2 must not be applied over version 3";
}

TEST_F(NodeSyncTest, ARegionWithACardListedTwiceAndACardLinkedToTwoPersonsSyncs) {
  const sync::CardLink card = persons_[0].card_links.at(0);
  persons_[0].card_links.push_back({card.issuer_der_hex, "00" + card.serial_hex});  // the same card
  persons_[1].card_links.push_back(card);                                           // a mislink at the source
  clock_.Advance(std::chrono::hours(1));
  Import(20261101);
  Publish();
  auto r = Sync();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(Persons(), 40);
  EXPECT_EQ(*node_->store.FindByCardKey(sync::CardLinkKey(*FromHex(card.issuer_der_hex), *FromHex(card.serial_hex))),
            (std::vector<std::int64_t>{persons_[0].person.id, persons_[1].person.id}));
}

TEST_F(NodeSyncTest, ARepublishedUnchangedRegionReusesEveryChunk) {
  const auto first = Publish();
  const auto second = Publish();
  EXPECT_EQ(second.chunks, first.chunks);
  EXPECT_EQ(second.chunks_written, 0);
  EXPECT_EQ(second.delta_upserts, 0);
}

TEST_F(NodeSyncTest, AFullSyncFetchesOnlyTheChunksTheNodeLacks) {
  const auto first = Publish();
  ASSERT_GT(first.chunks, 3);
  ASSERT_TRUE(Sync());
  testing::AddDispensing(persons_[4], 20261102, 3);
  Import(20261101);
  const auto second = Publish(std::chrono::hours(24 * 7), /*max_deltas=*/0);  // no delta listed
  EXPECT_EQ(second.chunks_written, 1);
  auto r = Sync();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mode, "full");
  EXPECT_EQ(r->objects_fetched, 1);
  EXPECT_EQ(Persons(), 40);
  EXPECT_EQ((*node_->store.ReadPerson(5))->dispensings.size(), persons_[4].dispensings.size());
}

TEST_F(NodeSyncTest, AHeldFullApplyWritesNothingAndKeepsItsObjectsForTheNextRun) {
  Publish();
  ASSERT_TRUE(Sync());
  for (std::size_t i = 0; i < persons_.size(); i += 5) testing::AddDispensing(persons_[i], 20261102, 3);
  Import(20261101);
  const auto second = Publish(std::chrono::hours(24 * 7), /*max_deltas=*/0);
  ASSERT_GT(second.chunks_written, 1);
  const std::int64_t audit_before = AuditEvents("sync.apply");

  auto dir_source = sync::client::MakeDirectorySource(hub_->publication_root());
  node::SyncOptions options;
  options.clock = &clock_;
  std::int64_t asked = -1;
  options.hold_full_apply = [&](std::int64_t version, std::int64_t persons) {
    EXPECT_EQ(version, 2);
    asked = persons;
    return true;
  };
  auto held = node::SyncNode(*node_, *dir_source, options);
  ASSERT_TRUE(held) << held.error().message;
  EXPECT_EQ(held->mode, "full-held");
  EXPECT_EQ(held->persons_held, asked);
  EXPECT_GT(asked, 0);
  EXPECT_LE(asked, 40);
  EXPECT_EQ(held->to_version, 2);
  EXPECT_EQ(held->objects_fetched, second.chunks_written);
  EXPECT_EQ(DataVersion(), 1);
  EXPECT_EQ(Persons(), 40);
  EXPECT_EQ(AuditEvents("sync.apply"), audit_before);
  EXPECT_EQ((*node_->store.ReadPerson(1))->dispensings.size() + 1, persons_[0].dispensings.size());

  // Held again (the link asks every round): nothing fetched, and the staged
  // objects are not read and verified again until the apply.
  std::vector<std::string> points;
  options.checkpoint = [&](std::string_view point) { points.emplace_back(point); };
  auto again = node::SyncNode(*node_, *dir_source, options);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->mode, "full-held");
  EXPECT_EQ(again->objects_fetched, 0);
  EXPECT_EQ(again->objects_already_staged, second.chunks_written);
  EXPECT_EQ(std::ranges::count(points, "verified"), 0);
  EXPECT_EQ(DataVersion(), 1);

  // Released: applied from the staged objects, nothing fetched again.
  options.hold_full_apply = [](std::int64_t, std::int64_t) { return false; };
  auto applied = node::SyncNode(*node_, *dir_source, options);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(applied->mode, "full");
  EXPECT_EQ(applied->objects_fetched, 0);
  EXPECT_EQ(applied->objects_already_staged, second.chunks_written);
  EXPECT_EQ(std::ranges::count(points, "verified"), 1) << "verified before the apply";
  EXPECT_EQ(DataVersion(), 2);
  EXPECT_EQ((*node_->store.ReadPerson(1))->dispensings.size(), persons_[0].dispensings.size());

  // A delta is never offered to the hook.
  testing::AddDispensing(persons_[1], 20261103, 2);
  Import(20261101);
  Publish();
  options.hold_full_apply = [](std::int64_t, std::int64_t) -> bool {
    ADD_FAILURE() << "a delta was offered for holding";
    return true;
  };
  auto delta = node::SyncNode(*node_, *dir_source, options);
  ASSERT_TRUE(delta) << delta.error().message;
  EXPECT_EQ(delta->mode, "delta");
  EXPECT_EQ(DataVersion(), 3);
}

TEST_F(NodeSyncTest, TamperedObjectByteIsRefused) {
  Publish();
  const pub::Manifest m = CurrentManifest();
  const auto file = ObjectFile(m.chunks[1].object);
  auto bytes = *ReadFileBytes(file);
  bytes[bytes.size() / 2] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomically(file, bytes));
  ExpectRefused(Sync(), SyncErrc::kObjectMismatch, std::nullopt, 0);
}

TEST_F(NodeSyncTest, TruncatedObjectIsRefusedAndTheOldVersionStays) {
  Publish();
  ASSERT_TRUE(Sync());
  testing::AddDispensing(persons_[0], 20261102, 4);
  Import(20261101);
  Publish();
  const pub::Manifest m = CurrentManifest();
  ASSERT_EQ(m.deltas.size(), 1u);
  std::filesystem::resize_file(ObjectFile(m.deltas[0].objects[0]),
                               static_cast<std::uintmax_t>(m.deltas[0].objects[0].size - 20));
  ExpectRefused(Sync(), SyncErrc::kObjectMismatch, 1, 40);
}

TEST_F(NodeSyncTest, ObjectSwappedForAnotherOfTheSameManifestIsRefused) {
  Publish();
  const pub::Manifest m = CurrentManifest();
  ASSERT_TRUE(std::filesystem::copy_file(ObjectFile(m.chunks[0].object), ObjectFile(m.chunks[2].object),
                                         std::filesystem::copy_options::overwrite_existing));
  ExpectRefused(Sync(), SyncErrc::kObjectMismatch, std::nullopt, 0);
}

// Re-signs the current manifest.json's signed part after `edit`, with `key`.
void Resign(const std::filesystem::path& file, const crypto::SecretBuffer& key,
            const std::function<void(nlohmann::json&)>& edit) {
  auto doc = *pub::ParseSignedDocument(*ReadFileBytes(file), "manifest", pub::kMaxManifestBytes);
  edit(doc.signed_part);
  doc.signatures.clear();
  ASSERT_TRUE(pub::AddSignature(doc, key));
  ASSERT_TRUE(WriteFileAtomically(file, AsBytes(*pub::SerializeSignedDocument(doc))));
}

TEST_F(NodeSyncTest, ManifestSignedByAnUnknownKeyIsRefused) {
  Publish();
  auto stranger = crypto::GenerateSigningKeyPair();
  Resign(RegionDir() / "manifest.json", stranger->secret_key, [](nlohmann::json&) {});
  ExpectRefused(Sync(), SyncErrc::kUnknownKey, std::nullopt, 0);
}

TEST_F(NodeSyncTest, ManifestAlteredAfterSigningIsRefused) {
  Publish();
  const auto file = RegionDir() / "manifest.json";
  auto doc = *pub::ParseSignedDocument(*ReadFileBytes(file), "manifest", pub::kMaxManifestBytes);
  doc.signed_part["expires"] = "2099-01-01T00:00:00Z";
  ASSERT_TRUE(WriteFileAtomically(file, AsBytes(*pub::SerializeSignedDocument(doc))));
  ExpectRefused(Sync(), SyncErrc::kBadSignature, std::nullopt, 0);
}

TEST_F(NodeSyncTest, ManifestOlderThanTheAppliedVersionIsRefused) {
  Publish();
  testing::AddDispensing(persons_[1], 20261102, 5);
  Import(20261101);
  Publish();
  ASSERT_TRUE(Sync());
  ASSERT_EQ(DataVersion(), 2);
  // A stale mirror (or an attacker) serves version 1 again.
  std::filesystem::copy_file(RegionDir() / "manifests" / "1.json", RegionDir() / "manifest.json",
                             std::filesystem::copy_options::overwrite_existing);
  ExpectRefused(Sync(), SyncErrc::kRolledBack, 2, 40);
}

TEST_F(NodeSyncTest, ManifestForAnotherRegionIsRefused) {
  Publish();
  auto keys = hub::ManifestSigningKeys(hub_->store);
  ASSERT_TRUE(keys);
  Resign(RegionDir() / "manifest.json", keys->front(), [](nlohmann::json& j) { j["region"] = "18"; });
  ExpectRefused(Sync(), SyncErrc::kWrongRegion, std::nullopt, 0);
}

TEST_F(NodeSyncTest, ASecondManifestUnderAnAppliedVersionIsRefused) {
  Publish();
  ASSERT_TRUE(Sync());
  auto keys = hub::ManifestSigningKeys(hub_->store);
  Resign(RegionDir() / "manifest.json", keys->front(),
         [](nlohmann::json& j) { j["expires"] = "2026-12-31T00:00:00Z"; });
  ExpectRefused(Sync(), SyncErrc::kMixAndMatch, 1, 40);
}

TEST_F(NodeSyncTest, AManifestNamingARootTheSourceLacksIsRefused) {
  Publish();
  auto keys = hub::ManifestSigningKeys(hub_->store);
  Resign(RegionDir() / "manifest.json", keys->front(), [](nlohmann::json& j) { j["root_version"] = 2; });
  ExpectRefused(Sync(), SyncErrc::kMixAndMatch, std::nullopt, 0);
}

// A chunk's id names its plaintext, and the node skips a held chunk by id
// alone later on: a chunk that does not hold what its id names is refused
// rather than recorded under it (its hash binds only the ciphertext).
TEST_F(NodeSyncTest, AChunkThatDoesNotHoldWhatItsIdNamesIsRefused) {
  Publish();
  const pub::Manifest m = CurrentManifest();
  ASSERT_GE(m.chunks.size(), 2u);
  auto keys = hub::ManifestSigningKeys(hub_->store);
  ASSERT_TRUE(keys);
  const std::string claimed(64, 'a');  // the plaintext id of no chunk here
  Resign(RegionDir() / "manifest.json", keys->front(), [&](nlohmann::json& j) { j["chunks"][0]["id"] = claimed; });
  const auto r = Sync();
  ExpectRefused(r, SyncErrc::kCorruptDocument, std::nullopt, 0);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("snapshot chunk " + claimed.substr(0, 16)));
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("report this to the hub"));
}

TEST_F(NodeSyncTest, TrustMaterialThatDoesNotHoldWhatItsIdNamesIsRefused) {
  Publish();
  const pub::Manifest m = CurrentManifest();
  ASSERT_EQ(m.trust.size(), 2u);
  auto keys = hub::ManifestSigningKeys(hub_->store);
  ASSERT_TRUE(keys);
  const std::string claimed(64, 'b');  // the plaintext id of no trust item here
  Resign(RegionDir() / "manifest.json", keys->front(), [&](nlohmann::json& j) { j["trust"][0]["id"] = claimed; });
  const auto r = Sync();
  ExpectRefused(r, SyncErrc::kCorruptDocument, std::nullopt, 0);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("trust material " + claimed.substr(0, 16)));
  EXPECT_TRUE(node_->store.ReadTrustMaterial()->empty());
}

// Card checks use each trust item as the manifest lists it: a revocation
// list listed as the CA certificate (and the CA as a list) would leave
// every card check failing once applied, so it is refused instead.
TEST_F(NodeSyncTest, TrustMaterialOfAnotherKindThanListedIsRefused) {
  Publish();
  auto keys = hub::ManifestSigningKeys(hub_->store);
  ASSERT_TRUE(keys);
  Resign(RegionDir() / "manifest.json", keys->front(), [](nlohmann::json& j) {
    for (auto& t : j["trust"]) t["kind"] = t["kind"] == "crl" ? "ca_certificate" : "crl";
  });
  const auto r = Sync();
  ExpectRefused(r, SyncErrc::kCorruptDocument, std::nullopt, 0);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("is listed as a"));
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("but is not one"));
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("the node keeps its current trust material"));
  EXPECT_TRUE(node_->store.ReadTrustMaterial()->empty());
}

TEST_F(NodeSyncTest, ARootRotationThatKeepsTheManifestKeyKeepsTheManifestValid) {
  Publish();
  ASSERT_TRUE(hub::RotateKeys(hub_->store, {.root_keys = true}, clock_));
  ASSERT_TRUE(hub::WriteRootFiles(hub_->store, hub_->publication_root()));
  auto r = Sync();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->new_root_versions, 1);
  EXPECT_EQ(DataVersion(), 1);
}

TEST_F(NodeSyncTest, ARemovedNodeHasNoEnvelopeAndKeepsItsData) {
  Publish();
  ASSERT_TRUE(Sync());
  ASSERT_TRUE(hub::RemoveNode(hub_->store, node_->keystore.node_id(), clock_));
  testing::AddDispensing(persons_[1], 20261102, 6);
  Import(20261101);
  const auto published = Publish();
  EXPECT_TRUE(published.content_key_rotated);
  EXPECT_EQ(published.envelopes, 0);
  EXPECT_EQ(published.chunks_written, published.chunks);  // everything re-encrypted under the new key
  ExpectRefused(Sync(), SyncErrc::kNoEnvelope, 1, 40);
}

TEST_F(NodeSyncTest, AnExpiredManifestIsRefusedServedDataStaysAndAdminMayAcceptIt) {
  Publish();
  ASSERT_TRUE(Sync());
  testing::AddDispensing(persons_[1], 20261102, 7);
  Import(20261101);
  Publish(std::chrono::hours(1));
  clock_.Advance(std::chrono::hours(2));
  ExpectRefused(Sync(), SyncErrc::kExpired, 1, 40);

  // Past the served data's own expiry the node still serves it, and says so.
  clock_.Advance(std::chrono::hours(24 * 8));
  auto status = node::ReadNodeStatus(*node_, clock_);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->expired);
  EXPECT_EQ(status->data_version, 1);
  EXPECT_TRUE(*node_->store.ReadPerson(2));

  auto accepted = Sync(/*accept_expired=*/true);
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_TRUE(accepted->accepted_expired);
  EXPECT_EQ(DataVersion(), 2);
  EXPECT_EQ(AuditEvents("sync.accept_expired"), 1);
  node::AuditLog audit(node_->store, node_->keystore.signing_secret_key(), node_->keystore.signing_public_key(),
                       clock_);
  auto verified = audit.Verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->ok()) << verified->problem;
}

// The hub's root metadata past its expiry (its keys were not renewed in
// time) is refused; an administrator's override applies the update and is
// recorded in the audit log and in the summary, like an expired manifest.
TEST_F(NodeSyncTest, AnExpiredRootIsRefusedAndAnAcceptedOneIsRecorded) {
  Publish();
  ASSERT_TRUE(Sync());
  ASSERT_TRUE(hub::RotateKeys(hub_->store, {.validity = std::chrono::hours(24)}, clock_));
  clock_.Advance(std::chrono::hours(48));
  testing::AddDispensing(persons_[1], 20261102, 11);
  Import(20261101);
  Publish();  // the manifest itself is fresh
  ExpectRefused(Sync(), SyncErrc::kExpired, 1, 40);
  EXPECT_EQ(AuditEvents("sync.accept_expired"), 0);

  auto accepted = Sync(/*accept_expired=*/true);
  ASSERT_TRUE(accepted) << accepted.error().message;
  EXPECT_TRUE(accepted->accepted_expired);
  EXPECT_FALSE(accepted->accepted_expired_manifest);
  ASSERT_TRUE(accepted->accepted_expired_root);
  EXPECT_EQ(DataVersion(), 2);
  EXPECT_EQ(AuditEvents("sync.accept_expired"), 1);
}

TEST_F(NodeSyncTest, AClockSetBackIsReportedAndNotTrustedForExpiry) {
  Publish();
  ASSERT_TRUE(Sync());
  const TimePoint first_signed = clock_.Now();
  // The hub's clock moves on; the node's clock is set back a month.
  clock_.Advance(std::chrono::hours(1));
  testing::AddDispensing(persons_[1], 20261102, 8);
  Import(20261101);
  Publish();
  ManualClock node_clock(first_signed - std::chrono::hours(24 * 30));
  auto r = Sync(false, nullptr, &node_clock);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->clock_behind);
  EXPECT_EQ(AuditEvents("sync.clock_behind"), 1);
  EXPECT_EQ(*node_->store.GetMeta(store::meta::kTrustedTime), FormatUtc(clock_.Now()));
  auto status = node::ReadNodeStatus(*node_, node_clock);
  EXPECT_TRUE(status->clock_behind);

  // A manifest that expired before the trusted time is refused even though
  // the wrong local clock would call it valid.
  ManualClock hub_back(first_signed - std::chrono::hours(2));
  testing::AddDispensing(persons_[2], 20261102, 9);
  Import(20261101);
  hub::PublishOptions options;
  options.expires_in = std::chrono::hours(1);
  ASSERT_TRUE(hub::Publish(*hub_, options, hub_back));
  ExpectRefused(Sync(false, nullptr, &node_clock), SyncErrc::kExpired, 2, 40);

  // `akari status` judges the data's expiry at the node's time too: once
  // the trusted time is past it, the data is expired whatever the clock says.
  ASSERT_TRUE(status->data_expires_at);
  ASSERT_TRUE(
      node_->store.SetMeta(store::meta::kTrustedTime, FormatUtc(*status->data_expires_at + std::chrono::hours(1))));
  status = node::ReadNodeStatus(*node_, node_clock);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_TRUE(status->clock_behind);
  EXPECT_TRUE(status->expired);
}

TEST_F(NodeSyncTest, ANodeWalksSeveralRootRotations) {
  Publish();
  ASSERT_TRUE(Sync());
  ASSERT_TRUE(hub::RotateKeys(hub_->store, {.root_keys = true, .manifest_key = true}, clock_));
  ASSERT_TRUE(hub::RotateKeys(hub_->store, {.root_keys = true, .manifest_key = false}, clock_));
  testing::AddDispensing(persons_[3], 20261102, 10);
  Import(20261101);
  Publish();
  auto r = Sync();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->new_root_versions, 2);
  EXPECT_EQ(node::PinnedRoot(node_->store)->version, 3);
  EXPECT_EQ(DataVersion(), 2);
}

TEST_F(NodeSyncTest, ARootNotSignedByTheOldKeysIsRefused) {
  Publish();
  // root/2.json signed only by keys the node never trusted.
  pub::RootMetadata forged = *node::PinnedRoot(node_->store);
  auto k1 = crypto::GenerateSigningKeyPair();
  auto k2 = crypto::GenerateSigningKeyPair();
  forged.version = 2;
  forged.keys = {{pub::KeyIdOf(k1->public_key), k1->public_key}, {pub::KeyIdOf(k2->public_key), k2->public_key}};
  forged.root_role = {{pub::KeyIdOf(k1->public_key)}, 1};
  forged.manifest_role = {{pub::KeyIdOf(k2->public_key)}, 1};
  pub::SignedDocument doc;
  doc.signed_part = pub::RootToJson(forged);
  ASSERT_TRUE(pub::AddSignature(doc, k1->secret_key));
  ASSERT_TRUE(WriteFileAtomically(RegionDir() / "root" / "2.json", AsBytes(*pub::SerializeSignedDocument(doc))));
  ExpectRefused(Sync(), SyncErrc::kUnknownKey, std::nullopt, 0);
  EXPECT_EQ(node::PinnedRoot(node_->store)->version, 1);
}

// Fails every object fetch after the first `allowed`.
class FlakySource final : public sync::client::PublicationSource {
 public:
  FlakySource(std::unique_ptr<sync::client::PublicationSource> inner, int allowed)
      : inner_(std::move(inner)), allowed_(allowed) {}
  std::string Describe() const override { return "flaky"; }
  Result<std::optional<Bytes>> ReadSmall(std::string_view path, std::size_t max) override {
    return inner_->ReadSmall(path, max);
  }
  Status FetchObject(std::string_view path, std::int64_t size, const std::filesystem::path& part,
                     const sync::client::BytesCallback& cb) override {
    if (allowed_-- <= 0) return MakeError(SyncErrc::kUnreachable, "link down");
    return inner_->FetchObject(path, size, part, cb);
  }

 private:
  std::unique_ptr<sync::client::PublicationSource> inner_;
  int allowed_;
};

TEST_F(NodeSyncTest, AnInterruptedSyncAppliesNothingAndTheNextFetchesOnlyWhatIsMissing) {
  const auto published = Publish();
  FlakySource flaky(sync::client::MakeDirectorySource(hub_->publication_root()), 2);
  auto failed = Sync(false, &flaky);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, SyncErrc::kUnreachable);
  EXPECT_EQ(Persons(), 0);
  EXPECT_EQ(DataVersion(), std::nullopt);
  EXPECT_EQ(AuditEvents("sync.refused"), 0);  // a network failure is not a refusal
  auto r = Sync();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->objects_already_staged, 2);
  const std::int64_t total = published.chunks + 1 /*dictionary or not*/ + 2 /*trust*/;
  EXPECT_LE(r->objects_fetched, total - 2);
  EXPECT_EQ(Persons(), 40);
}

TEST_F(NodeSyncTest, ANodeWhoseDataDriftedIsRepairedFromTheSnapshot) {
  Publish();
  ASSERT_TRUE(Sync());
  // Damage the node's data behind the store's back (a person lost).
  ASSERT_TRUE(node_->store.DeletePersons(std::vector<std::int64_t>{17}));
  testing::AddDispensing(persons_[1], 20261102, 11);
  Import(20261101);
  Publish();
  auto r = Sync();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->mode, "full");  // the delta would have left 39 persons
  EXPECT_EQ(Persons(), 40);
  EXPECT_TRUE(*node_->store.ReadPerson(17));
  EXPECT_EQ(DataVersion(), 2);
}

TEST_F(NodeSyncTest, DocumentsCompressedWithTheHubsDictionaryDecodeOnTheNode) {
  persons_ = testing::SampleRegion(400);
  Import(20261101);
  auto dict = hub_->store.GetMeta(hub::meta::kDictionaryId);
  ASSERT_TRUE(dict && *dict);
  ASSERT_NE(**dict, "0") << "the hub did not train a dictionary";
  Publish();
  auto r = Sync();
  ASSERT_TRUE(r) << r.error().message;
  auto doc = node_->store.ReadPersonDocument(123);
  ASSERT_TRUE(doc && *doc);
  EXPECT_EQ((**doc)[0], sync::kPersonDocumentFormatDictionary);
  auto read = node_->store.ReadPerson(123);
  ASSERT_TRUE(read && *read) << (read ? "missing" : read.error().message);
  EXPECT_EQ((*read)->person, persons_[122].person);
}

}  // namespace
}  // namespace akari
