// The publication format: canonical JSON, signatures and thresholds, the
// root chain, manifests, encrypted objects, person entries, envelopes and
// enrollment tokens.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "crypto/keys.h"
#include "crypto/sodium.h"
#include "sync/errors.h"
#include "sync/publication/content_key.h"
#include "sync/publication/enrollment.h"
#include "sync/publication/entries.h"
#include "sync/publication/layout.h"
#include "sync/publication/manifest.h"
#include "sync/publication/object.h"
#include "sync/publication/root.h"
#include "sync/publication/signed.h"

namespace akari::sync::publication {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

crypto::SigningKeyPair NewKey() {
  return std::move(*crypto::GenerateSigningKeyPair());
}

TEST(CanonicalJsonTest, SortsKeysDropsWhitespaceAndRejectsWhatOthersCouldNotReproduce) {
  const auto j = nlohmann::json::parse(R"({"b": [1, true, null], "a": {"z": "x", "c": -3}})");
  EXPECT_EQ(*CanonicalJson(j), R"({"a":{"c":-3,"z":"x"},"b":[1,true,null]})");
  EXPECT_EQ(CanonicalJson(nlohmann::json{{"f", 1.5}}).error().code, SyncErrc::kInvalidArgument);
  EXPECT_EQ(CanonicalJson(nlohmann::json{{"s", "改行\n"}}).error().code, SyncErrc::kInvalidArgument);
  EXPECT_EQ(CanonicalJson(nlohmann::json{{"q", "a\"b"}}).error().code, SyncErrc::kInvalidArgument);
}

class ThresholdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto* k : {&a_, &b_, &c_}) {
      *k = NewKey();
      keys_[KeyIdOf(k->public_key)] = k->public_key;
      role_.keyids.push_back(KeyIdOf(k->public_key));
    }
    role_.threshold = 2;
    doc_.signed_part = {{"_type", "test"}, {"version", 1}};
  }
  crypto::SigningKeyPair a_, b_, c_;
  KeyMap keys_;
  KeyRole role_;
  SignedDocument doc_;
};

TEST_F(ThresholdTest, TwoDistinctKeysMeetATwoOfThreeThreshold) {
  ASSERT_TRUE(AddSignature(doc_, a_.secret_key));
  ASSERT_TRUE(AddSignature(doc_, c_.secret_key));
  EXPECT_TRUE(VerifyThreshold(doc_, role_, keys_, "doc"));
}

TEST_F(ThresholdTest, OneKeySigningTwiceCountsOnce) {
  ASSERT_TRUE(AddSignature(doc_, a_.secret_key));
  ASSERT_TRUE(AddSignature(doc_, a_.secret_key));
  EXPECT_EQ(VerifyThreshold(doc_, role_, keys_, "doc").error().code, SyncErrc::kBadSignature);
}

TEST_F(ThresholdTest, OnlyStrangersSigningIsAnUnknownKey) {
  auto stranger = NewKey();
  ASSERT_TRUE(AddSignature(doc_, stranger.secret_key));
  EXPECT_EQ(VerifyThreshold(doc_, role_, keys_, "doc").error().code, SyncErrc::kUnknownKey);
}

TEST_F(ThresholdTest, ASignatureOverOtherContentIsBad) {
  ASSERT_TRUE(AddSignature(doc_, a_.secret_key));
  ASSERT_TRUE(AddSignature(doc_, b_.secret_key));
  doc_.signed_part["version"] = 2;
  EXPECT_EQ(VerifyThreshold(doc_, role_, keys_, "doc").error().code, SyncErrc::kBadSignature);
}

TEST_F(ThresholdTest, SerializedDocumentsParseBack) {
  ASSERT_TRUE(AddSignature(doc_, a_.secret_key));
  ASSERT_TRUE(AddSignature(doc_, b_.secret_key));
  const std::string text = *SerializeSignedDocument(doc_);
  auto parsed = ParseSignedDocument(AsBytes(text), "doc", 1 << 16);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(VerifyThreshold(*parsed, role_, keys_, "doc"));
  EXPECT_EQ(ParseSignedDocument(AsBytes(text), "doc", 10).error().code, SyncErrc::kCorruptDocument);
  EXPECT_EQ(ParseSignedDocument(AsBytes("{\"signed\": 1}"), "doc", 100).error().code, SyncErrc::kCorruptDocument);
}

struct RootKeys {
  std::vector<crypto::SigningKeyPair> root;
  crypto::SigningKeyPair manifest;
};

