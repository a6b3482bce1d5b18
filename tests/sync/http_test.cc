#include "sync/net/http.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "crypto/tls_certificate.h"
#include "sync/errors.h"
#include "sync/net/http_client.h"
#include "sync/net/http_server.h"
#include "tests/testing/temp_dir.h"

namespace akari::net {
namespace {

Request MakeRequest(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

ClientOptions WithTimeout(std::chrono::milliseconds t) {
  ClientOptions o;
  o.request_timeout = t;
  return o;
}

ClientOptions WithPin(std::string pin) {
  ClientOptions o;
  o.pinned_certificate_sha256 = std::move(pin);
  return o;
}

TEST(RouterTest, DispatchesByMethodAndPathWithParameters) {
  Router router;
  router.Add("GET", "/v1/persons/{id}", [](const Request& r) {
    return Response::Json(200, {{"id", r.params.at("id")}});
  });
  router.Add("GET", "/pub/{path...}", [](const Request& r) {
    return Response::Json(200, {{"p", r.params.at("path")}});
  });
  Request a = MakeRequest("GET", "/v1/persons/42");
  EXPECT_EQ(router.Dispatch(a).body, R"({"id":"42"})");
  Request b = MakeRequest("POST", "/v1/persons/42");
  EXPECT_EQ(router.Dispatch(b).status, 405);
  Request c = MakeRequest("GET", "/v1/persons");
  EXPECT_EQ(router.Dispatch(c).status, 404);
  Request d = MakeRequest("GET", "/pub/17/objects/ab");
  EXPECT_EQ(router.Dispatch(d).body, R"({"p":"17/objects/ab"})");
  Request head = MakeRequest("HEAD", "/v1/persons/1");
  EXPECT_EQ(router.Dispatch(head).status, 200);
}

TEST(RouterTest, AsynchronousRoutesAnswerThroughTheirResponder) {
  Router router;
  router.AddAsync("GET", "/later/{n}", [](Request& r, Responder responder) {
    std::move(responder)(Response::Json(202, {{"n", r.params.at("n")}}));
  });
  router.Add("GET", "/now", [](const Request&) { return Response::Json(200, {{"now", true}}); });
  Response got;
  Request a = MakeRequest("GET", "/later/7");
  router.Dispatch(a, Responder([&](Response r) { got = std::move(r); }));
  EXPECT_EQ(got.status, 202);
  EXPECT_EQ(got.body, R"({"n":"7"})");
  Request b = MakeRequest("GET", "/now");
  router.Dispatch(b, Responder([&](Response r) { got = std::move(r); }));
  EXPECT_EQ(got.status, 200);
  Request c = MakeRequest("GET", "/nowhere");
  router.Dispatch(c, Responder([&](Response r) { got = std::move(r); }));
  EXPECT_EQ(got.status, 404);
  // The plain Dispatch cannot wait for an asynchronous answer: it says so.
  Request d = MakeRequest("GET", "/later/7");
  EXPECT_EQ(router.Dispatch(d).status, 500);
}

TEST(ResponderTest, AnswersOnceAndADroppedOneAnswers500) {
  std::vector<int> statuses;
  {
    Responder r([&](Response response) { statuses.push_back(response.status); });
    std::move(r)(Response::Json(200, {}));
    std::move(r)(Response::Json(201, {}));  // the first answer stands
    EXPECT_FALSE(r);
  }
  {
    Responder dropped([&](Response response) { statuses.push_back(response.status); });
    Responder moved = std::move(dropped);
    EXPECT_FALSE(dropped);
    EXPECT_TRUE(moved);
  }  // `moved` goes without answering
  EXPECT_EQ(statuses, (std::vector<int>{200, 500}));
}

TEST(HttpTest, ParsesTargetsAndRejectsMalformedEscapes) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("/a%20b?x=1&y=%E3%81%82+c", path, query));
  EXPECT_EQ(path, "/a b");
  EXPECT_EQ(query["x"], "1");
  EXPECT_EQ(query["y"], "\xE3\x81\x82 c");
  EXPECT_FALSE(ParseTarget("/a%2", path, query));
  EXPECT_FALSE(ParseTarget("/a%00b", path, query));
  EXPECT_FALSE(ParseTarget("noslash", path, query));
}

TEST(HttpTest, ParsesUrls) {
  auto u = ParseUrl("https://127.0.0.1:8443/pub/17/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/pub/17/");
  EXPECT_EQ(ParseUrl("http://[::1]:99")->host, "::1");
  EXPECT_FALSE(ParseUrl("ftp://x"));
  EXPECT_FALSE(ParseUrl("http://x:99999/"));
  EXPECT_EQ(JoinUrl("http://h/pub", "/17/manifest.json"), "http://h/pub/17/manifest.json");
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    router_.Add("GET", "/hello", [](const Request&) { return Response::Json(200, {{"hello", "world"}}); });
    router_.Add("POST", "/echo", [](const Request& r) { return Response::Json(200, {{"size", r.body.size()}}); });
    router_.Add("GET", "/slow", [this](const Request&) {
      slow_started_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      return Response::Json(200, {{"slow", true}});
    });
    router_.Add("GET", "/file",
                [this](const Request&) { return Response::File(dir_ / "blob", "application/octet-stream"); });
    router_.Add("GET", "/held", [this](const Request&) {
      held_started_ = true;
      released_.wait();
      return Response::Json(200, {{"held", true}});
    });
    router_.Add("GET", "/worker", [](const Request& r) { return Response::Json(200, {{"worker", r.worker}}); });
    router_.Add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("boom"); });
    router_.Add("GET", "/odd-boom", [](const Request&) -> Response { throw 42; });
    options.access_log = false;
    auto server = HttpServer::Start(options, [this](const Request& r) {
      Request copy = r;
      return router_.Dispatch(copy);
    });
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  // A self-signed identity for `options`; `pin` receives its fingerprint.
  void UseTls(ServerOptions& options, std::string& pin) {
    const crypto::TlsIdentityFiles files{dir_ / "cert.pem", dir_ / "key.pem"};
    ASSERT_TRUE(crypto::CreateSelfSignedTlsIdentity(files, "node.local", std::chrono::hours(24 * 365)));
    auto fingerprint = crypto::CertificateFingerprintSha256(files.certificate_pem);
    ASSERT_TRUE(fingerprint);
    pin = *fingerprint;
    options.tls = TlsFiles{files.certificate_pem, files.private_key_pem};
  }
  // A test that fails before releasing /held must not leave the server's
  // stop waiting for it.
  void TearDown() override { Release(); }
  void Release() {
    if (!released_once_.exchange(true)) release_.set_value();
  }
  // Waits (at most 10 s) until a request to /held has reached its handler.
  bool WaitForHeld() {
    for (int i = 0; i < 10000 && !held_started_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return held_started_;
  }
  // Sends raw bytes and returns whatever the server answers before closing.
  std::string Raw(const std::string& bytes) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket sock(ioc);
    sock.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
    boost::asio::write(sock, boost::asio::buffer(bytes));
    std::string out;
    boost::system::error_code ec;
    char buf[4096];
    for (;;) {
      const std::size_t n = sock.read_some(boost::asio::buffer(buf), ec);
      if (ec) break;
      out.append(buf, n);
    }
    return out;
  }

  testing::TempDir dir_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::string base_;
  std::atomic<bool> slow_started_{false};
  // /held answers once Release() is called (TearDown calls it too).
  std::atomic<bool> held_started_{false};
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  std::atomic<bool> released_once_{false};
};

