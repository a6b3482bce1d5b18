// Person-summary lookups at 16 concurrent clients, measured three ways in
// one run (docs/benchmarks.md, "Service"):
//   ceiling  the store read and the JSON rendering in-process, no HTTP
//   handler  the whole API handler in-process (auth, grant, audit entry), no sockets
//   http     GET /v1/persons/{id} over loopback HTTP/1.1 keep-alive to net::HttpServer,
//            from --clients connections driven by one epoll thread (HttpLoad)
// The region comes from akari-gen (--region DIR, persons.ndjson.zst read and
// inserted through the store API) or, without --region, from SamplePerson.
// Documents are stored as a synced node holds them: format 2, compressed at
// level 6 against a dictionary trained on the first 3,000 persons (as the
// hub does); --no-dictionary stores format 1.
// With --dir, a node already loaded there by an earlier run is reused
// (--dir is kept), so that repeated measurements skip the load.
// Before the three measurements, one thread times each step of a lookup
// (--breakdown 0 skips it).
//
//   service_bench [--region DIR] [--persons N] [--clients 16] [--seconds 10]
//                 [--lookup-set 2000] [--threads 4] [--workers 4] [--dir WORKDIR]
//                 [--no-dictionary 1] [--breakdown 2000] [--rounds 1]
//                 [--measure ceiling,handler,http]
// --rounds N repeats the measurements N times, interleaved, and reports
// each over all its rounds; --measure picks which of them run (profiling).
// --threads and --workers are the server's I/O threads and the service's
// worker threads, each with its store connection (akari serve's defaults).
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <numeric>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/strings.h"
#include "crypto/keys.h"
#include "node/audit/audit_log.h"
#include "node/checks/eligibility.h"
#include "node/service/person_summary.h"
#include "node/service/service.h"
#include "node/store/meta_keys.h"
#include "sync/compression.h"
#include "sync/document_dictionary.h"
#include "sync/index_keys.h"
#include "sync/net/http_server.h"
#include "sync/person_document.h"
#include "sync/record_json.h"
#include "sync/zstd_lines.h"
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
  int threads = 4;  // as akari serve
  std::string dir;
  bool dictionary = true;
  int breakdown = 2000;  // lookups timed step by step on one thread
  int rounds = 1;
  int workers = 4;                               // the service's store connections for whole requests, as akari serve
  std::string measure = "ceiling,handler,http";  // which of the three to run
  // akari serve logs one line per request to stderr; here stderr goes to
  // this file for the HTTP measurement ("-": no access log).
  std::string access_log = "-";
};

// Where the program's own complaints go: stderr, unless the access log
// took it (--access-log).
std::FILE* g_stderr = stderr;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(g_stderr, "service_bench: %s\n", what.c_str());
  std::exit(1);
}

struct Loader {
  store::Store& store;
  sync::Date as_of;
  bool use_dictionary;
  std::vector<sync::PersonRecord> held;  // the first persons, until the dictionary is trained
  std::shared_ptr<const sync::DocumentDictionary> dictionary;
  std::vector<store::StoredPerson> batch;

  static constexpr std::size_t kDictionarySamples = 3000;  // as the hub's import
  static constexpr std::uint32_t kDictionaryId = 1;
  static constexpr int kDocumentLevel = 6;

  void Add(sync::PersonRecord r) {
    if (use_dictionary && !dictionary) {
      held.push_back(std::move(r));
      if (held.size() >= kDictionarySamples) Train();
      return;
    }
    Encode(r);
  }
  void Finish() {
    if (use_dictionary && !dictionary) Train();
    Flush();
  }

