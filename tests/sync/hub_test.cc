// The hub: init, import (and what it records as changed), the node
// registry and enrollment, publishing, and the HTTP routes.
#include <gtest/gtest.h>

#include <limits>

#include "base/errors.h"
#include "base/file.h"
#include "crypto/encoding.h"
#include "sync/errors.h"
#include "sync/hub/import.h"
#include "sync/hub/keys.h"
#include "sync/hub/nodes.h"
#include "sync/hub/publisher.h"
#include "sync/hub/routes.h"
#include "sync/index_keys.h"
#include "sync/net/http_client.h"
#include "sync/publication/layout.h"
#include "tests/sync/sync_fixture.h"
#include "tests/testing/sample_records.h"
#include "tests/testing/temp_dir.h"

namespace akari::sync::hub {
namespace {

using testing::At;

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = testing::MakeHub(root_ / "hub", clock_);
    ASSERT_TRUE(h) << h.error().message;
    hub_.emplace(std::move(*h));
  }
  Result<ImportSummary> Import(const std::vector<PersonRecord>& persons, std::string region = "17") {
    const auto dir = root_ / ("region-" + std::to_string(++imports_));
    testing::RegionSpec spec;
    spec.region = region;
    spec.persons = persons;
    EXPECT_TRUE(testing::WriteRegion(dir, spec));
    return ImportRegion(hub_->store, dir, {}, clock_);
  }
  std::int64_t Count(std::string_view sql) { return *hub_->store.database().QueryInt(sql); }

  testing::TempDir root_;
  ManualClock clock_{At("2026-11-01T09:00:00Z")};
  std::optional<OpenHub> hub_;
  int imports_ = 0;
};

TEST_F(HubTest, InitWritesTheFirstRootAndRefusesASecondInit) {
  EXPECT_TRUE(std::filesystem::exists(hub_->publication_root() / "17" / "root" / "1.json"));
  auto root = CurrentRoot(hub_->store);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->root.root_role.keyids.size(), 3u);
  EXPECT_EQ(root->root.root_role.threshold, 2);
  auto again = testing::MakeHub(root_ / "hub", clock_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, BaseErrc::kExists);
  EXPECT_EQ(testing::MakeHub(root_ / "other", clock_, "../x").error().code, SyncErrc::kInvalidArgument);
}

TEST_F(HubTest, ReimportRecordsWhatChangedPerPerson) {
  auto persons = testing::SampleRegion(10);
  auto first = Import(persons);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->added, 10);
  testing::AddDispensing(persons[3], 20261102, 1);
  persons.erase(persons.begin() + 7);
  auto extra = testing::SampleRegion(1, 50);
  persons.push_back(extra[0]);
  auto second = Import(persons);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->added, 1);
  EXPECT_EQ(second->changed, 1);
  EXPECT_EQ(second->removed, 1);
  EXPECT_EQ(second->unchanged, 8);
  EXPECT_EQ(Count("SELECT count(*) FROM person_change WHERE import_id = " + std::to_string(second->import_id)), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM person_change WHERE change = 'removed' AND person_id = 8"), 1);
  auto read = hub_->store.ReadPerson(4);
  ASSERT_TRUE(read && *read);
  EXPECT_EQ(**read, persons[3]);  // card links included on the hub
  auto by_insurance = hub_->store.FindByInsuranceKey(InsuranceKey(
      persons[0].coverages[1].insurer_number, persons[0].coverages[1].symbol, persons[0].coverages[1].number));
  EXPECT_EQ(*by_insurance, std::vector<std::int64_t>{1});
}

TEST_F(HubTest, BadInputImportsNothing) {
  auto persons = testing::SampleRegion(5);
  ASSERT_TRUE(Import(persons));
  EXPECT_EQ(Import(persons, "18").error().code, SyncErrc::kWrongRegion);
  std::swap(persons[1], persons[2]);
  EXPECT_EQ(Import(persons).error().code, SyncErrc::kCorruptDocument);
  const auto dir = root_ / "broken";
  testing::RegionSpec spec;
  spec.persons = testing::SampleRegion(3);
  spec.persons[1].coverages[0].insurer_number = "01170019";  // wrong check digit
  ASSERT_TRUE(testing::WriteRegion(dir, spec));
  auto r = ImportRegion(hub_->store, dir, {}, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kInvalidRecord);
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
  EXPECT_EQ(Count("SELECT count(*) FROM person"), 5);
  EXPECT_EQ(Count("SELECT count(*) FROM import_batch"), 1);
}

