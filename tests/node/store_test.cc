#include "node/store/store.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "node/store/migrations.h"
#include "sync/db/errors.h"
#include "sync/db/sqlite.h"
#include "sync/index_keys.h"
#include "sync/kana.h"
#include "sync/person_document.h"
#include "tests/testing/sample_records.h"
#include "tests/testing/temp_dir.h"

namespace akari::store {
namespace {

const Bytes kKey(32, 0x42);
constexpr sync::Date kAsOf = 20261101;

StoredPerson Stored(const sync::PersonRecord& r) {
  return {r.person.id, *sync::EncodePersonDocument(r), sync::DeriveIndexEntries(r, kAsOf)};
}

std::vector<StoredPerson> Persons(std::int64_t first, std::int64_t count) {
  std::vector<StoredPerson> out;
  for (std::int64_t id = first; id < first + count; ++id) out.push_back(Stored(testing::SamplePerson(id)));
  return out;
}

class StoreTest : public ::testing::Test {
 protected:
  Store OpenStore(bool create = true) {
    auto s = Store::Open(path_, kKey, {.create = create});
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
  }
  // A store at schema `version`, built by hand as an older release left it.
  Database OlderStore(int version) {
    auto db = Database::Open(path_, true);
    EXPECT_TRUE(db) << db.error().message;
    EXPECT_TRUE(db->SetRawKey(kKey));
    EXPECT_TRUE(db->Exec("PRAGMA cipher_page_size = 4096"));
    EXPECT_TRUE(
        db->Exec("CREATE TABLE schema_migration(version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                 "applied_at INTEGER NOT NULL)"));
    for (int v = 1; v <= version; ++v) {
      EXPECT_TRUE(db->Exec(AllMigrations()[static_cast<std::size_t>(v - 1)].sql));
      EXPECT_TRUE(db->Exec("INSERT INTO schema_migration VALUES (" + std::to_string(v) + ", 'v', 0)"));
    }
    EXPECT_TRUE(db->Exec("PRAGMA user_version = " + std::to_string(version)));
    return std::move(db).value();
  }
  testing::TempDir dir_;
  std::filesystem::path path_ = dir_ / "node.db";
};

TEST_F(StoreTest, CreatesAtCurrentSchemaAndMigrationsAreIdempotent) {
  Store s = OpenStore();
  EXPECT_EQ(*s.SchemaVersion(), CurrentSchemaVersion());
  EXPECT_EQ(*s.Migrate(), 0);
  EXPECT_EQ(*s.Migrate(), 0);
  auto recorded = s.database().QueryInt("SELECT count(*) FROM schema_migration");
  ASSERT_TRUE(recorded);
  EXPECT_EQ(*recorded, static_cast<std::int64_t>(AllMigrations().size()));
}

TEST_F(StoreTest, MigratesAnOlderSchemaForwardOnce) {
  OlderStore(1);
  Store s = OpenStore(false);
  EXPECT_EQ(*s.SchemaVersion(), CurrentSchemaVersion());
  EXPECT_EQ(*s.database().QueryInt("SELECT count(*) FROM schema_migration"), CurrentSchemaVersion());
  EXPECT_EQ(*s.database().QueryInt("SELECT count(*) FROM check_record"), 0);
}

TEST_F(StoreTest, ACardLinkedTwiceOrToTwoPersonsIsStoredAndFoundForEach) {
  sync::PersonRecord a = testing::SamplePerson(3);
  sync::PersonRecord b = testing::SamplePerson(4);
  const sync::CardLink card = a.card_links[0];
  a.card_links.push_back({card.issuer_der_hex, "00" + card.serial_hex});  // the same card, written longer
  b.card_links.push_back(card);                                           // a mislink at the source
  Store s = OpenStore();
  auto replaced = s.ReplacePersons(std::vector<StoredPerson>{Stored(a), Stored(b)});
  ASSERT_TRUE(replaced) << replaced.error().message;
  EXPECT_EQ(*s.FindByCardKey(sync::CardLinkKey(*FromHex(card.issuer_der_hex), *FromHex(card.serial_hex))),
            (std::vector<std::int64_t>{3, 4}));
}

TEST_F(StoreTest, CardLinksSurviveTheMigrationThatLetsACardBeLinkedToSeveralPersons) {
  const sync::PersonRecord p = testing::SamplePerson(5);
  const StoredPerson stored = Stored(p);
  {
    // A version-4 store holding one person and its card link.
    Database db = OlderStore(4);
    auto person = db.Prepare("INSERT INTO person(id, document) VALUES (?, ?)");
    ASSERT_TRUE(person && person->Bind(1, p.person.id).BindBlob(2, stored.document).Run());
    auto link = db.Prepare("INSERT INTO person_card(key, person_id) VALUES (?, ?)");
    ASSERT_TRUE(link && link->BindBlob(1, stored.index.card_keys.at(0)).Bind(2, p.person.id).Run());
  }
  Store s = OpenStore(false);
  EXPECT_EQ(*s.SchemaVersion(), CurrentSchemaVersion());
  EXPECT_EQ(*s.FindByCardKey(stored.index.card_keys.at(0)), std::vector<std::int64_t>{5});
  sync::PersonRecord other = testing::SamplePerson(6);
  other.card_links.push_back(p.card_links.at(0));
  auto replaced = s.ReplacePersons(std::vector<StoredPerson>{Stored(other)});
  ASSERT_TRUE(replaced) << replaced.error().message;
  EXPECT_EQ(*s.FindByCardKey(stored.index.card_keys.at(0)), (std::vector<std::int64_t>{5, 6}));
  EXPECT_EQ(*s.IntegrityCheck(), "ok");
}

TEST_F(StoreTest, RefusesASchemaFromTheFuture) {
  { ASSERT_TRUE(OpenStore().database().Exec("PRAGMA user_version = 999")); }
  auto s = Store::Open(path_, kKey, {});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, db::DbErrc::kTooNew);
}

TEST_F(StoreTest, ReplacesPersonsAndLooksThemUp) {
  Store s = OpenStore();
  ASSERT_TRUE(s.ReplacePersons(Persons(1, 20)));
  EXPECT_EQ(s.Counts()->persons, 20);

  const sync::PersonRecord p7 = testing::SamplePerson(7);
  auto read = s.ReadPerson(7);
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->person, p7.person);
  EXPECT_EQ((*read)->dispensings, p7.dispensings);
  EXPECT_FALSE(*s.ReadPerson(999));

