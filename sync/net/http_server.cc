#include "sync/net/http_server.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "base/log.h"
#include "sync/errors.h"

namespace akari::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

thread_local int t_worker = 0;
// The session whose handler this thread is running, if any: an answer
// given during the call is written without a trip through the strand.
thread_local const void* t_handling = nullptr;

// Overwrites memory before returning it: request bytes (PINs, personal
// data) must not linger in freed heap blocks.
template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    Wipe(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  static void Wipe(void* p, std::size_t n) noexcept {
    volatile unsigned char* v = static_cast<volatile unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) v[i] = 0;
  }
  friend bool operator==(const WipingAllocator&, const WipingAllocator&) { return true; }
};
using WipingBuffer = beast::basic_flat_buffer<WipingAllocator<char>>;

// The parts of a file a Range header asks for.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t length = 0;
  bool partial = false;
  bool satisfiable = true;
};

ByteRange ParseRange(std::string_view header, std::uint64_t size) {
  ByteRange r{0, size, false, true};
  if (header.empty() || !header.starts_with("bytes=") || header.find(',') != std::string_view::npos) return r;
  const std::string_view spec = header.substr(6);
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return r;
  auto num = [](std::string_view s, std::uint64_t& out) {
    if (s.empty() || s.size() > 19) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
  };
  std::uint64_t a = 0, b = 0;
  const std::string_view first = spec.substr(0, dash), last = spec.substr(dash + 1);
  if (first.empty()) {  // "bytes=-n": the last n bytes
    if (!num(last, b) || b == 0) return {0, 0, true, false};
    r.first = b >= size ? 0 : size - b;
  } else {
    if (!num(first, a)) return r;
    if (a >= size) return {0, 0, true, false};
    r.first = a;
    if (!last.empty()) {
      if (!num(last, b) || b < a) return r;
      b = std::min(b, size - 1);
    } else {
      b = size - 1;
    }
    r.length = b - a + 1;
    r.partial = true;
    return r;
  }
  r.length = size - r.first;
  r.partial = true;
  return r;
}

class ServerImpl;

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Both post to the session's strand. CloseIfIdle closes a connection
  // waiting for its next request; ForceClose closes it whatever it is doing.
  virtual void CloseIfIdle() = 0;
  virtual void ForceClose() = 0;
};

