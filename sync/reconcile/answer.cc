#include "sync/reconcile/answer.h"

#include <algorithm>

#include "sync/index_keys.h"
#include "sync/insurer_number.h"
#include "sync/internal/json_fields.h"
#include "sync/kana.h"
#include "sync/record_json.h"

namespace akari::sync::reconcile {
namespace {

using internal::JsonFields;
using nlohmann::json;

// The check body fields the hub relies on.
struct ParsedCheck {
  std::string id;
  std::string node_id;
  TimePoint created_at;
  std::string method;
  json claim;
  std::optional<std::int64_t> person_id;
  std::string local_status;
  json local_coverage;
};

std::optional<ParsedCheck> Parse(const std::string& body, std::string& problem) {
  const json j = json::parse(body, nullptr, false);
  JsonFields f(j, "check");
  ParsedCheck c;
  c.id = f.String("id", true, 128);
  c.node_id = f.String("node_id", true, 64);
  const std::int64_t ms = f.Int("created_at_ms", 0, INT64_MAX / 2);
  c.method = f.String("method", true, 32);
  if (const json* claim = f.Find("claim"); claim != nullptr && claim->is_object()) c.claim = *claim;
  if (f.Find("person_id") != nullptr) c.person_id = f.Int("person_id", 1, INT64_MAX);
  if (const json* local = f.Find("local_answer"); local != nullptr) {
    JsonFields fl(*local, "check.local_answer");
    c.local_status = fl.String("status", true, 64);
    if (const json* cov = fl.Find("coverage"); cov != nullptr) c.local_coverage = *cov;
    f.Absorb(fl);
  } else {
    f.Fail("local_answer", "missing");
  }
  if (!f.ok()) {
    problem = f.error();
    return std::nullopt;
  }
  c.created_at = TimePoint(std::chrono::milliseconds(ms));
  return c;
}

std::string ClaimString(const json& claim, const char* key) {
  auto it = claim.find(key);
  return it != claim.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool SameCoverage(const json& local, const Coverage& c) {
  if (!local.is_object()) return false;
  return NormalizeDigits(ClaimString(local, "insurer_number")) == c.insurer_number &&
         NormalizeDigits(ClaimString(local, "symbol")) == NormalizeDigits(c.symbol) &&
         NormalizeDigits(ClaimString(local, "number")) == NormalizeDigits(c.number) &&
         ClaimString(local, "branch") == c.branch;
}

json CoverageToJson(const Coverage& c) {
  return {{"insurer_number", c.insurer_number},
          {"insurer_name", c.insurer_name},
          {"scheme", SchemeName(c.scheme)},
          {"symbol", c.symbol},
          {"number", c.number},
          {"branch", c.branch},
          {"relationship", c.relationship == Relationship::kInsured ? "insured" : "dependent"},
          {"valid_from", FormatDate(c.valid_from)},
          {"valid_to", c.valid_to == 0 ? json(nullptr) : json(FormatDate(c.valid_to))},
          {"loss_reason", static_cast<int>(c.loss_reason)},
          {"copay_percent", c.copay_percent},
          {"high_cost_category", c.high_cost_category}};
}

// Exactly one id, or nullopt.
std::optional<std::int64_t> Single(const std::vector<std::int64_t>& ids) {
  if (ids.size() != 1) return std::nullopt;
  return ids.front();
}

// Narrows candidates with a predicate over their records; keeps all when
// nothing would remain (a hint that matches no one does not exclude).
Result<std::vector<std::int64_t>> Narrow(PersonDirectory& dir, std::vector<std::int64_t> ids,
                                         const std::function<bool(const PersonRecord&)>& keep) {
  std::vector<std::int64_t> kept;
  for (std::int64_t id : ids) {
    AKARI_ASSIGN_OR_RETURN(auto record, dir.Get(id));
    if (record && keep(*record)) kept.push_back(id);
  }
  return kept;
}

Result<std::optional<std::int64_t>> ResolveByNumbers(PersonDirectory& dir, const json& claim) {
  const crypto::Hash16 key =
      InsuranceKey(ClaimString(claim, "insurer_number"), ClaimString(claim, "symbol"), ClaimString(claim, "number"));
  AKARI_ASSIGN_OR_RETURN(std::vector<std::int64_t> ids, dir.FindByInsuranceKey(key));
  const std::string branch = NormalizeDigits(ClaimString(claim, "branch"));
  const Date birth = ParseDate(ClaimString(claim, "birth_date"));
  AKARI_ASSIGN_OR_RETURN(ids, Narrow(dir, ids, [&](const PersonRecord& r) {
                           if (birth != 0 && r.person.birth_date != birth) return false;
                           if (branch.empty()) return true;
                           return std::any_of(r.coverages.begin(), r.coverages.end(),
                                              [&](const Coverage& c) { return c.branch == branch; });
                         }));
  return Single(ids);
}

Result<std::optional<std::int64_t>> ResolveSelfReported(PersonDirectory& dir, const json& claim) {
  const auto kana = KanaSearchKey(ClaimString(claim, "name_kana"));
  const Date birth = ParseDate(ClaimString(claim, "birth_date"));
  if (!kana || kana->empty() || birth == 0) return std::optional<std::int64_t>();
  AKARI_ASSIGN_OR_RETURN(std::vector<std::int64_t> ids, dir.FindByName(birth, *kana));
  const auto sex_it = claim.find("sex");
  const int sex = sex_it != claim.end() && sex_it->is_number_integer() ? sex_it->get<int>() : 0;
  if (sex == 1 || sex == 2) {
    AKARI_ASSIGN_OR_RETURN(
        ids, Narrow(dir, ids, [&](const PersonRecord& r) { return static_cast<int>(r.person.sex) == sex; }));
  }
  const std::string address = ClaimString(claim, "address");
  if (ids.size() > 1 && !address.empty()) {
    AKARI_ASSIGN_OR_RETURN(auto narrowed, Narrow(dir, ids, [&](const PersonRecord& r) {
                             const std::string full =
                                 r.person.address.prefecture + r.person.address.municipality + r.person.address.rest;
                             return full.find(address) != std::string::npos ||
                                    address.find(r.person.address.municipality) != std::string::npos;
                           }));
    if (!narrowed.empty()) ids = std::move(narrowed);
  }
  const std::string insurer = ClaimString(claim, "insurer");
  if (ids.size() > 1 && !insurer.empty()) {
    AKARI_ASSIGN_OR_RETURN(auto narrowed, Narrow(dir, ids, [&](const PersonRecord& r) {
                             return std::any_of(r.coverages.begin(), r.coverages.end(), [&](const Coverage& c) {
                               return c.insurer_name.find(insurer) != std::string::npos ||
                                      insurer.find(c.insurer_name) != std::string::npos;
                             });
                           }));
    if (!narrowed.empty()) ids = std::move(narrowed);
  }
  return Single(ids);
}

Result<std::optional<std::int64_t>> Resolve(PersonDirectory& dir, const ParsedCheck& c) {
  if (c.method == "card") {
    if (auto key = FromHex(ClaimString(c.claim, "card_key")); key && key->size() == 16) {
      crypto::Hash16 k{};
      std::copy(key->begin(), key->end(), k.begin());
      AKARI_ASSIGN_OR_RETURN(std::vector<std::int64_t> ids, dir.FindByCardKey(k));
      if (auto one = Single(ids)) return one;
    }
    return c.person_id;
  }
  if (c.method == "insurance_numbers") return ResolveByNumbers(dir, c.claim);
  if (c.method == "self_reported") return ResolveSelfReported(dir, c.claim);
  return c.person_id;  // disaster_search: the person staff selected
}

}  // namespace

Result<CheckAnswer> AnswerCheck(const UploadedCheck& check, const AnswerContext& context, PersonDirectory& dir) {
  CheckAnswer a;
  a.check_id = check.id;
  const auto skew = std::chrono::duration_cast<std::chrono::seconds>(context.hub_now - context.batch_sent_at);
  a.clock_skew_seconds = skew.count();
  auto finish = [&](Outcome o, std::string detail) {
    a.outcome = o;
    a.qualification_validity = QualificationValidity(o);
    a.detail = std::move(detail);
    return a;
  };
  if (!crypto::Verify(context.node_key, CheckSigningInput(check.body), check.signature)) {
    return finish(Outcome::kSignatureInvalid,
                  "the check's signature does not match this node's enrolled key: it was altered after it was "
                  "recorded, or comes from another node");
  }
  std::string problem;
  const std::optional<ParsedCheck> parsed = Parse(check.body, problem);
  if (!parsed) return finish(Outcome::kMalformed, "the check body is not valid: " + problem);
  if (parsed->id != check.id || parsed->node_id != context.node_id) {
    return finish(Outcome::kMalformed, "the check id or node id inside the body does not match the upload");
  }
  // A node clock that is off by more than the tolerance would shift visits
  // across coverage boundaries: evaluate at the corrected time and say so.
  TimePoint when = parsed->created_at;
  if (std::chrono::abs(skew) > kSkewTolerance) when += skew;
  a.evaluated_at = FormatUtc(when);
  const Date on = DateInJapan(when);

  if (parsed->local_status == "identity_not_confirmed") {
    return finish(Outcome::kUnknownPerson,
                  "identity was not confirmed when the check was made; no coverage is confirmed");
  }
  AKARI_ASSIGN_OR_RETURN(std::optional<std::int64_t> person_id, Resolve(dir, *parsed));
  const bool self_reported = parsed->method == "self_reported";
  if (!person_id) {
    return finish(self_reported ? Outcome::kNoMatch : Outcome::kUnknownPerson,
                  self_reported ? "no single person in the region matches what the patient stated"
                                : "no person in the region matches what was presented");
  }
  AKARI_ASSIGN_OR_RETURN(std::optional<PersonRecord> record, dir.Get(*person_id));
  if (!record) return finish(Outcome::kUnknownPerson, "the person is no longer in the region's records");
  a.person_id = *person_id;
  const Coverage* current = CoverageOn(*record, on);
  if (current == nullptr) {
    const Coverage* last = nullptr;
    for (const Coverage& c : record->coverages) {
      if (c.valid_from <= on && (last == nullptr || c.valid_from > last->valid_from)) last = &c;
    }
    if (last != nullptr) a.ended_coverage = CoverageToJson(*last);
    return finish(Outcome::kNotCovered, last == nullptr ? "no coverage on " + FormatDate(on)
                                                        : "not covered on " + FormatDate(on) + ": coverage ended " +
                                                              FormatDate(last->valid_to));
  }
  a.coverage = CoverageToJson(*current);
  if (self_reported) return finish(Outcome::kMatched, "one person matched; bill the insurer given");
  if (parsed->local_status == "covered" && SameCoverage(parsed->local_coverage, *current)) {
    return finish(Outcome::kConfirmed, "");
  }
  return finish(Outcome::kDifferentCoverage,
                parsed->local_status == "covered"
                    ? "covered on " + FormatDate(on) + " by another insurance than the node said"
                    : "covered on " + FormatDate(on) + "; the node had no coverage for this patient (its answer was " +
                          parsed->local_status + ")");
}

}  // namespace akari::sync::reconcile