RootKeys MakeKeys() {
  RootKeys k;
  for (int i = 0; i < 3; ++i) k.root.push_back(NewKey());
  k.manifest = NewKey();
  return k;
}

RootMetadata RootFor(const RootKeys& k, std::int64_t version) {
  RootMetadata r;
  r.region = "17";
  r.version = version;
  r.created = FromUnixSeconds(1780000000);
  r.expires = FromUnixSeconds(1790000000);
  for (const auto& key : k.root) {
    r.keys[KeyIdOf(key.public_key)] = key.public_key;
    r.root_role.keyids.push_back(KeyIdOf(key.public_key));
  }
  r.root_role.threshold = 2;
  r.keys[KeyIdOf(k.manifest.public_key)] = k.manifest.public_key;
  r.manifest_role = {{KeyIdOf(k.manifest.public_key)}, 1};
  return r;
}

SignedDocument SignRoot(const RootMetadata& r, std::initializer_list<const crypto::SigningKeyPair*> signers) {
  SignedDocument doc;
  doc.signed_part = RootToJson(r);
  for (const auto* s : signers) EXPECT_TRUE(AddSignature(doc, s->secret_key));
  return doc;
}

TEST(RootChainTest, RotationNeedsThresholdsOfTheOldAndTheNewKeys) {
  const RootKeys old_keys = MakeKeys(), new_keys = MakeKeys();
  const RootMetadata v1 = RootFor(old_keys, 1);
  ASSERT_TRUE(VerifyInitialRoot(SignRoot(v1, {&old_keys.root[0], &old_keys.root[1]})));
  const RootMetadata v2 = RootFor(new_keys, 2);
  auto good =
      VerifyNextRoot(v1, SignRoot(v2, {&old_keys.root[0], &old_keys.root[2], &new_keys.root[0], &new_keys.root[1]}));
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->version, 2);
  // New keys alone: the old root never vouched for them.
  EXPECT_EQ(VerifyNextRoot(v1, SignRoot(v2, {&new_keys.root[0], &new_keys.root[1]})).error().code,
            SyncErrc::kUnknownKey);
  // One old key is below the threshold.
  EXPECT_EQ(VerifyNextRoot(v1, SignRoot(v2, {&old_keys.root[0], &new_keys.root[0], &new_keys.root[1]})).error().code,
            SyncErrc::kBadSignature);
  // Old keys alone: the new keys did not accept their role.
  EXPECT_EQ(VerifyNextRoot(v1, SignRoot(v2, {&old_keys.root[0], &old_keys.root[1]})).error().code,
            SyncErrc::kUnknownKey);
}

TEST(RootChainTest, VersionsMustBeConsecutiveAndOfTheSameRegion) {
  const RootKeys k = MakeKeys();
  const RootMetadata v1 = RootFor(k, 1);
  RootMetadata v3 = RootFor(k, 3);
  EXPECT_EQ(VerifyNextRoot(v1, SignRoot(v3, {&k.root[0], &k.root[1]})).error().code, SyncErrc::kRolledBack);
  RootMetadata other = RootFor(k, 2);
  other.region = "18";
  EXPECT_EQ(VerifyNextRoot(v1, SignRoot(other, {&k.root[0], &k.root[1]})).error().code, SyncErrc::kWrongRegion);
}

TEST(RootChainTest, MalformedRootsAreCorrupt) {
  const RootKeys k = MakeKeys();
  nlohmann::json j = RootToJson(RootFor(k, 1));
  j["roles"]["root"]["threshold"] = 4;  // more than its three keys
  EXPECT_EQ(RootFromJson(j).error().code, SyncErrc::kCorruptDocument);
  j = RootToJson(RootFor(k, 1));
  j["keys"].begin().value()["public"] = "AAAA";
  EXPECT_EQ(RootFromJson(j).error().code, SyncErrc::kCorruptDocument);
}

