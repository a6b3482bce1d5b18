// The local service behind a real net::HttpServer on loopback: oversize
// bodies, clients that disconnect mid-response, a thousand connections at
// once, and TLS with the node's own certificate.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <future>
#include <semaphore>
#include <sstream>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "base/file.h"
#include "crypto/tls_certificate.h"
#include "node/audit/audit_log.h"
#include "node/card/card_access.h"
#include "node/card/errors.h"
#include "node/service/service.h"
#include "node/service/tls_identity.h"
#include "sync/net/http_client.h"
#include "sync/net/http_server.h"
#include "tests/node/service_fixture.h"
#include "tests/testing/temp_dir.h"

namespace akari::node {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;

class ServiceHttpTest : public ::testing::Test {
 protected:
  void Start(net::ServerOptions options = {}, ServiceOptions service_options = {}, int workers = 0) {
    testing::AddOperator(node_, "doc1", Role::kDoctor, "1234");
    auto service = Service::Create(node_, clock_, std::move(service_options), workers > 0 ? workers : options.threads);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
    options.access_log = false;
    ConfigureServerForService(options);  // as akari serve
    auto server = net::HttpServer::Start(options, service_->AsHandler());
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
    base_ = std::string(options.tls || options.tls_identity ? "https" : "http") +
            "://127.0.0.1:" + std::to_string(server_->port());
  }
  // Logs doc1 in and identifies SamplePerson(id) by its insurance numbers
  // in that session; returns the token ("" after a failed assertion).
  std::string LoginAndIdentify(std::int64_t id) {
    net::HttpClient staff;
    auto login = staff.PostJson(base_ + "/v1/login", {{"operator_id", "doc1"}, {"pin", "1234"}});
    EXPECT_TRUE(login && login->status == 200);
    if (!login || login->status != 200) return "";
    const std::string token = json::parse(login->body)["token"];
    auto check = staff.PostJson(base_ + "/v1/checks/insurance", testing::InsuranceNumbersOf(id), Bearer(token));
    EXPECT_TRUE(check && check->status == 200) << (check ? check->body : check.error().message);
    return token;
  }
  static net::Headers Bearer(const std::string& token) {
    net::Headers h;
    h.Set("Authorization", "Bearer " + token);
    return h;
  }
  void TearDown() override {
    if (server_) server_->Stop(std::chrono::milliseconds(500));
  }

  // Sends raw bytes and returns whatever comes back until the server closes.
  std::string RawExchange(const std::string& request) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    asio::write(socket, asio::buffer(request));
    std::string out;
    boost::system::error_code ec;
    std::array<char, 4096> buf{};
    for (;;) {
      const std::size_t n = socket.read_some(asio::buffer(buf), ec);
      out.append(buf.data(), n);
      if (ec) break;
    }
    return out;
  }

  testing::TempDir dir_;
  OpenNode node_ = testing::CreateSeededNode(dir_ / "node", 10);
  const Clock& clock_ = SystemClock::Instance();
  std::unique_ptr<Service> service_;
  std::unique_ptr<net::HttpServer> server_;
  std::string base_;
};

// Card readers that keep a request waiting (a slow reader, a card being
// inserted) until the test lets it go.
class WaitingCards final : public card::CardAccess {
 public:
  Result<std::vector<card::ReaderInfo>> ListReaders() override {
    entered.release();
    let_go.acquire();
    return std::vector<card::ReaderInfo>{};
  }
  Result<std::unique_ptr<card::CardSession>> Open(std::string_view, std::chrono::milliseconds) override {
    return MakeError(card::CardErrc::kNoReader, "no reader in this test");
  }
  std::binary_semaphore entered{0};
  std::binary_semaphore let_go{0};
};

