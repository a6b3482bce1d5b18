#include <gtest/gtest.h>

#include <map>

#include "crypto/keys.h"
#include "sync/index_keys.h"
#include "sync/kana.h"
#include "sync/reconcile/answer.h"
#include "tests/testing/sample_records.h"

namespace akari::sync::reconcile {
namespace {

// An in-memory directory over a few records.
class FakeDirectory : public PersonDirectory {
 public:
  // Adds or replaces a record (replacing drops its old index entries).
  void Add(const PersonRecord& r) {
    for (auto* index : {&card_, &insurance_}) {
      for (auto& [k, ids] : *index) std::erase(ids, r.person.id);
    }
    for (auto& [k, ids] : names_) std::erase(ids, r.person.id);
    records_[r.person.id] = r;
    const IndexEntries e = DeriveIndexEntries(r, 20261101);
    for (const auto& k : e.card_keys) card_[k].push_back(r.person.id);
    for (const auto& k : e.insurance_keys) insurance_[k].push_back(r.person.id);
    for (const auto& k : e.name_keys) names_[{k.birth_date, k.kana}].push_back(r.person.id);
  }
  Result<std::optional<PersonRecord>> Get(std::int64_t id) override {
    auto it = records_.find(id);
    return it == records_.end() ? std::optional<PersonRecord>() : std::optional<PersonRecord>(it->second);
  }
  Result<std::vector<std::int64_t>> FindByCardKey(const crypto::Hash16& k) override { return card_[k]; }
  Result<std::vector<std::int64_t>> FindByInsuranceKey(const crypto::Hash16& k) override { return insurance_[k]; }
  Result<std::vector<std::int64_t>> FindByName(Date birth, std::string_view kana) override {
    return names_[{birth, std::string(kana)}];
  }

 private:
  std::map<std::int64_t, PersonRecord> records_;
  std::map<crypto::Hash16, std::vector<std::int64_t>> card_, insurance_;
  std::map<std::pair<Date, std::string>, std::vector<std::int64_t>> names_;
};

class AnswerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = std::move(*crypto::GenerateSigningKeyPair());
    for (std::int64_t id = 1; id <= 10; ++id) dir_.Add(testing::SamplePerson(id));
    ctx_.node_id = "node1";
    ctx_.node_key = keys_.public_key;
    ctx_.hub_now = FromUnixSeconds(1764061200);  // 2025-11-25 09:00 UTC
    ctx_.batch_sent_at = ctx_.hub_now;
  }
  // A signed check as a node would upload it.
  UploadedCheck Check(std::string method, nlohmann::json claim, std::optional<std::int64_t> person,
                      nlohmann::json local, TimePoint at) {
    const std::string id = "node1-" + std::to_string(++seq_);
    nlohmann::json body = {
        {"id", id},
        {"seq", seq_},
        {"node_id", "node1"},
        {"created_at_ms", std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count()},
        {"method", method},
        {"claim", claim},
        {"person_id", person ? nlohmann::json(*person) : nlohmann::json(nullptr)},
        {"local_answer", local}};
    UploadedCheck c{id, body.dump(), {}};
    const auto sig = crypto::Sign(keys_.secret_key, CheckSigningInput(c.body));
    c.signature.assign(sig.begin(), sig.end());
    return c;
  }
  nlohmann::json NumbersClaim(const PersonRecord& r, std::size_t coverage) {
    const Coverage& c = r.coverages[coverage];
    return {{"insurer_number", c.insurer_number},
            {"symbol", c.symbol},
            {"number", c.number},
            {"branch", c.branch},
            {"birth_date", FormatDate(r.person.birth_date)}};
  }
  nlohmann::json Local(std::string status, const Coverage* c) {
    nlohmann::json cov = nullptr;
    if (c != nullptr) {
      cov = {
          {"insurer_number", c->insurer_number}, {"symbol", c->symbol}, {"number", c->number}, {"branch", c->branch}};
    }
    return {{"status", status}, {"coverage", cov}, {"detail", ""}};
  }
  CheckAnswer Answer(const UploadedCheck& c) {
    auto a = AnswerCheck(c, ctx_, dir_);
    EXPECT_TRUE(a) << a.error().message;
    return *a;
  }

  FakeDirectory dir_;
  crypto::SigningKeyPair keys_;
  AnswerContext ctx_;
  std::int64_t seq_ = 0;
  const TimePoint kVisit = FromUnixSeconds(1763600000);  // 2025-11-20
};

TEST_F(AnswerTest, ConfirmsARightLocalAnswer) {
  const PersonRecord p = testing::SamplePerson(3);
  auto a = Answer(Check("insurance_numbers", NumbersClaim(p, 1), 3, Local("covered", &p.coverages[1]), kVisit));
  EXPECT_EQ(a.outcome, Outcome::kConfirmed);
  EXPECT_EQ(a.qualification_validity, 1);
  EXPECT_EQ(a.person_id, 3);
}

