#include "sync/person_document.h"

#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "sync/compression.h"
#include "sync/errors.h"
#include "sync/insurer_number.h"
#include "sync/record_json.h"
#include "tests/testing/sample_records.h"

namespace akari::sync {
namespace {

using nlohmann::json;

// The contract of the direct decoder: whenever it gives a record, the
// reference path (MessagePack -> json -> RecordFromJson) gives the same
// record; DecodePersonDocumentBody always answers as the reference does
// (same record, or an error with the same code).
void ExpectSameAsReference(ByteSpan body, const std::string& what) {
  SCOPED_TRACE(what);
  const auto reference = DecodePersonDocumentBodyReference(body);
  const auto fast = DecodePersonDocumentBodyFast(body);
  if (fast) {
    ASSERT_TRUE(reference) << "fast path accepted what the reference refuses: " << reference.error().message;
    EXPECT_EQ(RecordToJson(*fast), RecordToJson(*reference));
    EXPECT_EQ(*fast, *reference);
  }
  const auto decoded = DecodePersonDocumentBody(body);
  ASSERT_EQ(decoded.has_value(), reference.has_value());
  if (decoded) {
    EXPECT_EQ(*decoded, *reference);
  } else {
    EXPECT_EQ(decoded.error().code, reference.error().code);
    EXPECT_EQ(decoded.error().message, reference.error().message);
  }
}

Bytes BodyOf(const json& j) {
  return json::to_msgpack(j);
}

// A valid record drawn from `rng`: every optional field sometimes empty or
// absent, strings up to their limits, fractional and integral quantities.
PersonRecord RandomRecord(std::mt19937_64& rng, std::int64_t id) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  auto text = [&](std::size_t max_bytes) {
    static const char* kPieces[] = {"薬", "ア", "a", "9", " ", "\"", "\\", "\n", "ﾃ", "é", "\x7f"};
    std::string s;
    const std::size_t target =
        pick(4) == 0 ? max_bytes : static_cast<std::size_t>(pick(static_cast<int>(max_bytes) + 1));
    while (true) {
      const std::string piece = kPieces[static_cast<std::size_t>(pick(11))];
      if (s.size() + piece.size() > target) break;
      s += piece;
    }
    return s;
  };
  auto date = [&](int from_year) {
    return static_cast<Date>((from_year + pick(60)) * 10000 + (1 + pick(12)) * 100 + 1 + pick(28));
  };
  PersonRecord r = testing::SamplePerson(id);
  r.card_links.clear();
  r.person.name = "名" + text(197);
  r.person.name_kana = "カ" + text(197);
  r.person.sex = static_cast<Sex>(1 + pick(3));
  r.person.address = pick(5) == 0 ? Address{} : Address{text(16), text(32), text(100), text(300)};
  r.coverages.resize(static_cast<std::size_t>(pick(4)));
  for (Coverage& c : r.coverages) {
    c = testing::SamplePerson(id).coverages[static_cast<std::size_t>(pick(2))];
    if (pick(3) == 0) c.insurer_number = testing::MakeInsurerNumber(6, pick(47) + 1, pick(1000));
    c.insurer_name = text(200);
    c.scheme = static_cast<Scheme>(std::array{1, 2, 3, 4, 5, 6, 9}[static_cast<std::size_t>(pick(7))]);
    c.symbol = text(64);
    c.branch = pick(3) == 0 ? "" : "0" + std::to_string(pick(10));
    c.relationship = static_cast<Relationship>(1 + pick(2));
    c.valid_from = date(1990);
    c.valid_to = pick(2) == 0 ? 0 : c.valid_from + 10000;
    c.loss_reason = static_cast<LossReason>(std::array{0, 1, 2, 3, 99}[static_cast<std::size_t>(pick(5))]);
    c.copay_percent = pick(4) * 10;
    c.high_cost_category = pick(2) == 0 ? "" : "一般Ⅱ";
  }
  r.specific_diseases.resize(static_cast<std::size_t>(pick(3)));
  for (SpecificDiseaseCertificate& d : r.specific_diseases) {
    d = {static_cast<SpecificDisease>(1 + pick(3)), date(2000), pick(2) == 0 ? 0 : date(2000)};
  }
  r.dispensings.resize(static_cast<std::size_t>(pick(40)));
  for (Dispensing& d : r.dispensings) {
    d.date = date(2000);
    d.prescribed_date = pick(4) == 0 ? 0 : d.date;
    d.pharmacy_code = text(16);
    d.pharmacy_name = text(200);
    d.prescriber_code = text(16);
    d.prescriber_name = text(200);
    d.yj_code = text(16);
    d.drug_name = text(200);
    d.ingredient = text(200);
    d.strength = text(64);
    static const double kQuantities[] = {0, 0.1, 0.5, 1, 2.5, 1.0 / 3, 17, 1e6, 123456.789, 3e-7};
    d.quantity = kQuantities[static_cast<std::size_t>(pick(10))];
    d.unit = text(32);
    d.days_or_times = pick(1001);
    d.route = static_cast<Route>(21 + pick(4));
    d.usage = text(400);
    d.source = static_cast<DispensingSource>(1 + pick(3));
  }
  r.checkups.resize(static_cast<std::size_t>(pick(3)));
  for (Checkup& c : r.checkups) {
    c.date = date(2000);
    c.facility_name = text(200);
    c.judgement = text(400);
    c.items.resize(static_cast<std::size_t>(pick(20)));
    for (CheckupItem& item : c.items) item = {text(32), text(200), text(64), text(32), text(64), pick(2) == 0};
  }
  return r;
}

TEST(PersonDocumentTest, RoundTripsWithoutCardLinks) {
  PersonRecord r = testing::SamplePerson(11);
  auto doc = EncodePersonDocument(r);
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)[0], kPersonDocumentFormat);
  auto back = DecodePersonDocument(*doc);
  ASSERT_TRUE(back) << back.error().message;
  r.card_links.clear();
  EXPECT_EQ(*back, r);
}