TEST_F(ServiceHttpTest, ARequestWaitingForACardReaderDoesNotHoldUpRecordOpenings) {
  WaitingCards cards;
  ServiceOptions service_options;
  service_options.cards = &cards;
  net::ServerOptions options;
  options.threads = 1;  // one server thread, one worker: nothing to spare
  Start(options, std::move(service_options), 1);
  const std::string token = LoginAndIdentify(3);
  ASSERT_FALSE(token.empty());
  const net::Headers auth = Bearer(token);
  net::HttpClient staff;

  // Another screen asks for the readers; the only worker waits on them.
  std::future<Result<net::ClientResponse>> readers = std::async(std::launch::async, [&] {
    net::HttpClient other;
    return other.Get(base_ + "/v1/cards/readers", auth);
  });
  cards.entered.acquire();
  // The record still opens, audited, while that request waits.
  auto opened = staff.Get(base_ + "/v1/persons/3", auth);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->status, 200) << opened->body;
  EXPECT_EQ(json::parse(opened->body)["person"]["id"], 3);
  cards.let_go.release();
  auto listed = readers.get();
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(listed->status, 200) << listed->body;
}

TEST_F(ServiceHttpTest, ClientsThatLeaveWhileTheirRecordOpeningWaitsForTheAuditLogDoNotHurtTheServer) {
  net::ServerOptions options;
  options.threads = 2;
  Start(options);
  const std::string token = LoginAndIdentify(3);
  ASSERT_FALSE(token.empty());
  const net::Headers auth = Bearer(token);
  net::HttpClient staff;
  const std::int64_t commits_before = service_->audit_commit_counts().entries;

  // Another process's write (a snapshot apply) holds the store: the
  // openings' audit entries wait, and so do their answers.
  auto apply = OpenStoreConnection(node_);
  ASSERT_TRUE(apply) << apply.error().message;
  ASSERT_TRUE(apply->database().Exec("BEGIN IMMEDIATE"));
  constexpr int kClients = 20;
  {
    asio::io_context io;
    std::vector<tcp::socket> sockets;
    const std::string request = "GET /v1/persons/3 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n";
    for (int i = 0; i < kClients; ++i) {
      tcp::socket& socket = sockets.emplace_back(io);
      socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
      asio::write(socket, asio::buffer(request));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }  // every client leaves without its answer
  ASSERT_TRUE(apply->database().Exec("COMMIT"));

  // The openings were audited all the same (their answers were on the way),
  // and the server goes on answering.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (service_->audit_commit_counts().entries < commits_before + kClients &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(service_->audit_commit_counts().entries, commits_before + kClients);
  auto opened = staff.Get(base_ + "/v1/persons/3", auth);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->status, 200);
  net::HttpClient other;
  auto status = other.Get(base_ + "/v1/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
}

TEST_F(ServiceHttpTest, OversizeBodiesAre413AndTheServerGoesOn) {
  Start();
  net::HttpClient client;
  net::Headers headers;
  headers.Set("Content-Type", "application/json");
  auto big = client.Send("POST", base_ + "/v1/login", headers, std::string(200 * 1024, 'x'));
  ASSERT_TRUE(big) << big.error().message;
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(json::parse(big->body)["error"]["code"], "body_too_large");
  // The server's own refusals carry the service's security headers too.
  EXPECT_TRUE(big->headers.Get("Content-Security-Policy").starts_with("default-src 'none'"))
      << big->headers.Get("Content-Security-Policy");
  EXPECT_EQ(big->headers.Get("X-Frame-Options"), "DENY");
  net::HttpClient fresh;
  auto status = fresh.Get(base_ + "/v1/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
}

TEST_F(ServiceHttpTest, MalformedHttpAndTraversalTargetsAreRefused) {
  Start();
  EXPECT_NE(RawExchange("GARBAGE\r\n\r\n").find("400 Bad Request"), std::string::npos);
  const std::string traversal =
      RawExchange("GET /ui/../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(traversal.find("404 Not Found"), std::string::npos) << traversal;
  EXPECT_EQ(traversal.find("root:"), std::string::npos);
  const std::string encoded =
      RawExchange("GET /ui/%2e%2e%2f%2e%2e%2fetc%2fpasswd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(encoded.find("404 Not Found"), std::string::npos) << encoded;
  const std::string nul = RawExchange("GET /ui/app.js%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(nul.find("400 Bad Request"), std::string::npos) << nul;
}

TEST_F(ServiceHttpTest, ClientsThatDisconnectMidResponseDoNotHurtTheServer) {
  Start();
  for (int i = 0; i < 200; ++i) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    const std::string req = "GET /ui/app.js HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::write(socket, asio::buffer(req));
    if (i % 2 == 0) {
      std::array<char, 64> buf{};
      boost::system::error_code ec;
      socket.read_some(asio::buffer(buf), ec);  // take the first bytes, then vanish
    }
    socket.set_option(asio::socket_base::linger(true, 0));  // RST, not FIN
    socket.close();
  }
  net::HttpClient client;
  auto status = client.Get(base_ + "/v1/status");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(status->status, 200);
  EXPECT_EQ(json::parse(status->body)["node_id"], node_.keystore.node_id());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server_->active_connections() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_LE(server_->active_connections(), 1u);
}

// One client of the load loop: connect, ask for the status, read the answer.
class LoadClient : public std::enable_shared_from_this<LoadClient> {
 public:
  LoadClient(asio::io_context& io, std::uint16_t port, std::atomic<int>& ok, std::atomic<int>& busy,
             std::atomic<int>& wrong, const std::string& node_id)
      : socket_(io), port_(port), ok_(ok), busy_(busy), wrong_(wrong), node_id_(node_id) {}

  void Run() {
    auto self = shared_from_this();
    socket_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), [self](auto ec) {
      if (ec) return self->Fail();
      asio::async_write(self->socket_, asio::buffer(kRequest), [self](auto ec2, std::size_t) {
        if (ec2) return self->Fail();
        asio::async_read(self->socket_, asio::dynamic_buffer(self->response_),
                         [self](auto, std::size_t) { self->Judge(); });
      });
    });
  }

 private:
  static constexpr std::string_view kRequest = "GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  void Fail() { ++wrong_; }
  void Judge() {
    const std::size_t body = response_.find("\r\n\r\n");
    const json j = body == std::string::npos ? json() : json::parse(response_.substr(body + 4), nullptr, false);
    if (response_.starts_with("HTTP/1.1 200") && j.is_object() && j.value("node_id", "") == node_id_) {
      ++ok_;
    } else if (response_.starts_with("HTTP/1.1 503") && j.is_object() && j["error"]["code"] == "busy") {
      ++busy_;
    } else {
      ++wrong_;
    }
  }
  tcp::socket socket_;
  std::uint16_t port_;
  std::atomic<int>& ok_;
  std::atomic<int>& busy_;
  std::atomic<int>& wrong_;
  const std::string& node_id_;
  std::string response_;
};

TEST_F(ServiceHttpTest, AThousandConcurrentConnectionsAllGetCorrectAnswers) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < 2600) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 4096);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < 2600) GTEST_SKIP() << "needs 2600 file descriptors, the limit is " << limit.rlim_cur;
  net::ServerOptions options;
  options.max_connections = 256;
  options.threads = 2;
  Start(options);
  std::atomic<int> ok{0}, busy{0}, wrong{0};
  const std::string node_id = node_.keystore.node_id();
  asio::io_context io;
  for (int i = 0; i < 1000; ++i) std::make_shared<LoadClient>(io, server_->port(), ok, busy, wrong, node_id)->Run();
  auto work = asio::make_work_guard(io);
  std::thread t1([&io] { io.run(); });
  std::thread t2([&io] { io.run(); });
  // Bounded: the loop gives up after 60 s whatever happens.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ok + busy + wrong < 1000 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  io.stop();
  t1.join();
  t2.join();
  EXPECT_EQ(ok + busy + wrong, 1000);
  EXPECT_EQ(wrong, 0);
  EXPECT_GT(ok, 0);
  // Still up and answering after the storm.
  net::HttpClient client;
  auto status = client.Get(base_ + "/v1/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
}

