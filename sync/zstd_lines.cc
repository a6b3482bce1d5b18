#include "sync/zstd_lines.h"

#include <zstd.h>

#include "sync/errors.h"

namespace akari::sync {

void ZstdLineReader::FileClose::operator()(FILE* f) const {
  std::fclose(f);
}

void ZstdLineReader::DctxFree::operator()(ZSTD_DCtx* d) const {
  ZSTD_freeDCtx(d);
}

Result<ZstdLineReader> ZstdLineReader::Open(const std::filesystem::path& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return MakeError(SyncErrc::kIo, "cannot open " + path.string() + ": is it a generated region?");
  return ZstdLineReader(f, path);
}

ZstdLineReader::ZstdLineReader(FILE* f, std::filesystem::path path)
    : file_(f), path_(std::move(path)), dctx_(ZSTD_createDCtx()), in_(1 << 17), out_(ZSTD_DStreamOutSize()) {}

Result<std::optional<std::string>> ZstdLineReader::Next() {
  for (;;) {
    const std::size_t nl = pending_.find('\n', scan_from_);
    if (nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      scan_from_ = 0;
      return std::optional<std::string>(std::move(line));
    }
    scan_from_ = pending_.size();
    if (pending_.size() > kMaxLineBytes) return Corrupt("a line longer than 64 MiB");
    if (eof_) {
      if (!frame_done_) return Corrupt("the zstd stream is truncated");
      if (pending_.empty()) return std::optional<std::string>();
      std::string line = std::move(pending_);
      pending_.clear();
      return std::optional<std::string>(std::move(line));
    }
    AKARI_TRY(Fill());
  }
}

std::unexpected<Error> ZstdLineReader::Corrupt(std::string_view what) const {
  return MakeError(SyncErrc::kCorruptDocument, path_.string() + ": " + std::string(what));
}

Status ZstdLineReader::Fill() {
  if (in_pos_ == in_len_) {
    in_len_ = std::fread(in_.data(), 1, in_.size(), file_.get());
    in_pos_ = 0;
    if (in_len_ == 0) {
      if (std::ferror(file_.get())) return MakeError(SyncErrc::kIo, "cannot read " + path_.string());
      eof_ = true;
      return {};
    }
  }
  ZSTD_inBuffer in{in_.data(), in_len_, in_pos_};
  ZSTD_outBuffer out{out_.data(), out_.size(), 0};
  const std::size_t rc = ZSTD_decompressStream(dctx_.get(), &out, &in);
  if (ZSTD_isError(rc)) return Corrupt(std::string("damaged zstd data: ") + ZSTD_getErrorName(rc));
  frame_done_ = rc == 0;
  in_pos_ = in.pos;
  pending_.append(reinterpret_cast<const char*>(out_.data()), out.pos);
  return {};
}

}  // namespace akari::sync
