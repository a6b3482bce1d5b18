// Seeds, options, card timelines and the test CA of a generated region.
#include <cstring>

#include "crypto/openssl.h"
#include "fieldkit/errors.h"
#include "fieldkit/gen/calendar.h"
#include "fieldkit/gen/internal.h"
#include "fieldkit/gen/random.h"

namespace akari::fieldkit::gen {
namespace {

constexpr Date kCardsFrom = 20160115;   // マイナンバーカード issuance began
constexpr Date kCardsUntil = 20250930;  // everyone with a card has one by the anchor date
constexpr int kUnlinkedIndex = 31;

double CardShare(int age) {
  if (age < 15) return 0.72;
  if (age < 20) return 0.76;
  if (age < 70) return 0.84;
  if (age < 80) return 0.82;
  return 0.70;
}

Bytes SerialFor(const GenContext& ctx, std::int64_t id, int index) {
  // Mix64 is a bijection, so distinct (id, index) give distinct serials; the
  // prefecture's first byte keeps regions under the national CA apart.
  const std::uint64_t v = Mix64(ctx.key ^ ((static_cast<std::uint64_t>(id) << 5) | static_cast<std::uint64_t>(index)));
  Bytes out = {ctx.prefecture->serial_prefix};
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (i * 8)));
  return out;
}

// The first day after the 5th birthday following `issued`.
Date CardExpiry(Date birth, Date issued) {
  int age = sync::AgeOn(birth, issued) + 1;
  Date first = BirthdayAt(birth, age);
  if (first <= issued) first = BirthdayAt(birth, ++age);
  return AddDays(AddYears(first, 4), 1);
}

}  // namespace

namespace internal {

Date WindowStart(Date as_of, int years) {
  return AddYears(as_of, -years);
}

std::uint64_t Scramble(std::uint64_t value, int digits) {
  std::uint64_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  // x -> (a*x + c) mod 10^k is a bijection when gcd(a, 10) = 1.
  return (value % mod * 7919 + 1234567) % mod;
}

std::string Padded(std::uint64_t value, int width) {
  std::string s = std::to_string(value);
  if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<std::size_t>(width) - s.size(), '0');
  return s;
}

}  // namespace internal

Status ValidateRegionOptions(const RegionOptions& o) {
  if (o.persons < 1 || o.persons > kMaxPersons) {
    return MakeError(FieldkitErrc::kInvalidArgument, "--persons must be between 1 and " + std::to_string(kMaxPersons) +
                                                         ", got " + std::to_string(o.persons));
  }
  if (FindPrefecture(o.region) == nullptr) {
    return MakeError(FieldkitErrc::kInvalidArgument, "--region " + o.region +
                                                         " is not available: the regions with municipality and "
                                                         "insurer tables are " +
                                                         AvailableRegions());
  }
  if (!sync::IsValidDate(o.as_of) || o.as_of < kMinAsOf || o.as_of > kMaxAsOf) {
    return MakeError(FieldkitErrc::kInvalidArgument, "--as-of must be a date between " + sync::FormatDate(kMinAsOf) +
                                                         " and " + sync::FormatDate(kMaxAsOf) +
                                                         " (the synthetic population is anchored at " +
                                                         sync::FormatDate(kPopulationDate) + ")");
  }
  if (o.threads < 1 || o.threads > 64) {
    return MakeError(FieldkitErrc::kInvalidArgument, "--threads must be between 1 and 64");
  }
  return {};
}

Seed RegionSeedMaterial(std::uint64_t seed) {
  return DeriveSeed(AsBytes("akari-gen/v1/seed/" + std::to_string(seed)), "region");
}

Seed PersonSeedMaterial(std::uint64_t seed, const Prefecture& prefecture) {
  const Seed material = RegionSeedMaterial(seed);
  if (prefecture.seed_label.empty()) return material;
  return DeriveSeed(material, prefecture.seed_label);
}

Result<TestCa> RegionCa(const Seed& national) {
  return CreateTestCa(DeriveSeed(national, "test-ca"), MidnightInJapan(20150101), MidnightInJapan(20450101));
}

Result<TestCa> UnknownCa(const Seed& national) {
  return CreateTestCa(DeriveSeed(national, "unknown-ca"), MidnightInJapan(20150101), MidnightInJapan(20450101));
}

Result<GenContext> MakeContext(const RegionOptions& options) {
  GenContext ctx;
  ctx.prefecture = FindPrefecture(options.region);
  if (ctx.prefecture == nullptr) {
    return MakeError(FieldkitErrc::kInvalidArgument,
                     "region " + options.region + " is not available; the regions are " + AvailableRegions());
  }
  ctx.national = RegionSeedMaterial(options.seed);
  ctx.master = PersonSeedMaterial(options.seed, *ctx.prefecture);
  std::memcpy(&ctx.key, ctx.master.data(), sizeof(ctx.key));
  ctx.as_of = options.as_of;
  ctx.persons = options.persons;
  AKARI_ASSIGN_OR_RETURN(TestCa ca, RegionCa(ctx.national));
  ctx.issuer_hex = ToHex(crypto::NameDer(*X509_get_subject_name(ca.cert.get())));
  return ctx;
}

std::vector<CardIssuance> CardTimeline(const GenContext& ctx, std::int64_t id, Date birth) {
  std::vector<CardIssuance> out;
  Rng rng(ctx.key, Stream::kCard, static_cast<std::uint64_t>(id));
  if (!rng.Chance(CardShare(sync::AgeOn(birth, kPopulationDate)))) return out;
  const Date from = std::max(kCardsFrom, AddDays(birth, 30));
  if (from >= kCardsUntil) return out;
  Date issued = AddDays(from, rng.Range(0, static_cast<int>(DaysBetween(from, kCardsUntil))));
  for (int index = 0; issued < internal::kHorizon && index < kUnlinkedIndex; ++index) {
    CardIssuance c;
    c.index = index;
    c.serial = SerialFor(ctx, id, index);
    c.issued = issued;
    c.expires = CardExpiry(birth, issued);
    if (rng.Chance(0.012)) {
      c.revoked = AddDays(issued, rng.Range(1, static_cast<int>(DaysBetween(issued, c.expires)) - 1));
    }
    out.push_back(c);
    issued = AddDays(c.expires, -rng.Range(1, 90));  // renewed up to 3 months before expiry
  }
  return out;
}

Bytes UnlinkedSerial(const GenContext& ctx, std::int64_t id) {
  return SerialFor(ctx, id, kUnlinkedIndex);
}

std::string CardSubjectCn(const GenContext& ctx, std::int64_t id, int index) {
  Rng rng(ctx.key, Stream::kCard, static_cast<std::uint64_t>(id), static_cast<std::uint64_t>(index) + 1);
  static constexpr std::string_view kChars = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
  std::string cn;
  for (int i = 0; i < 20; ++i) cn.push_back(kChars[rng.Next() % kChars.size()]);
  return cn;
}

void ForEachPerson(const RegionOptions& options, const std::function<void(sync::PersonRecord&&)>& sink) {
  auto ctx = MakeContext(options);
  if (!ctx) return;
  std::int64_t next = 1;
  for (std::uint64_t h = 0; next <= options.persons; ++h) {
    for (sync::PersonRecord& r : GenerateHousehold(*ctx, h, next)) sink(std::move(r));
    next += HouseholdSize(*ctx, h);
  }
}

}  // namespace akari::fieldkit::gen
