#include "node/card/verification.h"

#include <array>
#include <memory>
#include <mutex>

#include "crypto/hash.h"
#include "crypto/sodium.h"
#include "node/card/errors.h"
#include "node/checks/eligibility.h"
#include "node/node_time.h"
#include "node/store/meta_keys.h"
#include "sync/index_keys.h"

namespace akari::card {
namespace {

using SteadyClock = std::chrono::steady_clock;
using Code = VerificationCode;

struct CodeEntry {
  Code code;
  std::string_view name;
  VerificationStatus status;
};

constexpr std::array<CodeEntry, 28> kCodes = {{
    {Code::kCovered, "covered", VerificationStatus::kCovered},
    {Code::kNotCovered, "not_covered", VerificationStatus::kNotCovered},
    {Code::kUnknownPerson, "unknown_person", VerificationStatus::kUnknownPerson},
    {Code::kCertificateUntrusted, "certificate_untrusted", VerificationStatus::kIdentityNotConfirmed},
    {Code::kCertificateExpired, "certificate_expired", VerificationStatus::kIdentityNotConfirmed},
    {Code::kCertificateNotYetValid, "certificate_not_yet_valid", VerificationStatus::kIdentityNotConfirmed},
    {Code::kCertificateRevoked, "certificate_revoked", VerificationStatus::kIdentityNotConfirmed},
    {Code::kCertificateInvalid, "certificate_invalid", VerificationStatus::kIdentityNotConfirmed},
    {Code::kSignatureInvalid, "signature_invalid", VerificationStatus::kIdentityNotConfirmed},
    {Code::kPinWrong, "pin_wrong", VerificationStatus::kIncomplete},
    {Code::kPinBlocked, "pin_blocked", VerificationStatus::kIncomplete},
    {Code::kPinLastTry, "pin_last_try", VerificationStatus::kIncomplete},
    {Code::kPinFormat, "pin_format", VerificationStatus::kIncomplete},
    {Code::kPinNotGiven, "pin_not_given", VerificationStatus::kIncomplete},
    {Code::kNoTrustMaterial, "no_trust_material", VerificationStatus::kIncomplete},
    {Code::kClockBehind, "clock_behind", VerificationStatus::kIncomplete},
    {Code::kNoCard, "no_card", VerificationStatus::kIncomplete},
    {Code::kSeveralCards, "several_cards", VerificationStatus::kIncomplete},
    {Code::kNoReader, "no_reader", VerificationStatus::kIncomplete},
    {Code::kReaderNotFound, "reader_not_found", VerificationStatus::kIncomplete},
    {Code::kReaderGone, "reader_gone", VerificationStatus::kIncomplete},
    {Code::kCardRemoved, "card_removed", VerificationStatus::kIncomplete},
    {Code::kCardBusy, "card_busy", VerificationStatus::kIncomplete},
    {Code::kCardUnresponsive, "card_unresponsive", VerificationStatus::kIncomplete},
    {Code::kNotIdentityCard, "not_identity_card", VerificationStatus::kIncomplete},
    {Code::kCardError, "card_error", VerificationStatus::kIncomplete},
    {Code::kServiceUnavailable, "service_unavailable", VerificationStatus::kIncomplete},
    {Code::kTimeout, "timeout", VerificationStatus::kIncomplete},
}};

const CodeEntry& EntryOf(Code code) {
  for (const CodeEntry& e : kCodes) {
    if (e.code == code) return e;
  }
  return kCodes.back();
}

Code CodeForCardError(const Error& e) {
  if (e.code.category() != CardCategory()) return Code::kCardError;
  switch (static_cast<CardErrc>(e.code.value())) {
    case CardErrc::kServiceUnavailable:
      return Code::kServiceUnavailable;
    case CardErrc::kNoReader:
      return Code::kNoReader;
    case CardErrc::kReaderNotFound:
      return Code::kReaderNotFound;
    case CardErrc::kReaderGone:
      return Code::kReaderGone;
    case CardErrc::kNoCard:
      return Code::kNoCard;
    case CardErrc::kSeveralCards:
      return Code::kSeveralCards;
    case CardErrc::kCardRemoved:
      return Code::kCardRemoved;
    case CardErrc::kCardBusy:
      return Code::kCardBusy;
    case CardErrc::kCardUnresponsive:
      return Code::kCardUnresponsive;
    case CardErrc::kTimeout:
      return Code::kTimeout;
    case CardErrc::kNotIdentityCard:
      return Code::kNotIdentityCard;
    case CardErrc::kPinBlocked:
      return Code::kPinBlocked;
    case CardErrc::kPinFormat:
      return Code::kPinFormat;
    case CardErrc::kBadResponse:
    case CardErrc::kUnexpectedStatus:
    case CardErrc::kSecurityNotSatisfied:
    case CardErrc::kTransmitFailed:
    case CardErrc::kSigningFailed:
      return Code::kCardError;
  }
  return Code::kCardError;
}

Code CodeForCertificateError(const Error& e) {
  if (e.code.category() != crypto::CertCategory()) return Code::kCertificateInvalid;
  switch (static_cast<crypto::CertErrc>(e.code.value())) {
    case crypto::CertErrc::kNoTrustMaterial:
      return Code::kNoTrustMaterial;
    case crypto::CertErrc::kUntrustedIssuer:
      return Code::kCertificateUntrusted;
    case crypto::CertErrc::kExpired:
      return Code::kCertificateExpired;
    case crypto::CertErrc::kNotYetValid:
      return Code::kCertificateNotYetValid;
    case crypto::CertErrc::kRevoked:
      return Code::kCertificateRevoked;
    case crypto::CertErrc::kClockBehind:
      return Code::kClockBehind;
    default:
      return Code::kCertificateInvalid;
  }
}

std::string Capitalized(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

constexpr std::string_view kCityOffice = "it can only be reset by the card holder at the city office (市区町村の窓口)";
constexpr std::string_view kFaceCheck =
    "compare the patient's face with the photo on the card (目視確認) before relying on this";

std::string TriesText(int tries) {
  return std::to_string(tries) + (tries == 1 ? " try" : " tries");
}

std::string DateText(TimePoint t) {
  return FormatUtc(t).substr(0, 10);
}

// Parsing a revocation list of ten thousand entries and checking its
// signature takes milliseconds, and the trust material changes only with a
// sync: keep the parsed form for as long as the bytes are the same (every
// thread of the process shares it; TrustAnchors is read-only once built).
Result<std::shared_ptr<const crypto::TrustAnchors>> CachedAnchors(const std::vector<store::TrustItem>& items) {
  static std::mutex mu;
  static crypto::Hash32 cached_key{};
  static std::shared_ptr<const crypto::TrustAnchors> cached;
  crypto::Blake2b256Hasher hasher;
  std::vector<Bytes> cas, crls;
  for (const store::TrustItem& item : items) {
    const std::uint8_t header[9] = {static_cast<std::uint8_t>(item.kind == store::TrustItem::Kind::kCrl),
                                    static_cast<std::uint8_t>(item.der.size() >> 56),
                                    static_cast<std::uint8_t>(item.der.size() >> 48),
                                    static_cast<std::uint8_t>(item.der.size() >> 40),
                                    static_cast<std::uint8_t>(item.der.size() >> 32),
                                    static_cast<std::uint8_t>(item.der.size() >> 24),
                                    static_cast<std::uint8_t>(item.der.size() >> 16),
                                    static_cast<std::uint8_t>(item.der.size() >> 8),
                                    static_cast<std::uint8_t>(item.der.size())};
    hasher.Update(header);
    hasher.Update(item.der);
  }
  const crypto::Hash32 key = hasher.Finish();
  {
    std::lock_guard lock(mu);
    if (cached && key == cached_key) return cached;
  }
  for (const store::TrustItem& item : items)
    (item.kind == store::TrustItem::Kind::kCrl ? crls : cas).push_back(item.der);
  AKARI_ASSIGN_OR_RETURN(crypto::TrustAnchors built, crypto::TrustAnchors::Build(cas, crls));
  auto anchors = std::make_shared<const crypto::TrustAnchors>(std::move(built));
  std::lock_guard lock(mu);
  cached_key = key;
  cached = anchors;
  return anchors;
}

// One verification from card to record (see verification.h).
class Verification {
 public:
  Verification(const VerificationRequest& request, const VerificationContext& context)
      : request_(request), context_(context), start_(SteadyClock::now()) {
    out_.reader = request.reader;
    out_.pin.used = pin_mode_;
  }

  Result<VerificationOutcome> Run() {
    std::optional<Code> stop;
    if (request_.pin && !IsWellFormedAuthPin(*request_.pin)) {
      stop = Stop(Code::kPinFormat, "The PIN must be exactly 4 digits; nothing was sent to the card.");
    } else {
      AKARI_ASSIGN_OR_RETURN(stop, WithCard());
    }
    if (!stop) AKARI_TRY(Eligibility());
    AKARI_TRY(Record());
    out_.timing.total = SteadyClock::now() - start_;
    return std::move(out_);
  }

 private:
  Code Stop(Code code, std::string message) {
    out_.code = code;
    out_.status = EntryOf(code).status;
    out_.message = std::move(message);
    return code;
  }
  Code StopForCard(const Error& e) { return Stop(CodeForCardError(e), Capitalized(e.message) + "."); }

  // Connects, runs the card steps and releases the card before anything is
  // written, so that another verification on the reader is not held up.
  Result<std::optional<Code>> WithCard() {
    auto t = SteadyClock::now();
    auto session = context_.cards.Open(request_.reader, request_.card_wait);
    out_.timing.connect += SteadyClock::now() - t;
    if (!session) return StopForCard(session.error());
    out_.reader = (*session)->reader();
    MeteredChannel metered((*session)->channel());
    auto stop = CardSteps(**session, metered);
    out_.timing.apdus = metered.apdus();
    out_.timing.card = metered.card_time();
    t = SteadyClock::now();
    session->reset();
    out_.timing.connect += SteadyClock::now() - t;
    return stop;
  }

  Result<std::optional<Code>> CardSteps(CardSession& session, CardChannel& channel) {
    auto card = DetectIdentityCard(channel);
    if (!card) return StopForCard(card.error());
    out_.token_label = std::string((*card)->TokenLabel());
    bool pin_done = false;
    auto der = (*card)->ReadAuthCertificate();
    if (!der && der.error().code == CardErrc::kSecurityNotSatisfied && pin_mode_) {
      // Smartphone tokens show their certificate only after the PIN.
      AKARI_ASSIGN_OR_RETURN(std::optional<Code> stop, PinSteps(**card, session));
      if (stop) return stop;
      pin_done = true;
      der = (*card)->ReadAuthCertificate();
    }
    if (!der) return StopForCard(der.error());
    AKARI_ASSIGN_OR_RETURN(std::optional<Code> stop, CertificateSteps(*der));
    if (stop) return stop;
    if (!pin_done) {
      AKARI_ASSIGN_OR_RETURN(stop, PinSteps(**card, session));
      if (stop) return stop;
    }
    if (!pin_mode_) {
      out_.assurance = node::Assurance::kCertificate;
      return std::nullopt;
    }
    return SignatureSteps(**card);
  }

  Result<std::optional<Code>> CertificateSteps(const Bytes& der) {
    auto cert = crypto::ParseCertificateDer(der);
    if (!cert) {
      return Stop(Code::kCardError, "The certificate on the card cannot be read as a certificate (" +
                                        cert.error().message + "): the card may be damaged.");
    }
    cert_ = std::move(*cert);
    details_ = crypto::DescribeCertificate(*cert_);
    out_.certificate =
        CertificateReport{details_.issuer, ToHex(details_.serial), details_.not_before, details_.not_after};
    AKARI_ASSIGN_OR_RETURN(std::vector<store::TrustItem> items, context_.store.ReadTrustMaterial());
    auto anchors = CachedAnchors(items);
    if (!anchors) {
      return Stop(Code::kNoTrustMaterial, "This node's trust material is damaged (" + anchors.error().message +
                                              "), so no card can be verified: sync again (akari sync).");
    }
    const TimePoint now = context_.clock.Now();
    AKARI_ASSIGN_OR_RETURN(const TimePoint at, CheckTime(now));
    checked_at_ = at;
    auto revocation = crypto::VerifyUserAuthCertificate(*cert_, **anchors, at);
    if (!revocation) {
      const Code code = CodeForCertificateError(revocation.error());
      std::string message = Capitalized(revocation.error().message) + ".";
      if (EntryOf(code).status == VerificationStatus::kIdentityNotConfirmed) {
        message += " Identity NOT confirmed: identify the patient another way. This refusal is recorded.";
      }
      if (at > now) {
        message += " This machine's clock (" + DateText(now) +
                   ") is behind the newest signed time this node has seen (" + DateText(at) +
                   "), so the card was checked at that time; set the clock right.";
      }
      return Stop(code, std::move(message));
    }
    out_.revocation = *revocation;
    return std::nullopt;
  }

  // The time certificates and revocation lists are checked at: the clock,
  // but never before the newest signed time this node has seen (the floor
  // sync uses too), so a clock set back cannot make an expired card valid.
  Result<TimePoint> CheckTime(TimePoint now) {
    AKARI_ASSIGN_OR_RETURN(std::optional<TimePoint> trusted, node::ReadTrustedTime(context_.store));
    return trusted ? std::max(now, *trusted) : now;
  }

  void Apply(const PinStatus& s) {
    out_.pin.tries_left = s.tries_left;
    out_.pin.blocked = s.blocked;
    out_.pin.verified = s.verified && pin_mode_;
  }

  Result<std::optional<Code>> PinSteps(IdentityCard& card, CardSession& session) {
    auto status = card.QueryPin();
    if (!status) {
      // Without a PIN the card is not needed any more: a card that cannot
      // say its tries (a face-only card) only leaves them unknown.
      if (!pin_mode_) return std::nullopt;
      return StopForCard(status.error());
    }
    Apply(*status);
    out_.pin.verified = false;
    if (!pin_mode_) return std::nullopt;
    if (status->blocked) {
      return Stop(Code::kPinBlocked, "The card's PIN is blocked (no tries left): " + std::string(kCityOffice) +
                                         ". Never guess PINs. To continue now, verify without the PIN (certificate "
                                         "only) and " +
                                         std::string(kFaceCheck) + ".");
    }
    if (status->tries_left == 1 && !request_.confirm_last_try) {
      return Stop(Code::kPinLastTry,
                  "The card's PIN has 1 try left. Ask the patient to confirm they are sure of the PIN, then try "
                  "again with the last try confirmed; a wrong PIN will block the card, and " +
                      std::string(kCityOffice) + ". Nothing was sent to the card.");
    }
    const crypto::SecretBuffer* pin = request_.pin ? &*request_.pin : nullptr;
    if (pin == nullptr) {
      auto asked = request_.ask_pin(*status);
      if (!asked) {
        return Stop(Code::kPinNotGiven, Capitalized(asked.error().message) + ". No PIN was sent to the card.");
      }
      asked_pin_ = std::move(*asked);
      if (!IsWellFormedAuthPin(*asked_pin_)) {
        return Stop(Code::kPinFormat, "The PIN must be exactly 4 digits; nothing was sent to the card.");
      }
      pin = &*asked_pin_;
    }
    session.ResetOnClose();
    // A VERIFY without a clear answer may have spent a try: from here the
    // count is only what the card's answer says.
    out_.pin.tries_left.reset();
    auto after = card.VerifyPin(*pin);
    if (!after) return StopForCard(after.error());
    Apply(*after);
    if (after->verified) return std::nullopt;
    if (after->blocked) {
      return Stop(Code::kPinBlocked, "Wrong PIN, and that was the last try: the PIN is now blocked; " +
                                         std::string(kCityOffice) +
                                         ". To continue now, verify without the PIN "
                                         "(certificate only) and " +
                                         std::string(kFaceCheck) + ".");
    }
    const int left = after->tries_left.value_or(0);
    return Stop(Code::kPinWrong, "Wrong PIN: " + TriesText(left) +
                                     " left. Ask the patient to enter it again carefully" +
                                     (left == 1 ? "; the last try needs the patient's confirmation." : "."));
  }

  Result<std::optional<Code>> SignatureSteps(IdentityCard& card) {
    AKARI_TRY(crypto::EnsureSodium());
    Bytes challenge(32);
    crypto::RandomBytes(challenge);
    auto signature = card.SignChallenge(challenge);
    if (!signature) {
      // The chip accepted the PIN: answering the signing command without a
      // signature (6982 included) fails the proof of possession like a wrong
      // signature. Only a failed transmit (no answer at all) leaves it open.
      const std::error_code code = signature.error().code;
      if (code != CardErrc::kSigningFailed && code != CardErrc::kSecurityNotSatisfied) {
        return StopForCard(signature.error());
      }
      return Stop(Code::kSignatureInvalid,
                  "The card's chip accepted the PIN but did not sign a fresh challenge (" + signature.error().message +
                      "): it could not prove it holds the key of its certificate. Identity NOT confirmed: keep the "
                      "card aside and identify the patient another way. This refusal is recorded.");
    }
    auto ok = crypto::VerifyChallengeSignature(*cert_, signature->algorithm, challenge, signature->signature);
    if (!ok) {
      if (ok.error().code == crypto::CertErrc::kBadSignature) {
        return Stop(Code::kSignatureInvalid,
                    "The card's chip could not prove it holds the key of its certificate (its signature over a fresh "
                    "challenge does not verify): a copied or cloned card. Identity NOT confirmed: keep the card "
                    "aside and identify the patient another way. This refusal is recorded.");
      }
      return Stop(Code::kCardError, Capitalized(ok.error().message) + ".");
    }
    out_.assurance = node::Assurance::kSignature;
    return std::nullopt;
  }

  Status Eligibility() {
    const crypto::Hash16 key = sync::CardLinkKey(details_.issuer_der, details_.serial);
    AKARI_ASSIGN_OR_RETURN(std::vector<std::int64_t> ids, context_.store.FindByCardKey(key));
    std::optional<sync::PersonRecord> person;
    if (ids.size() == 1) {
      AKARI_ASSIGN_OR_RETURN(person, context_.store.ReadPerson(ids.front()));
    }
    const std::string how = (out_.assurance == node::Assurance::kSignature
                                 ? "Identity confirmed (card certificate, PIN and signature)."
                                 : "Card certificate read without PIN (顔認証マイナンバーカード or PIN not used): " +
                                       std::string(kFaceCheck) + ".") +
                            RevocationNote();
    if (!person) {
      out_.detail = ids.empty() ? "no person in this region's data is linked to this card"
                                : "this card is linked to " + std::to_string(ids.size()) + " persons";
      out_.detail_code = ids.empty() ? "card_not_linked" : "card_linked_to_several";
      Stop(Code::kUnknownPerson,
           how + " The card is valid, but " + out_.detail +
               (ids.empty() ? " (moved from another region, or linked after the last sync)"
                            : " in this region's data (a linking error in the insurers' records; report it)") +
               ". The check is queued and the hub answers it when online; to continue now, ask for the 資格確認書 "
               "or the insurance numbers.");
      return {};
    }
    out_.person_id = ids.front();
    // Coverage on the day the certificate was checked at: a clock set back
    // must not make coverage that has ended current again.
    const node::LocalAnswer answer = node::EligibilityOn(*person, sync::DateInJapan(checked_at_));
    out_.coverage = answer.coverage;
    out_.detail = answer.detail;
    out_.detail_code = answer.detail_code;
    if (answer.status == "covered") {
      Stop(Code::kCovered, how + " Coverage in force today.");
    } else {
      Stop(Code::kNotCovered, how + " No coverage in force today: " + answer.detail + ".");
    }
    return {};
  }

  std::string RevocationNote() const {
    if (!out_.revocation) return "";
    const crypto::RevocationReport& r = *out_.revocation;
    switch (r.status) {
      case crypto::RevocationStatus::kCurrent:
        return "";
      case crypto::RevocationStatus::kStale:
        return " Verified, but the revocation data is stale since " + DateText(*r.next_update) + " (list of " +
               DateText(*r.this_update) + "): a card revoked since then would not be noticed; sync when possible.";
      case crypto::RevocationStatus::kUnavailable:
        return " No revocation list covers this card, so revocation could not be checked; sync when possible.";
    }
    return "";
  }

  nlohmann::json Claim() const {
    nlohmann::json claim = {{"pin_used", out_.pin.used}, {"token", out_.token_label}, {"reader", out_.reader}};
    if (out_.certificate) {
      claim["certificate"] = {{"issuer", out_.certificate->issuer},
                              {"serial", out_.certificate->serial},
                              {"not_after", FormatUtc(out_.certificate->not_after)}};
      // The hub resolves the person through its own card links with this
      // key (the link may be newer than this node's snapshot).
      claim["card_key"] = ToHex(sync::CardLinkKey(details_.issuer_der, details_.serial));
    }
    return claim;
  }

  nlohmann::json AuditDetail() const {
    nlohmann::json d = {{"code", CodeName(out_.code)},
                        {"status", StatusName(out_.status)},
                        {"reader", out_.reader},
                        {"pin_used", out_.pin.used},
                        {"pin_tries_left", out_.pin.tries_left ? nlohmann::json(*out_.pin.tries_left) : nullptr}};
    if (out_.assurance) d["assurance"] = node::AssuranceName(*out_.assurance);
    if (out_.certificate) d["certificate_serial"] = out_.certificate->serial;
    if (out_.revocation) d["revocation"] = crypto::RevocationStatusName(out_.revocation->status);
    if (out_.check_id) d["check_id"] = *out_.check_id;
    return d;
  }

  // The check (for a verdict) and the audit entry, in one durable transaction.
  Status Record() {
    AKARI_ASSIGN_OR_RETURN(store::Transaction tx,
                           store::Transaction::Begin(context_.store.database(), /*durable=*/true));
    if (out_.status != VerificationStatus::kIncomplete) {
      node::CheckInput in;
      in.method = node::CheckMethod::kCard;
      // A refusal records the assurance that was attempted.
      in.assurance = out_.assurance.value_or(pin_mode_ ? node::Assurance::kSignature : node::Assurance::kCertificate);
      in.operator_id = request_.operator_id;
      in.facility = request_.facility;
      in.claim = Claim();
      in.person_id = out_.person_id;
      in.answer.status = out_.status == VerificationStatus::kIdentityNotConfirmed
                             ? "identity_not_confirmed"
                             : std::string(StatusName(out_.status));
      in.answer.coverage = out_.coverage;
      const bool unconfirmed = out_.status == VerificationStatus::kIdentityNotConfirmed;
      in.answer.detail = unconfirmed ? std::string(CodeName(out_.code)) : out_.detail;
      in.answer.detail_code = unconfirmed ? std::string(CodeName(out_.code)) : out_.detail_code;
      AKARI_ASSIGN_OR_RETURN(node::CheckRecord check, context_.queue.Record(in));
      out_.check_id = check.id;
    }
    node::AuditEvent event{"card.verify", request_.operator_id.empty() ? "cli" : request_.operator_id, out_.person_id,
                           AuditDetail()};
    AKARI_ASSIGN_OR_RETURN(out_.audit_seq, context_.audit.Append(event));
    return tx.Commit();
  }

  const VerificationRequest& request_;
  const VerificationContext& context_;
  const bool pin_mode_ = request_.pin.has_value() || static_cast<bool>(request_.ask_pin);
  std::optional<crypto::SecretBuffer> asked_pin_;
  SteadyClock::time_point start_;
  VerificationOutcome out_;
  crypto::X509Ptr cert_;
  crypto::CertificateDetails details_;
  // The node time the certificate was checked at (CertificateSteps, which
  // every Eligibility follows); coverage is decided for its day.
  TimePoint checked_at_{};
};

nlohmann::json OptionalTime(const std::optional<TimePoint>& t) {
  return t ? nlohmann::json(FormatUtc(*t)) : nlohmann::json(nullptr);
}

double Milliseconds(std::chrono::nanoseconds d) {
  return static_cast<double>(d.count()) / 1e6;
}

}  // namespace

std::string_view StatusName(VerificationStatus status) {
  switch (status) {
    case VerificationStatus::kCovered:
      return "covered";
    case VerificationStatus::kNotCovered:
      return "not_covered";
    case VerificationStatus::kUnknownPerson:
      return "unknown_person";
    case VerificationStatus::kIdentityNotConfirmed:
      return "identity_not_confirmed";
    case VerificationStatus::kIncomplete:
      return "incomplete";
  }
  return "incomplete";
}

std::string_view CodeName(VerificationCode code) {
  return EntryOf(code).name;
}

VerificationStatus StatusOf(VerificationCode code) {
  return EntryOf(code).status;
}

nlohmann::json ToJson(const VerificationOutcome& o) {
  nlohmann::json j = {
      {"status", StatusName(o.status)},
      {"code", CodeName(o.code)},
      {"identity_confirmed", o.identity_confirmed()},
      {"message", o.message},
      {"reader", o.reader},
      {"token", o.token_label},
      {"assurance", o.assurance ? nlohmann::json(node::AssuranceName(*o.assurance)) : nlohmann::json(nullptr)},
      {"pin",
       {{"used", o.pin.used},
        {"verified", o.pin.verified},
        {"blocked", o.pin.blocked},
        {"tries_left", o.pin.tries_left ? nlohmann::json(*o.pin.tries_left) : nlohmann::json(nullptr)}}},
      {"person_id", o.person_id ? nlohmann::json(*o.person_id) : nlohmann::json(nullptr)},
      {"coverage", o.coverage},
      {"detail", o.detail},
      {"detail_code", o.detail_code},
      {"check_id", o.check_id ? nlohmann::json(*o.check_id) : nlohmann::json(nullptr)},
      {"audit_seq", o.audit_seq ? nlohmann::json(*o.audit_seq) : nlohmann::json(nullptr)},
      {"timing",
       {{"apdus", o.timing.apdus},
        {"card_ms", Milliseconds(o.timing.card)},
        {"connect_ms", Milliseconds(o.timing.connect)},
        {"node_ms", Milliseconds(o.timing.node())}}},
  };
  j["certificate"] = nullptr;
  if (o.certificate) {
    j["certificate"] = {{"issuer", o.certificate->issuer},
                        {"serial", o.certificate->serial},
                        {"not_before", FormatUtc(o.certificate->not_before)},
                        {"not_after", FormatUtc(o.certificate->not_after)}};
  }
  j["revocation"] = nullptr;
  if (o.revocation) {
    const crypto::RevocationReport& r = *o.revocation;
    j["revocation"] = {
        {"status", crypto::RevocationStatusName(r.status)},
        {"this_update", OptionalTime(r.this_update)},
        {"next_update", OptionalTime(r.next_update)},
        {"stale_since", r.status == crypto::RevocationStatus::kStale ? OptionalTime(r.next_update) : nullptr},
        {"age_seconds",
         r.status == crypto::RevocationStatus::kUnavailable ? nlohmann::json(nullptr) : nlohmann::json(r.age.count())},
        {"crl_number", r.crl_number ? nlohmann::json(*r.crl_number) : nlohmann::json(nullptr)}};
  }
  return j;
}

Result<VerificationOutcome> VerifyCard(const VerificationRequest& request, const VerificationContext& context) {
  return Verification(request, context).Run();
}

Result<CardProbe> ProbeCard(CardAccess& cards, std::string_view reader, std::chrono::milliseconds wait) {
  AKARI_ASSIGN_OR_RETURN(std::unique_ptr<CardSession> session, cards.Open(reader, wait));
  AKARI_ASSIGN_OR_RETURN(std::unique_ptr<IdentityCard> card, DetectIdentityCard(session->channel()));
  CardProbe probe;
  probe.reader = session->reader();
  probe.token_label = std::string(card->TokenLabel());
  AKARI_ASSIGN_OR_RETURN(probe.pin, card->QueryPin());
  return probe;
}

}  // namespace akari::card