 private:
  void Train() {
    std::vector<Bytes> samples;
    for (const sync::PersonRecord& r : held) samples.push_back(sync::PackPersonDocumentBody(r));
    auto trained = sync::TrainDocumentDictionary(samples, kDictionaryId);
    if (!trained) Die("dictionary: " + trained.error().message);
    auto created = sync::DocumentDictionary::Create(*trained, kDocumentLevel);
    if (!created) Die("dictionary: " + created.error().message);
    dictionary = std::move(*created);
    if (auto s = store.PutDocumentDictionary(kDictionaryId, *trained); !s) Die("dictionary: " + s.error().message);
    for (const sync::PersonRecord& r : held) Encode(r);
    held.clear();
  }
  void Encode(const sync::PersonRecord& r) {
    auto doc = dictionary ? sync::EncodePersonDocument(r, *dictionary) : sync::EncodePersonDocument(r);
    if (!doc) Die("encode: " + doc.error().message);
    batch.push_back({r.person.id, std::move(*doc), sync::DeriveIndexEntries(r, as_of)});
    if (batch.size() >= 2000) Flush();
  }
  void Flush() {
    if (batch.empty()) return;
    if (auto r = store.ReplacePersons(batch); !r) Die("insert: " + r.error().message);
    batch.clear();
  }
};

// Fills the node's store; returns how many persons went in.
std::int64_t Load(node::OpenNode& node, const Options& o, sync::Date today) {
  Loader loader{node.store, today, o.dictionary, {}, {}, {}};
  std::int64_t n = 0;
  if (o.region.empty()) {
    for (std::int64_t id = 1; id <= o.persons; ++id, ++n) loader.Add(testing::SamplePerson(id));
  } else {
    auto lines = sync::ZstdLineReader::Open(o.region + "/persons.ndjson.zst");
    if (!lines) Die(lines.error().message);
    while (n < o.persons) {
      auto line = lines->Next();
      if (!line) Die(line.error().message);
      if (!*line) break;
      auto record = sync::RecordFromJson(json::parse(**line));
      if (!record) Die(record.error().message);
      loader.Add(std::move(*record));
      ++n;
    }
  }
  loader.Finish();
  if (!node.store.SetMeta("bench_persons", std::to_string(n))) Die("cannot record the load");
  return n;
}

struct Stats {
  std::vector<double> latencies_us;
  std::int64_t requests = 0;
  double seconds = 0;
  // CPU time of the whole process during the measurement (user + system,
  // getrusage), and of that the load generator's thread (HTTP only).
  double process_cpu_s = 0;
  double generator_cpu_s = 0;
  // Context switches of the whole process meanwhile (voluntary: a thread
  // waited, on a lock, a condition or a socket; involuntary: preempted).
  // Unlike times on a shared machine, these counts hardly vary between
  // runs: they show what a change does to the hand-offs between threads.
  std::int64_t context_switches = 0;
  // The throughput of each round, in order (to pair rounds of two
  // measurements taken one after the other).
  std::vector<double> round_throughputs;
  double Percentile(double p) {
    if (latencies_us.empty()) return 0;
    std::sort(latencies_us.begin(), latencies_us.end());
    const auto i = static_cast<std::size_t>(p * static_cast<double>(latencies_us.size() - 1));
    return latencies_us[i];
  }
  double Throughput() const { return static_cast<double>(requests) / seconds; }
  void Add(const Stats& other) {
    latencies_us.insert(latencies_us.end(), other.latencies_us.begin(), other.latencies_us.end());
    requests += other.requests;
    seconds += other.seconds;
    process_cpu_s += other.process_cpu_s;
    generator_cpu_s += other.generator_cpu_s;
    context_switches += other.context_switches;
    round_throughputs.push_back(other.Throughput());
  }
  double CpuPerAnswerUs() const { return requests > 0 ? 1e6 * process_cpu_s / static_cast<double>(requests) : 0; }
  double SwitchesPerAnswer() const {
    return requests > 0 ? static_cast<double>(context_switches) / static_cast<double>(requests) : 0;
  }
};

// User + system CPU time of the whole process so far, and its context
// switches.
struct ProcessUsage {
  double cpu_s = 0;
  std::int64_t context_switches = 0;
};
ProcessUsage ProcessUsageNow() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return {s(u.ru_utime) + s(u.ru_stime), static_cast<std::int64_t>(u.ru_nvcsw) + u.ru_nivcsw};
}

