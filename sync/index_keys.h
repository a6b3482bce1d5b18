// Lookup keys for a person: what a node's index tables hold. The hub derives
// them when it publishes; a node derives the same keys from what staff or a
// card present, so the two must use these functions only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "crypto/hash.h"
#include "sync/record.h"
#include "sync/risk_class.h"

namespace akari::sync {

struct NameKey {
  Date birth_date = 0;
  std::string kana;  // KanaSearchKey() of the full kana name
  friend bool operator==(const NameKey&, const NameKey&) = default;
};

struct IndexEntries {
  std::vector<crypto::Hash16> card_keys;       // one per card linked (sorted, no duplicates)
  std::vector<crypto::Hash16> insurance_keys;  // one per distinct (insurer, symbol, number)
  std::vector<NameKey> name_keys;              // usually one
  std::vector<RiskClass> risk_classes;         // active as of the snapshot date
  friend bool operator==(const IndexEntries&, const IndexEntries&) = default;
};

// The key for a JPKI user-authentication certificate: BLAKE2b-128 over a
// domain tag, the issuer Name's DER and the serial's minimal big-endian bytes.
crypto::Hash16 CardLinkKey(ByteSpan issuer_der, ByteSpan serial);

// The key for insurance numbers (枝番 deliberately excluded: family members
// share 記号・番号 and are told apart by 枝番 and birth date after lookup).
// Inputs are normalised (digits, spaces, hyphens) before hashing.
crypto::Hash16 InsuranceKey(std::string_view insurer_number, std::string_view symbol, std::string_view number);

// Derives all index entries of `record` as of `as_of` (risk classes depend
// on the date). Card links with malformed hex are skipped.
IndexEntries DeriveIndexEntries(const PersonRecord& record, Date as_of);

}  // namespace akari::sync