TEST_F(ServiceHttpTest, ServesTlsWithTheNodeCertificateAndItsFingerprintIsPinnable) {
  auto identity = EnsureNodeTlsIdentity(node_);
  ASSERT_TRUE(identity) << identity.error().message;
  auto fingerprint = NodeTlsFingerprint(node_);
  ASSERT_TRUE(fingerprint && *fingerprint);
  // A second call keeps the same identity.
  ASSERT_TRUE(EnsureNodeTlsIdentity(node_));
  EXPECT_EQ(**NodeTlsFingerprint(node_), **fingerprint);
  // It lives in the encrypted store: no key file in the node's directory.
  EXPECT_FALSE(std::filesystem::exists(dir_ / "node" / kTlsKeyFile));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "node" / kTlsCertificateFile));
  net::ServerOptions options;
  options.tls_identity = std::make_shared<const crypto::TlsIdentity>(std::move(*identity));
  Start(options);
  net::ClientOptions pinned;
  pinned.pinned_certificate_sha256 = **fingerprint;
  net::HttpClient client(pinned);
  auto status = client.Get(base_ + "/v1/status");
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(status->status, 200);
  net::ClientOptions wrong_pin;
  wrong_pin.pinned_certificate_sha256 = std::string(64, '0');
  net::HttpClient other(wrong_pin);
  EXPECT_FALSE(other.Get(base_ + "/v1/status"));
}

