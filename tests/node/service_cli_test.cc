// `akari operator`, `akari disaster`, `akari audit` and `akari serve`, run
// as an administrator would run them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "node/audit/audit_log.h"
#include "sync/net/http_client.h"
#include "tests/node/service_fixture.h"
#include "tests/testing/process.h"
#include "tests/testing/temp_dir.h"

namespace akari {
namespace {

using nlohmann::json;
using testing::RunProgram;

// `akari serve` in the background, its output in a file; SIGKILLed if the
// test forgets to stop it.
class ServeProcess {
 public:
  ServeProcess(const std::vector<std::string>& args, const std::filesystem::path& log) : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setsid();
      ::setenv("AKARI_PASSPHRASE", testing::kServicePassphrase, 1);
      const std::string path = testing::BinPath("akari");
      std::vector<char*> argv{const_cast<char*>(path.c_str())};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(path.c_str(), argv.data());
      ::_exit(127);
    }
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::string Output() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // The URL from the "Serving node … at URL" line, waiting up to 20 s.
  std::string WaitForUrl() {
    const std::regex url(R"(at (https?://[^ ]+/) )");
    for (int i = 0; i < 400; ++i) {
      std::smatch m;
      const std::string out = Output();
      if (std::regex_search(out, m, url)) return m[1];
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "";
  }
  int Stop(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

class ServiceCliTest : public ::testing::Test {
 protected:
  testing::ProcessResult Akari(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    testing::ProcessOptions opts;
    opts.env = std::move(env);
    opts.env["AKARI_PASSPHRASE"] = testing::kServicePassphrase;
    return RunProgram("akari", args, opts);
  }
  // Opens the node's store directly, as someone tampering with it would.
  node::OpenNode Open() {
    auto pass = crypto::SecretBuffer::CopyOf(AsBytes(testing::kServicePassphrase));
    auto node = node::OpenNodeDir(data_, *pass);
    EXPECT_TRUE(node) << node.error().message;
    return std::move(*node);
  }
  void MakeAuditEntries(int n) {
    for (int i = 0; i < n; ++i) {
      auto r =
          Akari({"disaster", i % 2 == 0 ? "on" : "off", "--data", data_, "--reason", "drill " + std::to_string(i)});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }

  // Runs akari audit export into root_/name; returns the file's path.
  std::string Export(const std::string& name) {
    const std::string file = (root_ / name).string();
    auto r = Akari({"audit", "export", "--data", data_, "--out", file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return file;
  }
  // An export's lines, parsed; and written back (edited) to root_/name.
  static std::vector<json> Lines(const std::string& file) {
    std::vector<json> lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }
  std::string WriteLines(const std::string& name, const std::vector<json>& lines) {
    std::string text;
    for (const json& line : lines) text += line.dump() + "\n";
    const std::string file = (root_ / name).string();
    EXPECT_TRUE(WriteFileAtomically(file, AsBytes(text)));
    return file;
  }

  testing::TempDir root_;
  std::string data_ = (root_ / "node").string();
  node::OpenNode seeded_ = testing::CreateSeededNode(data_, 5);
};

TEST_F(ServiceCliTest, OperatorsAreAddedListedUnlockedAndRemoved) {
  auto add = Akari(
      {"operator", "add", "--data", data_, "--id", "nurse1", "--name", "看護 花子", "--role", "nurse", "--kdf-ms", "5"},
      {{"AKARI_OPERATOR_PIN", "4821"}});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_NE(add.out.find("Added operator nurse1 (nurse)"), std::string::npos);
  auto list = Akari({"operator", "list", "--data", data_, "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const json ops = json::parse(list.out);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0]["id"], "nurse1");
  EXPECT_EQ(ops[0]["role"], "nurse");
  EXPECT_EQ(list.out.find("4821"), std::string::npos);
  auto bad_role = Akari({"operator", "add", "--data", data_, "--id", "x", "--name", "X", "--role", "root"},
                        {{"AKARI_OPERATOR_PIN", "4821"}});
  EXPECT_EQ(bad_role.exit_code, 2);
  auto bad_pin =
      Akari({"operator", "add", "--data", data_, "--id", "x", "--name", "X", "--role", "clerk", "--kdf-ms", "5"},
            {{"AKARI_OPERATOR_PIN", "12"}});
  EXPECT_EQ(bad_pin.exit_code, 1);
  EXPECT_NE(bad_pin.err.find("4 to 8 digits"), std::string::npos) << bad_pin.err;
  auto no_pin = Akari({"operator", "add", "--data", data_, "--id", "x", "--name", "X", "--role", "clerk"});
  EXPECT_EQ(no_pin.exit_code, 1);
  EXPECT_NE(no_pin.err.find("--pin-file"), std::string::npos) << no_pin.err;
  EXPECT_EQ(Akari({"operator", "unlock", "--data", data_, "--id", "nurse1"}).exit_code, 0);
  EXPECT_EQ(Akari({"operator", "remove", "--data", data_, "--id", "nurse1"}).exit_code, 0);
  auto again = Akari({"operator", "remove", "--data", data_, "--id", "nurse1"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("no active operator"), std::string::npos);
  auto all = Akari({"operator", "list", "--data", data_, "--all"});
  EXPECT_NE(all.out.find("removed"), std::string::npos) << all.out;
  auto verify = Akari({"audit", "verify", "--data", data_, "--json"});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(json::parse(verify.out)["entries_checked"], 3);  // add, unlock, remove
}

TEST_F(ServiceCliTest, DisasterModeNeedsAReasonAndShowsInStatus) {
  auto no_reason = Akari({"disaster", "on", "--data", data_});
  EXPECT_EQ(no_reason.exit_code, 2);
  auto on = Akari({"disaster", "on", "--data", data_, "--reason", "能登半島地震 輪島市"});
  ASSERT_EQ(on.exit_code, 0) << on.err;
  auto twice = Akari({"disaster", "on", "--data", data_, "--reason", "x"});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("already on"), std::string::npos);
  auto status = Akari({"status", "--data", data_, "--json"});
  EXPECT_EQ(json::parse(status.out)["mode"], "disaster");
  EXPECT_EQ(Akari({"disaster", "off", "--data", data_}).exit_code, 0);
  EXPECT_EQ(json::parse(Akari({"status", "--data", data_, "--json"}).out)["mode"], "normal");
}

TEST_F(ServiceCliTest, AuditVerifyNamesAnEditedEntry) {
  MakeAuditEntries(4);
  ASSERT_EQ(Akari({"audit", "verify", "--data", data_}).exit_code, 0);
  {
    node::OpenNode node = Open();
    ASSERT_TRUE(node.store.database().Exec(
        "UPDATE audit_log SET body = CAST(replace(CAST(body AS TEXT), 'drill 2', 'drill X') AS BLOB) WHERE seq = 3"));
  }
  auto r = Akari({"audit", "verify", "--data", data_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("damaged at entry 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("edited"), std::string::npos) << r.err;
}

TEST_F(ServiceCliTest, AuditVerifyNamesADeletedEntry) {
  MakeAuditEntries(4);
  {
    node::OpenNode node = Open();
    ASSERT_TRUE(node.store.database().Exec("DELETE FROM audit_log WHERE seq = 2"));
  }
  auto r = Akari({"audit", "verify", "--data", data_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("entry 2 is missing"), std::string::npos) << r.err;
}

TEST_F(ServiceCliTest, AuditVerifyNamesReorderedEntries) {
  MakeAuditEntries(4);
  {
    node::OpenNode node = Open();
    auto& db = node.store.database();
    // Swap the contents of entries 2 and 3 (all columns but seq).
    ASSERT_TRUE(db.Exec("UPDATE audit_log SET seq = -2 WHERE seq = 2"));
    ASSERT_TRUE(db.Exec("UPDATE audit_log SET seq = 2 WHERE seq = 3"));
    ASSERT_TRUE(db.Exec("UPDATE audit_log SET seq = 3 WHERE seq = -2"));
  }
  auto r = Akari({"audit", "verify", "--data", data_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("damaged at entry 2"), std::string::npos) << r.err;
}

TEST_F(ServiceCliTest, AuditExportCarriesTheKeyAndVerifiesElsewhere) {
  MakeAuditEntries(3);
  const std::string file = (root_ / "audit.jsonl").string();
  auto exported = Akari({"audit", "export", "--data", data_, "--out", file});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::ifstream in(file);
  std::string header_line;
  std::getline(in, header_line);
  const json header = json::parse(header_line);
  EXPECT_EQ(header["format"], "akari-audit-export/2");
  EXPECT_EQ(header["entries"], 3);
  EXPECT_EQ(header["signing_public_key"], ToHex(seeded_.keystore.signing_public_key()));
  // Verified without the node or its passphrase.
  auto ok = RunProgram("akari", {"audit", "verify-export", "--file", file, "--public-key",
                                 header["signing_public_key"].get<std::string>()});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("Export intact: 3 entries"), std::string::npos);
  auto wrong_key =
      RunProgram("akari", {"audit", "verify-export", "--file", file, "--public-key", std::string(64, 'a')});
  EXPECT_EQ(wrong_key.exit_code, 1);
  // Edit one line of the export.
  std::string text = ToString(*ReadFileBytes(file));
  const std::size_t at = text.find("drill 1");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 7, "drill 9");
  const std::string edited = (root_ / "edited.jsonl").string();
  ASSERT_TRUE(WriteFileAtomically(edited, AsBytes(text)));
  auto bad = RunProgram("akari", {"audit", "verify-export", "--file", edited});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("entry 2"), std::string::npos) << bad.err;
  // Cut the last line off.
  const std::string whole = ToString(*ReadFileBytes(file));
  const std::string cut = (root_ / "cut.jsonl").string();
  ASSERT_TRUE(WriteFileAtomically(cut, AsBytes(whole.substr(0, whole.rfind('\n', whole.size() - 2) + 1))));
  auto short_export = RunProgram("akari", {"audit", "verify-export", "--file", cut});
  EXPECT_EQ(short_export.exit_code, 1);
  EXPECT_NE(short_export.err.find("cut off"), std::string::npos) << short_export.err;
}

TEST_F(ServiceCliTest, AnExportedBatchIsVouchedForByItsLastSignatureAndNeedsIt) {
  {
    // Three record openings group-committed in one write, as akari serve does.
    node::OpenNode node = Open();
    node::AuditLog log(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(),
                       SystemClock::Instance());
    const node::AuditEvent e1{"record.open", "doc1", 1, {}}, e2{"record.open", "doc1", 2, {}},
        e3{"record.open", "doc1", 3, {}};
    const node::AuditEvent* events[] = {&e1, &e2, &e3};
    ASSERT_TRUE(log.AppendBatch(events));
  }
  const std::string file = Export("audit.jsonl");
  std::vector<json> lines = Lines(file);
  ASSERT_GE(lines.size(), 4u);
  const std::size_t n = lines.size();
  EXPECT_FALSE(lines[n - 3].contains("signature"));
  EXPECT_FALSE(lines[n - 2].contains("signature"));
  ASSERT_TRUE(lines[n - 1].contains("signature"));
  auto ok = RunProgram("akari", {"audit", "verify-export", "--file", file});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  // Without the batch's signature nothing vouches for its entries.
  lines[n - 1].erase("signature");
  const std::string stripped = WriteLines("stripped.jsonl", lines);
  auto bad = RunProgram("akari", {"audit", "verify-export", "--file", stripped});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("not signed"), std::string::npos) << bad.err;
}

// Entries rewritten in the store without the node key (hashes recomputed,
// signatures dropped) are not laundered by the node's next signed write:
// akari audit verify and verify-export both still refuse them.
TEST_F(ServiceCliTest, EntriesRewrittenWithoutTheKeyAreRefusedAfterTheNodeWritesAgain) {
  MakeAuditEntries(4);  // disaster mode on, off, on, off
  {
    node::OpenNode node = Open();
    store::Database& db = node.store.database();
    auto head = db.Prepare("SELECT max(seq) FROM audit_log");
    ASSERT_TRUE(head && *head->Step());
    const std::int64_t last = head->ColumnInt(0);
    ASSERT_GE(last, 3);
    auto read = db.Prepare("SELECT body, prev_hash FROM audit_log WHERE seq = ?");
    auto write = db.Prepare("UPDATE audit_log SET body = ?, prev_hash = ?, hash = ?, signature = x'' WHERE seq = ?");
    ASSERT_TRUE(read && write);
    crypto::Hash32 prev{};
    for (std::int64_t seq = last - 1; seq <= last; ++seq) {
      read->Bind(1, seq);
      ASSERT_TRUE(*read->Step());
      std::string body = ToString(read->ColumnBlob(0));
      if (seq == last - 1) {
        const ByteSpan p = read->ColumnBlob(1);
        std::copy(p.begin(), p.end(), prev.begin());
        body.replace(body.find("drill"), 5, "other");
      }
      read->Reset();
      const crypto::Hash32 hash = node::AuditEntryHash(prev, body);
      ASSERT_TRUE(write->BindBlob(1, AsBytes(body)).BindBlob(2, prev).BindBlob(3, hash).Bind(4, seq).Run());
      prev = hash;
    }
  }
  MakeAuditEntries(1);  // the node writes again, signed, chained to the forged head
  auto verify = Akari({"audit", "verify", "--data", data_});
  EXPECT_NE(verify.exit_code, 0);
  EXPECT_NE((verify.out + verify.err).find("without the node's key"), std::string::npos) << verify.out << verify.err;
  auto exported = RunProgram("akari", {"audit", "verify-export", "--file", Export("audit.jsonl")});
  EXPECT_EQ(exported.exit_code, 1);
  EXPECT_NE(exported.err.find("without the node's key"), std::string::npos) << exported.err;
}

// The regional office checks an export against the audit head the node
// last reported to its hub (akari-hub node list): an export that ends
// before it was cut short, one whose entry there differs was rewritten.
TEST_F(ServiceCliTest, AnExportIsCheckedAgainstTheAuditHeadTheNodeReportedToItsHub) {
  MakeAuditEntries(2);
  const std::string older = Export("older.jsonl");
  MakeAuditEntries(2);
  std::string reported;  // SEQ:HASH of the newest entry, as the hub keeps it
  {
    node::OpenNode node = Open();
    node::AuditLog log(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(),
                       SystemClock::Instance());
    auto head = log.SignedHead();
    ASSERT_TRUE(head && *head);
    reported = std::to_string((*head)->seq) + ":" + ToHex((*head)->hash);
  }
  const std::string newer = Export("newer.jsonl");

  auto ok = RunProgram("akari", {"audit", "verify-export", "--file", newer, "--hub-head", reported});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("as the node reported it to its hub"), std::string::npos) << ok.out;
  // Intact in itself, but shorter than what the hub saw.
  ASSERT_EQ(RunProgram("akari", {"audit", "verify-export", "--file", older}).exit_code, 0);
  auto cut = RunProgram("akari", {"audit", "verify-export", "--file", older, "--hub-head", reported});
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_NE(cut.err.find("entries were cut off the end"), std::string::npos) << cut.err;
  // The same number, another entry.
  const std::string other = reported.substr(0, reported.find(':') + 1) + std::string(64, '0');
  auto rewritten = RunProgram("akari", {"audit", "verify-export", "--file", newer, "--hub-head", other});
  EXPECT_EQ(rewritten.exit_code, 1);
  EXPECT_NE(rewritten.err.find("not the entry the node reported to its hub"), std::string::npos) << rewritten.err;
  for (const std::string& bad :
       std::vector<std::string>{"12", "x:" + std::string(64, '0'), "3:abcd", "0:" + std::string(64, '0')}) {
    auto refused = RunProgram("akari", {"audit", "verify-export", "--file", newer, "--hub-head", bad});
    EXPECT_EQ(refused.exit_code, 1) << bad;
    EXPECT_NE(refused.err.find("--hub-head takes SEQ:HASH"), std::string::npos) << refused.err;
  }
}

TEST_F(ServiceCliTest, AnExportWithFieldsOfTheWrongTypeIsRefusedNamingTheLine) {
  MakeAuditEntries(2);
  const std::vector<json> lines = Lines(Export("audit.jsonl"));
  ASSERT_EQ(lines.size(), 3u);
  struct Case {
    std::size_t line;
    const char* key;
    json value;
    const char* says;
  };
  const Case cases[] = {
      {0, "format", 2, "export header"},
      {0, "entries", "2", "cut off"},
      {1, "seq", "1", "has seq \"1\""},
      {2, "prev_hash", 5, "not an audit entry"},
      {2, "signature", json::array(), "not signed by the node key"},
  };
  for (const Case& c : cases) {
    std::vector<json> edited = lines;
    edited[c.line][c.key] = c.value;
    const std::string bad = WriteLines("bad.jsonl", edited);
    auto r = RunProgram("akari", {"audit", "verify-export", "--file", bad});
    EXPECT_EQ(r.exit_code, 1) << c.key;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.key << ": " << r.err;
    EXPECT_EQ(r.err.find("unexpected failure"), std::string::npos) << c.key << ": " << r.err;
  }
}

TEST_F(ServiceCliTest, ServeAnswersOnLoopbackAndStopsCleanlyOnSigterm) {
  ServeProcess serve({"serve", "--data", data_, "--listen", "127.0.0.1:0", "--threads", "2"}, root_ / "serve.log");
  const std::string url = serve.WaitForUrl();
  ASSERT_FALSE(url.empty()) << serve.Output();
  EXPECT_TRUE(url.starts_with("http://127.0.0.1:")) << url;
  net::HttpClient client;
  auto status = client.Get(url + "v1/status");
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_EQ(status->status, 200);
  EXPECT_EQ(json::parse(status->body)["node_id"], seeded_.keystore.node_id());
  auto index = client.Get(url);
  ASSERT_TRUE(index);
  EXPECT_NE(index->body.find("<!doctype html>"), std::string::npos);
  client.Disconnect();
  EXPECT_EQ(serve.Stop(SIGTERM), 0) << serve.Output();
  EXPECT_NE(serve.Output().find("Stopped"), std::string::npos);
  // Logs carry no names from the records.
  EXPECT_EQ(serve.Output().find("山田"), std::string::npos);
}

// A record opening is audited before it is shown (in the audit journal
// first): an akari serve killed right after showing it loses no entry, and
// the entry is in the log once, whoever moves it there.
TEST_F(ServiceCliTest, ARecordShownByAServeKilledAtOnceIsInTheAuditLogOnce) {
  testing::AddOperator(seeded_, "doc1", node::Role::kDoctor, "1234");
  auto openings_of_person_2 = [&](const std::string& name) {
    int n = 0;
    for (const json& line : Lines(Export(name))) {
      if (line.value("event", "") == "record.open" && line.value("person_id", json()) == 2) ++n;
    }
    return n;
  };
  {
    ServeProcess serve({"serve", "--data", data_, "--listen", "127.0.0.1:0", "--threads", "2"}, root_ / "serve.log");
    const std::string url = serve.WaitForUrl();
    ASSERT_FALSE(url.empty()) << serve.Output();
    net::HttpClient staff;
    auto login = staff.PostJson(url + "v1/login", {{"operator_id", "doc1"}, {"pin", "1234"}});
    ASSERT_TRUE(login && login->status == 200) << (login ? login->body : login.error().message);
    net::Headers bearer;
    bearer.Set("Authorization", "Bearer " + json::parse(login->body)["token"].get<std::string>());
    auto check = staff.PostJson(url + "v1/checks/insurance", testing::InsuranceNumbersOf(2), bearer);
    ASSERT_TRUE(check && check->status == 200) << (check ? check->body : check.error().message);
    auto record = staff.Get(url + "v1/persons/2", bearer);
    ASSERT_TRUE(record && record->status == 200) << (record ? record->body : record.error().message);
    EXPECT_EQ(serve.Stop(SIGKILL), 128 + SIGKILL);
  }
  // The export moves what the killed server left in the journal.
  EXPECT_EQ(openings_of_person_2("after-kill.jsonl"), 1);
  auto verify = Akari({"audit", "verify", "--data", data_});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.err.find("warning"), std::string::npos) << verify.err;
  // A server started and stopped again moves nothing twice.
  {
    ServeProcess serve({"serve", "--data", data_, "--listen", "127.0.0.1:0", "--threads", "2"}, root_ / "serve2.log");
    ASSERT_FALSE(serve.WaitForUrl().empty()) << serve.Output();
    EXPECT_EQ(serve.Stop(SIGTERM), 0) << serve.Output();
  }
  EXPECT_EQ(openings_of_person_2("after-restart.jsonl"), 1);
}

TEST_F(ServiceCliTest, ServeWithTlsShowsTheFingerprintThatStatusShows) {
  ServeProcess serve({"serve", "--data", data_, "--listen", "127.0.0.1:0", "--tls"}, root_ / "serve.log");
  const std::string url = serve.WaitForUrl();
  ASSERT_TRUE(url.starts_with("https://")) << serve.Output();
  auto status = Akari({"status", "--data", data_, "--json"});
  const std::string fingerprint = json::parse(status.out)["tls_fingerprint"];
  ASSERT_EQ(fingerprint.size(), 64u);
  net::ClientOptions pinned;
  pinned.pinned_certificate_sha256 = fingerprint;
  net::HttpClient client(pinned);
  auto r = client.Get(url + "v1/status");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(json::parse(r->body)["tls_fingerprint"], fingerprint);
  EXPECT_EQ(serve.Stop(SIGINT), 0) << serve.Output();
  // The identity is kept in the encrypted store, not in a key file, and
  // the next start serves the same one.
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(data_) / "tls-key.pem"));
  ServeProcess again({"serve", "--data", data_, "--listen", "127.0.0.1:0", "--tls"}, root_ / "serve2.log");
  const std::string url2 = again.WaitForUrl();
  auto r2 = net::HttpClient(pinned).Get(url2 + "v1/status");
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ(json::parse(r2->body)["tls_fingerprint"], fingerprint);
  EXPECT_EQ(again.Stop(SIGINT), 0) << again.Output();
}

TEST_F(ServiceCliTest, ServeRefusesABadListenAddress) {
  auto r = Akari({"serve", "--data", data_, "--listen", "127.0.0.1:99999"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not a port number"), std::string::npos) << r.err;
  auto r2 = Akari({"serve", "--data", data_, "--listen", "nohost"});
  EXPECT_EQ(r2.exit_code, 1);
}

}  // namespace
}  // namespace akari