template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(ServerImpl& server, Stream stream, std::string remote, std::size_t context)
      : server_(server), stream_(std::move(stream)), remote_(std::move(remote)), context_(context) {}
  ~Session() override;

  void Start();
  void CloseIfIdle() override;
  void ForceClose() override;

 private:
  auto& Lowest() { return beast::get_lowest_layer(stream_); }
  void DoRead();
  void OnHeader(beast::error_code ec);
  // Marks the session as answering a request that has just been read.
  void BeginAnswer();
  void OnRead(beast::error_code ec);
  // The Responder handed to the handler for the request being served.
  Responder MakeResponder();
  void Respond(Response response, bool keep_alive);
  void OnWrite(beast::error_code ec, bool keep_alive);
  void Close();

  ServerImpl& server_;
  Stream stream_;
  std::string remote_;
  std::size_t context_;  // which of the server's I/O contexts runs it
  WipingBuffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  std::chrono::steady_clock::time_point started_;
  std::string log_path_;
  std::string log_method_;
  // Of the request being served, for its answer.
  bool head_request_ = false;
  bool keep_alive_ = false;
  std::string range_;
  // An answer given while the handler was still running on this thread.
  std::optional<Response> inline_answer_;
  bool busy_ = false;
  bool served_ = false;  // a request was answered: the connection is kept alive
};

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(const ServerOptions& options, AsyncHandler handler)
      : options_(options),
        handler_(std::move(handler)),
        accept_ioc_(std::make_unique<asio::io_context>(1)),
        iocs_(MakeContexts(options.threads, options.loop_per_thread)),
        context_connections_(iocs_.size()),
        acceptor_(accept_ioc_->get_executor()) {
    work_.emplace_back(accept_ioc_->get_executor());
    for (const auto& ioc : iocs_) work_.emplace_back(ioc->get_executor());
    accept_retry_.emplace(acceptor_->get_executor());
  }

  ~ServerImpl() override {
    Stop(std::chrono::milliseconds(0));
    // An answer still owed (a handler waiting for a group commit) is posted
    // to the io_context when it comes: wait for it before destroying that.
    // Handlers must answer or drop every Responder (http.h), so this ends.
    for (int waited_ms = 0; owed_.load() > 0; waited_ms += 5) {
      if (waited_ms % 5000 == 0 && waited_ms > 0) {
        Log(LogLevel::kWarn, "http.answers_owed", {{"owed", static_cast<std::int64_t>(owed_.load())}});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // Destroy handlers still queued while the session registry they
    // unregister from is alive (members are destroyed after this body).
    signals_.reset();
    accept_retry_.reset();
    acceptor_.reset();
    work_.clear();
    iocs_.clear();
    accept_ioc_.reset();
  }

  Status Open();
  std::uint16_t port() const override { return port_; }
  std::size_t active_connections() const override { return active_.load(); }
  void Stop(std::chrono::milliseconds grace) override;
  void RunUntilSignalled() override;

  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(); }
  void Handle(Request& request, Responder responder);
  std::atomic<std::size_t>& owed() { return owed_; }
  template <typename F>
  void ForEachSession(F f) {
    // Collect under the lock, act outside it: dropping the last reference
    // to a session runs its destructor, which takes the lock to unregister.
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard lock(sessions_mu_);
      for (auto& [raw, weak] : sessions_) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (const auto& s : live) f(*s);
  }
  void Register(SessionBase* s, std::weak_ptr<SessionBase> w) {
    std::lock_guard lock(sessions_mu_);
    sessions_[s] = std::move(w);
  }
  void Unregister(SessionBase* s, const std::string& remote, std::size_t context) {
    --context_connections_[context];
    {
      std::lock_guard lock(sessions_mu_);
      sessions_.erase(s);
    }
    ReleaseAddressSlot(remote);
    --active_;
  }

 private:
  void DoAccept();
  // The I/O context with the fewest open connections, for a new one.
  std::size_t LeastBusyContext();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  // Counts a connection from `remote` unless it already has its share.
  bool TakeAddressSlot(const std::string& remote);
  void ReleaseAddressSlot(const std::string& remote);
  void RejectBusy(tcp::socket socket, std::string_view message);

  ServerOptions options_;
  AsyncHandler handler_;
  // The acceptor, its retry timer, the signal watch and the 503 answers to
  // connections over a cap run on a context and thread of their own, so
  // that no handler (a big file, a session's TLS handshake, a database
  // write) holds up accepting connections. (Over TLS the 503 answers'
  // handshakes take this thread's time: in a flood of connections over the
  // cap, accepting slows, which is what the cap is for.)
  std::unique_ptr<asio::io_context> accept_ioc_;
  // With loop_per_thread, one io_context per I/O thread, each run by that
  // thread alone, and each connection on one of them (the least busy when
  // it was accepted): a connection's handlers never run at once (no strand
  // needed), and the thread that polls a socket runs its handler, with no
  // hand-over between threads through a shared queue (docs/benchmarks.md,
  // "Ninth round"). Cross-thread posts (answers from the audit writer,
  // Stop()) go through the context's locked queue. Without it, one context
  // run by every I/O thread, each connection in a strand of it.
  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(int threads, bool loop_per_thread) {
    std::vector<std::unique_ptr<asio::io_context>> iocs;
    if (!loop_per_thread) {
      iocs.push_back(std::make_unique<asio::io_context>(std::max(1, threads)));
      return iocs;
    }
    for (int i = 0; i < std::max(1, threads); ++i) iocs.push_back(std::make_unique<asio::io_context>(1));
    return iocs;
  }
  std::vector<std::unique_ptr<asio::io_context>> iocs_;
  // Keep every thread's run() going while it has no connection; released
  // by Stop(). The acceptor's first.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  // Open connections on each context; the next one goes to the least busy.
  std::vector<std::atomic<std::size_t>> context_connections_;
  std::size_t last_context_ = 0;  // the last one chosen; only in the acceptor's handlers
  std::optional<ssl::context> tls_;
  std::optional<tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> active_{0};
  std::atomic<std::size_t> owed_{0};  // Responders handed out and not yet answered
  std::atomic<bool> stopping_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopped_ = false;    // guarded by stop_mu_
  bool signalled_ = false;  // guarded by stop_mu_
  std::mutex sessions_mu_;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions_;
  std::unordered_map<std::string, std::size_t> per_address_;  // open sessions by client address; sessions_mu_
  // 503 answers still being written or drained (each holds a descriptor).
  std::shared_ptr<std::atomic<std::size_t>> busy_replies_ = std::make_shared<std::atomic<std::size_t>>(0);
  std::optional<asio::steady_timer> accept_retry_;
  bool accept_failing_ = false;  // only in the acceptor's handlers, which never run at once
  std::optional<asio::signal_set> signals_;
};

