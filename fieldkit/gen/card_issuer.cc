#include "fieldkit/gen/card_issuer.h"

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "crypto/openssl.h"
#include "fieldkit/errors.h"
#include "fieldkit/gen/calendar.h"
#include "fieldkit/gen/generator.h"
#include "sync/record_json.h"
#include "sync/zstd_lines.h"

namespace akari::fieldkit::gen {
namespace {

namespace fs = std::filesystem;

// Streams persons.ndjson.zst and returns the record of `id`.
Result<sync::PersonRecord> FindPerson(const fs::path& file, std::int64_t id) {
  auto lines = sync::ZstdLineReader::Open(file);
  if (!lines)
    return MakeError(FieldkitErrc::kNotFound, "cannot open " + file.string() + "; is --from a generated region?");
  const std::string needle = "\"id\":" + std::to_string(id) + ",";
  for (;;) {
    auto line = lines->Next();
    if (!line) return MakeError(FieldkitErrc::kIo, line.error().message);
    if (!*line) break;
    if ((*line)->find(needle) == std::string::npos) continue;
    auto j = nlohmann::json::parse(**line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.value("id", std::int64_t{0}) == id) {
      auto record = sync::RecordFromJson(j);
      if (!record) return MakeError(FieldkitErrc::kInvalidArgument, record.error().message);
      return std::move(*record);
    }
  }
  return MakeError(FieldkitErrc::kNotFound, "person " + std::to_string(id) + " is not in " + file.string() +
                                                "; person ids run from 1 to the region's --persons");
}

Result<RegionOptions> ReadRegionJson(const fs::path& dir) {
  AKARI_ASSIGN_OR_RETURN(Bytes bytes, ReadFileBytes(dir / "region.json", 1 << 20));
  auto j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  RegionOptions o;
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != "akari-region" ||
      !j["seed"].is_number_unsigned() || !j["as_of"].is_string() || !j["persons"].is_number_integer() ||
      (j.contains("region") && !j["region"].is_string())) {
    return MakeError(FieldkitErrc::kInvalidArgument,
                     (dir / "region.json").string() + " is not an akari-gen region description");
  }
  o.seed = j["seed"].get<std::uint64_t>();
  o.as_of = sync::ParseDate(j["as_of"].get<std::string>());
  o.persons = j["persons"].get<std::int64_t>();
  o.region = j.value("region", std::string(kDefaultRegion));
  AKARI_TRY(ValidateRegionOptions(o));
  return o;
}

Status PrepareCardDir(const fs::path& out) {
  std::error_code ec;
  if (fs::exists(out, ec) && (!fs::is_directory(out, ec) || !fs::is_empty(out, ec))) {
    return MakeError(FieldkitErrc::kInvalidArgument,
                     "card directory " + out.string() + " is not empty; choose a new directory");
  }
  fs::create_directories(out, ec);
  if (ec) return MakeError(FieldkitErrc::kIo, "cannot create " + out.string() + ": " + ec.message());
  return {};
}

}  // namespace

Status IssueCard(const CardRequest& request) {
  AKARI_ASSIGN_OR_RETURN(RegionOptions options, ReadRegionJson(request.region_dir));
  if (request.person < 1) {
    return MakeError(FieldkitErrc::kInvalidArgument, "--person must be a positive person id");
  }
  AKARI_ASSIGN_OR_RETURN(sync::PersonRecord record,
                         FindPerson(request.region_dir / "persons.ndjson.zst", request.person));
  if (record.card_links.empty()) {
    return MakeError(FieldkitErrc::kNotFound, "person " + std::to_string(request.person) +
                                                  " has no card link (no My Number Card registered as of " +
                                                  sync::FormatDate(options.as_of) +
                                                  "); pick a person whose record has card_links");
  }
  AKARI_ASSIGN_OR_RETURN(GenContext ctx, MakeContext(options));
  const CardIssuance* linked = nullptr;
  const std::vector<CardIssuance> timeline = CardTimeline(ctx, record.person.id, record.person.birth_date);
  for (const CardIssuance& c : timeline) {
    if (ToHex(c.serial) == record.card_links.front().serial_hex) linked = &c;
  }
  if (linked == nullptr) {
    return MakeError(FieldkitErrc::kInvalidArgument, "person " + std::to_string(request.person) +
                                                         "'s card link does not match this generator; was the "
                                                         "region made by another akari-gen version?");
  }
  AKARI_ASSIGN_OR_RETURN(
      TestCa ca, request.scenario == CardScenario::kUnknownCa ? UnknownCa(ctx.national) : RegionCa(ctx.national));
  AKARI_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr key,
                         DeterministicRsaKey(DeriveSeed(ctx.master, "card-key/" + std::to_string(request.person))));
  UserAuthCertificateRequest req;
  req.serial = linked->serial;
  req.subject_cn = CardSubjectCn(ctx, request.person, linked->index);
  req.not_before = MidnightInJapan(linked->issued);
  req.not_after = MidnightInJapan(linked->expires) - std::chrono::seconds(1);
  // Each region's revocation list covers its own cards only (test_ca.h).
  req.crl_partition = std::string(ctx.prefecture->code);
  if (request.scenario == CardScenario::kExpired) {
    req.not_after = MidnightInJapan(ctx.as_of) - std::chrono::hours(24);
    req.not_before = MidnightInJapan(AddYears(AddDays(ctx.as_of, -1), -5));
  } else if (request.scenario == CardScenario::kUnlinked) {
    req.serial = UnlinkedSerial(ctx, request.person);
  }
  AKARI_ASSIGN_OR_RETURN(crypto::X509Ptr cert, IssueUserAuthCertificate(ca, *key, req));
  AKARI_ASSIGN_OR_RETURN(std::string key_pem, PrivateKeyPem(*key));
  AKARI_TRY(PrepareCardDir(request.out));
  AKARI_TRY(WriteFileAtomically(request.out / "cert.der", crypto::CertificateDer(*cert), 0644));
  AKARI_TRY(WriteFileAtomically(request.out / "key.pem", AsBytes(key_pem), 0600));
  AKARI_TRY(WriteFileAtomically(request.out / "ca.der", crypto::CertificateDer(*ca.cert), 0644));
  AKARI_TRY(WriteFileAtomically(request.out / "person", AsBytes(std::to_string(request.person) + "\n"), 0644));
  return {};
}

}  // namespace akari::fieldkit::gen