// Nodes before the store kept the identity in two files beside it. The
// first start moves it into the store, keeping the fingerprint staff pinned,
// and removes the files.
TEST_F(ServiceHttpTest, AnIdentityInTheOldFilesMovesIntoTheStoreWithItsFingerprint) {
  const crypto::TlsIdentityFiles files{dir_ / "node" / kTlsCertificateFile, dir_ / "node" / kTlsKeyFile};
  ASSERT_TRUE(crypto::CreateSelfSignedTlsIdentity(files, "akari-node-old", std::chrono::hours(24)));
  auto pinned = crypto::CertificateFingerprintSha256(files.certificate_pem);
  ASSERT_TRUE(pinned);
  EXPECT_EQ(**NodeTlsFingerprint(node_), *pinned);  // akari status before the first start
  auto moved = EnsureNodeTlsIdentity(node_);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(*crypto::CertificatePemFingerprintSha256(moved->certificate_pem), *pinned);
  EXPECT_FALSE(std::filesystem::exists(files.certificate_pem));
  EXPECT_FALSE(std::filesystem::exists(files.private_key_pem));
  EXPECT_EQ(**NodeTlsFingerprint(node_), *pinned);
  EXPECT_EQ(*crypto::CertificatePemFingerprintSha256(EnsureNodeTlsIdentity(node_)->certificate_pem), *pinned);
}

