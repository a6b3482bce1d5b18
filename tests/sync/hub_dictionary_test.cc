// The document dictionary across imports with and without one, own and
// reference: whatever the sequence, a published version lists exactly the
// dictionary its documents need, and a node that syncs it reads every person.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "node/sync/node_sync.h"
#include "sync/client/source.h"
#include "sync/hub/import.h"
#include "sync/hub/publisher.h"
#include "tests/sync/sync_fixture.h"
#include "tests/testing/temp_dir.h"

namespace akari::sync::hub {
namespace {

using testing::At;

class HubDictionaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = testing::MakeHub(root_ / "hub", clock_);
    ASSERT_TRUE(h) << h.error().message;
    hub_.emplace(std::move(*h));
    persons_ = testing::SampleRegion(300);
  }

  // Imports the hub's own persons_ (or, with `reference_region`, persons
  // of that region as reference records).
  Result<ImportSummary> Import(ImportOptions options, std::string reference_region = "") {
    const auto dir = root_ / ("region-" + std::to_string(++imports_));
    testing::RegionSpec spec;
    spec.persons = persons_;
    if (!reference_region.empty()) {
      spec.region = reference_region;
      spec.persons = testing::SampleRegion(50, 1000);
      spec.crl_number = 100 + imports_;
      options.reference = true;
    }
    if (auto s = testing::WriteRegion(dir, spec); !s) return std::unexpected(s.error());
    return ImportRegion(hub_->store, dir, options, clock_);
  }

  std::string StoredDictionaryId() { return hub_->store.GetMeta(meta::kDictionaryId)->value_or("(none)"); }

  // Publishes, syncs the node (enrolled before the first publication) and
  // returns the dictionary ids the manifest lists.
  std::vector<std::uint32_t> PublishAndSync() {
    if (!node_) {
      auto n = testing::MakeNode(root_ / "node");
      EXPECT_TRUE(n) << n.error().message;
      node_.emplace(std::move(*n));
      auto enrolled = testing::EnrollOverHttp(*hub_, *node_, clock_);
      EXPECT_TRUE(enrolled) << enrolled.error().message;
    }
    clock_.Advance(std::chrono::minutes(10));
    auto published = Publish(*hub_, {}, clock_);
    EXPECT_TRUE(published) << published.error().message;
    auto source = client::MakeDirectorySource(hub_->publication_root());
    node::SyncOptions options;
    options.clock = &clock_;
    auto synced = node::SyncNode(*node_, *source, options);
    EXPECT_TRUE(synced) << synced.error().message;
    auto manifest = ReadFileBytes(hub_->publication_root() / "17" / "manifest.json");
    EXPECT_TRUE(manifest);
    const nlohmann::json doc = nlohmann::json::parse(ToString(*manifest));
    std::vector<std::uint32_t> ids;
    for (const auto& d : doc["signed"]["dictionaries"]) {
      ids.push_back(d["id"].get<std::uint32_t>());
    }
    return ids;
  }

  // Every person the node holds decodes to the imported record.
  void ExpectNodeReadsEveryPerson() {
    ASSERT_TRUE(node_);
    EXPECT_EQ(node_->store.Counts()->persons, static_cast<std::int64_t>(persons_.size()));
    for (const PersonRecord& expected : persons_) {
      auto read = node_->store.ReadPerson(expected.person.id);
      ASSERT_TRUE(read) << "person " << expected.person.id << ": " << read.error().message;
      ASSERT_TRUE(*read) << "person " << expected.person.id;
      EXPECT_EQ((*read)->person.id, expected.person.id);
      EXPECT_EQ((*read)->dispensings.size(), expected.dispensings.size());
    }
  }

  testing::TempDir root_;
  ManualClock clock_{At("2026-11-01T09:00:00Z")};
  std::optional<OpenHub> hub_;
  std::optional<node::OpenNode> node_;
  std::vector<PersonRecord> persons_;
  int imports_ = 0;
};

ImportOptions NoDictionary() {
  ImportOptions o;
  o.no_dictionary = true;
  return o;
}

TEST_F(HubDictionaryTest, AReferenceImportWithoutADictionaryKeepsTheRegionsDictionary) {
  auto own = Import({});
  ASSERT_TRUE(own) << own.error().message;
  ASSERT_TRUE(own->dictionary_trained);
  ASSERT_EQ(own->dictionary_id, 1u);

  auto reference = Import(NoDictionary(), "16");
  ASSERT_TRUE(reference) << reference.error().message;
  EXPECT_EQ(StoredDictionaryId(), "1");
  EXPECT_EQ(PublishAndSync(), std::vector<std::uint32_t>{1});
  ExpectNodeReadsEveryPerson();
  // The reference records still answer reconciliation on the hub.
  auto evacuee = hub_->store.ReadPerson(ReferencePersonId(16, 1000));
  ASSERT_TRUE(evacuee) << evacuee.error().message;
  EXPECT_TRUE(*evacuee);

  // A reference import with the dictionary, and the next own import, leave it too.
  ASSERT_TRUE(Import({}, "16"));
  testing::AddDispensing(persons_[5], 20261102, 3);
  auto again = Import({});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->dictionary_id, 1u);
  EXPECT_FALSE(again->dictionary_trained);
  EXPECT_EQ(PublishAndSync(), std::vector<std::uint32_t>{1});
  ExpectNodeReadsEveryPerson();
}

TEST_F(HubDictionaryTest, ImportsAfterOneWithoutADictionaryTrainANewOne) {
  auto first = Import({});
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->dictionary_id, 1u);
  EXPECT_EQ(PublishAndSync(), std::vector<std::uint32_t>{1});
  ExpectNodeReadsEveryPerson();

  auto plain = Import(NoDictionary());
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->dictionary_id, 0u);
  EXPECT_EQ(StoredDictionaryId(), "0");
  EXPECT_EQ(PublishAndSync(), std::vector<std::uint32_t>{});
  ExpectNodeReadsEveryPerson();

  // Dictionary 1 is still in the table: the next one is 2, and every
  // document is encoded with it again.
  testing::AddDispensing(persons_[7], 20261102, 4);
  auto trained = Import({});
  ASSERT_TRUE(trained) << trained.error().message;
  EXPECT_TRUE(trained->dictionary_trained);
  EXPECT_EQ(trained->dictionary_id, 2u);
  EXPECT_EQ(StoredDictionaryId(), "2");
  EXPECT_EQ(trained->reindexed + trained->changed, static_cast<std::int64_t>(persons_.size()));
  EXPECT_EQ(PublishAndSync(), std::vector<std::uint32_t>{2});
  ExpectNodeReadsEveryPerson();

  // And once more without, then with: dictionary 3.
  ASSERT_TRUE(Import(NoDictionary()));
  EXPECT_EQ(PublishAndSync(), std::vector<std::uint32_t>{});
  ExpectNodeReadsEveryPerson();
  auto third = Import({});
  ASSERT_TRUE(third) << third.error().message;
  EXPECT_EQ(third->dictionary_id, 3u);
  EXPECT_EQ(PublishAndSync(), std::vector<std::uint32_t>{3});
  ExpectNodeReadsEveryPerson();
}

}  // namespace
}  // namespace akari::sync::hub