TEST_F(HubTest, ARevocationListImportedWithSeveralRegionsIsPublishedOnce) {
  // The same national list given with the hub's region and a reference
  // region (what J-LIS supplies: one list for every card).
  ASSERT_TRUE(Import(testing::SampleRegion(5)));
  const auto dir = root_ / "reference";
  testing::RegionSpec spec;
  spec.region = "16";
  spec.persons = testing::SampleRegion(3, 100);
  ASSERT_TRUE(testing::WriteRegion(dir, spec));
  ImportOptions options;
  options.reference = true;
  ASSERT_TRUE(ImportRegion(hub_->store, dir, options, clock_));
  ASSERT_TRUE(Publish(*hub_, {}, clock_));
  auto manifest = ReadFileBytes(hub_->publication_root() / "17" / "manifest.json");
  ASSERT_TRUE(manifest);
  const auto listed = nlohmann::json::parse(ToString(*manifest))["signed"]["trust"];
  EXPECT_EQ(listed.size(), 2u) << listed.dump();  // the CA and the one list
}

TEST_F(HubTest, ReferenceRecordsOfAnotherRegionAreKeptApartAndNeverPublished) {
  ASSERT_TRUE(Import(testing::SampleRegion(5)));
  const auto reference = [&](std::vector<PersonRecord> persons, std::string region) {
    const auto dir = root_ / ("reference-" + std::to_string(++imports_));
    testing::RegionSpec spec;
    spec.region = std::move(region);
    spec.persons = std::move(persons);
    spec.crl_number = 100 + imports_;  // a list of its own, not a copy of the hub's
    EXPECT_TRUE(testing::WriteRegion(dir, spec));
    ImportOptions options;
    options.reference = true;
    return ImportRegion(hub_->store, dir, options, clock_);
  };
  auto first = reference(testing::SampleRegion(3, 100), "16");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->reference_region, "16");
  EXPECT_EQ(first->added, 3);
  EXPECT_EQ(first->trust_items, 1);  // its revocation list; never a CA certificate
  EXPECT_EQ(Count("SELECT count(*) FROM person"), 8);
  EXPECT_EQ(Count("SELECT count(*) FROM person WHERE region = '16' AND id BETWEEN 160000000100 AND 160000000102"), 3);
  auto record = hub_->store.ReadPerson(ReferencePersonId(16, 101));
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->person.id, 160000000101);
  EXPECT_EQ(*hub_->store.GetMeta(meta::kAsOf), std::optional<std::string>("20261101"));

  // Each import replaces only its own region's records.
  auto again = reference(testing::SampleRegion(2, 100), "16");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->removed, 1);
  ASSERT_TRUE(Import(testing::SampleRegion(4)));
  EXPECT_EQ(Count("SELECT count(*) FROM person WHERE region IS NULL"), 4);
  EXPECT_EQ(Count("SELECT count(*) FROM person WHERE region = '16'"), 2);

  auto published = Publish(*hub_, {}, clock_);
  ASSERT_TRUE(published) << published.error().message;
  EXPECT_EQ(published->persons, 4);
  // Region 16's revocation list goes out beside the hub's own (so a node
  // can check an evacuee's card), replaced by each import of region 16 and
  // kept by imports of the hub's own region.
  EXPECT_EQ(Count("SELECT count(*) FROM trust_item WHERE region IS NULL AND kind = 'ca_certificate'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM trust_item WHERE region IS NULL AND kind = 'crl'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM trust_item WHERE region = '16'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM trust_item WHERE region = '16' AND kind = 'crl'"), 1);
  auto manifest = ReadFileBytes(hub_->publication_root() / "17" / "manifest.json");
  ASSERT_TRUE(manifest);
  const auto listed = nlohmann::json::parse(ToString(*manifest))["signed"]["trust"];
  EXPECT_EQ(listed.size(), 3u) << listed.dump();

  auto own = reference(testing::SampleRegion(2), "17");
  ASSERT_FALSE(own);
  EXPECT_EQ(own.error().code, SyncErrc::kWrongRegion);
  EXPECT_NE(own.error().message.find("without --reference"), std::string::npos);
  auto odd = reference(testing::SampleRegion(2), "XY");
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().code, SyncErrc::kWrongRegion);
  auto unmarked = Import(testing::SampleRegion(2), "16");
  ASSERT_FALSE(unmarked);
  EXPECT_NE(unmarked.error().message.find("--reference"), std::string::npos);
  PersonRecord huge = testing::SamplePerson(kReferenceIdBase);
  huge.card_links.clear();
  auto big = Import(std::vector<PersonRecord>{huge});
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, SyncErrc::kCorruptDocument) << big.error().message;
  EXPECT_EQ(Count("SELECT count(*) FROM person"), 6);
}

