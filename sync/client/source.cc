#include "sync/client/source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <thread>

#include "base/file.h"
#include "base/strings.h"
#include "sync/errors.h"

namespace akari::sync::client {
namespace {

constexpr std::size_t kCopyBlock = std::size_t{1} << 20;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

std::unexpected<Error> IoError(const std::filesystem::path& p, std::string_view what) {
  const int err = errno;
  // A full disk is the one local failure the user can act on: said apart.
  if (err == ENOSPC || err == EDQUOT) {
    return MakeError(SyncErrc::kDiskFull,
                     std::string(what) + " " + p.string() + ": the disk is full (" + std::strerror(err) + ")");
  }
  return MakeError(SyncErrc::kIo, std::string(what) + " " + p.string() + ": " + std::strerror(err));
}

std::unexpected<Error> ObjectProblem(std::string_view path, std::string_view what) {
  return MakeError(SyncErrc::kObjectMismatch, "object " + std::string(path) + " " + std::string(what) +
                                                  "; the publication copy is damaged or was tampered with. Nothing "
                                                  "was applied");
}

std::unexpected<Error> TooLargeDocument(std::string_view where, std::size_t max_bytes) {
  return MakeError(SyncErrc::kCorruptDocument,
                   std::string(where) + " is larger than the " + std::to_string(max_bytes) +
                       " bytes allowed; it is not a file of an Akari publication, or it was tampered with. Nothing "
                       "was changed; check the address, or report this to the hub operator");
}

// Opens `part` for appending and returns how much it already holds; a part
// longer than `size` is started again.
Result<std::int64_t> OpenPart(const std::filesystem::path& part, std::int64_t size, int& fd_out) {
  const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return IoError(part, "cannot create");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return IoError(part, "cannot stat");
  }
  std::int64_t have = st.st_size;
  if (have > size) {
    if (::ftruncate(fd, 0) != 0) {
      ::close(fd);
      return IoError(part, "cannot truncate");
    }
    have = 0;
  }
  if (::lseek(fd, have, SEEK_SET) < 0) {
    ::close(fd);
    return IoError(part, "cannot seek in");
  }
  fd_out = fd;
  return have;
}

Status WriteAll(int fd, const std::uint8_t* data, std::size_t n, const std::filesystem::path& part) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return IoError(part, "cannot write");
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return {};
}

class DirectorySource final : public PublicationSource {
 public:
  explicit DirectorySource(std::filesystem::path root) : root_(std::move(root)) {}

  std::string Describe() const override { return root_.string(); }

  Result<std::optional<Bytes>> ReadSmall(std::string_view path, std::size_t max_bytes) override {
    const auto file = root_ / path;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return std::optional<Bytes>();
    const auto size = std::filesystem::file_size(file, ec);
    if (!ec && size > max_bytes) return TooLargeDocument(file.string(), max_bytes);
    auto bytes = ReadFileBytes(file, max_bytes);
    if (!bytes) return MakeError(SyncErrc::kIo, bytes.error().message);
    return std::optional<Bytes>(std::move(*bytes));
  }