// An administrator replaces the node's identity by putting a certificate
// and key in the two files; a move killed after its commit leaves both
// files, or the key alone, and the next start finishes it.
TEST_F(ServiceHttpTest, FilesPutBesideTheStoreReplaceItsIdentityAndAnInterruptedMoveFinishes) {
  auto first = EnsureNodeTlsIdentity(node_);
  ASSERT_TRUE(first);
  const std::string old_pin = *crypto::CertificatePemFingerprintSha256(first->certificate_pem);
  const crypto::TlsIdentityFiles files{dir_ / "node" / kTlsCertificateFile, dir_ / "node" / kTlsKeyFile};
  ASSERT_TRUE(crypto::CreateSelfSignedTlsIdentity(files, "clinic.example", std::chrono::hours(24)));
  const std::string new_pin = *crypto::CertificateFingerprintSha256(files.certificate_pem);
  ASSERT_NE(new_pin, old_pin);
  EXPECT_EQ(**NodeTlsFingerprint(node_), new_pin);  // what the next start serves
  auto replaced = EnsureNodeTlsIdentity(node_);
  ASSERT_TRUE(replaced) << replaced.error().message;
  EXPECT_EQ(*crypto::CertificatePemFingerprintSha256(replaced->certificate_pem), new_pin);
  EXPECT_FALSE(std::filesystem::exists(files.private_key_pem));
  // Killed between the certificate's removal and the key's: the key alone
  // beside a stored identity is a leftover, removed; the identity stays.
  ASSERT_TRUE(WriteFileAtomically(files.private_key_pem, replaced->private_key_pem.span(), 0600));
  auto finished = EnsureNodeTlsIdentity(node_);
  ASSERT_TRUE(finished) << finished.error().message;
  EXPECT_EQ(*crypto::CertificatePemFingerprintSha256(finished->certificate_pem), new_pin);
  EXPECT_FALSE(std::filesystem::exists(files.private_key_pem));
  // The audit log says when the identity staff trust changed, and to what;
  // serving the stored one adds nothing.
  AuditLog log(node_.store, node_.keystore.signing_secret_key(), node_.keystore.signing_public_key(),
               SystemClock::Instance());
  std::ostringstream exported;
  ASSERT_TRUE(log.ExportJsonLines(exported));
  std::vector<std::pair<std::string, std::string>> changes;
  std::istringstream lines(exported.str());
  for (std::string line; std::getline(lines, line);) {
    const auto entry = nlohmann::json::parse(line);
    if (entry["event"] == "node.tls_identity")
      changes.emplace_back(entry["detail"]["source"], entry["detail"]["fingerprint"]);
  }
  const std::vector<std::pair<std::string, std::string>> expected = {{"created", old_pin}, {"files", new_pin}};
  EXPECT_EQ(changes, expected);
}

// Replacement files that cannot serve (a key that is not the certificate's,
// a key that is not a key) are refused with the store and the files left as
// they were: replacing the identity with them would end serving.
TEST_F(ServiceHttpTest, ReplacementFilesThatCannotServeChangeNothing) {
  auto first = EnsureNodeTlsIdentity(node_);
  ASSERT_TRUE(first);
  const std::string pin = **NodeTlsFingerprint(node_);
  const crypto::TlsIdentityFiles files{dir_ / "node" / kTlsCertificateFile, dir_ / "node" / kTlsKeyFile};
  const crypto::TlsIdentityFiles other{dir_ / "other-cert.pem", dir_ / "other-key.pem"};
  ASSERT_TRUE(crypto::CreateSelfSignedTlsIdentity(files, "clinic.example", std::chrono::hours(24)));
  ASSERT_TRUE(crypto::CreateSelfSignedTlsIdentity(other, "elsewhere.example", std::chrono::hours(24)));
  std::filesystem::copy_file(other.private_key_pem, files.private_key_pem,
                             std::filesystem::copy_options::overwrite_existing);
  auto mismatched = EnsureNodeTlsIdentity(node_);
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.error().message.find("is not the certificate's"), std::string::npos)
      << mismatched.error().message;
  EXPECT_TRUE(std::filesystem::exists(files.private_key_pem));
  EXPECT_EQ(**NodeTlsFingerprint(node_), pin);  // the store's, which the node still has
  ASSERT_TRUE(WriteFileAtomically(files.private_key_pem, AsBytes("garbage"), 0600));
  auto garbage = EnsureNodeTlsIdentity(node_);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find("not an unencrypted PEM private key"), std::string::npos)
      << garbage.error().message;
  // Removed, the node's own identity serves again.
  std::filesystem::remove(files.certificate_pem);
  std::filesystem::remove(files.private_key_pem);
  auto kept = EnsureNodeTlsIdentity(node_);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(*crypto::CertificatePemFingerprintSha256(kept->certificate_pem), pin);
}