// An asynchronous handler answering from another thread, later: the
// connection waits without a server thread, and stays usable.
TEST(AsyncServerTest, AnswersGivenLaterFromAnotherThreadReachTheClient) {
  std::mutex mu;
  std::vector<std::thread> answering;
  ServerOptions options;
  options.access_log = false;
  options.threads = 1;  // one thread: a handler that waited would hold every request
  auto server = HttpServer::Start(options, [&](Request& r, Responder responder) {
    if (r.path == "/drop") return;  // the Responder goes unanswered
    if (r.path == "/now") return std::move(responder)(Response::Json(200, {{"now", true}}));
    const std::string path = r.path;  // the request is gone once the handler returns
    std::lock_guard lock(mu);
    answering.emplace_back([path, responder = std::move(responder)]() mutable {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      std::move(responder)(Response::Json(200, {{"path", path}}));
    });
  });
  ASSERT_TRUE(server) << server.error().message;
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());

  // While one answer is pending, the only server thread serves others.
  std::future<Result<ClientResponse>> later = std::async(std::launch::async, [&] {
    HttpClient client;
    return client.Get(base + "/later");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  HttpClient quick;
  const auto started = std::chrono::steady_clock::now();
  auto now = quick.Get(base + "/now");
  ASSERT_TRUE(now) << now.error().message;
  EXPECT_EQ(now->status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
  auto answered = later.get();
  ASSERT_TRUE(answered) << answered.error().message;
  EXPECT_EQ(answered->body, R"({"path":"/later"})");

  // Keep-alive after a late answer: the same client, twice.
  HttpClient again;
  for (int i = 0; i < 2; ++i) {
    auto r = again.Get(base + "/later");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 200);
  }
  // A handler that drops its Responder: the client gets a 500, not a hang.
  auto dropped = again.Get(base + "/drop");
  ASSERT_TRUE(dropped) << dropped.error().message;
  EXPECT_EQ(dropped->status, 500);
  for (auto& t : answering) t.join();
}

// A server whose handler hands the first request's Responder to the test.
class HeldAnswerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.access_log = false;
    auto server =
        HttpServer::Start(options, [this](Request&, Responder responder) { held_.set_value(std::move(responder)); });
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  std::promise<Responder> held_;
  std::unique_ptr<HttpServer> server_;
  std::string base_;
};

