// Reading streamed zstd files (akari-gen's persons.ndjson.zst: frames
// without a content size) in tests.
#pragma once

#include <filesystem>
#include <string>

#include "base/bytes.h"

namespace akari::testing {

// The whole decompressed text of `compressed` (one or more frames); adds a
// test failure and returns what was decoded so far on a zstd error.
std::string UnzstdStream(ByteSpan compressed);

// The same for a file; a test failure when it cannot be read.
std::string ReadZstdFile(const std::filesystem::path& path);

}  // namespace akari::testing