// A body is the MessagePack of RecordToJson() without card links, whether
// packed from the record or from the tree the hub's import has built to hash
// it (entry hashes compare documents across imports: byte for byte).
TEST(PersonDocumentTest, BothWaysOfPackingABodyGiveTheDocumentedBytes) {
  std::mt19937_64 rng(5);
  for (std::int64_t id = 1; id <= 40; ++id) {
    const PersonRecord r = id <= 20 ? testing::SamplePerson(id) : RandomRecord(rng, id);
    json tree = RecordToJson(r);
    tree.erase("card_links");
    const Bytes expected = json::to_msgpack(tree);
    EXPECT_EQ(PackPersonDocumentBody(r), expected) << "person " << id;
    EXPECT_EQ(PackPersonDocumentBody(RecordToJson(r)), expected) << "person " << id;
    auto doc = EncodePersonDocumentBody(expected);
    ASSERT_TRUE(doc);
    EXPECT_EQ(*doc, *EncodePersonDocument(r)) << "person " << id;
  }
}

TEST(PersonDocumentTest, DamagedDocumentsAreReportedNotCrashed) {
  auto doc = EncodePersonDocument(testing::SamplePerson(11));
  ASSERT_TRUE(doc);
  for (std::size_t len = 0; len < doc->size(); len += 7) {
    auto r = DecodePersonDocument(ByteSpan(*doc).first(len));
    EXPECT_FALSE(r) << len;
  }
  Bytes flipped = *doc;
  flipped[flipped.size() / 2] ^= 0x55;
  EXPECT_FALSE(DecodePersonDocument(flipped));
  Bytes wrong_format = *doc;
  wrong_format[0] = 9;
  auto r = DecodePersonDocument(wrong_format);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kCorruptDocument);
}

TEST(PersonDocumentTest, FastDecoderGivesTheReferenceRecord) {
  std::mt19937_64 rng(20261126);
  int fast = 0;
  for (std::int64_t id = 1; id <= 300; ++id) {
    PersonRecord r = id <= 50 ? testing::SamplePerson(id) : RandomRecord(rng, id);
    r.card_links.clear();
    const Bytes body = PackPersonDocumentBody(r);
    const auto decoded = DecodePersonDocumentBodyFast(body);
    ASSERT_TRUE(decoded) << id;
    EXPECT_EQ(*decoded, r) << id;
    ExpectSameAsReference(body, "person " + std::to_string(id));
    fast += decoded ? 1 : 0;
  }
  EXPECT_EQ(fast, 300);
}

