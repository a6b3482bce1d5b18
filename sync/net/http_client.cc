#include "sync/net/http_client.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <variant>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "base/bytes.h"
#include "sync/errors.h"

namespace akari::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// What one connection's read buffer may hold at once (framing, and body
// bytes on their way into the body).
constexpr std::size_t kMaxBufferedBytes = std::size_t{1} << 20;

std::unexpected<Error> Transport(const beast::error_code& ec, std::string_view what, std::string_view origin) {
  const bool timeout = ec == beast::error::timeout;
  return MakeError(timeout ? sync::SyncErrc::kTimeout : sync::SyncErrc::kUnreachable,
                   std::string(what) + " " + std::string(origin) + (timeout ? " timed out" : ": " + ec.message()));
}

}  // namespace

std::string Url::Origin() const {
  return scheme + "://" + host + ":" + std::to_string(port);
}

Result<Url> ParseUrl(std::string_view text) {
  Url url;
  std::string_view rest;
  if (text.starts_with("http://")) {
    url.scheme = "http";
    url.port = 80;
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    url.scheme = "https";
    url.port = 443;
    rest = text.substr(8);
  } else {
    return MakeError(sync::SyncErrc::kInvalidArgument, "'" + std::string(text) + "' is not an http:// or https:// URL");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  std::size_t colon = authority.rfind(':');
  if (authority.starts_with('[')) {  // [v6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return MakeError(sync::SyncErrc::kInvalidArgument, "bad IPv6 address in URL");
    url.host = std::string(authority.substr(1, close - 1));
    colon = authority.size() > close + 1 && authority[close + 1] == ':' ? close + 1 : std::string_view::npos;
  } else {
    url.host = std::string(authority.substr(0, colon));
  }
  if (colon != std::string_view::npos) {
    int port = 0;
    for (char c : authority.substr(colon + 1)) {
      if (c < '0' || c > '9' || port > 65535) return MakeError(sync::SyncErrc::kInvalidArgument, "bad port in URL");
      port = port * 10 + (c - '0');
    }
    if (port <= 0 || port > 65535) return MakeError(sync::SyncErrc::kInvalidArgument, "bad port in URL");
    url.port = static_cast<std::uint16_t>(port);
  }
  if (url.host.empty()) return MakeError(sync::SyncErrc::kInvalidArgument, "URL has no host");
  return url;
}

std::string JoinUrl(std::string_view base, std::string_view relative) {
  std::string out(base);
  if (!out.ends_with('/')) out.push_back('/');
  while (relative.starts_with('/')) relative.remove_prefix(1);
  out.append(relative);
  return out;
}

class HttpClient::Impl {
 public:
  explicit Impl(ClientOptions options) : options_(std::move(options)), tls_(ssl::context::tls_client) {
    tls_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (options_.pinned_certificate_sha256) {
      // The pin replaces chain validation: accept the leaf whose
      // fingerprint matches, whatever its issuer.
      tls_.set_verify_mode(ssl::verify_peer);
      tls_.set_verify_callback([pin = *options_.pinned_certificate_sha256](bool, ssl::verify_context& ctx) {
        X509_STORE_CTX* store = ctx.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
        X509* cert = X509_STORE_CTX_get_current_cert(store);
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (cert == nullptr || X509_digest(cert, EVP_sha256(), digest, &len) != 1) return false;
        return ToHex(ByteSpan(digest, len)) == pin;
      });
    } else {
      tls_.set_default_verify_paths();
      tls_.set_verify_mode(ssl::verify_peer);
    }
  }

  Result<ClientResponse> Send(std::string_view method, std::string_view url_text, const Headers& headers,
                              std::string body, std::optional<std::size_t> max_body_bytes) {
    AKARI_ASSIGN_OR_RETURN(Url url, ParseUrl(url_text));
    const std::size_t body_limit =
        std::min(max_body_bytes.value_or(options_.max_response_bytes), options_.max_response_bytes);
    // A kept-alive connection may have been closed by the server: retry once
    // on a fresh connection when the first attempt fails before a response.
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = connected_ && origin_ == url.Origin();
      if (!reused) AKARI_TRY(Connect(url));
      auto result = Exchange(method, url, headers, body, body_limit);
      // A body over the limit came from a live connection: asking again
      // would only read it again.
      if (result || !reused || result.error().code == sync::SyncErrc::kTooLarge) return result;
      Disconnect();
    }
    return MakeError(sync::SyncErrc::kUnreachable, "cannot reach " + url.Origin());
  }

  void Disconnect() {
    beast::error_code ignored;
    if (auto* plain = std::get_if<PlainStream>(&stream_)) plain->socket().close(ignored);
    if (auto* tls = std::get_if<TlsStream>(&stream_)) beast::get_lowest_layer(*tls).socket().close(ignored);
    stream_.emplace<std::monostate>();
    // Bytes read from the old connection but not parsed (a half header, or
    // whatever a server sent after its answer) belong to it alone.
    buffer_.consume(buffer_.size());
    connected_ = false;
    ioc_.restart();
  }

 private:
  // Runs the io_context until `done` or the deadline; cancels on timeout.
  template <typename Stream>
  void RunUntil(Stream& s, const bool& done) {
    ioc_.restart();
    while (!done && ioc_.run_one() > 0) {
    }
    (void)s;
  }

  Status Connect(const Url& url) {
    Disconnect();
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec) return Transport(ec, "cannot resolve", url.Origin());
    auto connect = [&](beast::tcp_stream& lowest) -> Status {
      bool done = false;
      lowest.expires_after(options_.connect_timeout);
      lowest.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
        ec = e;
        done = true;
      });
      RunUntil(lowest, done);
      if (ec) return Transport(ec, "cannot connect to", url.Origin());
      return {};
    };
    if (url.scheme == "http") {
      auto& s = stream_.emplace<PlainStream>(ioc_);
      AKARI_TRY(connect(s));
    } else {
      auto& s = stream_.emplace<TlsStream>(ioc_, tls_);
      AKARI_TRY(connect(beast::get_lowest_layer(s)));
      if (!options_.pinned_certificate_sha256) {
        SSL_ctrl(s.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(url.host.c_str()));
        s.set_verify_callback(ssl::host_name_verification(url.host));
      }
      bool done = false;
      beast::get_lowest_layer(s).expires_after(options_.connect_timeout);
      s.async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
        ec = e;
        done = true;
      });
      RunUntil(s, done);
      if (ec) return Transport(ec, "TLS handshake with", url.Origin());
    }
    connected_ = true;
    origin_ = url.Origin();
    return {};
  }

  template <typename Stream>
  Result<ClientResponse> ExchangeOn(Stream& s, std::string_view method, const Url& url, const Headers& headers,
                                    std::string body, std::size_t body_limit) {
    http::request<http::string_body> req(http::string_to_verb(method), url.target, 11);
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "akari");
    for (const auto& [name, value] : headers.all()) req.set(name, value);
    req.body() = std::move(body);
    req.prepare_payload();
    req.keep_alive(true);
    beast::error_code ec;
    bool done = false;
    beast::get_lowest_layer(s).expires_after(options_.request_timeout);
    http::async_write(s, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    RunUntil(s, done);
    // A connection that failed part-way through an exchange is in no state
    // for the next one: it is dropped, and the next request connects anew.
    if (ec) {
      Disconnect();
      return Transport(ec, "sending to", url.Origin());
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    parser.header_limit(64 * 1024);
    if (method == "HEAD") parser.skip(true);
    ec = ReadResponse(s, parser, body_limit);
    if (ec == http::error::body_limit) {
      // The rest of the body is never read: the connection goes with it.
      Disconnect();
      ClientResponse cut = ToClientResponse(parser.release());
      // A static server's "not found" page, say: what was asked for is not
      // in it, and its status is the answer.
      if (cut.status < 200 || cut.status > 299) return cut;
      return MakeError(sync::SyncErrc::kTooLarge, "the answer of " + url.Origin() + " to " + std::string(method) + " " +
                                                      url.target + " is larger than the " + std::to_string(body_limit) +
                                                      " bytes allowed");
    }
    if (ec == http::error::buffer_overflow) {
      Disconnect();
      return MakeError(sync::SyncErrc::kHttp, "the answer of " + url.Origin() + " to " + std::string(method) + " " +
                                                  url.target + " has a chunk header or trailer section longer than " +
                                                  std::to_string(kMaxBufferedBytes) + " bytes: not a sane server");
    }
    if (ec) {
      Disconnect();
      return Transport(ec, "reading from", url.Origin());
    }
    auto res = parser.release();
    if (!res.keep_alive()) Disconnect();
    return ToClientResponse(std::move(res));
  }

  // Reads the header, then a body of at most `body_limit` bytes:
  // error::body_limit as soon as it is known to be longer.
  template <typename Stream>
  beast::error_code ReadResponse(Stream& s, http::response_parser<http::string_body>& parser, std::size_t body_limit) {
    beast::error_code ec;
    bool done = false;
    auto on_read = [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    };
    // The header on its own, and its Content-Length checked here: Beast
    // 1.74 drops its own body_limit error for a Content-Length when the
    // first body bytes came in the same read as the header (its eager
    // parse goes on into the body and then reads all of it).
    http::async_read_header(s, buffer_, parser, on_read);
    RunUntil(s, done);
    if (ec || parser.is_done()) return ec;
    if (const auto length = parser.content_length(); length && *length > body_limit) return http::error::body_limit;
    // A chunked or unframed body: Beast counts it against the limit as it
    // arrives.
    done = false;
    http::async_read(s, buffer_, parser, on_read);
    RunUntil(s, done);
    return ec;
  }

  static ClientResponse ToClientResponse(http::response<http::string_body>&& res) {
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) out.headers.Add(std::string(field.name_string()), std::string(field.value()));
    out.body = std::move(res.body());
    return out;
  }

  Result<ClientResponse> Exchange(std::string_view method, const Url& url, const Headers& headers,
                                  const std::string& body, std::size_t body_limit) {
    if (auto* plain = std::get_if<PlainStream>(&stream_))
      return ExchangeOn(*plain, method, url, headers, body, body_limit);
    if (auto* tls = std::get_if<TlsStream>(&stream_)) return ExchangeOn(*tls, method, url, headers, body, body_limit);
    return MakeError(sync::SyncErrc::kUnreachable, "not connected to " + url.Origin());
  }

  ClientOptions options_;
  asio::io_context ioc_;
  ssl::context tls_;
  std::variant<std::monostate, PlainStream, TlsStream> stream_;
  // Bounded: Beast (1.74) holds a chunk's extensions and a chunked body's
  // trailer fields here whole, and bounds them by nothing else, so an
  // answer from a hostile mirror could otherwise grow it without end.
  // Body bytes pass through it and out, so any body size still reads.
  beast::flat_buffer buffer_{kMaxBufferedBytes};
  bool connected_ = false;
  std::string origin_;
};

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;

Result<ClientResponse> HttpClient::Send(std::string_view method, std::string_view url, const Headers& headers,
                                        std::string body, std::optional<std::size_t> max_body_bytes) {
  return impl_->Send(method, url, headers, std::move(body), max_body_bytes);
}

Result<ClientResponse> HttpClient::PostJson(std::string_view url, const nlohmann::json& body, Headers headers) {
  headers.Set("Content-Type", "application/json");
  return impl_->Send("POST", url, headers, body.dump(), std::nullopt);
}

void HttpClient::Disconnect() {
  impl_->Disconnect();
}

}  // namespace akari::net