TEST_F(HeldAnswerTest, AnAnswerStillOwedWhenTheServerStopsIsWrittenWithinTheGracePeriod) {
  const std::string base = base_;
  std::future<Result<ClientResponse>> got = std::async(std::launch::async, [&] {
    HttpClient c(WithTimeout(std::chrono::milliseconds(10000)));
    return c.Get(base + "/x");
  });
  Responder responder = held_.get_future().get();
  // The answer comes while the server stops: with nothing else to do, the
  // I/O threads must still be there to write it.
  std::thread answer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::move(responder)(Response::Json(200, {{"late", true}}));
  });
  server_->Stop(std::chrono::seconds(5));
  answer.join();
  auto r = got.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"late":true})");
}

TEST_F(HeldAnswerTest, DestroyingTheServerWaitsForAnAnswerStillOwed) {
  const std::string base = base_;
  std::thread client([&] {
    HttpClient c(WithTimeout(std::chrono::milliseconds(3000)));
    (void)c.Get(base + "/x");  // cut off by the stop (no grace): not checked here
  });
  Responder responder = held_.get_future().get();
  // Answered while the server is being destroyed: destroying must wait for
  // it rather than free the io_context it posts to (ASan checks this).
  std::thread answer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::move(responder)(Response::Json(200, {}));
  });
  server_.reset();
  answer.join();
  client.join();
}

TEST_F(ServerTest, AnswersJsonAndKeepsTheConnection) {
  StartServer();
  HttpClient client;
  for (int i = 0; i < 3; ++i) {
    auto r = client.Get(base_ + "/hello");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"hello":"world"})");
    EXPECT_EQ(r->headers.Get("content-type"), "application/json; charset=utf-8");
  }
  EXPECT_EQ(server_->active_connections(), 1u);
}