// A body in another layout than PackPersonDocumentBody's goes the reference
// way, which accepts or refuses it as before.
TEST(PersonDocumentTest, UnusualBodiesFallBackToTheReference) {
  PersonRecord sample = testing::SamplePerson(12);
  json base = RecordToJson(sample);
  base.erase("card_links");
  struct Case {
    std::string what;
    json body;
    bool fast;   // the direct decoder handles it
    bool valid;  // the reference accepts it
  };
  std::vector<Case> cases;
  auto with = [&](std::string what, bool fast, bool valid, auto&& change) {
    json j = base;
    change(j);
    cases.push_back({std::move(what), std::move(j), fast, valid});
  };
  with("unchanged", true, true, [](json&) {});
  with("null optional members", true, true, [](json& j) {
    j["address"] = nullptr;
    j["coverages"][0]["symbol"] = nullptr;
    j["dispensings"][0]["quantity"] = nullptr;
    j["dispensings"][0]["route"] = nullptr;
    j["checkups"] = nullptr;
  });
  with("absent optional members", true, true, [](json& j) {
    j.erase("specific_diseases");
    j["dispensings"][1].erase("usage");
    j["dispensings"][1].erase("days_or_times");
    j["coverages"][1].erase("loss_reason");
  });
  with("integral quantity, float64 quantity", true, true, [](json& j) {
    j["dispensings"][0]["quantity"] = 3;
    j["dispensings"][1]["quantity"] = 0.1;
  });
  const std::string insurer = sample.coverages[0].insurer_number;
  with("full-width digit and hyphen in the insurer number", true, true,
       [&](json& j) { j["coverages"][0]["insurer_number"] = "０" + insurer.substr(1, 3) + "-" + insurer.substr(4); });
  with("empty required date", false, false, [](json& j) { j["dispensings"][0]["date"] = ""; });
  with("empty optional date", true, true, [](json& j) { j["dispensings"][0]["prescribed_date"] = ""; });
  with("unknown member", false, true, [](json& j) { j["nickname"] = "たろ"; });
  with("unknown nested member", false, true, [](json& j) { j["dispensings"][0]["note"] = 1; });
  with("card links", false, true, [&](json& j) { j["card_links"] = RecordToJson(sample)["card_links"]; });
  with("sex as a string", false, false, [](json& j) { j["sex"] = "1"; });
  with("sex as a float", false, false, [](json& j) { j["sex"] = 1.0; });
  with("id as binary", false, false, [](json& j) { j["id"] = json::binary({1, 2}); });
  with("name as binary", false, false, [](json& j) { j["name"] = json::binary({0xe5, 0xb1, 0xb1}); });
  with("huge unsigned id", false, true, [](json& j) { j["id"] = std::numeric_limits<std::uint64_t>::max(); });
  with("negative id", false, false, [](json& j) { j["id"] = -4; });
  with("missing name", false, false, [](json& j) { j.erase("name"); });
  with("empty name", false, false, [](json& j) { j["name"] = ""; });
  with("null required member", false, false, [](json& j) { j["dispensings"][0]["drug_name"] = nullptr; });
  with("name too long", false, false, [](json& j) { j["name"] = std::string(201, 'a'); });
  with("name at its limit", true, true, [](json& j) { j["name"] = std::string(200, 'a'); });
  with("address not an object", false, false, [](json& j) { j["address"] = "輪島"; });
  with("dispensing not an object", false, false, [](json& j) { j["dispensings"][0] = 5; });
  with("dispensings not an array", false, false, [](json& j) { j["dispensings"] = json::object(); });
  with("too many specific diseases", false, false, [](json& j) {
    j["specific_diseases"] = json::array();
    for (int i = 0; i < 21; ++i) j["specific_diseases"].push_back({{"disease", "hiv"}, {"valid_from", "2020-01-01"}});
  });
  with("bad insurer check digit", false, false, [&](json& j) {
    std::string wrong = insurer;
    wrong.back() = static_cast<char>('0' + (wrong.back() - '0' + 1) % 10);
    j["coverages"][0]["insurer_number"] = wrong;
  });
  with("bad branch", false, false, [](json& j) { j["coverages"][0]["branch"] = "1"; });
  with("valid_to before valid_from", false, false,
       [](json& j) { j["coverages"][0]["valid_to"] = j["coverages"][0]["valid_from"]; });
  with("unknown loss reason", false, false, [](json& j) { j["coverages"][0]["loss_reason"] = 4; });
  with("copay 25", false, false, [](json& j) { j["coverages"][0]["copay_percent"] = 25; });
  with("unknown scheme", false, false, [](json& j) { j["coverages"][0]["scheme"] = "private"; });
  with("route 25", false, false, [](json& j) { j["dispensings"][0]["route"] = 25; });
  with("negative quantity", false, false, [](json& j) { j["dispensings"][0]["quantity"] = -1; });
  with("NaN quantity", false, false,
       [](json& j) { j["dispensings"][0]["quantity"] = std::numeric_limits<double>::quiet_NaN(); });
  with("not a date", false, false, [](json& j) { j["birth_date"] = "1958-02-30"; });
  with("unknown source", false, false, [](json& j) { j["dispensings"][1]["source"] = "fax"; });
  with("abnormal as an integer", false, false, [](json& j) { j["checkups"][0]["items"][0]["abnormal"] = 1; });
  with("missing item code", false, false, [](json& j) { j["checkups"][0]["items"][1].erase("code"); });
  with("top level an array", false, false, [](json& j) { j = json::array({j}); });
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const Bytes body = BodyOf(c.body);
    EXPECT_EQ(DecodePersonDocumentBodyFast(body).has_value(), c.fast);
    const auto decoded = DecodePersonDocumentBody(body);
    EXPECT_EQ(decoded.has_value(), c.valid);
    if (!decoded) {
      EXPECT_EQ(decoded.error().code, SyncErrc::kInvalidRecord) << decoded.error().message;
    }
    ExpectSameAsReference(body, c.what);
  }
  // The refusal names the field, as before.
  json bad = base;
  bad["coverages"][1]["copay_percent"] = 25;
  const auto refused = DecodePersonDocumentBody(BodyOf(bad));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "person 12: coverages[1].copay_percent: must be 0, 10, 20 or 30");
}

