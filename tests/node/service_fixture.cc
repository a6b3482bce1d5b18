#include "tests/node/service_fixture.h"

#include <stdexcept>

#include "crypto/secret_buffer.h"
#include "node/store/meta_keys.h"
#include "sync/index_keys.h"
#include "sync/person_document.h"
#include "tests/testing/sample_records.h"

namespace akari::testing {

TimePoint TestNow() {
  TimePoint t;
  if (!ParseUtc("2026-11-01T03:00:00Z", t)) throw std::logic_error("TestNow: its constant is not a UTC time");
  return t;
}

node::OpenNode CreateSeededNode(const std::filesystem::path& dir, std::int64_t persons) {
  auto pass = crypto::SecretBuffer::CopyOf(AsBytes(kServicePassphrase));
  auto node = node::CreateNode(dir, *pass, "test", kCheapKdf);
  if (!node) throw std::runtime_error("CreateNode: " + node.error().message);
  std::vector<store::StoredPerson> stored;
  for (std::int64_t id = 1; id <= persons; ++id) {
    const sync::PersonRecord r = SamplePerson(id);
    auto doc = sync::EncodePersonDocument(r);
    if (!doc) throw std::runtime_error("EncodePersonDocument: " + doc.error().message);
    stored.push_back({id, std::move(*doc), sync::DeriveIndexEntries(r, 20261101)});
  }
  auto s = node->store.ReplacePersons(stored);
  if (!s) throw std::runtime_error("ReplacePersons: " + s.error().message);
  for (auto [key, value] :
       {std::pair{store::meta::kDataVersion, "7"}, std::pair{store::meta::kDataCreatedAt, kSnapshotCreated},
        std::pair{store::meta::kDataExpiresAt, kSnapshotExpires},
        std::pair{store::meta::kDataRecordsAsOf, kSnapshotRecordsAsOf}, std::pair{store::meta::kRegion, "17"}}) {
    if (!node->store.SetMeta(key, value)) throw std::runtime_error("SetMeta failed");
  }
  return std::move(*node);
}

void AddOperator(node::OpenNode& node, const std::string& id, node::Role role, const std::string& pin) {
  ManualClock clock(TestNow());
  node::OperatorStore ops(node.store, clock);
  auto secret = crypto::SecretBuffer::CopyOf(AsBytes(pin));
  auto added = ops.Add(id, "Test " + id, role, *secret, kCheapKdf);
  if (!added) throw std::runtime_error("AddOperator: " + added.error().message);
}

nlohmann::json InsuranceNumbersOf(const sync::PersonRecord& person, const sync::Coverage& coverage) {
  return {{"insurer_number", coverage.insurer_number},
          {"symbol", coverage.symbol},
          {"number", coverage.number},
          {"branch", coverage.branch},
          {"birth_date", sync::FormatDate(person.person.birth_date)}};
}

nlohmann::json InsuranceNumbersOf(std::int64_t id) {
  const sync::PersonRecord r = SamplePerson(id);
  return InsuranceNumbersOf(r, r.coverages.back());
}

}  // namespace akari::testing