TEST_F(HubTest, APublishedVersionThatNothingCanFollowIsRefusedNotIncremented) {
  ASSERT_TRUE(Import(testing::SampleRegion(3)));
  ASSERT_TRUE(Publish(*hub_, {}, clock_));
  const auto file = hub_->publication_root() / "17" / "manifest.json";
  auto text = ReadFileBytes(file);
  ASSERT_TRUE(text);
  nlohmann::json doc = nlohmann::json::parse(ToString(*text));
  for (const nlohmann::json& version :
       {nlohmann::json(publication::kMaxVersion), nlohmann::json(std::numeric_limits<std::int64_t>::max()),
        nlohmann::json(std::numeric_limits<std::uint64_t>::max()), nlohmann::json(-5)}) {
    doc["signed"]["version"] = version;
    ASSERT_TRUE(WriteFileAtomically(file, AsBytes(doc.dump())));
    auto r = Publish(*hub_, {}, clock_);
    ASSERT_FALSE(r) << version.dump();
    EXPECT_EQ(r.error().code, SyncErrc::kCorruptDocument);
    EXPECT_NE(r.error().message.find("no version can follow it"), std::string::npos) << r.error().message;
    EXPECT_EQ(nlohmann::json::parse(ToString(*ReadFileBytes(file)))["signed"]["version"], version);
  }
  // The largest version that can still be followed is followed.
  doc["signed"]["version"] = publication::kMaxVersion - 1;
  ASSERT_TRUE(WriteFileAtomically(file, AsBytes(doc.dump())));
  auto last = Publish(*hub_, {}, clock_);
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_EQ(last->version, publication::kMaxVersion);
}

TEST_F(HubTest, PublishingBeforeAnyImportIsExplained) {
  auto r = Publish(*hub_, {}, clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kInvalidArgument);
  EXPECT_NE(r.error().message.find("akari-hub import"), std::string::npos);
}

TEST_F(HubTest, EnrollmentTokensWorkOnce) {
  auto inv = InviteNode(hub_->store, "shelter 1", clock_);
  ASSERT_TRUE(inv);
  auto box = crypto::GenerateBoxKeyPair();
  auto sign = crypto::GenerateSigningKeyPair();
  EnrollRequest req{inv->token, std::string(32, 'a'), sign->public_key, box->public_key};
  auto ok = EnrollNode(hub_->store, req, clock_);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->root, CurrentRoot(hub_->store)->text);
  // The node's answer was lost: the same node asking again is answered again.
  auto retried = EnrollNode(hub_->store, req, clock_);
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(retried->root, ok->root);
  // Other keys under the same id are not the same node.
  EnrollRequest other_keys = req;
  other_keys.box_public_key = crypto::GenerateBoxKeyPair()->public_key;
  EXPECT_EQ(EnrollNode(hub_->store, other_keys, clock_).error().code, SyncErrc::kBadToken);
  req.node_id = std::string(32, 'b');
  EXPECT_EQ(EnrollNode(hub_->store, req, clock_).error().code, SyncErrc::kBadToken);
  auto second = InviteNode(hub_->store, "shelter 2", clock_);
  req.token = second->token;
  req.node_id = std::string(32, 'a');
  EXPECT_EQ(EnrollNode(hub_->store, req, clock_).error().code, SyncErrc::kConflict);
  auto nodes = ListNodes(hub_->store);
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].state, "enrolled");
  EXPECT_EQ((*nodes)[1].state, "invited");
  EXPECT_EQ(RemoveNode(hub_->store, "99", clock_).error().code, SyncErrc::kInvalidArgument);
  ASSERT_TRUE(RemoveNode(hub_->store, std::string(32, 'a'), clock_));
  EXPECT_EQ(*hub_->store.GetMeta(meta::kRotateContentKey), "1");
}