// A root at the end of int64 would make its successor's version overflow
// (version + 1, in VerifyNextRoot and in the client's walk of the chain):
// it is refused where it is read, however well signed.
TEST(RootChainTest, AVersionBeyondTheLargestIsRefusedBeforeItsSuccessorIsSought) {
  const RootKeys k = MakeKeys();
  auto extreme = VerifyInitialRoot(SignRoot(RootFor(k, kInt64Max), {&k.root[0], &k.root[1]}));
  ASSERT_FALSE(extreme) << "accepted version " << extreme->version;
  EXPECT_EQ(extreme.error().code, SyncErrc::kCorruptDocument);
  EXPECT_THAT(extreme.error().message, ::testing::HasSubstr("root.version: out of range 1..9007199254740991"));
  EXPECT_THAT(extreme.error().message, ::testing::HasSubstr("Report this to the hub operator"));

  // The largest version is accepted and has no successor.
  auto last = VerifyInitialRoot(SignRoot(RootFor(k, kMaxVersion), {&k.root[0], &k.root[1]}));
  ASSERT_TRUE(last) << last.error().message;
  RootMetadata beyond = RootFor(k, 1);
  beyond.version = kMaxVersion + 1;
  EXPECT_EQ(VerifyNextRoot(*last, SignRoot(beyond, {&k.root[0], &k.root[1]})).error().code, SyncErrc::kCorruptDocument);

  nlohmann::json j = RootToJson(RootFor(k, 1));
  j["expires"] = "9999-12-31T23:59:59Z";
  EXPECT_THAT(RootFromJson(j).error().message,
              ::testing::HasSubstr("root.expires: not an RFC 3339 UTC time in the years 1678 to 2261"));
}

Manifest SampleManifest() {
  Manifest m;
  m.region = "17";
  m.version = 3;
  m.root_version = 1;
  m.created = FromUnixSeconds(1780000000);
  m.expires = FromUnixSeconds(1780600000);
  m.as_of = 20261101;
  m.content_key_id = std::string(32, 'a');
  m.envelopes["0123456789abcdef0123456789abcdef"] = "c2VhbGVk";
  const std::string h(64, 'b');
  m.chunks = {{{h, 100}, std::string(64, 'c'), 1, 10, 10}, {{h, 50}, std::string(64, 'd'), 11, 30, 5}};
  m.persons = 15;
  m.deltas = {{1, 2, {{h, 10}}, 1, 0}, {2, 3, {{h, 20}}, 2, 1}};
  m.dictionaries = {{1, {h, 5000}}};
  m.trust = {{TrustRef::Kind::kCaCertificate, {h, 900}, std::string(64, 'e')}};
  return m;
}

TEST(ManifestTest, RoundTripsThroughJson) {
  const Manifest m = SampleManifest();
  auto back = ManifestFromJson(ManifestToJson(m));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->chunks.size(), 2u);
  EXPECT_EQ(back->deltas[1].objects[0].size, 20);
  EXPECT_EQ(back->SnapshotBytes(), 150);
  EXPECT_EQ(back->trust[0].kind, TrustRef::Kind::kCaCertificate);
  EXPECT_EQ(back->envelopes, m.envelopes);
  EXPECT_TRUE(CanonicalJson(ManifestToJson(m)));
}

TEST(ManifestTest, InconsistentManifestsAreRejectedNamingTheField) {
  auto bad = [](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = ManifestToJson(SampleManifest());
    edit(j);
    auto r = ManifestFromJson(j);
    EXPECT_FALSE(r);
    return r ? std::string() : r.error().message;
  };
  EXPECT_NE(bad([](auto& j) { j["chunks"][1]["first"] = 5; }).find("chunks[1].first"), std::string::npos);
  EXPECT_NE(bad([](auto& j) { j["persons"] = 16; }).find("persons"), std::string::npos);
  EXPECT_NE(bad([](auto& j) { j["deltas"][1]["from"] = 1; }).find("deltas[1].from"), std::string::npos);
  EXPECT_NE(bad([](auto& j) { j["deltas"][1]["to"] = 4; }).find("deltas[1].to"), std::string::npos);
  EXPECT_NE(bad([](auto& j) { j["chunks"][0]["object"] = "../../etc/passwd"; }).find("object"), std::string::npos);
  EXPECT_NE(bad([](auto& j) { j["region"] = "../x"; }).find("region"), std::string::npos);
  EXPECT_NE(bad([](auto& j) { j["expires"] = j["created"]; }).find("expires"), std::string::npos);
}