  const auto& link = p7.card_links[0];
  EXPECT_EQ(*s.FindByCardKey(sync::CardLinkKey(*FromHex(link.issuer_der_hex), *FromHex(link.serial_hex))),
            std::vector<std::int64_t>{7});
  const auto& cov = p7.coverages[1];
  EXPECT_EQ(*s.FindByInsuranceKey(sync::InsuranceKey(cov.insurer_number, cov.symbol, cov.number)),
            std::vector<std::int64_t>{7});
  const std::string family = *sync::KanaSearchKey("やまだ");
  auto by_name = s.FindByName(p7.person.birth_date, "", 10);
  ASSERT_TRUE(by_name);
  EXPECT_NE(std::find(by_name->begin(), by_name->end(), 7), by_name->end());
  auto by_kana = s.FindByName(testing::SamplePerson(5).person.birth_date, family, 10);
  ASSERT_TRUE(by_kana);
  EXPECT_EQ(*by_kana, std::vector<std::int64_t>{5});
  auto insulin = s.FindByRiskClass(sync::RiskClass::kInsulin, 0, 100);
  ASSERT_TRUE(insulin);
  EXPECT_EQ(insulin->size(), 20u);
  EXPECT_EQ(s.FindByRiskClass(sync::RiskClass::kInsulin, 15, 100)->size(), 5u);
}

TEST_F(StoreTest, ReplacingAPersonReplacesItsIndexEntries) {
  Store s = OpenStore();
  ASSERT_TRUE(s.ReplacePersons(Persons(1, 3)));
  sync::PersonRecord changed = testing::SamplePerson(2);
  changed.coverages[1].number = "999999";
  ASSERT_TRUE(s.ReplacePersons(std::vector<StoredPerson>{Stored(changed)}, std::vector<std::int64_t>{3}));
  EXPECT_EQ(s.Counts()->persons, 2);
  const sync::Coverage old_cov = testing::SamplePerson(2).coverages[1];
  EXPECT_TRUE(
      s.FindByInsuranceKey(sync::InsuranceKey(old_cov.insurer_number, old_cov.symbol, old_cov.number))->empty());
  EXPECT_EQ(*s.FindByInsuranceKey(sync::InsuranceKey(old_cov.insurer_number, old_cov.symbol, "999999")),
            std::vector<std::int64_t>{2});
  EXPECT_FALSE(*s.ReadPerson(3));
  EXPECT_EQ(*s.database().QueryInt("SELECT count(*) FROM person_name WHERE person_id = 3"), 0);
}

TEST_F(StoreTest, AFailedReplaceLeavesThePreviousState) {
  Store s = OpenStore();
  ASSERT_TRUE(s.ReplacePersons(Persons(1, 3)));
  std::vector<StoredPerson> batch = Persons(10, 2);
  batch.push_back(Stored(testing::SamplePerson(1)));
  batch.back().id = 0;  // invalid: the whole batch must be refused
  auto r = s.ReplacePersons(batch);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, db::DbErrc::kInvalidArgument);
  EXPECT_EQ(s.Counts()->persons, 3);
  EXPECT_FALSE(*s.ReadPerson(10));
}