TEST_F(AnswerTest, NumbersOfAnOldCoverageGiveTheCurrentOne) {
  const PersonRecord p = testing::SamplePerson(3);
  // The patient showed the card of the coverage that ended in 2023.
  auto a = Answer(Check("insurance_numbers", NumbersClaim(p, 0), 3, Local("covered", &p.coverages[0]), kVisit));
  EXPECT_EQ(a.outcome, Outcome::kDifferentCoverage);
  EXPECT_EQ(a.qualification_validity, 3);
  EXPECT_EQ(a.coverage["insurer_number"], p.coverages[1].insurer_number);
  EXPECT_EQ(ActionFor(a.outcome), Action::kBillAnotherInsurer);
}

TEST_F(AnswerTest, AnswersAsOfTheCheckTimeNotNow) {
  const PersonRecord p = testing::SamplePerson(4);
  const TimePoint in_2020 = FromUnixSeconds(1590000000);  // 2020-05-20: the old coverage was in force
  auto a = Answer(Check("insurance_numbers", NumbersClaim(p, 0), 4, Local("covered", &p.coverages[0]), in_2020));
  EXPECT_EQ(a.outcome, Outcome::kConfirmed);
  EXPECT_EQ(a.evaluated_at, "2020-05-20T18:40:00Z");
}

TEST_F(AnswerTest, NotCoveredNamesTheEndedCoverage) {
  PersonRecord p = testing::SamplePerson(20);
  p.coverages[1].valid_to = 20251101;
  p.coverages[1].loss_reason = LossReason::kOtherInsurance;
  dir_.Add(p);
  auto a = Answer(Check("disaster_search", {}, 20, Local("covered", &p.coverages[1]), kVisit));
  EXPECT_EQ(a.outcome, Outcome::kNotCovered);
  EXPECT_EQ(a.qualification_validity, 2);
  EXPECT_EQ(a.ended_coverage["valid_to"], "2025-11-01");
  EXPECT_EQ(a.ended_coverage["loss_reason"], 3);
}

TEST_F(AnswerTest, CardChecksResolveThroughTheCardLink) {
  const PersonRecord p = testing::SamplePerson(6);
  const auto key = CardLinkKey(*FromHex(p.card_links[0].issuer_der_hex), *FromHex(p.card_links[0].serial_hex));
  // The node did not know the link (snapshot older than the link).
  auto a = Answer(Check("card", {{"card_key", ToHex(key)}}, std::nullopt, Local("unknown_person", nullptr), kVisit));
  EXPECT_EQ(a.outcome, Outcome::kDifferentCoverage);
  EXPECT_EQ(a.person_id, 6);
  auto unknown = Answer(
      Check("card", {{"card_key", std::string(32, '0')}}, std::nullopt, Local("unknown_person", nullptr), kVisit));
  EXPECT_EQ(unknown.outcome, Outcome::kUnknownPerson);
  EXPECT_EQ(unknown.qualification_validity, 4);
}

TEST_F(AnswerTest, UnconfirmedIdentityIsNeverConfirmed) {
  const PersonRecord p = testing::SamplePerson(6);
  auto a = Answer(Check("card", {}, 6, Local("identity_not_confirmed", nullptr), kVisit));
  EXPECT_EQ(a.outcome, Outcome::kUnknownPerson);
  EXPECT_TRUE(a.coverage.is_null());
}

TEST_F(AnswerTest, SelfReportedMatchesExactlyOneOrNobody) {
  const PersonRecord p = testing::SamplePerson(7);
  nlohmann::json claim = {{"name_kana", "ｻﾄｳ ｹﾝ"},
                          {"birth_date", FormatDate(p.person.birth_date)},
                          {"sex", static_cast<int>(p.person.sex)}};
  claim["name_kana"] = p.person.name_kana;
  auto a = Answer(Check("self_reported", claim, std::nullopt, Local("unknown_person", nullptr), kVisit));
  EXPECT_EQ(a.outcome, Outcome::kMatched);
  EXPECT_EQ(a.person_id, 7);
  EXPECT_EQ(a.coverage["insurer_number"], p.coverages[1].insurer_number);

  // A twin with the same name and birth date: ambiguous, so no match and no list.
  PersonRecord twin = p;
  twin.person.id = 70;
  dir_.Add(twin);
  auto b = Answer(Check("self_reported", claim, std::nullopt, Local("unknown_person", nullptr), kVisit));
  EXPECT_EQ(b.outcome, Outcome::kNoMatch);
  EXPECT_FALSE(b.person_id);
  EXPECT_TRUE(b.coverage.is_null());
  // An address hint that tells them apart makes it a single match again.
  twin.person.address.municipality = "金沢市";
  dir_.Add(twin);
  claim["address"] = "金沢市";
  auto c = Answer(Check("self_reported", claim, std::nullopt, Local("unknown_person", nullptr), kVisit));
  EXPECT_EQ(c.outcome, Outcome::kMatched);
  EXPECT_EQ(c.person_id, 70);
}