// Integers at the end of int64 are refused where they are read, naming the
// field and its range, before any arithmetic on them (deltas[0].from =
// INT64_MAX used to overflow in computing the least allowed `to`).
TEST(ManifestTest, IntegersBeyondTheirRangeAreRejectedNamingTheFieldAndTheRange) {
  auto error = [](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json j = ManifestToJson(SampleManifest());
    edit(j);
    auto r = ManifestFromJson(j);
    if (r) return std::string("accepted");
    EXPECT_EQ(r.error().code, SyncErrc::kCorruptDocument);
    EXPECT_THAT(r.error().message, ::testing::HasSubstr("report this to the hub operator"));
    return r.error().message;
  };
  using ::testing::HasSubstr;
  const std::string max = std::to_string(kMaxVersion);
  ASSERT_EQ(max, "9007199254740991");
  ASSERT_EQ(kMaxCount, kMaxVersion);
  EXPECT_THAT(error([](auto& j) { j["deltas"][0]["from"] = kInt64Max; }),
              HasSubstr("manifest.deltas[0].from: out of range 0..2)"));
  EXPECT_THAT(error([](auto& j) { j["version"] = kInt64Max; }), HasSubstr("manifest.version: out of range 1.." + max));
  EXPECT_THAT(error([](auto& j) { j["version"] = std::numeric_limits<std::uint64_t>::max(); }),
              HasSubstr("manifest.version: out of range 1.." + max));
  EXPECT_THAT(error([](auto& j) { j["root_version"] = kInt64Max; }),
              HasSubstr("manifest.root_version: out of range 1.." + max));
  EXPECT_THAT(error([](auto& j) { j["persons"] = kInt64Max; }), HasSubstr("manifest.persons: out of range 0.." + max));
  EXPECT_THAT(error([](auto& j) { j["chunks"][0]["persons"] = kInt64Max; }),
              HasSubstr("manifest.chunks[0].persons: out of range 1.." + max));
  EXPECT_THAT(error([](auto& j) { j["deltas"][1]["upserts"] = kInt64Max; }),
              HasSubstr("manifest.deltas[1].upserts: out of range 0.." + max));
  EXPECT_THAT(error([](auto& j) { j["deltas"][0]["removes"] = kInt64Max; }),
              HasSubstr("manifest.deltas[0].removes: out of range 0.." + max));
  EXPECT_THAT(error([](auto& j) { j["chunks"][1]["size"] = kInt64Max; }),
              HasSubstr("manifest.chunks[1].size: out of range 1.." + std::to_string(kMaxObjectBytes)));

  // The largest allowed values are accepted; person ids span all of int64.
  EXPECT_EQ(error([&](auto& j) {
              j["version"] = kMaxVersion;
              j["deltas"][0]["from"] = kMaxVersion - 2;
              j["deltas"][0]["to"] = kMaxVersion - 1;
              j["deltas"][1]["from"] = kMaxVersion - 1;
              j["deltas"][1]["to"] = kMaxVersion;
              j["chunks"][1]["first"] = kInt64Max - 19;
              j["chunks"][1]["last"] = kInt64Max;
            }),
            "accepted");
}

// A TimePoint holds the years 1678 to 2261; a time outside them is refused
// by name instead of overflowing in the conversion to nanoseconds.
TEST(ManifestTest, TimesATimePointCannotHoldAreRejectedNamingTheField) {
  nlohmann::json j = ManifestToJson(SampleManifest());
  j["expires"] = "9999-12-31T23:59:59Z";
  auto r = ManifestFromJson(j);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SyncErrc::kCorruptDocument);
  EXPECT_THAT(r.error().message,
              ::testing::HasSubstr("manifest.expires: not an RFC 3339 UTC time in the years 1678 to 2261"));
  j["expires"] = "2261-12-31T23:59:59Z";
  EXPECT_TRUE(ManifestFromJson(j));
}

crypto::SecretBuffer Key(std::uint8_t fill) {
  auto k = crypto::SecretBuffer::Allocate(32);
  std::fill(k->data(), k->data() + 32, fill);
  return std::move(*k);
}

TEST(ObjectTest, RoundTripsAcrossMessageBoundaries) {
  ASSERT_TRUE(crypto::EnsureSodium());
  const auto key = Key(7);
  Bytes payload(200000);
  crypto::RandomBytes(payload);  // incompressible: several secretstream messages
  auto sealed = SealObject(ObjectKind::kChunk, payload, key);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->ref.hash, ObjectHashOf(sealed->bytes));
  auto opened = OpenObject(sealed->bytes, sealed->ref, ObjectKind::kChunk, key);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, payload);
  // Same payload, new nonce: other bytes, same plaintext id.
  auto again = SealObject(ObjectKind::kChunk, payload, key);
  EXPECT_NE(again->ref.hash, sealed->ref.hash);
  EXPECT_EQ(again->plain_id, sealed->plain_id);
}