// With a loop per thread, each connection is served by one I/O thread
// throughout, and connections are spread over all of them
// (ServerOptions::loop_per_thread).
TEST_F(ServerTest, AConnectionStaysOnOneThreadAndConnectionsSpreadOverAll) {
  ServerOptions options;
  options.threads = 4;
  options.loop_per_thread = true;
  StartServer(options);
  std::vector<HttpClient> clients(4);
  std::vector<std::set<int>> seen(clients.size());
  for (int round = 0; round < 25; ++round) {
    for (std::size_t c = 0; c < clients.size(); ++c) {
      auto r = clients[c].Get(base_ + "/worker");
      ASSERT_TRUE(r) << r.error().message;
      ASSERT_EQ(r->status, 200);
      seen[c].insert(nlohmann::json::parse(r->body).at("worker").get<int>());
    }
  }
  std::set<int> all;
  for (std::size_t c = 0; c < clients.size(); ++c) {
    EXPECT_EQ(seen[c].size(), 1u) << "connection " << c << " was served by more than one thread";
    all.insert(seen[c].begin(), seen[c].end());
  }
  EXPECT_EQ(all, (std::set<int>{0, 1, 2, 3}));
  EXPECT_EQ(server_->active_connections(), clients.size());
}

// With a loop per thread, a new connection goes to the thread with the
// fewest open connections.
TEST_F(ServerTest, ANewConnectionGoesToTheThreadWithFewestConnections) {
  ServerOptions options;
  options.threads = 2;
  options.loop_per_thread = true;
  StartServer(options);
  auto worker_of = [&](HttpClient& client) {
    auto r = client.Get(base_ + "/worker");
    EXPECT_TRUE(r) << r.error().message;
    return r ? nlohmann::json::parse(r->body).at("worker").get<int>() : -1;
  };
  std::vector<std::optional<HttpClient>> clients(4);
  std::vector<int> workers;
  for (auto& c : clients) {
    c.emplace();
    workers.push_back(worker_of(*c));
  }
  // Two on each thread, taking turns.
  ASSERT_NE(workers[0], workers[1]);
  ASSERT_EQ(workers[0], workers[2]);
  ASSERT_EQ(workers[1], workers[3]);
  // Close both connections of the thread that took the second: the next
  // connection would be its turn anyway, so close the other thread's.
  clients[1].reset();
  clients[3].reset();
  for (int i = 0; i < 500 && server_->active_connections() > 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(server_->active_connections(), 2u);
  // Taking turns would now give the first thread a third connection.
  HttpClient next;
  EXPECT_EQ(worker_of(next), workers[1]);
}

// With a loop per thread, a handler that blocks holds up only the
// connections of its thread: the next connection goes to another one, and
// is answered meanwhile; it is accepted, too (the acceptor has a thread of
// its own).
TEST_F(ServerTest, ABlockedHandlerDoesNotHoldUpAConnectionOnAnotherThread) {
  ServerOptions options;
  options.threads = 2;
  options.loop_per_thread = true;
  StartServer(options);
  HttpClient held_client;
  auto held = std::async(std::launch::async, [&] { return held_client.Get(base_ + "/held"); });
  ASSERT_TRUE(WaitForHeld());
  // Were it queued behind the blocked handler, this would time out.
  HttpClient quick_client(WithTimeout(std::chrono::seconds(10)));
  auto quick = quick_client.Get(base_ + "/hello");
  const bool held_still_blocked = held.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  Release();
  ASSERT_TRUE(quick) << quick.error().message;
  EXPECT_EQ(quick->status, 200);
  EXPECT_TRUE(held_still_blocked);
  auto held_answer = held.get();
  ASSERT_TRUE(held_answer) << held_answer.error().message;
  EXPECT_EQ(held_answer->status, 200);
}

// With one loop shared by all threads (the hub's), a blocked handler holds
// up no other connection, not even one a loop per thread would have put
// on the blocked thread.
TEST_F(ServerTest, WithASharedLoopABlockedHandlerHoldsUpNoOtherConnection) {
  ServerOptions options;
  options.threads = 2;
  StartServer(options);
  std::array<std::optional<HttpClient>, 3> clients;
  for (auto& c : clients) {
    c.emplace(WithTimeout(std::chrono::seconds(10)));
    auto r = c->Get(base_ + "/hello");
    ASSERT_TRUE(r) << r.error().message;
  }
  auto held = std::async(std::launch::async, [&] { return clients[0]->Get(base_ + "/held"); });
  ASSERT_TRUE(WaitForHeld());
  for (std::size_t c = 1; c < clients.size(); ++c) {
    auto r = clients[c]->Get(base_ + "/hello");
    ASSERT_TRUE(r) << "connection " << c << ": " << r.error().message;
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_NE(held.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  Release();
  auto held_answer = held.get();
  ASSERT_TRUE(held_answer) << held_answer.error().message;
}

// Once Stop() has returned, a new connection is refused at once, not left
// unanswered in the listen queue, with either threading.
TEST_F(ServerTest, AfterStopANewConnectionIsRefused) {
  for (const bool loop_per_thread : {false, true}) {
    for (int i = 0; i < 10; ++i) {
      ServerOptions options;
      options.loop_per_thread = loop_per_thread;
      options.access_log = false;
      auto server = HttpServer::Start(options, [](const Request&) { return Response::Json(200, {}); });
      ASSERT_TRUE(server) << server.error().message;
      const std::uint16_t port = (*server)->port();
      (*server)->Stop(std::chrono::milliseconds(0));
      boost::asio::io_context ioc;
      boost::asio::ip::tcp::socket sock(ioc);
      boost::system::error_code ec;
      sock.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
      EXPECT_EQ(ec, boost::asio::error::connection_refused)
          << "loop_per_thread " << loop_per_thread << ", try " << i << ": " << ec.message();
    }
  }
}

TEST_F(ServerTest, RefusesOversizeBodiesAndHeaders) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  options.max_header_bytes = 2000;
  StartServer(options);
  HttpClient client;
  auto ok = client.Send("POST", base_ + "/echo", {}, std::string(1000, 'x'));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto big = client.Send("POST", base_ + "/echo", {}, std::string(1001, 'x'));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_NE(big->body.find("body_too_large"), std::string::npos);
  Headers huge;
  huge.Set("X-Big", std::string(3000, 'y'));
  auto h = client.Get(base_ + "/hello", huge);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 431);
}

TEST_F(ServerTest, MalformedRequestsGet400AndTheServerStaysUp) {
  StartServer();
  EXPECT_NE(Raw("GARBAGE\r\n\r\n").find("400 Bad Request"), std::string::npos);
  EXPECT_NE(Raw("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n").find("400"), std::string::npos);
  EXPECT_NE(Raw("GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").find("500"), std::string::npos);
  // Even what is not a std::exception answers 500 and ends no thread.
  for (int i = 0; i < 4; ++i) {
    EXPECT_NE(Raw("GET /odd-boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").find("500"), std::string::npos);
  }
  HttpClient client;
  EXPECT_EQ(client.Get(base_ + "/hello")->status, 200);
}

TEST_F(ServerTest, AChunkedBodyIsRefusedBeforeItIsRead) {
  // Beast bounds neither chunk extensions nor trailers by the header
  // limit: a chunked body could make the server buffer without end.
  StartServer();
  const std::string answer = Raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=xxxx\r\n{}\r\n0\r\nX-T: y\r\n\r\n");
  EXPECT_NE(answer.find("411 Length Required"), std::string::npos) << answer;
  EXPECT_NE(answer.find("length_required"), std::string::npos) << answer;
  HttpClient client;
  auto ok = client.Send("POST", base_ + "/echo", {}, "{}");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->status, 200) << "a body with a Content-Length is read as before";
}