template <typename Stream>
Session<Stream>::~Session() {
  server_.Unregister(this, remote_, context_);
}

template <typename Stream>
void Session<Stream>::Start() {
  auto self = this->shared_from_this();
  server_.Register(this, self);
  if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
    Lowest().expires_after(server_.options().read_timeout);
    stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
      if (ec) return self->Close();
      self->DoRead();
    });
  } else {
    asio::dispatch(stream_.get_executor(), [self] { self->DoRead(); });
  }
}

template <typename Stream>
void Session<Stream>::CloseIfIdle() {
  asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->busy_) return;
    beast::error_code ignored;
    self->Lowest().socket().close(ignored);
  });
}

template <typename Stream>
void Session<Stream>::ForceClose() {
  asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    beast::error_code ignored;
    self->Lowest().socket().close(ignored);
  });
}

template <typename Stream>
void Session<Stream>::DoRead() {
  if (server_.stopping()) return Close();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(server_.options().max_header_bytes));
  parser_->body_limit(server_.options().max_body_bytes);
  // The first request must arrive within read_timeout of connecting; on a
  // kept-alive connection the wait for the next one (and its reading) may
  // last idle_timeout.
  Lowest().expires_after(served_ ? server_.options().idle_timeout : server_.options().read_timeout);
  busy_ = false;
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
}