  Status FetchObject(std::string_view path, std::int64_t size, const std::filesystem::path& part_file,
                     const BytesCallback& on_bytes) override {
    const auto src_path = root_ / path;
    const Fd src(::open(src_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (src.get() < 0) {
      if (errno == ENOENT) return ObjectProblem(path, "is missing from " + root_.string());
      return IoError(src_path, "cannot open");
    }
    struct stat st {};
    if (::fstat(src.get(), &st) != 0) return IoError(src_path, "cannot stat");
    if (st.st_size != size) {
      return ObjectProblem(path,
                           "has " + std::to_string(st.st_size) + " bytes, the manifest says " + std::to_string(size));
    }
    int raw = -1;
    AKARI_ASSIGN_OR_RETURN(std::int64_t have, OpenPart(part_file, size, raw));
    const Fd part(raw);
    Bytes buf(kCopyBlock);
    while (have < size) {
      const auto want = static_cast<std::size_t>(std::min<std::int64_t>(size - have, kCopyBlock));
      const ssize_t n = ::pread(src.get(), buf.data(), want, have);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return IoError(src_path, "cannot read");
      AKARI_TRY(WriteAll(part.get(), buf.data(), static_cast<std::size_t>(n), part_file));
      have += n;
      if (on_bytes) on_bytes(n);
    }
    if (::fsync(part.get()) != 0) return IoError(part_file, "cannot sync");
    return {};
  }

 private:
  std::filesystem::path root_;
};

class HttpSource final : public PublicationSource {
 public:
  HttpSource(std::string base, net::ClientOptions options, RetryPolicy retry,
             std::function<void(std::chrono::milliseconds)> sleep)
      : base_(std::move(base)),
        client_(std::move(options)),
        retry_(retry),
        sleep_(std::move(sleep)),
        rng_(std::random_device{}()) {
    if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }

  std::string Describe() const override { return base_; }

  Result<std::optional<Bytes>> ReadSmall(std::string_view path, std::size_t max_bytes) override {
    // The cap applies while reading: a hostile server's endless answer is
    // cut off after max_bytes, not buffered up to the client's own limit.
    auto got = GetWithRetries(path, {}, max_bytes);
    if (!got && got.error().code == SyncErrc::kTooLarge) return TooLargeDocument(net::JoinUrl(base_, path), max_bytes);
    AKARI_ASSIGN_OR_RETURN(net::ClientResponse r, std::move(got));
    // Object stores answer 403 for a key that does not exist when listing
    // is not allowed; both mean "no such file" (e.g. the end of the root chain).
    if (r.status == 404 || r.status == 403) return std::optional<Bytes>();
    if (r.status != 200) return UnexpectedStatus(path, r);
    const ByteSpan b = AsBytes(r.body);
    return std::optional<Bytes>(Bytes(b.begin(), b.end()));
  }

  Status FetchObject(std::string_view path, std::int64_t size, const std::filesystem::path& part_file,
                     const BytesCallback& on_bytes) override {
    int raw = -1;
    AKARI_ASSIGN_OR_RETURN(std::int64_t have, OpenPart(part_file, size, raw));
    const Fd part(raw);
    while (have < size) {
      const std::int64_t last = std::min<std::int64_t>(have + static_cast<std::int64_t>(retry_.piece_bytes), size) - 1;
      net::Headers headers;
      headers.Set("Range", "bytes=" + std::to_string(have) + "-" + std::to_string(last));
      // No answer about this object is longer than the object.
      auto got = GetWithRetries(path, headers, static_cast<std::size_t>(size));
      if (!got && got.error().code == SyncErrc::kTooLarge) {
        return ObjectProblem(
            path, "is longer on " + base_ + " than the " + std::to_string(size) + " bytes the manifest says");
      }
      AKARI_ASSIGN_OR_RETURN(net::ClientResponse r, std::move(got));
      std::string_view body = r.body;
      if (r.status == 404) return ObjectProblem(path, "is missing on " + base_);
      if (r.status == 416) return ObjectProblem(path, "is shorter on " + base_ + " than the manifest says");
      if (r.status == 200) {
        // The server ignored Range and sent the whole object.
        if (static_cast<std::int64_t>(body.size()) != size) {
          return ObjectProblem(path, "has " + std::to_string(body.size()) + " bytes on " + base_ +
                                         ", the manifest says " + std::to_string(size));
        }
        body.remove_prefix(static_cast<std::size_t>(have));
      } else if (r.status == 206) {
        AKARI_TRY(CheckContentRange(path, r.headers.Get("Content-Range"), have, size));
        if (static_cast<std::int64_t>(body.size()) > last - have + 1)
          body = body.substr(0, static_cast<std::size_t>(last - have + 1));
      } else {
        return UnexpectedStatus(path, r);
      }
      if (body.empty()) return ObjectProblem(path, "ends early on " + base_);
      AKARI_TRY(WriteAll(part.get(), reinterpret_cast<const std::uint8_t*>(body.data()), body.size(), part_file));
      have += static_cast<std::int64_t>(body.size());
      if (on_bytes) on_bytes(static_cast<std::int64_t>(body.size()));
    }
    if (::fsync(part.get()) != 0) return IoError(part_file, "cannot sync");
    return {};
  }

 private:
  Status CheckContentRange(std::string_view path, const std::string& header, std::int64_t first, std::int64_t size) {
    // "bytes a-b/total"
    const std::size_t dash = header.find('-'), slash = header.find('/');
    if (!header.starts_with("bytes ") || dash == std::string::npos || slash == std::string::npos) {
      return MakeError(SyncErrc::kHttp, base_ + " answered a range request without a valid Content-Range");
    }
    const auto a = ParseInt64(std::string_view(header).substr(6, dash - 6));
    const auto total = ParseInt64(std::string_view(header).substr(slash + 1));
    if (total && *total != size) {
      return ObjectProblem(
          path, "has " + std::to_string(*total) + " bytes on " + base_ + ", the manifest says " + std::to_string(size));
    }
    if (!a || *a != first) return MakeError(SyncErrc::kHttp, base_ + " answered another range than asked for");
    return {};
  }

  std::unexpected<Error> UnexpectedStatus(std::string_view path, const net::ClientResponse& r) {
    return MakeError(SyncErrc::kHttp, net::JoinUrl(base_, path) + " answered HTTP " + std::to_string(r.status) +
                                          "; check the URL (it must name the publication root)");
  }

  // One GET, retried on transport errors and 5xx with exponential backoff
  // and full jitter, at most max_attempts times. An answer longer than
  // `max_body_bytes` (kTooLarge) is not asked for again.
  Result<net::ClientResponse> GetWithRetries(std::string_view path, const net::Headers& headers,
                                             std::size_t max_body_bytes) {
    const std::string url = net::JoinUrl(base_, path);
    Error last{};
    for (int attempt = 1; attempt <= retry_.max_attempts; ++attempt) {
      auto r = client_.Get(url, headers, max_body_bytes);
      if ((r && r->status < 500) || (!r && r.error().code == SyncErrc::kTooLarge)) return r;
      last =
          r ? Error{make_error_code(SyncErrc::kHttp), url + " answered HTTP " + std::to_string(r->status)} : r.error();
      client_.Disconnect();
      if (attempt == retry_.max_attempts) break;
      const auto cap = std::min<std::int64_t>(retry_.max_backoff.count(), retry_.initial_backoff.count()
                                                                              << std::min(attempt - 1, 20));
      std::uniform_int_distribution<std::int64_t> jitter(cap / 2, std::max<std::int64_t>(cap / 2, cap));
      sleep_(std::chrono::milliseconds(jitter(rng_)));
    }
    return MakeError(last.code == SyncErrc::kTimeout ? SyncErrc::kTimeout
                     : last.code == SyncErrc::kHttp  ? SyncErrc::kHttp
                                                     : SyncErrc::kUnreachable,
                     "gave up after " + std::to_string(retry_.max_attempts) + " attempts: " + last.message +
                         ". Nothing was applied; check the network or the hub, or sync from a copy with --from DIR");
  }

  std::string base_;
  net::HttpClient client_;
  RetryPolicy retry_;
  std::function<void(std::chrono::milliseconds)> sleep_;
  std::mt19937_64 rng_;
};

}  // namespace

std::unique_ptr<PublicationSource> MakeDirectorySource(std::filesystem::path root) {
  return std::make_unique<DirectorySource>(std::move(root));
}

std::unique_ptr<PublicationSource> MakeHttpSource(std::string base_url, net::ClientOptions client_options,
                                                  RetryPolicy retry,
                                                  std::function<void(std::chrono::milliseconds)> sleep) {
  return std::make_unique<HttpSource>(std::move(base_url), std::move(client_options), retry, std::move(sleep));
}

Result<std::unique_ptr<PublicationSource>> MakeSource(const std::string& location, net::ClientOptions client_options,
                                                      RetryPolicy retry) {
  if (location.starts_with("http://") || location.starts_with("https://")) {
    AKARI_TRY(net::ParseUrl(location));
    return MakeHttpSource(location, std::move(client_options), retry);
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(location, ec)) {
    return MakeError(SyncErrc::kInvalidArgument,
                     "'" + location + "' is neither an http(s):// URL nor a directory holding a publication");
  }
  return MakeDirectorySource(location);
}

}  // namespace akari::sync::client
