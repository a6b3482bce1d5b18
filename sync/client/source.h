// Where a node reads a publication from: a local copy of a publication
// root (`akari sync --from DIR`, e.g. a USB stick) or an http(s):// URL
// (a hub, a mirror, any static server). Paths are relative to the
// publication root ("17/manifest.json").
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "sync/net/http_client.h"

namespace akari::sync::client {

// Called as object bytes arrive (bytes just written).
using BytesCallback = std::function<void(std::int64_t bytes)>;

class PublicationSource {
 public:
  virtual ~PublicationSource() = default;

  // "http://…/" or the directory, for messages.
  virtual std::string Describe() const = 0;

  // A whole small file, or nullopt when the source has no such file (HTTP
  // 404 or 403).
  // Errors: kUnreachable, kTimeout, kHttp (unexpected status), kIo,
  // kCorruptDocument (larger than `max_bytes`: known before reading it, or
  // cut off once max_bytes have been read, never buffered whole).
  [[nodiscard]] virtual Result<std::optional<Bytes>> ReadSmall(std::string_view path, std::size_t max_bytes) = 0;

  // Brings `part_file` to the object's first `size` bytes, continuing from
  // what it already holds (resume), and fsyncs it. Errors as ReadSmall,
  // plus kObjectMismatch when the source's file is not `size` bytes long
  // (an answer longer than `size` is cut off while reading).
  [[nodiscard]] virtual Status FetchObject(std::string_view path, std::int64_t size,
                                           const std::filesystem::path& part_file, const BytesCallback& on_bytes) = 0;
};

// Reads from a directory (a publication root).
[[nodiscard]] std::unique_ptr<PublicationSource> MakeDirectorySource(std::filesystem::path root);

struct RetryPolicy {
  int max_attempts = 5;  // consecutive failures per request before giving up
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{8000};
  // Object bytes per Range request; a connection lost mid-object costs at
  // most this much again.
  std::size_t piece_bytes = std::size_t{1} << 20;
};

// Reads over HTTP(S) with net::HttpClient: Range requests, bounded retries
// with exponential backoff and full jitter on transport errors and 5xx.
// `sleep` is replaceable for tests.
[[nodiscard]] std::unique_ptr<PublicationSource> MakeHttpSource(
    std::string base_url, net::ClientOptions client_options = {}, RetryPolicy retry = {},
    std::function<void(std::chrono::milliseconds)> sleep = {});

// A source for `location`: http:// or https:// URLs, else a directory.
[[nodiscard]] Result<std::unique_ptr<PublicationSource>> MakeSource(const std::string& location,
                                                                    net::ClientOptions client_options = {},
                                                                    RetryPolicy retry = {});

}  // namespace akari::sync::client