// A chunked body is refused before any of it is read: Beast (1.74) bounds
// neither chunk extensions nor trailer fields by the header limit, so a
// client could make the server buffer them without end. Every client of
// this API sends a Content-Length (browsers' fetch, the node's uploads).
template <typename Stream>
void Session<Stream>::OnHeader(beast::error_code header_ec) {
  if (header_ec || parser_->is_done()) return OnRead(header_ec);
  // Checked here as well: Beast 1.74 can drop its own body_limit error when
  // the first body bytes came in the same read as the header (see
  // http_client.cc).
  if (const auto length = parser_->content_length(); length && *length > server_.options().max_body_bytes) {
    return OnRead(http::error::body_limit);
  }
  if (parser_->chunked()) {
    BeginAnswer();
    log_method_ = std::string(parser_->get().method_string());
    log_path_ = std::string(parser_->get().target().substr(0, parser_->get().target().find('?')));
    return Respond(Response::Error(411, "length_required",
                                   "send the request body with a Content-Length header; chunked transfer coding "
                                   "is not accepted"),
                   false);
  }
  http::async_read(stream_, buffer_, *parser_,
                   [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
}

template <typename Stream>
void Session<Stream>::BeginAnswer() {
  busy_ = true;
  started_ = std::chrono::steady_clock::now();
  head_request_ = false;
  keep_alive_ = false;
  range_.clear();
}

template <typename Stream>
void Session<Stream>::OnRead(beast::error_code ec) {
  BeginAnswer();
  if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
      ec == asio::error::connection_reset || ec == asio::error::eof || ec == ssl::error::stream_truncated) {
    return Close();
  }
  log_method_ = "-";
  log_path_ = "-";
  if (ec == http::error::body_limit) {
    return Respond(Response::Error(413, "body_too_large",
                                   "the request body is larger than " +
                                       std::to_string(server_.options().max_body_bytes) + " bytes"),
                   false);
  }
  if (ec == http::error::header_limit) {
    return Respond(Response::Error(431, "headers_too_large", "the request headers are too large"), false);
  }
  if (ec) {
    return Respond(Response::Error(400, "bad_request", "the request is not valid HTTP/1.1: " + ec.message()), false);
  }
  http::request<http::string_body> raw = parser_->release();
  Request req;
  req.method = std::string(raw.method_string());
  req.target = std::string(raw.target());
  req.remote_address = remote_;
  req.worker = t_worker;
  for (const auto& field : raw) req.headers.Add(std::string(field.name_string()), std::string(field.value()));
  req.body = std::move(raw.body());
  log_method_ = req.method;
  log_path_ = req.target.substr(0, req.target.find('?'));
  head_request_ = req.method == "HEAD";
  keep_alive_ = raw.keep_alive();
  range_ = req.headers.Get("Range");
  if (!ParseTarget(req.target, req.path, req.query)) {
    return Respond(Response::Error(400, "bad_target", "the request path or query is malformed"), false);
  }
  inline_answer_.reset();
  t_handling = this;
  server_.Handle(req, MakeResponder());
  t_handling = nullptr;
  WipingAllocator<char>::Wipe(req.body.data(), req.body.size());
  if (inline_answer_) {
    Response answer = std::move(*inline_answer_);
    inline_answer_.reset();
    Respond(std::move(answer), keep_alive_ && !server_.stopping());
  }
  // Otherwise the handler answers later, through the strand; until then
  // the session waits with no operation pending (busy_ stays set, so an
  // idle close leaves it alone).
}

template <typename Stream>
Responder Session<Stream>::MakeResponder() {
  ++server_.owed();
  // The work guard keeps the I/O threads running until the answer is
  // posted: while stopping, a session waiting for its answer may be the
  // only work left, and run() would return without writing it.
  return Responder(
      [self = this->shared_from_this(), work = asio::make_work_guard(stream_.get_executor())](Response answer) mutable {
        Session& session = *self;
        ServerImpl& server = session.server_;
        if (t_handling == &session) {
          session.inline_answer_ = std::move(answer);
        } else {
          auto executor = session.stream_.get_executor();
          asio::post(executor, [self = std::move(self), answer = std::move(answer)]() mutable {
            self->Respond(std::move(answer), self->keep_alive_ && !self->server_.stopping());
          });
        }
        // Last: the server waits for this count before it destroys the
        // io_context the answer was posted to, so nothing that refers to
        // it (the work guard, the strand it holds) may outlive the count.
        work.reset();
        --server.owed();
      });
}

template <typename Stream>
void Session<Stream>::Respond(Response response, bool keep_alive) {
  auto res = std::make_shared<http::response<http::string_body>>();
  res->version(11);
  const bool head = head_request_;
  if (response.file) {
    std::ifstream in(response.file->path, std::ios::binary | std::ios::ate);
    if (!in) {
      response = Response::Error(404, "not_found", "no such file");
    } else {
      const auto size = static_cast<std::uint64_t>(in.tellg());
      const ByteRange range = ParseRange(range_, size);
      response.headers.Set("Accept-Ranges", "bytes");
      if (!range.satisfiable) {
        response.status = 416;
        response.headers.Set("Content-Range", "bytes */" + std::to_string(size));
      } else if (range.length > server_.options().max_file_response_bytes) {
        response = Response::Error(413, "range_too_large",
                                   "ask for at most " + std::to_string(server_.options().max_file_response_bytes) +
                                       " bytes at a time with a Range header");
      } else {
        if (!head) {
          response.body.resize(static_cast<std::size_t>(range.length));
          in.seekg(static_cast<std::streamoff>(range.first));
          in.read(response.body.data(), static_cast<std::streamsize>(range.length));
          if (!in) response = Response::Error(500, "read_failed", "the file could not be read");
        }
        if (range.partial && response.status == 200) {
          response.status = 206;
          response.headers.Set("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                    std::to_string(range.first + range.length - 1) + "/" +
                                                    std::to_string(size));
        }
        if (head) res->content_length(range.length);
      }
    }
  }
  res->result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers.all()) res->set(name, value);
  for (const auto& [name, value] : server_.options().headers.all()) {
    if (res->count(name) == 0) res->set(name, value);
  }
  res->set(http::field::server, server_.options().server_name);
  if (!res->count(http::field::cache_control)) res->set(http::field::cache_control, "no-store");
  res->set("X-Content-Type-Options", "nosniff");
  res->keep_alive(keep_alive);
  if (!head) {
    res->body() = std::move(response.body);
    res->prepare_payload();
  } else if (!response.file) {
    res->content_length(response.body.size());
  }
  response_ = res;
  if (server_.options().access_log) {
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
    Log(LogLevel::kInfo, "http.request",
        {{"method", log_method_}, {"path", log_path_}, {"status", response.status}, {"ms", ms}});
  }
  Lowest().expires_after(server_.options().write_timeout);
  http::async_write(stream_, *response_,
                    [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                      self->OnWrite(ec, keep_alive);
                    });
}

template <typename Stream>
void Session<Stream>::OnWrite(beast::error_code ec, bool keep_alive) {
  response_.reset();
  busy_ = false;
  if (ec || !keep_alive) return Close();
  served_ = true;
  DoRead();
}