TEST_F(ServerTest, ServesFileRanges) {
  std::string content;
  for (int i = 0; i < 1000; ++i) content += static_cast<char>('a' + i % 26);
  std::ofstream(dir_ / "blob", std::ios::binary) << content;
  StartServer();
  HttpClient client;
  auto full = client.Get(base_ + "/file");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 200);
  EXPECT_EQ(full->body, content);
  Headers range;
  range.Set("Range", "bytes=10-19");
  auto part = client.Get(base_ + "/file", range);
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, content.substr(10, 10));
  EXPECT_EQ(part->headers.Get("Content-Range"), "bytes 10-19/1000");
  range.Set("Range", "bytes=990-");
  EXPECT_EQ(client.Get(base_ + "/file", range)->body, content.substr(990));
  range.Set("Range", "bytes=5000-");
  EXPECT_EQ(client.Get(base_ + "/file", range)->status, 416);
}

TEST_F(ServerTest, ExtraConnectionsGet503) {
  ServerOptions options;
  options.max_connections = 2;
  StartServer(options);
  HttpClient a, b, c;
  ASSERT_EQ(a.Get(base_ + "/hello")->status, 200);
  ASSERT_EQ(b.Get(base_ + "/hello")->status, 200);
  auto r = c.Get(base_ + "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  a.Disconnect();
  b.Disconnect();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(c.Get(base_ + "/hello")->status, 200);
}

// One device cannot take every connection: past its share it gets 503,
// while the server still has room for others.
TEST_F(ServerTest, OneAddressGetsItsShareOfConnectionsAndNoMore) {
  ServerOptions options;
  options.max_connections = 10;
  options.max_connections_per_address = 2;
  StartServer(options);
  HttpClient a, b, c;
  ASSERT_EQ(a.Get(base_ + "/hello")->status, 200);
  ASSERT_EQ(b.Get(base_ + "/hello")->status, 200);
  auto r = c.Get(base_ + "/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("too many connections open"), std::string::npos) << r->body;
  EXPECT_EQ(server_->active_connections(), 2u);
  a.Disconnect();
  for (int i = 0; i < 100 && server_->active_connections() > 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(c.Get(base_ + "/hello")->status, 200) << "a closed connection gives its slot back";
}

// A node on the LAN always speaks TLS: a tablet over the cap must read the
// same 503 "busy, retry" as on loopback, not a failed handshake.
TEST_F(ServerTest, ExtraConnectionsGet503OverTlsToo) {
  std::string pin;
  ServerOptions options;
  ASSERT_NO_FATAL_FAILURE(UseTls(options, pin));
  options.max_connections = 1;
  StartServer(options);
  const std::string url = "https://127.0.0.1:" + std::to_string(server_->port()) + "/hello";
  HttpClient a(WithPin(pin)), b(WithPin(pin));
  ASSERT_EQ(a.Get(url)->status, 200);
  auto r = b.Get(url);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->headers.Get("retry-after"), "1");
  EXPECT_NE(r->body.find(R"("code":"busy")"), std::string::npos) << r->body;
  a.Disconnect();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto again = b.Get(url);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->status, 200);
}

TEST_F(ServerTest, StopLetsARequestInFlightFinish) {
  StartServer();
  auto pending = std::async(std::launch::async, [&] {
    HttpClient client;
    return client.Get(base_ + "/slow");
  });
  while (!slow_started_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server_->Stop(std::chrono::seconds(5));
  auto r = pending.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  HttpClient late;
  auto refused = late.Get(base_ + "/hello");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, sync::SyncErrc::kUnreachable);
}

// A connection's first request must come within read_timeout; between
// requests a kept-alive connection may wait idle_timeout.
TEST_F(ServerTest, AKeptAliveConnectionWaitsTheIdleTimeoutForItsNextRequest) {
  ServerOptions options;
  options.read_timeout = std::chrono::seconds(1);
  options.idle_timeout = std::chrono::seconds(4);
  StartServer(options);
  namespace asio = boost::asio;
  asio::io_context ioc;
  auto exchange = [](asio::ip::tcp::socket& sock) {
    const std::string_view request = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(request), ec);
    if (ec) return std::string("write: " + ec.message());
    char buf[4096];
    const std::size_t n = sock.read_some(asio::buffer(buf), ec);
    return ec ? "read: " + ec.message() : std::string(buf, n);
  };
  asio::ip::tcp::socket kept(ioc);
  kept.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  EXPECT_TRUE(exchange(kept).starts_with("HTTP/1.1 200"));
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));  // past read_timeout, within idle_timeout
  const std::string second = exchange(kept);
  EXPECT_TRUE(second.starts_with("HTTP/1.1 200")) << second;
  // A fresh connection that sends nothing is closed after read_timeout.
  asio::ip::tcp::socket silent(ioc);
  silent.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  char byte;
  boost::system::error_code ec;
  silent.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
}

