// Person-summary lookups at 16 concurrent clients, measured three ways in
// one run (docs/benchmarks.md, "Service"):
//   ceiling  the store read and the JSON rendering in-process, no HTTP
//   handler  the whole API handler in-process (auth, grant, audit entry), no sockets
//   http     GET /v1/persons/{id} over loopback HTTP/1.1 keep-alive to net::HttpServer
// The region comes from akari-gen (--region DIR, persons.ndjson.zst read and
// inserted through the store API) or, without --region, from SamplePerson.
//
//   service_bench [--region DIR] [--persons N] [--clients 16] [--seconds 10]
//                 [--lookup-set 2000] [--threads 4] [--dir WORKDIR]
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/strings.h"
#include "node/checks/eligibility.h"
#include "node/service/person_summary.h"
#include "node/service/service.h"
#include "node/store/meta_keys.h"
#include "sync/index_keys.h"
#include "sync/net/http_server.h"
#include "sync/person_document.h"
#include "sync/record_json.h"
#include "tests/node/service_fixture.h"
#include "tests/testing/sample_records.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  std::string region;
  std::int64_t persons = 100000;
  int clients = 16;
  int seconds = 10;
  std::size_t lookup_set = 2000;
  int threads = 4;
  std::string dir;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "service_bench: %s\n", what.c_str());
  std::exit(1);
}

// Streams the lines of a zstd-compressed file (no frame size needed).
class ZstdLines {
 public:
  explicit ZstdLines(const std::string& path) : in_(path, std::ios::binary), ctx_(ZSTD_createDCtx()) {
    if (!in_) Die("cannot read " + path);
  }
  ~ZstdLines() { ZSTD_freeDCtx(ctx_); }
  bool Next(std::string& line) {
    for (;;) {
      const std::size_t nl = pending_.find('\n');
      if (nl != std::string::npos) {
        line = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        return true;
      }
      if (!Fill()) return false;
    }
  }

 private:
  bool Fill() {
    std::vector<char> input(1 << 17), output(1 << 18);
    in_.read(input.data(), static_cast<std::streamsize>(input.size()));
    const auto got = static_cast<std::size_t>(in_.gcount());
    if (got == 0) return false;
    ZSTD_inBuffer in{input.data(), got, 0};
    while (in.pos < in.size) {
      ZSTD_outBuffer out{output.data(), output.size(), 0};
      const std::size_t rc = ZSTD_decompressStream(ctx_, &out, &in);
      if (ZSTD_isError(rc)) Die(std::string("zstd: ") + ZSTD_getErrorName(rc));
      pending_.append(output.data(), out.pos);
    }
    return true;
  }
  std::ifstream in_;
  ZSTD_DCtx* ctx_;
  std::string pending_;
};

std::vector<store::StoredPerson>& Batch() {
  static std::vector<store::StoredPerson> batch;
  return batch;
}

void Flush(store::Store& s) {
  if (Batch().empty()) return;
  if (auto r = s.ReplacePersons(Batch()); !r) Die("insert: " + r.error().message);
  Batch().clear();
}

void Add(store::Store& s, const sync::PersonRecord& r, sync::Date as_of) {
  auto doc = sync::EncodePersonDocument(r);
  if (!doc) Die("encode: " + doc.error().message);
  Batch().push_back({r.person.id, std::move(*doc), sync::DeriveIndexEntries(r, as_of)});
  if (Batch().size() >= 2000) Flush(s);
}

// Fills the node's store; returns how many persons went in.
std::int64_t Load(node::OpenNode& node, const Options& o, sync::Date today) {
  std::int64_t n = 0;
  if (o.region.empty()) {
    for (std::int64_t id = 1; id <= o.persons; ++id, ++n) Add(node.store, testing::SamplePerson(id), today);
  } else {
    ZstdLines lines(o.region + "/persons.ndjson.zst");
    std::string line;
    while (n < o.persons && lines.Next(line)) {
      auto record = sync::RecordFromJson(json::parse(line));
      if (!record) Die(record.error().message);
      Add(node.store, *record, today);
      ++n;
    }
  }
  Flush(node.store);
  return n;
}

