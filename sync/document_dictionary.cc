#include "sync/document_dictionary.h"

#include <zdict.h>
#include <zstd.h>

#include "sync/errors.h"
#include "sync/zstd_contexts.h"

namespace akari::sync {
namespace {

constexpr std::uint32_t kDictionaryMagic = 0xEC30A437;

std::uint32_t ReadLe32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

struct DocumentDictionary::Prepared {
  ~Prepared() {
    ZSTD_freeCDict(cdict);
    ZSTD_freeDDict(ddict);
  }
  ZSTD_CDict* cdict = nullptr;
  ZSTD_DDict* ddict = nullptr;
};

DocumentDictionary::~DocumentDictionary() = default;

Result<std::shared_ptr<const DocumentDictionary>> DocumentDictionary::Create(ByteSpan bytes, int level) {
  if (bytes.size() < 8 || bytes.size() > kMaxDictionaryBytes || ReadLe32(bytes.data()) != kDictionaryMagic) {
    return MakeError(SyncErrc::kCompression, "not a zstd dictionary");
  }
  std::shared_ptr<DocumentDictionary> dict(new DocumentDictionary());
  dict->bytes_.assign(bytes.begin(), bytes.end());
  dict->id_ = static_cast<std::uint32_t>(ZSTD_getDictID_fromDict(dict->bytes_.data(), dict->bytes_.size()));
  if (dict->id_ == 0) return MakeError(SyncErrc::kCompression, "a document dictionary needs a non-zero id");
  dict->prepared_ = std::make_unique<Prepared>();
  dict->prepared_->cdict = ZSTD_createCDict(dict->bytes_.data(), dict->bytes_.size(), level);
  dict->prepared_->ddict = ZSTD_createDDict(dict->bytes_.data(), dict->bytes_.size());
  if (dict->prepared_->cdict == nullptr || dict->prepared_->ddict == nullptr) {
    return MakeError(SyncErrc::kCompression, "zstd rejected dictionary " + std::to_string(dict->id_));
  }
  return std::shared_ptr<const DocumentDictionary>(std::move(dict));
}

Result<Bytes> DocumentDictionary::Compress(ByteSpan data) const {
  Bytes out(ZSTD_compressBound(data.size()));
  const std::size_t n =
      ZSTD_compress_usingCDict(ThreadZstdCCtx(), out.data(), out.size(), data.data(), data.size(), prepared_->cdict);
  if (ZSTD_isError(n)) {
    return MakeError(SyncErrc::kCompression, std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  }
  out.resize(n);
  return out;
}

Result<Bytes> DocumentDictionary::Decompress(ByteSpan frame, std::size_t max_bytes) const {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return MakeError(SyncErrc::kCompression, "not a zstd frame with a recorded size");
  }
  if (size > max_bytes) {
    return MakeError(SyncErrc::kCompression, "compressed data claims " + std::to_string(size) +
                                                 " bytes, more than the " + std::to_string(max_bytes) + " allowed");
  }
  Bytes out(static_cast<std::size_t>(size));
  const std::size_t n = ZSTD_decompress_usingDDict(ThreadZstdDCtx(), out.data(), out.size(), frame.data(), frame.size(),
                                                   prepared_->ddict);
  if (ZSTD_isError(n) || n != out.size()) {
    return MakeError(SyncErrc::kCompression,
                     std::string("zstd data is damaged: ") + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size"));
  }
  return out;
}

Result<Bytes> TrainDocumentDictionary(std::span<const Bytes> samples, std::uint32_t id, std::size_t max_bytes) {
  if (id == 0) return MakeError(SyncErrc::kInvalidArgument, "dictionary ids start at 1");
  Bytes joined;
  std::vector<std::size_t> sizes;
  sizes.reserve(samples.size());
  for (const Bytes& s : samples) {
    joined.insert(joined.end(), s.begin(), s.end());
    sizes.push_back(s.size());
  }
  Bytes dict(max_bytes);
  const std::size_t n =
      ZDICT_trainFromBuffer(dict.data(), dict.size(), joined.data(), sizes.data(), static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) {
    return MakeError(SyncErrc::kCompression, std::string("training a zstd dictionary failed: ") +
                                                 ZDICT_getErrorName(n) + " (too few or too uniform records?)");
  }
  dict.resize(n);
  // The id sits after the magic number (RFC 8878 §5), little-endian.
  for (int i = 0; i < 4; ++i) dict[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(id >> (8 * i));
  return dict;
}

std::uint32_t FrameDictionaryId(ByteSpan frame) {
  return static_cast<std::uint32_t>(ZSTD_getDictID_fromFrame(frame.data(), frame.size()));
}

}  // namespace akari::sync