// CPU time of the calling thread so far (its system calls included).
double ThreadCpuSeconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Runs `measure` and adds to its Stats the process's CPU time meanwhile.
template <typename F>
Stats WithCpu(F measure) {
  const ProcessUsage before = ProcessUsageNow();
  Stats s = measure();
  const ProcessUsage after = ProcessUsageNow();
  s.process_cpu_s = after.cpu_s - before.cpu_s;
  s.context_switches = after.context_switches - before.context_switches;
  return s;
}

// Ends a measurement of record openings once every audit entry it made is
// in the audit log (they reach it from the audit journal in batches): the
// time and CPU that takes belong to it, not to the next measurement.
Stats UntilAudited(Stats s, node::Service& service) {
  const auto start = Clock::now();
  if (auto flushed = service.FlushAudit(); !flushed) Die("audit entries not written: " + flushed.error().message);
  s.seconds += std::chrono::duration<double>(Clock::now() - start).count();
  return s;
}

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

// A TCP connection to 127.0.0.1:`port` with Nagle off (requests are small
// and each waits for its answer).
int ConnectLoopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) Die("connect failed");
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// A minimal keep-alive HTTP/1.1 client: little client-side CPU, so that the
// server gets as much of the shared machine as possible.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) : fd_(ConnectLoopback(port)) {}
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