template <typename Stream>
void Session<Stream>::Close() {
  beast::error_code ignored;
  if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
    Lowest().expires_after(std::chrono::seconds(2));
    stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
      beast::error_code e;
      self->Lowest().socket().close(e);
    });
  } else {
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Lowest().socket().close(ignored);
  }
}

void ServerImpl::Handle(Request& request, Responder responder) {
  try {
    handler_(request, std::move(responder));
  } catch (const std::exception& e) {
    // The Responder, if the handler still held it, answered 500 as it was
    // destroyed on the way out.
    Log(LogLevel::kError, "http.handler_exception", {{"path", request.path}, {"what", e.what()}});
  } catch (...) {
    // Not from our code, but it must not end an I/O thread (and with it
    // the session's "handling" mark) either.
    Log(LogLevel::kError, "http.handler_exception", {{"path", request.path}, {"what", "not a std::exception"}});
  }
}

Status ServerImpl::Open() {
  beast::error_code ec;
  const auto address = asio::ip::make_address(options_.address, ec);
  if (ec) return MakeError(sync::SyncErrc::kInvalidArgument, "not an IP address: " + options_.address);
  if (options_.tls && options_.tls_identity) {
    return MakeError(sync::SyncErrc::kInvalidArgument, "give TLS files or a TLS identity, not both");
  }
  if (options_.tls || options_.tls_identity) {
    tls_.emplace(ssl::context::tls_server);
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    if (options_.tls) {
      tls_->use_certificate_chain_file(options_.tls->certificate_pem.string(), ec);
      if (!ec) tls_->use_private_key_file(options_.tls->private_key_pem.string(), ssl::context::pem, ec);
    } else {
      const crypto::TlsIdentity& identity = *options_.tls_identity;
      tls_->use_certificate_chain(asio::buffer(identity.certificate_pem), ec);
      if (!ec) {
        tls_->use_private_key(asio::buffer(identity.private_key_pem.data(), identity.private_key_pem.size()),
                              ssl::context::pem, ec);
      }
    }
    if (ec)
      return MakeError(sync::SyncErrc::kInvalidArgument, "cannot load the TLS certificate or key: " + ec.message());
  }
  const tcp::endpoint endpoint(address, options_.port);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return MakeError(sync::SyncErrc::kIo, "cannot listen on " + options_.address + ":" + std::to_string(options_.port) +
                                              ": " + ec.message());
  }
  port_ = acceptor_->local_endpoint().port();
  DoAccept();
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    asio::io_context& ioc = *iocs_[static_cast<std::size_t>(i) % iocs_.size()];
    threads_.emplace_back([i, &ioc] {
      t_worker = i;
      ioc.run();
    });
  }
  threads_.emplace_back([this] { accept_ioc_->run(); });
  Log(LogLevel::kInfo, "http.listening",
      {{"address", options_.address}, {"port", static_cast<int>(port_)}, {"tls", tls_.has_value()}});
  return {};
}