TEST_F(AnswerTest, AlteredCheckIsRefused) {
  const PersonRecord p = testing::SamplePerson(3);
  UploadedCheck c = Check("insurance_numbers", NumbersClaim(p, 1), 3, Local("covered", &p.coverages[1]), kVisit);
  c.body.replace(c.body.find("\"covered\""), 9, "\"COVERED\"");
  auto a = Answer(c);
  EXPECT_EQ(a.outcome, Outcome::kSignatureInvalid);
  EXPECT_EQ(ActionFor(a.outcome), Action::kIdentityNotConfirmed);
}

TEST_F(AnswerTest, ClockSkewIsCorrectedAndReported) {
  PersonRecord p = testing::SamplePerson(21);
  p.coverages[1].valid_to = 20251121;  // ends the day after the visit
  dir_.Add(p);
  // The node's clock runs 3 days behind: a visit on 11-23 (real) was stamped 11-20.
  ctx_.batch_sent_at = ctx_.hub_now - std::chrono::hours(72);
  auto a = Answer(Check("disaster_search", {}, 21, Local("covered", &p.coverages[1]), kVisit));
  EXPECT_EQ(a.clock_skew_seconds, 72 * 3600);
  EXPECT_EQ(a.outcome, Outcome::kNotCovered);
  ctx_.batch_sent_at = ctx_.hub_now - std::chrono::seconds(30);  // within tolerance: not corrected
  auto b = Answer(Check("disaster_search", {}, 21, Local("covered", &p.coverages[1]), kVisit));
  EXPECT_EQ(b.outcome, Outcome::kConfirmed);
}

TEST(ProtocolTest, BatchesAndAnswersRoundTrip) {
  UploadBatch batch{"node1", FromUnixSeconds(1764061200), {{"node1-1", "{}", {1, 2, 3}}}, std::nullopt};
  auto back = BatchFromJson(BatchToJson(batch));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->checks[0].signature, (Bytes{1, 2, 3}));
  EXPECT_FALSE(back->audit_head);
  // With the node's audit head, which must have its exact sizes.
  batch.audit_head = ReportedAuditHead{42, Bytes(32, 0xab), Bytes(64, 0xcd), {}};
  back = BatchFromJson(BatchToJson(batch));
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_TRUE(back->audit_head);
  EXPECT_EQ(back->audit_head->seq, 42);
  EXPECT_EQ(back->audit_head->hash, Bytes(32, 0xab));
  EXPECT_EQ(back->audit_head->signature, Bytes(64, 0xcd));
  EXPECT_TRUE(back->audit_head->statement_signature.empty());  // a node before statements
  batch.audit_head->statement_signature = Bytes(64, 0xef);
  back = BatchFromJson(BatchToJson(batch));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->audit_head->statement_signature, Bytes(64, 0xef));
  for (const auto& [field, value] : std::vector<std::pair<std::string, nlohmann::json>>{{"seq", 0},
                                                                                        {"seq", "42"},
                                                                                        {"hash", "abcd"},
                                                                                        {"signature", "zz"},
                                                                                        {"statement_signature", "abcd"},
                                                                                        {"statement_signature", 7}}) {
    nlohmann::json j = BatchToJson(batch);
    j["audit_head"][field] = value;
    auto refused = BatchFromJson(j);
    ASSERT_FALSE(refused) << field << " " << value;
    EXPECT_NE(refused.error().message.find("audit_head"), std::string::npos) << refused.error().message;
  }
  nlohmann::json not_object = BatchToJson(batch);
  not_object["audit_head"] = 42;
  EXPECT_FALSE(BatchFromJson(not_object));
  CheckAnswer a;
  a.check_id = "node1-1";
  a.outcome = Outcome::kDifferentCoverage;
  a.qualification_validity = 3;
  a.person_id = 9;
  a.coverage = {{"insurer_number", "01170016"}};
  UploadResponse r{{a}};
  auto rb = ResponseFromJson(ResponseToJson(r));
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->answers[0].outcome, Outcome::kDifferentCoverage);
  EXPECT_EQ(rb->answers[0].person_id, 9);
  EXPECT_FALSE(BatchFromJson({{"node_id", "x"}}));
  EXPECT_FALSE(ResponseFromJson({{"answers", {{{"check_id", "x"}, {"outcome", "maybe"}}}}}));
}

}  // namespace
}  // namespace akari::sync::reconcile