// The HTTP load: `clients` keep-alive connections, each a closed loop with
// one request outstanding (as wrk drives them), all from one thread with
// epoll, so that the load generator takes little of the machine it shares
// with the server: 16 blocking client threads cost the server far more in
// context switches than the answers themselves. A request's latency runs
// from its send() to the last byte of its answer. An answer counts as bad
// unless it is a 200 whose body holds the person.
class HttpLoad {
 public:
  HttpLoad(std::uint16_t port, int clients, std::string token) : token_(std::move(token)) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) Die("epoll_create1 failed");
    for (int c = 0; c < clients; ++c) {
      connections_.emplace_back().fd = ConnectLoopback(port);
    }
    for (std::size_t i = 0; i < connections_.size(); ++i) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = i;
      if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, connections_[i].fd, &ev) != 0) Die("epoll_ctl failed");
    }
  }
  ~HttpLoad() {
    for (Connection& c : connections_) ::close(c.fd);
    ::close(epoll_);
  }

  // Runs for `seconds`, picking persons of `ids` at random; then lets the
  // answers still outstanding arrive (not counted) so the next run starts
  // clean.
  Stats Run(int seconds, const std::vector<std::int64_t>& ids, std::atomic<std::int64_t>& bad) {
    Stats stats;
    stats.latencies_us.reserve(400000);
    const double cpu_before = ThreadCpuSeconds();
    std::mt19937_64 rng(7919);
    const auto start = Clock::now();
    const auto end = start + std::chrono::seconds(seconds);
    for (Connection& c : connections_) Send(c, ids[rng() % ids.size()]);
    std::size_t outstanding = connections_.size();
    bool stopping = false;
    std::array<epoll_event, 64> events;
    while (outstanding > 0) {
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 1000);
      if (n < 0 && errno != EINTR) Die("epoll_wait failed");
      const auto now = Clock::now();
      if (now >= end) stopping = true;
      for (int e = 0; e < n; ++e) {
        Connection& c = connections_[events[static_cast<std::size_t>(e)].data.u64];
        const int status = Receive(c);
        if (status == 0) continue;  // not complete yet
        --outstanding;
        if (status < 0) Die("a connection to the server failed");
        if (now < end) {
          stats.latencies_us.push_back(std::chrono::duration<double, std::micro>(now - c.sent_at).count());
          if (status != 200 || !c.body_ok) ++bad;
        }
        if (!stopping) {
          Send(c, ids[rng() % ids.size()]);
          ++outstanding;
        }
      }
    }
    stats.seconds = std::chrono::duration<double>(end - start).count();
    stats.requests = static_cast<std::int64_t>(stats.latencies_us.size());
    stats.generator_cpu_s = ThreadCpuSeconds() - cpu_before;
    return stats;
  }

 private:
  struct Connection {
    int fd = -1;
    std::string in;
    Clock::time_point sent_at;
    bool body_ok = false;
  };

  void Send(Connection& c, std::int64_t id) {
    const std::string request = "GET /v1/persons/" + std::to_string(id) +
                                " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + token_ + "\r\n\r\n";
    c.sent_at = Clock::now();
    if (::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
      Die("send failed");
  }

  // Reads what has arrived: the status once the answer is complete, 0 if
  // it is not yet, -1 if the connection failed.
  int Receive(Connection& c) {
    char chunk[65536];
    const ssize_t got = ::recv(c.fd, chunk, sizeof chunk, MSG_DONTWAIT);
    if (got == 0) return -1;
    if (got < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    c.in.append(chunk, static_cast<std::size_t>(got));
    const void* end_of_headers = ::memmem(c.in.data(), c.in.size(), "\r\n\r\n", 4);
    if (end_of_headers == nullptr) return 0;
    const std::size_t header_end = static_cast<std::size_t>(static_cast<const char*>(end_of_headers) - c.in.data());
    const void* cl = ::memmem(c.in.data(), header_end, "Content-Length: ", 16);
    const std::size_t length = cl == nullptr ? 0 : std::strtoul(static_cast<const char*>(cl) + 16, nullptr, 10);
    if (c.in.size() < header_end + 4 + length) return 0;
    const int status = std::atoi(c.in.c_str() + 9);
    c.body_ok = ::memmem(c.in.data() + header_end + 4, length, "\"person\":{", 10) != nullptr;
    c.in.erase(0, header_end + 4 + length);
    return status;
  }

  int epoll_ = -1;
  std::string token_;
  std::deque<Connection> connections_;
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
  std::printf("%-8s requests %8lld  throughput %9.0f /s  median %7.3f ms  p99 %7.3f ms  (p90 %.3f, p99.9 %.3f)\n", name,
              static_cast<long long>(s.requests), s.Throughput(), s.Percentile(0.5) / 1000.0,
              s.Percentile(0.99) / 1000.0, s.Percentile(0.9) / 1000.0, s.Percentile(0.999) / 1000.0);
}

// One thread, no concurrency: the mean time of each step of a lookup, on
// the same lookup set (service time, without queueing).
void Breakdown(node::OpenNode& node, store::Store& reader, node::Service& service, std::uint16_t port,
               const std::string& token, const std::vector<std::int64_t>& ids, sync::Date today, int n) {
  std::shared_ptr<const sync::DocumentDictionary> dictionary;
  {
    auto s = reader.database().Prepare("SELECT dictionary FROM document_dictionary WHERE id = 1");
    if (!s) Die(s.error().message);
    if (auto row = s->Step(); row && *row) dictionary = std::move(*sync::DocumentDictionary::Create(s->ColumnBlob(0)));
    s->Reset();
  }
  node::DataFreshness fresh;
  fresh.now = SystemClock::Instance().Now();
  node::OperatorStore operators(reader, SystemClock::Instance());
  node::AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(),
                       SystemClock::Instance());
  RawClient client(port);
  const std::string auth = "Bearer " + token;
  std::vector<std::pair<const char*, double>> steps;
  auto time = [&](const char* name, auto&& f) {
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) f(ids[static_cast<std::size_t>(i) % ids.size()]);
    steps.emplace_back(name, std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n);
  };
  std::size_t sink = 0;
  time("read document (SQLCipher row)",
       [&](std::int64_t id) { sink += reader.ReadPersonDocument(id)->value().size(); });
  std::vector<Bytes> docs, packed;
  for (int i = 0; i < n; ++i)
    docs.push_back(**reader.ReadPersonDocument(ids[static_cast<std::size_t>(i) % ids.size()]));
  int k = 0;
  time("zstd decompress", [&](std::int64_t) {
    const Bytes& d = docs[static_cast<std::size_t>(k++)];
    auto out = dictionary && d[0] == sync::kPersonDocumentFormatDictionary
                   ? dictionary->Decompress(ByteSpan(d).subspan(1), sync::kMaxPersonDocumentBytes)
                   : sync::ZstdDecompress(ByteSpan(d).subspan(1), sync::kMaxPersonDocumentBytes);
    sink += out->size();
    packed.push_back(std::move(*out));
  });
  std::vector<json> trees;
  k = 0;
  time("MessagePack to JSON tree",
       [&](std::int64_t) { trees.push_back(json::from_msgpack(packed[static_cast<std::size_t>(k++)], true, false)); });
  std::vector<sync::PersonRecord> records;
  k = 0;
  time("RecordFromJson (validation)", [&](std::int64_t) {
    records.push_back(std::move(*sync::RecordFromJson(trees[static_cast<std::size_t>(k++)])));
  });
  time("ReadPerson (all of the above)", [&](std::int64_t id) { sink += reader.ReadPerson(id)->has_value(); });
  k = 0;
  std::size_t summary_bytes = 0;
  time("PersonSummaryText (render)", [&](std::int64_t) {
    summary_bytes += node::PersonSummaryText(records[static_cast<std::size_t>(k++)], today, fresh).size();
  });
  time("3 meta reads", [&](std::int64_t) {
    for (auto key : {store::meta::kDataVersion, store::meta::kDataCreatedAt, store::meta::kDataExpiresAt})
      sink += reader.GetMeta(key)->has_value();
  });
  time("operator active (prepared)", [&](std::int64_t) { sink += operators.IsActive("bench").value(); });
  time("session touch + grant", [&](std::int64_t id) {
    auto s = service.sessions().Touch(token);
    sink += service.sessions().FindGrant(s->key, id).has_value();
  });
  const crypto::Hash32 h{};
  time("Ed25519 sign", [&](std::int64_t) { sink += crypto::Sign(node.keystore.signing_secret_key(), h)[0]; });
  time("audit append (write tx)", [&](std::int64_t id) {
    if (!audit.Append({"bench.breakdown", "bench", id, {{"basis", "insurance_numbers"}}})) Die("audit failed");
  });
  time("handler in-process", [&](std::int64_t id) {
    if (Call(service, "GET", "/v1/persons/" + std::to_string(id), nullptr, token).status != 200) Die("handler");
  });
  time("http round trip (1 client)", [&](std::int64_t id) {
    std::string body;
    const std::string request =
        "GET /v1/persons/" + std::to_string(id) + " HTTP/1.1\r\nHost: bench\r\nAuthorization: " + auth + "\r\n\r\n";
    if (client.Get(request, body) != 200) Die("http");
  });
  std::printf("one thread, %d lookups, mean per lookup (summary %.1f KB, document %.1f KB):\n", n,
              static_cast<double>(summary_bytes) / n / 1024.0,
              static_cast<double>(std::accumulate(docs.begin(), docs.end(), std::size_t{0},
                                                  [](std::size_t a, const Bytes& b) { return a + b.size(); })) /
                  n / 1024.0);
  for (auto& [name, us] : steps) std::printf("  %-34s %8.1f us\n", name, us);
  if (sink == 42) std::printf(" \n");
}