void ServerImpl::DoAccept() {
  acceptor_->async_accept([this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

std::size_t ServerImpl::LeastBusyContext() {
  // Among equals, the one after the last choice first, so that idle
  // contexts take turns.
  std::size_t best = (last_context_ + 1) % iocs_.size();
  for (std::size_t k = 1; k < iocs_.size(); ++k) {
    const std::size_t i = (last_context_ + 1 + k) % iocs_.size();
    if (context_connections_[i].load() < context_connections_[best].load()) best = i;
  }
  last_context_ = best;
  return best;
}

// The 503 a connection over a cap gets. `message` is one of the server's
// own sentences (no characters JSON would escape).
http::response<http::string_body> BusyResponse(const Headers& headers, std::string_view message) {
  http::response<http::string_body> response;
  response.result(http::status::service_unavailable);
  response.version(11);
  for (const auto& [name, value] : headers.all()) response.set(name, value);
  response.set("X-Content-Type-Options", "nosniff");
  response.set(http::field::content_type, "application/json; charset=utf-8");
  response.set(http::field::retry_after, "1");
  response.body() = R"({"error":{"code":"busy","message":")" + std::string(message) + R"("}})";
  response.keep_alive(false);
  response.prepare_payload();
  return response;
}

// Answers 503 to a connection over the cap, then half-closes and drains
// what the client sends until it closes (or 5 s pass in all): closing with
// unread input would make the kernel send a reset, and the client would see
// a broken connection instead of the answer. Over TLS the handshake comes
// first, so that a browser shows "busy, retry" rather than a TLS failure.
template <class Stream>
class BusyReply : public std::enable_shared_from_this<BusyReply<Stream>> {
 public:
  BusyReply(Stream stream, const Headers& headers, std::string_view message,
            std::shared_ptr<std::atomic<std::size_t>> in_flight)
      : stream_(std::move(stream)), in_flight_(std::move(in_flight)), response_(BusyResponse(headers, message)) {
    ++*in_flight_;
  }
  ~BusyReply() { --*in_flight_; }
  BusyReply(const BusyReply&) = delete;
  BusyReply& operator=(const BusyReply&) = delete;

  void Start() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      stream_.async_handshake(ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (ec) return self->Close();
        self->Write();
      });
    } else {
      Write();
    }
  }

 private:
  void Write() {
    http::async_write(stream_, response_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->Close();
      // A plain connection half-closes, so the client reads the end of the
      // answer; a TLS client closes on "Connection: close" by itself.
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      }
      self->Drain();
    });
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(drain_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) return self->Drain();
      self->Close();
    });
  }

  void Close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

  Stream stream_;
  std::shared_ptr<std::atomic<std::size_t>> in_flight_;
  http::response<http::string_body> response_;
  std::array<char, 4096> drain_{};
};

void ServerImpl::RejectBusy(tcp::socket socket, std::string_view message) {
  // Each answer holds a descriptor for up to 5 s. Past this many at once
  // (a flood of connections), a plain connection is answered at once
  // without waiting on the client: what the request sent so far is read,
  // the 503 written (a fresh socket's buffer takes it whole) and the
  // connection closed, so the descriptor is free again; a TLS one, which
  // needs a handshake first, is closed unanswered.
  constexpr std::size_t kMaxBusyReplies = 64;
  const std::size_t in_flight = busy_replies_->load();
  if (in_flight >= kMaxBusyReplies) {
    beast::error_code ignored;
    if (!tls_) {
      socket.non_blocking(true, ignored);
      std::array<char, 4096> request{};
      socket.read_some(asio::buffer(request), ignored);
      std::ostringstream text;
      text << BusyResponse(options_.headers, message);
      asio::write(socket, asio::buffer(text.str()), ignored);
      socket.shutdown(tcp::socket::shutdown_send, ignored);
    }
    socket.close(ignored);
    return;
  }
  // One line per spell of refusals, not one per connection.
  if (in_flight == 0) {
    Log(LogLevel::kWarn, "http.busy", {{"active", static_cast<std::int64_t>(active_.load())}, {"reason", message}});
  }
  if (tls_) {
    std::make_shared<BusyReply<beast::ssl_stream<beast::tcp_stream>>>(
        beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls_), options_.headers, message,
        busy_replies_)
        ->Start();
  } else {
    std::make_shared<BusyReply<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), options_.headers, message,
                                                   busy_replies_)
        ->Start();
  }
}