TEST_F(StoreTest, LocalRecordsSurviveDeletingAllPersons) {
  Store s = OpenStore();
  ASSERT_TRUE(s.ReplacePersons(Persons(1, 3)));
  ASSERT_TRUE(s.database().Exec(
      "INSERT INTO check_record(seq, id, created_at, method, assurance, person_id, data_version, body, signature) "
      "VALUES (1, 'c1', 0, 'card', 'signature', 1, 1, x'00', x'00')"));
  {
    auto tx = Transaction::Begin(s.database());
    ASSERT_TRUE(tx);
    ASSERT_TRUE(s.DeleteAllPersons());
    ASSERT_TRUE(tx->Commit());
  }
  EXPECT_EQ(s.Counts()->persons, 0);
  EXPECT_EQ(s.Counts()->checks, 1);
}

TEST_F(StoreTest, AReadTransactionSeesOneSnapshotWhileAnotherConnectionCommits) {
  Store reader = OpenStore();
  Store writer = OpenStore(false);
  ASSERT_TRUE(writer.SetMeta("data_version", "1"));
  {
    auto snapshot = ReadTransaction::Begin(reader.database());
    ASSERT_TRUE(snapshot) << snapshot.error().message;
    EXPECT_EQ(**reader.GetMeta("data_version"), "1");
    ASSERT_TRUE(writer.SetMeta("data_version", "2"));  // WAL: the writer is not blocked
    EXPECT_EQ(**reader.GetMeta("data_version"), "1") << "a read transaction must keep its snapshot";
    ASSERT_TRUE(snapshot->End());
    ASSERT_TRUE(snapshot->End()) << "End() is idempotent";
  }
  EXPECT_EQ(**reader.GetMeta("data_version"), "2");
  // A read transaction inside an open transaction is refused, and the open
  // one is left as it was.
  auto tx = Transaction::Begin(reader.database());
  ASSERT_TRUE(tx);
  EXPECT_FALSE(ReadTransaction::Begin(reader.database()));
  EXPECT_TRUE(reader.database().InTransaction());
  ASSERT_TRUE(tx->Commit());
  // Destroyed without End(): the connection is left with no transaction.
  { ASSERT_TRUE(ReadTransaction::Begin(reader.database())); }
  EXPECT_FALSE(reader.database().InTransaction());
}

// BEGIN, COMMIT and ROLLBACK are prepared once per connection and reused:
// one that failed (busy) or rolled back must leave them fit for the next.
TEST_F(StoreTest, TransactionsOnOneConnectionFollowEachOtherAfterABusyBeginAndARollback) {
  Store a = OpenStore();
  Store b = OpenStore(false);
  b.database().SetBusyTimeout(std::chrono::milliseconds(0));
  {
    auto held = Transaction::Begin(a.database());
    ASSERT_TRUE(held);
    auto busy = Transaction::Begin(b.database());
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().code, db::DbErrc::kBusy);
    EXPECT_FALSE(b.database().InTransaction());
    ASSERT_TRUE(held->Commit());
  }
  {
    auto rolled_back = Transaction::Begin(b.database());
    ASSERT_TRUE(rolled_back);
    ASSERT_TRUE(b.SetMeta("region", "1"));
  }  // destroyed without Commit()
  EXPECT_FALSE(b.database().InTransaction());
  EXPECT_FALSE(*b.GetMeta("region"));
  for (int i = 2; i <= 4; ++i) {
    auto tx = Transaction::Begin(b.database(), /*durable=*/i == 3);
    ASSERT_TRUE(tx) << tx.error().message;
    ASSERT_TRUE(b.SetMeta("region", std::to_string(i)));
    ASSERT_TRUE(tx->Commit());
    auto snapshot = ReadTransaction::Begin(a.database());
    ASSERT_TRUE(snapshot);
    EXPECT_EQ(**a.GetMeta("region"), std::to_string(i));
    ASSERT_TRUE(snapshot->End());
  }
  // The connection moves with its prepared statements and still works.
  Store moved = std::move(b);
  auto tx = Transaction::Begin(moved.database());
  ASSERT_TRUE(tx);
  ASSERT_TRUE(moved.SetMeta("region", "5"));
  ASSERT_TRUE(tx->Commit());
  EXPECT_EQ(**a.GetMeta("region"), "5");
}