int Main(const Options& o) {
  SetLogLevel(LogLevel::kWarn);
  testing::TempDir temp;
  const std::filesystem::path dir = o.dir.empty() ? temp.path() / "node" : std::filesystem::path(o.dir);
  const sync::Date today = sync::DateInJapan(SystemClock::Instance().Now());
  const auto load_start = Clock::now();
  std::int64_t loaded = 0;
  std::optional<node::OpenNode> opened;
  if (!o.dir.empty() && std::filesystem::exists(dir / "node.db")) {
    auto pass = crypto::SecretBuffer::CopyOf(AsBytes(testing::kServicePassphrase));
    auto reopened = node::OpenNodeDir(dir, *pass);
    if (!reopened) Die("cannot reuse " + dir.string() + ": " + reopened.error().message);
    auto n = reopened->store.GetMeta("bench_persons");
    if (!n || !*n) Die(dir.string() + " holds no completed benchmark load; remove it");
    loaded = ParseInt64(**n).value_or(0);
    opened.emplace(std::move(*reopened));
    std::printf("reusing %lld persons loaded earlier in %s\n", static_cast<long long>(loaded), dir.c_str());
  } else {
    opened.emplace(testing::CreateSeededNode(dir, 0));
    loaded = Load(*opened, o, today);
    std::printf("loaded %lld persons (%s, %s) in %.1f s\n", static_cast<long long>(loaded),
                o.region.empty() ? "SamplePerson" : o.region.c_str(),
                o.dictionary ? "format 2, dictionary" : "format 1",
                std::chrono::duration<double>(Clock::now() - load_start).count());
    testing::AddOperator(*opened, "bench", node::Role::kDoctor, "1234");
  }
  node::OpenNode& node = *opened;

  node::ServiceOptions options;
  options.sessions.max_grants_per_session = o.lookup_set + 10;
  auto service = node::Service::Create(node, SystemClock::Instance(), options, std::max(1, o.workers));
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
    const net::Response r =
        Call(**service, "POST", "/v1/checks/insurance", testing::InsuranceNumbersOf(**record, c), token);
    if (r.status == 200 && json::parse(r.body)["person"].value("id", std::int64_t{0}) == id) ids.push_back(id);
  }
  std::printf("lookup set: %zu persons identified by insurance-number checks\n", ids.size());

  net::ServerOptions server_options;
  server_options.threads = o.threads;
  node::ConfigureServerForService(server_options);  // as akari serve
  server_options.access_log = o.access_log != "-";
  if (server_options.access_log) {
    // As akari serve logs, to a file as a service manager would keep it.
    // Only the server's lines: the setup's own info lines stay quiet.
    const int fd = ::open(o.access_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) Die("cannot open " + o.access_log + ": " + std::strerror(errno));
    if (std::FILE* own = ::fdopen(::dup(STDERR_FILENO), "w"); own != nullptr) g_stderr = own;
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
    SetLogLevel(LogLevel::kInfo);
  }
  auto server = net::HttpServer::Start(server_options, (*service)->AsHandler());
  if (!server) Die(server.error().message);

  if (o.breakdown > 0) Breakdown(node, readers[0], **service, (*server)->port(), token, ids, today, o.breakdown);

  node::DataFreshness fresh;
  fresh.now = SystemClock::Instance().Now();
  std::atomic<std::int64_t> bytes{0};
  HttpLoad load((*server)->port(), o.clients, token);
  std::atomic<std::int64_t> bad{0};
  // The three measurements, interleaved round by round so that a change in
  // the machine's load falls on all three alike.
  Stats ceiling, handler, http;
  for (int round = 0; round < o.rounds; ++round) {
    if (o.measure.find("ceiling") != std::string::npos)
      ceiling.Add(WithCpu([&] {
        return RunClients(o.clients, o.seconds, ids, [&](int c, std::int64_t id) {
          auto record = readers[static_cast<std::size_t>(c)].ReadPerson(id);
          if (!record || !*record) Die("read failed");
          bytes += static_cast<std::int64_t>(node::PersonSummaryText(**record, today, fresh).size());
        });
      }));
    if (o.measure.find("handler") != std::string::npos)
      handler.Add(WithCpu([&] {
        return UntilAudited(RunClients(o.clients, o.seconds, ids,
                                       [&](int c, std::int64_t id) {
                                         const net::Response r = Call(
                                             **service, "GET", "/v1/persons/" + std::to_string(id), nullptr, token, c);
                                         if (r.status != 200) {
                                           Die("handler answered " + std::to_string(r.status) + ": " + r.body);
                                         }
                                       }),
                            **service);
      }));
    if (o.measure.find("http") != std::string::npos) {
      http.Add(WithCpu([&] { return UntilAudited(load.Run(o.seconds, ids, bad), **service); }));
    }
  }
  (*server)->Stop();

  std::printf(
      "persons %lld, clients %d, server threads %d, %d round(s) of %d s per measurement, summary %.1f KB on "
      "average\n",
      static_cast<long long>(loaded), o.clients, o.threads, o.rounds, o.seconds,
      static_cast<double>(bytes) / 1024.0 / static_cast<double>(std::max<std::int64_t>(ceiling.requests, 1)));
  Print("ceiling", ceiling);
  Print("handler", handler);
  Print("http", http);
  const auto commits = (*service)->audit_commit_counts();
  std::printf("audit entries %lld in %lld transactions (%.2f per transaction)\n",
              static_cast<long long>(commits.entries), static_cast<long long>(commits.transactions),
              commits.transactions > 0
                  ? static_cast<double>(commits.entries) / static_cast<double>(commits.transactions)
                  : 0.0);
  // A ratio with a measurement that did not run (--measure) prints as "-".
  auto percent = [](const Stats& a, const Stats& b) {
    if (a.requests == 0 || b.requests == 0) return std::string("-");
    return std::to_string(static_cast<int>(std::lround(100.0 * a.Throughput() / b.Throughput()))) + "%";
  };
  std::printf("CPU per answer (process, user + system): ceiling %.0f us, handler %.0f us, http %.0f us",
              ceiling.CpuPerAnswerUs(), handler.CpuPerAnswerUs(), http.CpuPerAnswerUs());
  if (http.requests > 0)
    std::printf(" (of which the load generator's thread %.0f us)",
                1e6 * http.generator_cpu_s / static_cast<double>(http.requests));
  std::printf("\ncontext switches per answer (process): ceiling %.2f, handler %.2f, http %.2f",
              ceiling.SwitchesPerAnswer(), handler.SwitchesPerAnswer(), http.SwitchesPerAnswer());
  std::printf("\nCPU used: ceiling %.2f, handler %.2f, http %.2f cores\n",
              ceiling.seconds > 0 ? ceiling.process_cpu_s / ceiling.seconds : 0.0,
              handler.seconds > 0 ? handler.process_cpu_s / handler.seconds : 0.0,
              http.seconds > 0 ? http.process_cpu_s / http.seconds : 0.0);
  std::printf("http / ceiling throughput: %s   http / handler: %s   failed http answers: %lld\n",
              percent(http, ceiling).c_str(), percent(http, handler).c_str(), static_cast<long long>(bad.load()));
  // Each round's http beside the ceiling measured just before it: a change
  // in the machine's load between rounds moves both.
  if (http.round_throughputs.size() == ceiling.round_throughputs.size() && !http.round_throughputs.empty()) {
    std::printf("http / ceiling by round:");
    for (std::size_t r = 0; r < http.round_throughputs.size(); ++r)
      std::printf(" %.0f%%", 100.0 * http.round_throughputs[r] / ceiling.round_throughputs[r]);
    std::printf("\n");
  }
  return bad == 0 ? 0 : 1;
}

}  // namespace
}  // namespace akari

