#include "sync/index_keys.h"

#include <algorithm>

#include "sync/insurer_number.h"
#include "sync/kana.h"

namespace akari::sync {
namespace {

void AppendField(Bytes& out, std::string_view field) {
  const auto n = static_cast<std::uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(n >> shift));
  out.insert(out.end(), field.begin(), field.end());
}

}  // namespace

crypto::Hash16 CardLinkKey(ByteSpan issuer_der, ByteSpan serial) {
  while (!serial.empty() && serial.front() == 0) serial = serial.subspan(1);
  Bytes input;
  AppendField(input, "akari-card-link/1");
  AppendField(input, ToString(issuer_der));
  AppendField(input, ToString(serial));
  return crypto::Blake2b128(input);
}

crypto::Hash16 InsuranceKey(std::string_view insurer_number, std::string_view symbol, std::string_view number) {
  Bytes input;
  AppendField(input, "akari-insurance/1");
  AppendField(input, NormalizeDigits(insurer_number));
  AppendField(input, NormalizeDigits(symbol));
  AppendField(input, NormalizeDigits(number));
  return crypto::Blake2b128(input);
}

IndexEntries DeriveIndexEntries(const PersonRecord& record, Date as_of) {
  IndexEntries out;
  for (const CardLink& link : record.card_links) {
    auto issuer = FromHex(link.issuer_der_hex);
    auto serial = FromHex(link.serial_hex);
    if (issuer && serial) out.card_keys.push_back(CardLinkKey(*issuer, *serial));
  }
  // One card listed twice (a serial with and without leading zeros is one
  // card) is one key.
  std::sort(out.card_keys.begin(), out.card_keys.end());
  out.card_keys.erase(std::unique(out.card_keys.begin(), out.card_keys.end()), out.card_keys.end());
  for (const Coverage& c : record.coverages) {
    out.insurance_keys.push_back(InsuranceKey(c.insurer_number, c.symbol, c.number));
  }
  std::sort(out.insurance_keys.begin(), out.insurance_keys.end());
  out.insurance_keys.erase(std::unique(out.insurance_keys.begin(), out.insurance_keys.end()), out.insurance_keys.end());
  if (auto kana = KanaSearchKey(record.person.name_kana); kana && !kana->empty()) {
    out.name_keys.push_back({record.person.birth_date, *kana});
  }
  out.risk_classes = ActiveRiskClasses(record, as_of);
  return out;
}

}  // namespace akari::sync
