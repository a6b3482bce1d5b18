// Person documents on the hub: the dictionary in use and decoding stored
// entries back into records (for reconciliation and re-encoding).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "sync/document_dictionary.h"
#include "sync/record.h"

namespace akari::sync::hub {

class HubStore;

// Dictionary `id` from the hub store. Error: kCorruptDocument when missing.
[[nodiscard]] Result<std::shared_ptr<const DocumentDictionary>> LoadDictionary(HubStore& store, std::uint32_t id,
                                                                               int level = 3);

// The record behind a stored publication entry plus its raw card links
// (JSON array of {"issuer", "serial"} as in the import format).
[[nodiscard]] Result<PersonRecord> DecodeHubPerson(HubStore& store, ByteSpan entry, std::string_view card_links_json);

}  // namespace akari::sync::hub
