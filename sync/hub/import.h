// `akari-hub import`: reads a generated region (docs/formats.md,
// "Generated region") into the hub store. The input is the whole region
// as of a date; importing again records, per person, what changed since
// the previous import (added, changed, removed) in `person_change`, and
// keeps each person's publication entry (node document + index keys as of
// the region's date) ready for the publisher.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "base/clock.h"
#include "base/result.h"
#include "sync/hub/hub_store.h"
#include "sync/record.h"

namespace akari::sync::hub {

struct ImportOptions {
  // Records the first import trains the document dictionary on.
  std::size_t dictionary_samples = 3000;
  // Train a new dictionary even if one exists (every document is re-encoded).
  bool retrain_dictionary = false;
  // Compress documents without a dictionary (format 1).
  bool no_dictionary = false;
  // zstd level of person documents: 6 measured 14% smaller than 3 with a
  // dictionary at ~90 µs per document (docs/benchmarks.md).
  int document_level = 6;
  // Called every few thousand persons with the count so far.
  std::function<void(std::int64_t persons)> progress;
};

struct ImportSummary {
  std::int64_t import_id = 0;
  Date as_of = 0;
  std::int64_t persons = 0;
  std::int64_t added = 0;
  std::int64_t changed = 0;
  std::int64_t removed = 0;
  std::int64_t reindexed = 0;  // record unchanged, entry changed (new date or dictionary)
  std::int64_t unchanged = 0;
  std::uint32_t dictionary_id = 0;
  bool dictionary_trained = false;
  int trust_items = 0;
};

// Imports `generated_dir` in one transaction. Errors: kInvalidRecord (a
// record fails validation; the message names the line and field),
// kWrongRegion (the region differs from the hub's), kIo, kCorruptDocument
// (region.json or the person stream malformed, ids not ascending).
[[nodiscard]] Result<ImportSummary> ImportRegion(HubStore& store, const std::filesystem::path& generated_dir,
                                                 const ImportOptions& options, const Clock& clock);

}  // namespace akari::sync::hub
