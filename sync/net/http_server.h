// An HTTP/1.1 server on Boost.Beast for the hub and the node's local API:
// loopback by default, TLS when configured, bounded header and body sizes,
// read and write timeouts, a cap on concurrent connections (extra ones get
// 503 and are closed), and a graceful stop.
//
// Threading: Start() runs `threads` I/O threads, and one more that accepts
// connections (and answers 503 to those over a cap), so that no handler
// holds up accepting. The handler is called on an I/O thread, with
// Request::worker naming which (0..threads-1, so callers can keep one
// database connection per worker); it must be thread-safe across workers,
// and calls for one connection never overlap. How connections share the
// threads is ServerOptions::loop_per_thread.
// A plain Handler answers by returning; an AsyncHandler may answer later
// from any thread through its Responder (http.h), and the connection waits
// for that answer without holding a thread. Stop() may be called from any
// thread but an I/O thread, including a signal watcher.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "crypto/tls_certificate.h"
#include "sync/net/http.h"

namespace akari::net {

struct TlsFiles {
  std::filesystem::path certificate_pem;  // leaf first, then any chain
  std::filesystem::path private_key_pem;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see HttpServer::port())
  int threads = 2;
  // On: each I/O thread runs an event loop of its own and serves only its
  // own connections, each connection going to the thread with the fewest
  // open ones when it is accepted (Request::worker then stays the same for
  // all of a connection's requests). No hand-over between threads, so short
  // handlers are answered with less CPU; but a handler that blocks holds up
  // the other connections of its thread, even while other threads are idle.
  // For servers whose handlers never block (akari serve's API, whose slow
  // routes run on workers of its own). Off: all I/O threads share one loop
  // and any free thread takes any ready connection (the hub, whose handlers
  // wait on its database and read files).
  bool loop_per_thread = false;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_file_response_bytes = std::size_t{64} << 20;  // a Range lets clients fetch less
  std::size_t max_connections = 512;
  // Open connections from one client address at most, so that one device
  // cannot take every connection (beyond it 503 busy). A browser opens
  // about six per server.
  std::size_t max_connections_per_address = 128;
  std::chrono::seconds read_timeout{30};   // to receive a connection's first request
  std::chrono::seconds write_timeout{60};  // to send a whole response
  std::chrono::seconds idle_timeout{60};   // to wait for and receive the next request on a kept-alive connection
  std::optional<TlsFiles> tls;
  // An identity held in memory instead of files (a node's, from its
  // encrypted store). At most one of `tls` and `tls_identity`.
  std::shared_ptr<const crypto::TlsIdentity> tls_identity;
  std::string server_name = "akari";
  // Set on every answer the server sends, its own refusals (400, 413, 431,
  // 503) included, unless the answer sets them itself: a service's
  // security headers.
  Headers headers;
  bool access_log = true;  // one structured line per request: method, path (no query), status, ms
};

class HttpServer {
 public:
  // Binds and starts serving. Errors: kInvalidArgument (bad address, TLS
  // files unusable), kIo (address in use, permission).
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options, Handler handler);
  // The same with a handler that may answer later. Every Responder must be
  // answered or destroyed eventually: destroying the server waits for the
  // answers still owed (they are written, or dropped if stopped meanwhile).
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options, AsyncHandler handler);

  virtual ~HttpServer() = default;

  // The bound port (useful when options.port was 0).
  virtual std::uint16_t port() const = 0;
  // Connections currently open.
  virtual std::size_t active_connections() const = 0;

  // Stops accepting, lets requests in flight finish (up to `grace`), then
  // closes everything and joins the threads. Idempotent.
  virtual void Stop(std::chrono::milliseconds grace = std::chrono::seconds(5)) = 0;

  // Blocks until SIGINT or SIGTERM arrives (or Stop() is called), then
  // stops gracefully. From the first signal on, the next SIGINT or SIGTERM
  // has its default action (the process ends at once), so a stop waiting
  // for an answer that never comes can still be ended. For the `serve`
  // commands.
  virtual void RunUntilSignalled() = 0;
};

}  // namespace akari::net
