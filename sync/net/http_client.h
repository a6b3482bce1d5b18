// A small blocking HTTP/1.1 client (Boost.Beast) for the node's talks with
// its hub: enrollment, publication downloads (with Range), check uploads.
// http:// and https://; for a hub with a self-signed certificate, pin its
// SHA-256 fingerprint instead of trusting the system's CAs.
//
// Threading: one client per thread. The client keeps one connection alive
// between requests to the same origin.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "sync/net/http.h"

namespace akari::net {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"
  std::string Origin() const;
};

// Parses http(s)://host[:port][/path]. Error: SyncErrc::kInvalidArgument.
[[nodiscard]] Result<Url> ParseUrl(std::string_view text);

// Joins a base URL and a relative path ("https://h/pub/" + "17/manifest.json").
std::string JoinUrl(std::string_view base, std::string_view relative);

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{60000};  // whole exchange, per request
  std::size_t max_response_bytes = std::size_t{256} << 20;
  // Lower-case hex SHA-256 of the server certificate's DER; when set, https
  // accepts exactly that certificate and nothing else.
  std::optional<std::string> pinned_certificate_sha256;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request. Any HTTP status is a success here; errors are
  // transport failures: SyncErrc::kUnreachable (refused, reset, DNS, TLS,
  // pin mismatch, malformed response), kTimeout, kTooLarge (a 2xx answer
  // whose body is longer than the limit).
  //
  // The limit on a body is `max_body_bytes` or
  // ClientOptions::max_response_bytes, whichever is smaller. It applies
  // while reading: a Content-Length above it is refused before the body is
  // read, a chunked or unframed body as soon as it passes it, and the
  // connection is dropped, so no more than the limit and one read buffer
  // arrive. An answer of another status than 2xx is returned with its body
  // cut at the limit (its status is the answer).
  [[nodiscard]] Result<ClientResponse> Send(std::string_view method, std::string_view url, const Headers& headers = {},
                                            std::string body = {},
                                            std::optional<std::size_t> max_body_bytes = std::nullopt);

  [[nodiscard]] Result<ClientResponse> Get(std::string_view url, const Headers& headers = {},
                                           std::optional<std::size_t> max_body_bytes = std::nullopt) {
    return Send("GET", url, headers, {}, max_body_bytes);
  }
  [[nodiscard]] Result<ClientResponse> PostJson(std::string_view url, const nlohmann::json& body, Headers headers = {});

  // Drops the kept-alive connection.
  void Disconnect();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace akari::net
