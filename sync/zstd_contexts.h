// Per-thread zstd contexts, shared by sync's compressors (compression.cc,
// document_dictionary.cc). Creating a context per call costs more than
// compressing a small person document. Internal to sync: the simple zstd
// calls these serve (ZSTD_compressCCtx, ZSTD_compress_usingCDict and their
// decompression pairs) ignore sticky parameters, so the contexts carry no
// state from one call to the next.
#pragma once

#include <zstd.h>

namespace akari::sync {

// This thread's contexts, created on first use and freed when the thread
// ends. Never null unless zstd could not allocate one.
ZSTD_CCtx* ThreadZstdCCtx();
ZSTD_DCtx* ThreadZstdDCtx();

}  // namespace akari::sync