// A stored key without its certificate (a damaged store) names the way out
// that loses nothing: replacement files, which then take over. The key file
// a move takes in is overwritten where it lies, not only unlinked.
TEST_F(ServiceHttpTest, ReplacementFilesRepairADamagedStoredIdentityAndTheOldKeyIsOverwritten) {
  ASSERT_TRUE(EnsureNodeTlsIdentity(node_));
  ASSERT_TRUE(node_.store.database().Exec("DELETE FROM meta WHERE key = 'tls_certificate_pem'"));
  auto damaged = EnsureNodeTlsIdentity(node_);
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().message.find("the next start takes them in"), std::string::npos) << damaged.error().message;
  const crypto::TlsIdentityFiles files{dir_ / "node" / kTlsCertificateFile, dir_ / "node" / kTlsKeyFile};
  ASSERT_TRUE(crypto::CreateSelfSignedTlsIdentity(files, "clinic.example", std::chrono::hours(24)));
  const std::string pin = *crypto::CertificateFingerprintSha256(files.certificate_pem);
  const auto link = dir_ / "key-link.pem";  // another name for the same file
  std::filesystem::create_hard_link(files.private_key_pem, link);
  auto repaired = EnsureNodeTlsIdentity(node_);
  ASSERT_TRUE(repaired) << repaired.error().message;
  EXPECT_EQ(*crypto::CertificatePemFingerprintSha256(repaired->certificate_pem), pin);
  auto left = ReadFileBytes(link);
  ASSERT_TRUE(left);
  EXPECT_EQ(ToString(*left).find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(left->size(), repaired->private_key_pem.size());
}

// Files that cannot be read, or a certificate whose key has not been put
// beside it yet, are an administrator's replacement in progress: refused,
// and never removed, whatever the store holds.
TEST_F(ServiceHttpTest, AReplacementInProgressIsRefusedAndItsFilesAreKept) {
  ASSERT_TRUE(EnsureNodeTlsIdentity(node_));
  const crypto::TlsIdentityFiles files{dir_ / "node" / kTlsCertificateFile, dir_ / "node" / kTlsKeyFile};
  ASSERT_TRUE(crypto::CreateSelfSignedTlsIdentity(files, "clinic.example", std::chrono::hours(24)));
  std::filesystem::remove(files.private_key_pem);
  auto half = EnsureNodeTlsIdentity(node_);
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message.find("is incomplete"), std::string::npos) << half.error().message;
  EXPECT_TRUE(std::filesystem::exists(files.certificate_pem));
  ASSERT_TRUE(WriteFileAtomically(files.private_key_pem, Bytes((std::size_t{1} << 20) + 1, 'x'), 0600));
  auto unreadable = EnsureNodeTlsIdentity(node_);
  ASSERT_FALSE(unreadable);
  EXPECT_TRUE(std::filesystem::exists(files.certificate_pem));
  EXPECT_TRUE(std::filesystem::exists(files.private_key_pem));
}

TEST_F(ServiceHttpTest, AHalfMissingTlsIdentityIsNeverReplacedSilently) {
  const crypto::TlsIdentityFiles files{dir_ / "node" / kTlsCertificateFile, dir_ / "node" / kTlsKeyFile};
  ASSERT_TRUE(crypto::CreateSelfSignedTlsIdentity(files, "akari-node-old", std::chrono::hours(24)));
  std::filesystem::remove(files.private_key_pem);
  auto again = EnsureNodeTlsIdentity(node_);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("incomplete"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(files.certificate_pem));
}

TEST(LoopbackTest, RecognisesLoopbackAddresses) {
  for (const char* a : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) EXPECT_TRUE(IsLoopbackAddress(a)) << a;
  for (const char* a : {"0.0.0.0", "192.168.1.10", "::", "10.0.0.1", "fe80::1", "localhost", ""}) {
    EXPECT_FALSE(IsLoopbackAddress(a)) << a;
  }
}

}  // namespace
}  // namespace akari::node