TEST_F(StoreTest, DataSurvivesReopening) {
  // The file format written here (SQLCipher 3 format, 4 KiB pages, raw key)
  // is what every later open expects.
  {
    Store s = OpenStore();
    ASSERT_TRUE(s.ReplacePersons(Persons(1, 5)));
    ASSERT_TRUE(s.SetMeta("region", "17"));
  }
  Store s = OpenStore(false);
  EXPECT_EQ(s.Counts()->persons, 5);
  EXPECT_EQ(**s.GetMeta("region"), "17");
  EXPECT_EQ(*s.IntegrityCheck(), "ok");
  EXPECT_EQ(*s.database().QueryText("PRAGMA cipher_page_size"), "4096");
}

TEST_F(StoreTest, WrongKeyIsReportedAsNotDecryptable) {
  { OpenStore(); }
  auto s = Store::Open(path_, Bytes(32, 0x43), {});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, db::DbErrc::kNotDecryptable);
  EXPECT_NE(s.error().message.find(path_.string()), std::string::npos);
}

TEST_F(StoreTest, TruncatedDatabaseGivesAClearError) {
  {
    Store s = OpenStore();
    ASSERT_TRUE(s.ReplacePersons(Persons(1, 200)));
    ASSERT_TRUE(s.Checkpoint());
  }
  const auto size = std::filesystem::file_size(path_);
  for (auto len : {size / 2, size - 4096, size - 100, std::uintmax_t{4096}, std::uintmax_t{10}}) {
    std::filesystem::copy_file(path_, dir_ / "copy.db", std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(dir_ / "copy.db", len);
    auto s = Store::Open(dir_ / "copy.db", kKey, {});
    Error error;
    if (s) {
      // Damage beyond the schema pages shows on first read.
      auto check = s->IntegrityCheck();
      auto counted = s->database().QueryInt("SELECT count(*) FROM person_name");
      auto read = s->ReadPerson(150);
      ASSERT_TRUE(!check || *check != "ok" || !counted || !read) << len;
      error = !read ? read.error() : !counted ? counted.error() : Error{db::DbErrc::kCorrupt, *check};
    } else {
      error = s.error();
    }
    EXPECT_TRUE(error.code == db::DbErrc::kCorrupt || error.code == db::DbErrc::kNotDecryptable)
        << len << ": " << error.message;
    EXPECT_FALSE(error.message.empty());
  }
}

TEST_F(StoreTest, MissingDatabaseIsNotCreatedUnlessAsked) {
  auto s = Store::Open(path_, kKey, {});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, db::DbErrc::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(StoreTest, AWalGrownByALargeTransactionIsCutBackOnceCheckpointed) {
  // A snapshot apply writes its whole size into the WAL; SQLite would keep
  // the file that large for reuse, for as long as the node serves.
  Store store = OpenStore();
  db::Database& db = store.database();
  ASSERT_TRUE(db.Exec("CREATE TABLE bulk(b BLOB)"));
  {
    auto tx = Transaction::Begin(db);
    ASSERT_TRUE(tx);
    auto insert = db.Prepare("INSERT INTO bulk(b) VALUES (randomblob(4000))");
    ASSERT_TRUE(insert);
    const std::int64_t rows = db::kWalSizeLimitBytes / 4000 * 3 / 2;
    for (std::int64_t i = 0; i < rows; ++i) ASSERT_TRUE(insert->Run());
    ASSERT_TRUE(tx->Commit());
  }
  const auto wal = path_.string() + "-wal";
  ASSERT_GT(static_cast<std::int64_t>(std::filesystem::file_size(wal)), db::kWalSizeLimitBytes);

  // What akari serve's checkpointer does; the next commit restarts the
  // WAL from its start and cuts the file back.
  ASSERT_TRUE(db.Exec("PRAGMA wal_checkpoint(PASSIVE)"));
  ASSERT_TRUE(store.SetMeta("after", "checkpoint"));
  EXPECT_LE(static_cast<std::int64_t>(std::filesystem::file_size(wal)), db::kWalSizeLimitBytes);
}

}  // namespace
}  // namespace akari::store