struct Stats {
  std::vector<double> latencies_us;
  std::int64_t requests = 0;
  double seconds = 0;
  double Percentile(double p) {
    if (latencies_us.empty()) return 0;
    std::sort(latencies_us.begin(), latencies_us.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(latencies_us.size() - 1));
    return latencies_us[i];
  }
  double Throughput() const { return static_cast<double>(requests) / seconds; }
};

// Runs `clients` threads calling `one(thread, id)` for `seconds`.
template <typename F>
Stats RunClients(int clients, int seconds, const std::vector<std::int64_t>& ids, F one) {
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(clients));
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(c) * 7919 + 1);
      auto& mine = lat[static_cast<std::size_t>(c)];
      mine.reserve(200000);
      while (!stop.load(std::memory_order_relaxed)) {
        const std::int64_t id = ids[rng() % ids.size()];
        const auto t0 = Clock::now();
        one(c, id);
        mine.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  Stats s;
  s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& v : lat) s.latencies_us.insert(s.latencies_us.end(), v.begin(), v.end());
  s.requests = static_cast<std::int64_t>(s.latencies_us.size());
  return s;
}

// A minimal keep-alive HTTP/1.1 client: little client-side CPU, so that the
// server gets as much of the shared machine as possible.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) Die("connect failed");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawClient() { ::close(fd_); }
  // Sends a GET and returns the status; the body lands in `body`.
  int Get(const std::string& request, std::string& body) {
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return -1;
    std::string& buf = buf_;
    std::size_t header_end;
    while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!Read()) return -1;
    }
    const int status = std::atoi(buf.c_str() + 9);
    std::size_t length = 0;
    const std::size_t cl = buf.find("Content-Length: ");
    if (cl != std::string::npos && cl < header_end) length = std::strtoul(buf.c_str() + cl + 16, nullptr, 10);
    while (buf.size() < header_end + 4 + length) {
      if (!Read()) return -1;
    }
    body.assign(buf, header_end + 4, length);
    buf.erase(0, header_end + 4 + length);
    return status;
  }

 private:
  bool Read() {
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  int fd_;
  std::string buf_;
};

net::Response Call(node::Service& service, std::string method, std::string target, const json& body,
                   const std::string& token, int worker = 0) {
  net::Request r;
  r.method = std::move(method);
  r.target = target;
  net::ParseTarget(target, r.path, r.query);
  r.worker = worker;
  r.remote_address = "127.0.0.1";
  if (!body.is_null()) {
    r.body = body.dump();
    r.headers.Set("Content-Type", "application/json");
  }
  if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
  return service.Handle(r);
}

void Print(const char* name, Stats& s) {
  std::printf("%-8s requests %8lld  throughput %9.0f /s  median %7.3f ms  p99 %7.3f ms\n", name,
              static_cast<long long>(s.requests), s.Throughput(), s.Percentile(0.5) / 1000.0,
              s.Percentile(0.99) / 1000.0);
}

