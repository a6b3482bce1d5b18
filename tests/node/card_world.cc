#include "tests/node/card_world.h"

#include <algorithm>
#include <mutex>

#include "node/card/errors.h"
#include "sync/index_keys.h"
#include "sync/person_document.h"
#include "tests/testing/sample_records.h"
#include "tests/testing/secrets.h"

namespace akari::cardtest {
namespace {

fieldkit::Seed SeedOf(std::uint32_t n) {
  fieldkit::Seed s{};
  for (std::size_t i = 0; i < 4; ++i) s[i] = static_cast<std::uint8_t>(n >> (8 * i));
  s[31] = 0xCA;
  return s;
}

Bytes SerialBytesOf(std::uint32_t serial) {
  Bytes out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto b = static_cast<std::uint8_t>(serial >> shift);
    if (!out.empty() || b != 0) out.push_back(b);
  }
  if (out.empty()) out.push_back(0);
  return out;
}

// RSA keys take tens of milliseconds: one per serial per process.
crypto::EvpPkeyPtr KeyFor(std::uint32_t serial) {
  static std::mutex mu;
  static std::map<std::uint32_t, crypto::EvpPkeyPtr> keys;
  std::lock_guard lock(mu);
  auto& key = keys[serial];
  if (!key) key = std::move(*fieldkit::DeterministicRsaKey(SeedOf(serial)));
  EVP_PKEY_up_ref(key.get());
  return crypto::EvpPkeyPtr(key.get());
}

using Overrides = std::map<Bytes, std::string>;

class FakeChannel final : public card::CardChannel {
 public:
  FakeChannel(fieldkit::VirtualJpkiCard& card, std::optional<int> fail_after, const Overrides& overrides)
      : card_(card), fail_after_(fail_after), overrides_(overrides) {}
  Result<Bytes> Transmit(ByteSpan command) override {
    if (fail_after_ && sent_ >= *fail_after_) {
      return MakeError(card::CardErrc::kCardRemoved, "talking to the card: the card was removed (fake reader)");
    }
    ++sent_;
    for (const auto& [prefix, answer] : overrides_) {
      if (command.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), command.begin())) continue;
      if (answer.empty()) {
        return MakeError(card::CardErrc::kTransmitFailed, "talking to the card: the reader failed (fake reader)");
      }
      return *FromHex(answer);
    }
    return card_.Process(command);
  }

 private:
  fieldkit::VirtualJpkiCard& card_;
  std::optional<int> fail_after_;
  const Overrides& overrides_;
  int sent_ = 0;
};

class FakeSession final : public card::CardSession {
 public:
  FakeSession(std::string reader, fieldkit::VirtualJpkiCard& card, std::optional<int> fail_after,
              const Overrides& overrides)
      : reader_(std::move(reader)), card_(card), channel_(card, fail_after, overrides) {
    card_.Reset();  // power on
  }
  ~FakeSession() override {
    if (reset_) card_.Reset();
  }
  card::CardChannel& channel() override { return channel_; }
  const std::string& reader() const override { return reader_; }
  void ResetOnClose() override { reset_ = true; }

 private:
  std::string reader_;
  fieldkit::VirtualJpkiCard& card_;
  FakeChannel channel_;
  bool reset_ = false;
};

}  // namespace

TimePoint Utc(int y, unsigned m, unsigned d, int hour) {
  return std::chrono::sys_days(
             std::chrono::year_month_day{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)}) +
         std::chrono::hours(hour);
}

TimePoint Now() {
  return Utc(2026, 11, 25, 3);
}

const fieldkit::TestCa& TrustedCa() {
  static const fieldkit::TestCa* ca =
      new fieldkit::TestCa(*fieldkit::CreateTestCa(SeedOf(1), Utc(2020, 1, 1), Utc(2035, 1, 1)));
  return *ca;
}

const fieldkit::TestCa& StrangerCa() {
  static const fieldkit::TestCa* ca =
      new fieldkit::TestCa(*fieldkit::CreateTestCa(SeedOf(2), Utc(2020, 1, 1), Utc(2035, 1, 1)));
  return *ca;
}

IssuedCard IssueCard(std::uint32_t serial, const fieldkit::TestCa& ca, TimePoint not_before, TimePoint not_after) {
  IssuedCard card;
  card.key = KeyFor(serial);
  card.serial = SerialBytesOf(serial);
  card.cert = std::move(*fieldkit::IssueUserAuthCertificate(
      ca, *card.key, {card.serial, "8439" + std::to_string(serial), not_before, not_after, ""}));
  return card;
}