TEST_F(ServerTest, ClientTimesOutOnASlowServer) {
  StartServer();
  HttpClient client(WithTimeout(std::chrono::milliseconds(100)));
  auto r = client.Get(base_ + "/slow");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, sync::SyncErrc::kTimeout);
}

TEST_F(ServerTest, TlsWithPinnedCertificate) {
  std::string pin;
  ServerOptions options;
  ASSERT_NO_FATAL_FAILURE(UseTls(options, pin));
  StartServer(options);
  const std::string url = "https://127.0.0.1:" + std::to_string(server_->port()) + "/hello";
  HttpClient pinned(WithPin(pin));
  auto r = pinned.Get(url);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->status, 200);
  HttpClient wrong_pin(WithPin(std::string(64, '0')));
  EXPECT_FALSE(wrong_pin.Get(url));
  HttpClient unpinned;  // system CAs do not know a self-signed certificate
  EXPECT_FALSE(unpinned.Get(url));
  HttpClient plain;  // plain HTTP to a TLS port gets nothing useful
  auto p = plain.Get("http://127.0.0.1:" + std::to_string(server_->port()) + "/hello");
  EXPECT_TRUE(!p || p->status != 200);
}

// The first SIGTERM starts a graceful stop, which waits for an answer still
// owed; one that never comes (a hung handler) must not leave SIGKILL as the
// only way out: the second SIGTERM ends the process at once.
TEST(SignalTest, ASecondSignalEndsAStopThatWaitsForAnAnswerNeverGiven) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ServerOptions options;
    options.access_log = false;
    std::mutex mu;
    std::vector<Responder> held;
    auto server = HttpServer::Start(options, [&](Request&, Responder responder) {
      std::lock_guard lock(mu);
      held.push_back(std::move(responder));  // never answered
      const char byte = 1;
      (void)::write(ready[1], &byte, 1);
    });
    if (!server) ::_exit(3);
    const auto port = (*server)->port();
    std::thread client([port] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // RunUntilSignalled is waiting by then
      boost::asio::io_context ioc;
      boost::asio::ip::tcp::socket sock(ioc);
      boost::system::error_code ec;
      sock.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
      boost::asio::write(sock, boost::asio::buffer(std::string_view("GET /held HTTP/1.1\r\nHost: x\r\n\r\n")), ec);
      char byte;
      sock.read_some(boost::asio::buffer(&byte, 1), ec);
    });
    client.detach();
    (*server)->RunUntilSignalled();
    server->reset();  // waits for the held answer
    ::_exit(0);
  }
  ::close(ready[1]);
  pollfd p{ready[0], POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 10000), 1) << "the child never got its request";
  ::close(ready[0]);
  auto ended = [&](std::chrono::milliseconds within, int& status) {
    for (auto waited = std::chrono::milliseconds(0); waited < within; waited += std::chrono::milliseconds(20)) {
      if (::waitpid(child, &status, WNOHANG) == child) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };
  int status = 0;
  ::kill(child, SIGTERM);
  EXPECT_FALSE(ended(std::chrono::milliseconds(500), status)) << "the first signal should start a graceful stop";
  ::kill(child, SIGTERM);
  const bool stopped = ended(std::chrono::milliseconds(5000), status);
  if (!stopped) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  ASSERT_TRUE(stopped) << "the second signal did not end the process";
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
}