int Main(const Options& o) {
  SetLogLevel(LogLevel::kWarn);
  testing::TempDir temp;
  const std::filesystem::path dir = o.dir.empty() ? temp.path() / "node" : std::filesystem::path(o.dir);
  const sync::Date today = sync::DateInJapan(SystemClock::Instance().Now());
  const auto load_start = Clock::now();
  node::OpenNode node = testing::CreateSeededNode(dir, 0);
  const std::int64_t loaded = Load(node, o, today);
  std::printf("loaded %lld persons (%s) in %.1f s\n", static_cast<long long>(loaded),
              o.region.empty() ? "SamplePerson" : o.region.c_str(),
              std::chrono::duration<double>(Clock::now() - load_start).count());
  testing::AddOperator(node, "bench", node::Role::kDoctor, "1234");

  node::ServiceOptions options;
  options.sessions.max_grants_per_session = o.lookup_set + 10;
  const int workers = std::max(o.threads, o.clients);
  auto service = node::Service::Create(node, SystemClock::Instance(), options, workers);
  if (!service) Die(service.error().message);
  const json login =
      json::parse(Call(**service, "POST", "/v1/login", {{"operator_id", "bench"}, {"pin", "1234"}}, "").body);
  const std::string token = login.value("token", "");
  if (token.empty()) Die("login failed: " + login.dump());

  // The lookup set: random persons, each identified once by insurance numbers.
  std::mt19937_64 rng(42);
  std::vector<std::int64_t> ids;
  std::vector<store::Store> readers;
  for (int c = 0; c < o.clients; ++c) readers.push_back(std::move(*node::OpenStoreConnection(node)));
  while (ids.size() < o.lookup_set) {
    const std::int64_t id = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(loaded));
    auto record = node.store.ReadPerson(id);
    if (!record || !*record || (*record)->coverages.empty()) continue;
    const sync::Coverage& c = (*record)->coverages.back();
    const net::Response r = Call(**service, "POST", "/v1/checks/insurance",
                                 {{"insurer_number", c.insurer_number},
                                  {"symbol", c.symbol},
                                  {"number", c.number},
                                  {"branch", c.branch},
                                  {"birth_date", sync::FormatDate((*record)->person.birth_date)}},
                                 token);
    if (r.status == 200 && json::parse(r.body)["person"].value("id", std::int64_t{0}) == id) ids.push_back(id);
  }
  std::printf("lookup set: %zu persons identified by insurance-number checks\n", ids.size());

  node::DataFreshness fresh;
  fresh.now = SystemClock::Instance().Now();
  std::atomic<std::int64_t> bytes{0};
  Stats ceiling = RunClients(o.clients, o.seconds, ids, [&](int c, std::int64_t id) {
    auto record = readers[static_cast<std::size_t>(c)].ReadPerson(id);
    if (!record || !*record) Die("read failed");
    bytes += static_cast<std::int64_t>(node::PersonSummaryJson(**record, today, fresh).dump().size());
  });
  Stats handler = RunClients(o.clients, o.seconds, ids, [&](int c, std::int64_t id) {
    const net::Response r = Call(**service, "GET", "/v1/persons/" + std::to_string(id), nullptr, token, c);
    if (r.status != 200) Die("handler answered " + std::to_string(r.status) + ": " + r.body);
  });

  net::ServerOptions server_options;
  server_options.threads = o.threads;
  server_options.access_log = false;
  auto server = net::HttpServer::Start(server_options, (*service)->AsHandler());
  if (!server) Die(server.error().message);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int c = 0; c < o.clients; ++c) clients.push_back(std::make_unique<RawClient>((*server)->port()));
  std::atomic<std::int64_t> bad{0};
  Stats http = RunClients(o.clients, o.seconds, ids, [&](int c, std::int64_t id) {
    std::string body;
    const std::string request = "GET /v1/persons/" + std::to_string(id) +
                                " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + token + "\r\n\r\n";
    if (clients[static_cast<std::size_t>(c)]->Get(request, body) != 200 ||
        body.find("\"person\":{") == std::string::npos)
      ++bad;
  });
  clients.clear();
  (*server)->Stop();

  std::printf("persons %lld, clients %d, server threads %d, %d s per measurement, summary %.1f KB on average\n",
              static_cast<long long>(loaded), o.clients, o.threads, o.seconds,
              static_cast<double>(bytes) / 1024.0 / static_cast<double>(std::max<std::int64_t>(ceiling.requests, 1)));
  Print("ceiling", ceiling);
  Print("handler", handler);
  Print("http", http);
  std::printf("http / ceiling throughput: %.0f%%   http / handler: %.0f%%   failed http answers: %lld\n",
              100.0 * http.Throughput() / ceiling.Throughput(), 100.0 * http.Throughput() / handler.Throughput(),
              static_cast<long long>(bad.load()));
  return bad == 0 ? 0 : 1;
}

}  // namespace
}  // namespace akari

int main(int argc, char** argv) {
  akari::Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--region")
      o.region = value;
    else if (flag == "--persons")
      o.persons = akari::ParseInt64(value).value_or(o.persons);
    else if (flag == "--clients")
      o.clients = static_cast<int>(akari::ParseInt64(value).value_or(16));
    else if (flag == "--seconds")
      o.seconds = static_cast<int>(akari::ParseInt64(value).value_or(10));
    else if (flag == "--lookup-set")
      o.lookup_set = static_cast<std::size_t>(akari::ParseInt64(value).value_or(2000));
    else if (flag == "--threads")
      o.threads = static_cast<int>(akari::ParseInt64(value).value_or(4));
    else if (flag == "--dir")
      o.dir = value;
    else
      akari::Die("unknown option " + flag);
  }
  return akari::Main(o);
}