Bytes TrustedCrl(const std::vector<std::uint32_t>& revoked, TimePoint this_update, TimePoint next_update) {
  std::vector<fieldkit::RevokedCertificate> entries;
  for (std::uint32_t s : revoked) entries.push_back({SerialBytesOf(s), Utc(2026, 10, 1)});
  auto crl = fieldkit::IssueCrl(TrustedCa(), entries, this_update, next_update, 7);
  return crypto::CrlDer(**crl);
}

Result<node::OpenNode> CreateTestNode(const std::filesystem::path& dir) {
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer passphrase, crypto::SecretBuffer::CopyOf(AsBytes(kPassphrase)));
  return node::CreateNode(dir, passphrase, "operator", testing::kFastArgon2id);
}

Status SeedTrust(store::Store& store, const std::vector<Bytes>& crls) {
  std::vector<store::TrustItem> items = {
      {store::TrustItem::Kind::kCaCertificate, crypto::CertificateDer(*TrustedCa().cert)}};
  for (const Bytes& crl : crls) items.push_back({store::TrustItem::Kind::kCrl, crl});
  return store.ReplaceTrustMaterial(items);
}

Status SeedPerson(store::Store& store, std::int64_t id, const X509& card, bool covered) {
  sync::PersonRecord record = testing::SamplePerson(id);
  record.card_links = {{ToHex(crypto::NameDer(*X509_get_issuer_name(&card))), ToHex(crypto::SerialBytes(card))}};
  if (!covered) {
    record.coverages.back().valid_to = 20260401;
    record.coverages.back().loss_reason = sync::LossReason::kOtherInsurance;
  }
  store::StoredPerson stored;
  stored.id = id;
  AKARI_ASSIGN_OR_RETURN(stored.document, sync::EncodePersonDocument(record));
  stored.index = sync::DeriveIndexEntries(record, 20261125);
  return store.ReplacePersons(std::span<const store::StoredPerson>(&stored, 1));
}

std::unique_ptr<fieldkit::VirtualJpkiCard> MakeVirtualCard(const IssuedCard& card, fieldkit::VirtualCardOptions options,
                                                           bool clone) {
  if (options.pin.empty() && !options.no_pin) options.pin = Pin("1234");
  crypto::EvpPkeyPtr key;
  if (clone) {
    key = KeyFor(0xC10E);
  } else {
    EVP_PKEY_up_ref(card.key.get());
    key.reset(card.key.get());
  }
  return std::make_unique<fieldkit::VirtualJpkiCard>(crypto::CertificateDer(*card.cert),
                                                     crypto::CertificateDer(*TrustedCa().cert), std::move(key),
                                                     std::move(options));
}

crypto::SecretBuffer Pin(std::string_view digits) {
  return std::move(*crypto::SecretBuffer::CopyOf(AsBytes(digits)));
}

Result<std::vector<card::ReaderInfo>> FakeCardAccess::ListReaders() {
  std::lock_guard lock(mu_);
  std::vector<card::ReaderInfo> out;
  for (const auto& [name, card] : readers_) out.push_back({name, card != nullptr, false, false, {}});
  return out;
}

Result<std::unique_ptr<card::CardSession>> FakeCardAccess::Open(std::string_view reader, std::chrono::milliseconds) {
  std::lock_guard lock(mu_);
  std::string chosen;
  if (reader.empty()) {
    for (const auto& [name, card] : readers_) {
      if (card == nullptr) continue;
      if (!chosen.empty()) return MakeError(card::CardErrc::kSeveralCards, "cards are in several readers");
      chosen = name;
    }
    if (chosen.empty()) return MakeError(card::CardErrc::kNoCard, "there is no card in any reader");
  } else {
    auto it = readers_.find(std::string(reader));
    if (it == readers_.end()) return MakeError(card::CardErrc::kReaderNotFound, "no such reader");
    if (it->second == nullptr) return MakeError(card::CardErrc::kNoCard, "there is no card in the reader");
    chosen = it->first;
  }
  return std::unique_ptr<card::CardSession>(
      std::make_unique<FakeSession>(chosen, *readers_[chosen], fail_after_, overrides_));
}

}  // namespace akari::cardtest