TEST(HttpClientTest, RefusedConnectionIsUnreachable) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor probe(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();
  HttpClient client;
  auto r = client.Get("http://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, sync::SyncErrc::kUnreachable);
}

// Beast bounds neither chunk extensions nor trailers: an answer from a
// hostile mirror must not grow the client's memory without end.
TEST(HttpClientTest, AnAnswerWithEndlessTrailersIsRefused) {
  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  std::thread server([&] {
    asio::ip::tcp::socket socket(ioc);
    acceptor.accept(socket);
    asio::streambuf request;
    boost::system::error_code ec;
    asio::read_until(socket, request, "\r\n\r\n", ec);
    asio::write(socket,
                asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                              "2\r\nok\r\n0\r\n")),
                ec);
    const std::string line = "X-T: " + std::string(1000, 'y') + "\r\n";
    for (int i = 0; i < 4000 && !ec; ++i) asio::write(socket, asio::buffer(line), ec);  // 4 MB
  });
  HttpClient client;
  auto r = client.Get("http://127.0.0.1:" + std::to_string(port) + "/");
  server.join();
  ASSERT_FALSE(r) << "status " << r->status << ", " << r->headers.all().size() << " header fields";
  EXPECT_EQ(r.error().code, sync::SyncErrc::kHttp);
  EXPECT_NE(r.error().message.find("trailer"), std::string::npos) << r.error().message;
}

