#include "node/checks/report.h"

#include <gtest/gtest.h>

#include "node/checks/check_queue.h"
#include "node/checks/eligibility.h"
#include "sync/index_keys.h"
#include "sync/person_document.h"
#include "tests/testing/sample_records.h"
#include "tests/testing/temp_dir.h"

namespace akari::node {
namespace {

namespace rc = sync::reconcile;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_.emplace(std::move(*store::Store::Open(dir_ / "node.db", Bytes(32, 1), {.create = true})));
    keys_.emplace(std::move(*crypto::GenerateSigningKeyPair()));
    queue_.emplace(*store_, "node1", keys_->secret_key, clock_);
    std::vector<store::StoredPerson> persons;
    for (std::int64_t id = 1; id <= 5; ++id) {
      const auto r = testing::SamplePerson(id);
      persons.push_back({id, *sync::EncodePersonDocument(r), sync::DeriveIndexEntries(r, 20261101)});
    }
    ASSERT_TRUE(store_->ReplacePersons(persons));
  }
  std::int64_t AddCheck(std::int64_t person, std::string local_status, nlohmann::json claim = nlohmann::json::object(),
                        CheckMethod method = CheckMethod::kInsuranceNumbers) {
    CheckInput in;
    in.method = method;
    in.assurance = Assurance::kNumbers;
    in.claim = std::move(claim);
    if (person > 0) in.person_id = person;
    const auto r = testing::SamplePerson(person > 0 ? person : 1);
    in.answer = {local_status, local_status == "covered" ? CoverageJson(r.coverages[0]) : nlohmann::json(nullptr), "",
                 ""};
    auto rec = queue_->Record(in);
    EXPECT_TRUE(rec);
    clock_.Advance(std::chrono::minutes(1));
    return rec->seq;
  }
  void Answer(std::int64_t seq, rc::Outcome outcome, nlohmann::json coverage = nullptr) {
    rc::CheckAnswer a;
    a.check_id = "node1-" + std::to_string(seq);
    a.outcome = outcome;
    a.qualification_validity = rc::QualificationValidity(outcome);
    a.coverage = std::move(coverage);
    auto s = store_->database().Prepare(
        "INSERT INTO check_result(check_seq, received_at, outcome, body) VALUES (?, 0, ?, ?);");
    ASSERT_TRUE(s);
    ASSERT_TRUE(
        s->Bind(1, seq).Bind(2, rc::OutcomeName(outcome)).BindBlob(3, AsBytes(rc::AnswerToJson(a).dump())).Run());
    ASSERT_TRUE(store_->database().Exec("INSERT INTO check_upload(check_seq, acknowledged_at) VALUES (" +
                                        std::to_string(seq) + ", 0)"));
  }

  testing::TempDir dir_;
  ManualClock clock_{FromUnixSeconds(1764061200)};
  std::optional<store::Store> store_;
  std::optional<crypto::SigningKeyPair> keys_;
  std::optional<CheckQueue> queue_;
};

TEST_F(ReportTest, GroupsChangedChecksByActionWithTheCorrectCoverage) {
  const auto right = testing::SamplePerson(2).coverages[1];
  Answer(AddCheck(1, "covered"), rc::Outcome::kConfirmed);
  Answer(AddCheck(2, "covered"), rc::Outcome::kDifferentCoverage, CoverageJson(right));
  Answer(AddCheck(3, "covered"), rc::Outcome::kNotCovered);
  Answer(AddCheck(4, "not_covered"), rc::Outcome::kNotCovered);  // the node was right: no change
  Answer(
      AddCheck(0, "unknown_person", {{"name", "能登　花"}, {"name_kana", "ノト　ハナ"}, {"birth_date", "1990-01-02"}},
               CheckMethod::kSelfReported),
      rc::Outcome::kMatched, CoverageJson(right));
  AddCheck(5, "covered");  // not yet answered

  auto report = BuildReconciliationReport(*store_, std::nullopt);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->total, 6);
  EXPECT_EQ(report->pending, 1);
  EXPECT_EQ(report->confirmed, 2);
  EXPECT_EQ(report->changed, 3);
  ASSERT_EQ(report->entries.size(), 3u);
  EXPECT_EQ(report->entries[0].action, rc::Action::kBillAnotherInsurer);
  EXPECT_EQ(report->entries[0].person_id, 2);
  EXPECT_EQ(report->entries[0].patient_name, testing::SamplePerson(2).person.name);
  EXPECT_EQ(report->entries[1].action, rc::Action::kBillAnotherInsurer);
  EXPECT_EQ(report->entries[1].patient_name, "能登　花");  // as stated: not in this node's records
  EXPECT_EQ(report->entries[2].action, rc::Action::kPatientNotCovered);

  const std::string table = ReportToTable(*report);
  EXPECT_NE(table.find("Bill another insurer"), std::string::npos);
  EXPECT_NE(table.find(right.insurer_number), std::string::npos);
  const std::string csv = ReportToCsv(*report);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);  // header + 3 rows
  const auto j = ReportToJson(*report);
  EXPECT_EQ(j["changed"], 3);
  EXPECT_EQ(j["entries"][0]["hub"]["outcome"], "different_coverage");
}

TEST_F(ReportTest, SinceLimitsThePeriod) {
  Answer(AddCheck(2, "covered"), rc::Outcome::kNotCovered);
  const TimePoint cut = clock_.Now();
  Answer(AddCheck(3, "covered"), rc::Outcome::kNotCovered);
  auto report = BuildReconciliationReport(*store_, cut);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->total, 1);
  EXPECT_EQ(report->entries[0].person_id, 3);
}

TEST_F(ReportTest, CountsForStatus) {
  Answer(AddCheck(1, "covered"), rc::Outcome::kConfirmed);
  Answer(AddCheck(2, "covered"), rc::Outcome::kNotCovered);
  AddCheck(3, "covered");
  auto counts = CountReconciliation(*store_);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->pending, 1);
  EXPECT_EQ(counts->confirmed, 1);
  EXPECT_EQ(counts->changed, 1);
}

TEST(CsvTest, FieldsWithCommasAndQuotesAreEscaped) {
  ReconciliationReport r;
  ReportEntry e;
  e.patient_name = "Quote \"and\", comma";
  e.answer.outcome = rc::Outcome::kNotCovered;
  e.action = rc::Action::kPatientNotCovered;
  r.entries.push_back(e);
  EXPECT_NE(ReportToCsv(r).find("\"Quote \"\"and\"\", comma\""), std::string::npos);
}

}  // namespace
}  // namespace akari::node