void ServerImpl::ReleaseAddressSlot(const std::string& remote) {
  std::lock_guard lock(sessions_mu_);
  if (auto it = per_address_.find(remote); it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

bool ServerImpl::TakeAddressSlot(const std::string& remote) {
  std::lock_guard lock(sessions_mu_);
  std::size_t& n = per_address_[remote];
  if (n >= options_.max_connections_per_address) {
    if (n == 0) per_address_.erase(remote);
    return false;
  }
  ++n;
  return true;
}

void ServerImpl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (stopping_) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    // Out of descriptors (or kernel memory): accepting again at once
    // would fail again at once and spin. The connection waits in the
    // backlog until a session ends.
    if (!accept_failing_) Log(LogLevel::kWarn, "http.accept_failed", {{"error", ec.message()}});
    accept_failing_ = true;
    accept_retry_->expires_after(std::chrono::milliseconds(100));
    accept_retry_->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !stopping_) DoAccept();
    });
    return;
  }
  if (accept_failing_) {
    accept_failing_ = false;
    Log(LogLevel::kInfo, "http.accepting_again", {{"active", static_cast<std::int64_t>(active_.load())}});
  }
  beast::error_code remote_ec;
  const std::string remote = socket.remote_endpoint(remote_ec).address().to_string();
  if (active_.load() >= options_.max_connections) {
    RejectBusy(std::move(socket), "the server is at its connection limit; retry in a moment");
  } else if (!TakeAddressSlot(remote)) {
    RejectBusy(std::move(socket),
               "this device has too many connections open to the server; close other tabs or programs using it, "
               "then retry");
  } else {
    // Accepted on the acceptor's context; moved to the least busy I/O
    // context now, when the counts are those of this moment.
    const std::size_t context = LeastBusyContext();
    beast::error_code move_ec;
    const auto protocol = socket.local_endpoint(move_ec).protocol();
    const tcp::socket::native_handle_type fd = move_ec ? -1 : socket.release(move_ec);
    tcp::socket moved(options_.loop_per_thread ? asio::any_io_executor(iocs_[context]->get_executor())
                                               : asio::any_io_executor(asio::make_strand(*iocs_[context])));
    if (!move_ec) moved.assign(protocol, fd, move_ec);
    if (move_ec) {
      // Not expected (release and assign fail only on bad descriptors):
      // the connection is dropped, the server goes on.
      Log(LogLevel::kWarn, "http.accept_failed", {{"error", move_ec.message()}});
      if (fd >= 0) ::close(fd);
      ReleaseAddressSlot(remote);
    } else {
      ++active_;
      ++context_connections_[context];
      if (tls_) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            *this, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(moved)), *tls_), remote, context)
            ->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(moved)), remote, context)
            ->Start();
      }
    }
  }
  DoAccept();
}

void ServerImpl::Stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stopping_ = true;
  // Closed on its own thread (an acceptor is not thread-safe), and waited
  // for: once Stop() has begun, a new connection must be refused by the
  // kernel, not left unanswered in the listen queue until the server is
  // destroyed. The accept thread runs nothing long, so the wait is short.
  auto closed = std::make_shared<std::promise<void>>();
  auto acceptor_closed = closed->get_future();
  asio::post(acceptor_->get_executor(), [this, closed] {
    beast::error_code ignored;
    acceptor_->close(ignored);
    accept_retry_->cancel();
    {
      std::lock_guard lock(stop_mu_);
      if (signals_) signals_->cancel(ignored);
    }
    closed->set_value();
  });
  // Without threads (Open() failed before starting them) nothing runs it.
  if (!threads_.empty()) acceptor_closed.wait_for(std::chrono::seconds(2));
  ForEachSession([](SessionBase& s) { s.CloseIfIdle(); });
  auto wait_idle = [this](std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (active_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  wait_idle(grace);
  ForEachSession([](SessionBase& s) { s.ForceClose(); });
  wait_idle(std::chrono::seconds(2));
  // With the acceptor and every session closed the threads run out of work
  // and return; stop() only matters if something still hangs.
  work_.clear();
  accept_ioc_->stop();
  for (const auto& ioc : iocs_) ioc->stop();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  {
    std::lock_guard lock(stop_mu_);
    signalled_ = true;
  }
  stop_cv_.notify_all();
  Log(LogLevel::kInfo, "http.stopped", {{"port", static_cast<int>(port_)}});
}

void ServerImpl::RunUntilSignalled() {
  {
    std::lock_guard lock(stop_mu_);
    if (stopped_) return;
    signals_.emplace(*accept_ioc_, SIGINT, SIGTERM);
  }
  signals_->async_wait([this](beast::error_code ec, int signal) {
    if (ec) return;
    // The first signal starts a graceful stop, which waits for answers
    // still owed. A second one has the default action and ends the process
    // at once: the store is safe when killed, and staff must not need
    // SIGKILL when an answer never comes.
    beast::error_code ignored;
    signals_->clear(ignored);
    Log(LogLevel::kInfo, "http.signal", {{"signal", signal}, {"note", "a second signal stops at once"}});
    std::lock_guard lock(stop_mu_);
    signalled_ = true;
    stop_cv_.notify_all();
  });
  {
    std::unique_lock lock(stop_mu_);
    stop_cv_.wait(lock, [this] { return signalled_; });
  }
  Stop(std::chrono::seconds(5));
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options, AsyncHandler handler) {
  auto server = std::make_unique<ServerImpl>(options, std::move(handler));
  AKARI_TRY(server->Open());
  return std::unique_ptr<HttpServer>(std::move(server));
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options, Handler handler) {
  return Start(options, [handler = std::move(handler)](Request& request, Responder responder) {
    std::move(responder)(handler(request));
  });
}

}  // namespace akari::net
