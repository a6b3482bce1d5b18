// Helpers shared by the generator's tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/file.h"
#include "sync/record.h"
#include "tests/testing/process.h"

namespace akari::fieldkit::gen::test_support {

// The anchor date the tests generate at, as a date and as `--as-of` takes it.
inline constexpr sync::Date kAsOf = 20261125;
inline constexpr const char* kAsOfArg = "2026-11-25";

// The file's bytes, or none if it cannot be read (the test then fails on
// what it expected to find).
inline Bytes ReadOrEmpty(const std::filesystem::path& p) {
  auto b = ReadFileBytes(p);
  return b ? *b : Bytes{};
}

// Runs the built akari-gen with `args`.
inline testing::ProcessResult Gen(const std::vector<std::string>& args) {
  return testing::RunProgram("akari-gen", args);
}

}  // namespace akari::fieldkit::gen::test_support