TEST(PersonDocumentTest, RepeatedKeyGoesTheReferenceWay) {
  json j = RecordToJson(testing::SamplePerson(13));
  j.erase("card_links");
  Bytes body = BodyOf(j);
  ASSERT_EQ(body[0], 0x8a);  // fixmap of 10 members
  body[0] = 0x8b;            // one more: "sex": 2 again at the end
  const Bytes repeated = {0xa3, 's', 'e', 'x', 0x02};
  body.insert(body.end(), repeated.begin(), repeated.end());
  EXPECT_FALSE(DecodePersonDocumentBodyFast(body));
  const auto decoded = DecodePersonDocumentBody(body);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->person.sex, Sex::kFemale);  // the last one wins, as in nlohmann::json
  ExpectSameAsReference(body, "repeated key");
}

TEST(PersonDocumentTest, DamagedBodiesAreRefusedAsBefore) {
  PersonRecord r = testing::SamplePerson(14);
  r.card_links.clear();
  const Bytes body = PackPersonDocumentBody(r);
  for (std::size_t len = 0; len < body.size(); ++len) {
    const ByteSpan prefix = ByteSpan(body).first(len);
    EXPECT_FALSE(DecodePersonDocumentBodyFast(prefix)) << len;
    const auto decoded = DecodePersonDocumentBody(prefix);
    ASSERT_FALSE(decoded) << len;
    EXPECT_EQ(decoded.error().code, SyncErrc::kCorruptDocument) << len;
  }
  Bytes trailing = body;
  trailing.push_back(0xc0);
  EXPECT_FALSE(DecodePersonDocumentBodyFast(trailing));
  ASSERT_FALSE(DecodePersonDocumentBody(trailing));
  EXPECT_EQ(DecodePersonDocumentBody(trailing).error().code, SyncErrc::kCorruptDocument);
  // Every single-byte change: the same answer as the reference, never a
  // record the reference would not give.
  for (std::size_t i = 0; i < body.size(); ++i) {
    for (int x : {0x01, 0xff}) {
      Bytes changed = body;
      changed[i] = static_cast<std::uint8_t>(changed[i] ^ x);
      ExpectSameAsReference(changed, "byte " + std::to_string(i) + " ^ " + std::to_string(x));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  // Lengths that claim more than the body holds.
  for (int head : {0xdb, 0xdd, 0xdf}) {
    Bytes huge = {0x81, 0xa4, 'n', 'a', 'm', 'e', static_cast<std::uint8_t>(head), 0xff, 0xff, 0xff, 0xf0, 'x'};
    EXPECT_FALSE(DecodePersonDocumentBodyFast(huge));
    ExpectSameAsReference(huge, "huge length");
  }
}

TEST(PersonDocumentTest, OversizedDocumentIsRefused) {
  // More dispensing lines than a record may hold (the count is refused
  // before any line is read, so the lines can be nil).
  json j = RecordToJson(testing::SamplePerson(15));
  j.erase("card_links");
  j["dispensings"] = json::array();
  for (int i = 0; i < 20001; ++i) j["dispensings"].push_back(nullptr);
  const Bytes body = BodyOf(j);
  EXPECT_FALSE(DecodePersonDocumentBodyFast(body));
  const auto decoded = DecodePersonDocumentBody(body);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, SyncErrc::kInvalidRecord);
  EXPECT_EQ(decoded.error().message, "person 15: dispensings: more than 20000 items");

  // A body beyond kMaxPersonDocumentBytes is not even decompressed.
  const auto frame = ZstdCompress(Bytes(kMaxPersonDocumentBytes + 1, 0xc0));
  ASSERT_TRUE(frame);
  Bytes big = {kPersonDocumentFormat};
  big.insert(big.end(), frame->begin(), frame->end());
  const auto too_big = DecodePersonDocument(big);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, SyncErrc::kCorruptDocument);
}

}  // namespace
}  // namespace akari::sync
