// Reads the lines of a zstd-compressed text file without holding it in
// memory: a generated region's persons.ndjson.zst (one or more frames,
// written without a content size), read by the hub's import, the
// generator's card issuer and the benchmarks.
#pragma once

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

typedef struct ZSTD_DCtx_s ZSTD_DCtx;

namespace akari::sync {

class ZstdLineReader {
 public:
  // The longest line accepted (a person's record is tens of kB).
  static constexpr std::size_t kMaxLineBytes = std::size_t{64} << 20;

  // Errors: kIo when the file cannot be opened.
  [[nodiscard]] static Result<ZstdLineReader> Open(const std::filesystem::path& path);

  // The next line without its "\n", or nullopt at the end. Errors:
  // kCorruptDocument (damaged or truncated zstd data, a line longer than
  // kMaxLineBytes), kIo (a read error); each names the file.
  [[nodiscard]] Result<std::optional<std::string>> Next();

 private:
  struct FileClose {
    void operator()(FILE* f) const;
  };
  struct DctxFree {
    void operator()(ZSTD_DCtx* d) const;
  };
  ZstdLineReader(FILE* f, std::filesystem::path path);
  std::unexpected<Error> Corrupt(std::string_view what) const;
  Status Fill();

  std::unique_ptr<FILE, FileClose> file_;
  std::filesystem::path path_;
  std::unique_ptr<ZSTD_DCtx, DctxFree> dctx_;
  Bytes in_;
  Bytes out_;
  std::size_t in_pos_ = 0, in_len_ = 0;
  std::string pending_;
  std::size_t scan_from_ = 0;
  bool eof_ = false;
  bool frame_done_ = true;
};

}  // namespace akari::sync