net::Response Get(net::Router& router, std::string path) {
  net::Request r;
  r.method = "GET";
  r.path = std::move(path);
  return router.Dispatch(r);
}

TEST_F(HubTest, PublicationRoutesServeFilesOnlyInsideTheRoot) {
  ASSERT_TRUE(Import(testing::SampleRegion(5)));
  ASSERT_TRUE(Publish(*hub_, {}, clock_));
  net::Router router;
  AddPublicationRoutes(router, hub_->publication_root());
  auto manifest = Get(router, "/17/manifest.json");
  ASSERT_TRUE(manifest.file);
  EXPECT_EQ(manifest.headers.Get("Content-Type"), "application/json");
  for (const char* path : {"/../hub.db", "/17/../../hub.db", "/17/.manifest.json.tmp-1", "/17", "/v1/enroll",
                           "/17/objects/../../keystore.json"}) {
    EXPECT_EQ(Get(router, path).status, 404) << path;
  }
  std::filesystem::create_symlink(root_ / "hub" / "hub.db", hub_->publication_root() / "17" / "objects" / "evil");
  EXPECT_EQ(Get(router, "/17/objects/evil").status, 404);
}

TEST_F(HubTest, ServerAnswersRangesAndEnrollmentOverHttp) {
  ASSERT_TRUE(Import(testing::SampleRegion(5)));
  ASSERT_TRUE(Publish(*hub_, {}, clock_));
  auto server = testing::HubServer::Start(*hub_, clock_);
  ASSERT_TRUE(server);
  net::HttpClient client;
  const std::string url = (*server)->url() + "17/manifest.json";
  auto whole = client.Get(url);
  ASSERT_TRUE(whole);
  ASSERT_EQ(whole->status, 200);
  net::Headers range;
  range.Set("Range", "bytes=10-19");
  auto part = client.Get(url, range);
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, whole->body.substr(10, 10));

  auto bad = client.PostJson((*server)->url() + "v1/enroll", {{"token", "x"}});
  EXPECT_EQ(bad->status, 400);
  auto box = crypto::GenerateBoxKeyPair();
  auto sign = crypto::GenerateSigningKeyPair();
  const nlohmann::json body = {{"token", "AKE1.17." + std::string(64, 'a') + "." + std::string(32, 'b')},
                               {"node_id", std::string(32, 'c')},
                               {"signing_public_key", crypto::Base64Encode(sign->public_key)},
                               {"box_public_key", crypto::Base64Encode(box->public_key)}};
  auto refused = client.PostJson((*server)->url() + "v1/enroll", body);
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->body.find("bad_token"), std::string::npos);
  // A malformed node id is the request's fault, whatever the token.
  for (const std::string& id :
       {std::string(31, 'c'), std::string(32, 'g'), std::string("../") + std::string(29, 'c')}) {
    nlohmann::json malformed = body;
    malformed["node_id"] = id;
    auto answer = client.PostJson((*server)->url() + "v1/enroll", malformed);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 400) << id;
    EXPECT_NE(answer->body.find("32 hex digits"), std::string::npos) << answer->body;
  }
}

}  // namespace
}  // namespace akari::sync::hub