int main(int argc, char** argv) {
  akari::Options o;
  constexpr const char* kUsage =
      "usage: service_bench [--region DIR] [--persons N] [--clients 16] [--seconds 10] [--rounds 1]\n"
      "                     [--lookup-set 2000] [--threads 4] [--workers 4] [--dir WORKDIR]\n"
      "                     [--no-dictionary 1] [--breakdown 2000] [--measure ceiling,handler,http]\n"
      "                     [--access-log FILE|-]  (the server's log, one line per request as akari serve\n"
      "                                             writes it; default -: none)\n"
      "(docs/benchmarks.md, \"Service\", has the documented command)\n";
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "service_bench: %s needs a value\n%s", flag.c_str(), kUsage);
      return 2;
    }
    const std::string value = argv[i + 1];
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
    else if (flag == "--no-dictionary")
      o.dictionary = value == "0";
    else if (flag == "--rounds")
      o.rounds = std::max(1, static_cast<int>(akari::ParseInt64(value).value_or(1)));
    else if (flag == "--workers")
      o.workers = static_cast<int>(akari::ParseInt64(value).value_or(0));
    else if (flag == "--measure")
      o.measure = value;
    else if (flag == "--access-log")
      o.access_log = value;
    else if (flag == "--breakdown")
      o.breakdown = static_cast<int>(akari::ParseInt64(value).value_or(2000));
    else
      akari::Die("unknown option " + flag);
  }
  return akari::Main(o);
}