// A connection that fails part-way through an answer must not spoil the
// next ones: bytes already read from it (a half header, or bytes a server
// sent after its answer) are dropped with it, so a retry on a fresh
// connection reads only its own answer.
TEST(HttpClientTest, BytesLeftByAFailedConnectionDoNotSpoilTheNextAnswer) {
  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  std::thread server([&] {
    auto next_request = [](asio::ip::tcp::socket& socket) {
      asio::streambuf request;
      boost::system::error_code ec;
      asio::read_until(socket, request, "\r\n\r\n", ec);
    };
    asio::ip::tcp::socket first(ioc);
    acceptor.accept(first);
    next_request(first);
    asio::write(first, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nContent-Le")));
    first.close();
    asio::ip::tcp::socket second(ioc);
    acceptor.accept(second);
    next_request(second);
    asio::write(second,
                asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE\r\n\r\n")));
    asio::ip::tcp::socket third(ioc);
    acceptor.accept(third);
    next_request(third);
    asio::write(third, asio::buffer(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain")));
    next_request(third);
  });
  // Nothing here waits for a timeout: a slow run means the client waited
  // on a connection it should have given up.
  HttpClient client(WithTimeout(std::chrono::seconds(10)));
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  // Every request is made whatever the one before gave, so that the server
  // thread sees its three connections and ends.
  EXPECT_FALSE(client.Get(url));  // the half header
  auto ok = client.Get(url);      // a fresh connection
  EXPECT_TRUE(ok && ok->status == 200 && ok->body == "ok") << (ok ? ok->body : ok.error().message);
  // The kept-alive second connection starts with the server's stray bytes:
  // the client gives it up and asks again on a fresh one.
  auto again = client.Get(url);
  EXPECT_TRUE(again && again->status == 200 && again->body == "again") << (again ? again->body : again.error().message);
  client.Disconnect();
  server.join();
}

}  // namespace
}  // namespace akari::net