TEST(ObjectTest, DamageOfAnyKindIsAMismatch) {
  const auto key = Key(7);
  const Bytes payload(100000, 0x41);
  auto sealed = SealObject(ObjectKind::kDelta, payload, key);
  ASSERT_TRUE(sealed);
  Bytes flipped = sealed->bytes;
  flipped[40] ^= 1;
  EXPECT_EQ(OpenObject(flipped, sealed->ref, ObjectKind::kDelta, key).error().code, SyncErrc::kObjectMismatch);
  // A flipped byte with a matching (attacker-made) reference still fails authentication.
  EXPECT_EQ(OpenObject(flipped, {ObjectHashOf(flipped), sealed->ref.size}, ObjectKind::kDelta, key).error().code,
            SyncErrc::kObjectMismatch);
  Bytes truncated(sealed->bytes.begin(), sealed->bytes.end() - 30);
  EXPECT_EQ(OpenObject(truncated, {ObjectHashOf(truncated), static_cast<std::int64_t>(truncated.size())},
                       ObjectKind::kDelta, key)
                .error()
                .code,
            SyncErrc::kObjectMismatch);
  EXPECT_EQ(OpenObject(sealed->bytes, sealed->ref, ObjectKind::kDelta, Key(8)).error().code, SyncErrc::kObjectMismatch);
  EXPECT_EQ(OpenObject(sealed->bytes, sealed->ref, ObjectKind::kChunk, key).error().code, SyncErrc::kObjectMismatch);
}

PersonEntry Entry(std::int64_t id) {
  PersonEntry e;
  e.id = id;
  e.document = {1, 2, 3, static_cast<std::uint8_t>(id)};
  e.index.card_keys.push_back(crypto::Hash16{1});
  e.index.insurance_keys = {crypto::Hash16{2}, crypto::Hash16{3}};
  e.index.name_keys.push_back({19580312, "ヤマダタロウ"});
  e.index.risk_classes = {RiskClass::kInsulin, RiskClass::kAnticoagulant};
  return e;
}

TEST(EntriesTest, ChunksAndDeltasRoundTrip) {
  std::vector<Bytes> encoded;
  for (std::int64_t id : {3, 5, 9}) encoded.push_back(*EncodePersonEntry(Entry(id)));
  const std::vector<ByteSpan> spans(encoded.begin(), encoded.end());
  auto chunk = DecodeChunkPayload(ChunkPayloadFromEncoded(spans), 3, 9);
  ASSERT_TRUE(chunk);
  EXPECT_EQ((*chunk)[1], Entry(5));
  EXPECT_EQ(DecodeChunkPayload(ChunkPayloadFromEncoded(spans), 4, 9).error().code, SyncErrc::kCorruptDocument);
  const std::vector<std::int64_t> removed = {4, 7};
  auto delta = DecodeDeltaPayload(DeltaPayloadFromEncoded(spans, removed));
  ASSERT_TRUE(delta);
  EXPECT_EQ(delta->upserts.size(), 3u);
  EXPECT_EQ(delta->removed, removed);
  Bytes cut = DeltaPayloadFromEncoded(spans, removed);
  cut.pop_back();
  EXPECT_EQ(DecodeDeltaPayload(cut).error().code, SyncErrc::kCorruptDocument);
}

TEST(ContentKeyTest, OnlyTheAddressedNodeOpensItsEnvelope) {
  auto key = GenerateContentKey();
  ASSERT_TRUE(key);
  auto node = crypto::GenerateBoxKeyPair();
  auto other = crypto::GenerateBoxKeyPair();
  auto sealed = SealContentKey(*key, node->public_key);
  ASSERT_TRUE(sealed);
  auto opened = OpenContentKey(*sealed, key->id, node->public_key, node->secret_key);
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->key.Equals(key->key.span()));
  EXPECT_EQ(OpenContentKey(*sealed, key->id, other->public_key, other->secret_key).error().code, SyncErrc::kNoEnvelope);
  EXPECT_EQ(OpenContentKey(*sealed, std::string(32, '0'), node->public_key, node->secret_key).error().code,
            SyncErrc::kNoEnvelope);
}

TEST(EnrollmentTokenTest, ParsesAndRejectsDamage) {
  const EnrollmentToken t{"17", std::string(64, 'a'), std::string(32, 'b')};
  auto back = ParseEnrollmentToken(t.Text());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->region, "17");
  EXPECT_EQ(ParseEnrollmentToken(t.Text().substr(0, 50)).error().code, SyncErrc::kBadToken);
  EXPECT_EQ(ParseEnrollmentToken("hello").error().code, SyncErrc::kBadToken);
}

}  // namespace
}  // namespace akari::sync::publication
