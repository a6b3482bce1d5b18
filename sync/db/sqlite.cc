#include "sync/db/sqlite.h"

#define SQLITE_HAS_CODEC 1
#include <fcntl.h>
#include <sqlcipher/sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "sync/db/errors.h"

namespace akari::db {

Error TranslateSqliteError(int rc, std::string_view detail, const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string d(detail);
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
      return {DbErrc::kNotDecryptable, "the database " + file +
                                           " cannot be decrypted with this node's key: it belongs to another "
                                           "keystore or is not an Akari database (" +
                                           d + ")"};
    case SQLITE_CORRUPT:
      return {DbErrc::kCorrupt, "the database " + file + " is damaged or truncated (" + d +
                                    "); restore it from a backup, or create a new node and sync again"};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {DbErrc::kBusy, "the database " + file + " is locked by another process (" + d + ")"};
    case SQLITE_FULL:
      return {DbErrc::kDiskFull, "the disk holding " + file + " is full (" + d + "); free space and retry"};
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return {DbErrc::kIo, "cannot access the database " + file + " (" + d + ")"};
    case SQLITE_CONSTRAINT:
      return {DbErrc::kConstraint, "database constraint failed in " + file + " (" + d + ")"};
    default:
      return {DbErrc::kSqlite, "database error in " + file + " (" + d + ")"};
  }
}

void Statement::Finalizer::operator()(sqlite3_stmt* s) const {
  sqlite3_finalize(s);
}

Statement& Statement::Bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::BindBlob(int index, ByteSpan blob) {
  // A zero-length blob must still be a blob, not NULL.
  static const std::uint8_t kEmpty = 0;
  sqlite3_bind_blob64(stmt_.get(), index, blob.empty() ? &kEmpty : blob.data(), blob.size(), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

Result<bool> Statement::Step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    Reset();
    return false;
  }
  Error e = TranslateSqliteError(rc, sqlite3_errmsg(db_), *path_);
  Reset();
  return std::unexpected(std::move(e));
}

Status Statement::Run() {
  for (;;) {
    AKARI_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return {};
  }
}

std::int64_t Statement::ColumnInt(int col) const {
  return sqlite3_column_int64(stmt_.get(), col);
}

std::string Statement::ColumnText(int col) const {
  const auto* p = sqlite3_column_text(stmt_.get(), col);
  const int n = sqlite3_column_bytes(stmt_.get(), col);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

ByteSpan Statement::ColumnBlob(int col) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_.get(), col));
  const int n = sqlite3_column_bytes(stmt_.get(), col);
  return p == nullptr ? ByteSpan() : ByteSpan(p, static_cast<std::size_t>(n));
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL;
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

Database::Database(sqlite3* db, std::filesystem::path path)
    : db_(db), path_(std::make_unique<std::filesystem::path>(std::move(path))) {}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      wal_hook_(std::move(other.wal_hook_)),
      controls_(std::move(other.controls_)),
      path_(std::move(other.path_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    Close();
    db_ = std::exchange(other.db_, nullptr);
    wal_hook_ = std::move(other.wal_hook_);
    controls_ = std::move(other.controls_);
    path_ = std::move(other.path_);
  }
  return *this;
}

Database::~Database() {
  Close();
}

void Database::Close() {
  // sqlite3_close_v2 defers the close until every statement is finalised,
  // so member destruction order cannot leak the connection.
  controls_.reset();  // finalised first, so that the close is not deferred for them
  if (db_ != nullptr) {
    if (wal_hook_) sqlite3_wal_hook(db_, nullptr, nullptr);  // a deferred close must not call it
    sqlite3_close_v2(db_);
  }
  db_ = nullptr;
}

void Database::SetBusyTimeout(std::chrono::milliseconds timeout) {
  sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
}

void Database::SetWalCommitHook(WalCommitHook hook, void* context) {
  wal_hook_ = std::make_unique<WalHook>(WalHook{hook, context});
  sqlite3_wal_hook(
      db_,
      [](void* state, sqlite3*, const char*, int pages) {
        const auto* h = static_cast<const WalHook*>(state);
        h->hook(h->context, pages);
        return SQLITE_OK;
      },
      wal_hook_.get());
}

Result<Database> Database::Open(const std::filesystem::path& path, bool create) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = TranslateSqliteError(rc, db != nullptr ? sqlite3_errmsg(db) : "open failed", path);
    sqlite3_close_v2(db);
    return std::unexpected(std::move(e));
  }
  sqlite3_extended_result_codes(db, 1);
  return Database(db, path);
}

Status Database::SetRawKey(ByteSpan key) {
  // SQLCipher's raw-key syntax: the key material is the text x'<64 hex>'.
  // It is built in a stack buffer that is wiped right after use.
  char text[2 + 64 + 1 + 1] = {};
  if (key.size() != 32) return MakeError(DbErrc::kInvalidArgument, "database key must be 32 bytes");
  static constexpr char kDigits[] = "0123456789abcdef";
  text[0] = 'x';
  text[1] = '\'';
  for (std::size_t i = 0; i < 32; ++i) {
    text[2 + 2 * i] = kDigits[key[i] >> 4];
    text[3 + 2 * i] = kDigits[key[i] & 0xf];
  }
  text[66] = '\'';
  const int rc = sqlite3_key(db_, text, 67);
  volatile char* wipe = text;
  for (std::size_t i = 0; i < sizeof text; ++i) wipe[i] = 0;
  if (rc != SQLITE_OK) return std::unexpected(LastError("setting the key"));
  return {};
}

Status Database::Exec(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    Error e = TranslateSqliteError(rc, err != nullptr ? err : sqlite3_errstr(rc), *path_);
    sqlite3_free(err);
    return std::unexpected(std::move(e));
  }
  return {};
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(LastError("preparing a statement"));
  return Statement(stmt, db_, path_.get());
}

Status Database::Run(Control control) {
  static constexpr std::array<std::string_view, 4> kSql = {"BEGIN DEFERRED", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};
  const auto i = static_cast<std::size_t>(control);
  if (!controls_) controls_ = std::make_unique<std::array<Statement, 4>>();
  Statement& statement = (*controls_)[i];
  if (!statement.stmt_) {
    AKARI_ASSIGN_OR_RETURN(statement, Prepare(kSql[i]));
  }
  return statement.Run();
}

Result<std::string> Database::QueryText(std::string_view sql) {
  AKARI_ASSIGN_OR_RETURN(Statement s, Prepare(sql));
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  std::string value = row ? s.ColumnText(0) : std::string();
  s.Reset();
  return value;
}

Result<std::int64_t> Database::QueryInt(std::string_view sql) {
  AKARI_ASSIGN_OR_RETURN(Statement s, Prepare(sql));
  AKARI_ASSIGN_OR_RETURN(bool row, s.Step());
  const std::int64_t value = row ? s.ColumnInt(0) : 0;
  s.Reset();
  return value;
}

bool Database::InTransaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

std::int64_t Database::LastInsertRowId() const {
  return sqlite3_last_insert_rowid(db_);
}
int Database::Changes() const {
  return sqlite3_changes(db_);
}
std::int64_t Database::TotalChanges() const {
  return sqlite3_total_changes(db_);
}

Status Database::CopyTo(Database& destination) {
  sqlite3_backup* backup = sqlite3_backup_init(destination.db_, "main", db_, "main");
  if (backup == nullptr) return std::unexpected(destination.LastError("starting a copy of " + path_->string()));
  const int step = sqlite3_backup_step(backup, -1);
  const int finish = sqlite3_backup_finish(backup);
  if (step != SQLITE_DONE) {
    return std::unexpected(TranslateSqliteError(
        step, "copying " + path_->string() + " to " + destination.path().string() + ": " + sqlite3_errstr(step),
        destination.path()));
  }
  if (finish != SQLITE_OK) return std::unexpected(destination.LastError("finishing the copy of " + path_->string()));
  return {};
}

Error Database::LastError(std::string_view what) const {
  return TranslateSqliteError(sqlite3_extended_errcode(db_), std::string(what) + ": " + sqlite3_errmsg(db_), *path_);
}

Result<Database> OpenEncrypted(const std::filesystem::path& path, ByteSpan key, bool create) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (!create) {
      return MakeError(DbErrc::kNotFound, "no database at " + path.string() + ": is this the right --data directory?");
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return MakeError(DbErrc::kIo, "cannot create " + path.string() + ": " + std::strerror(errno));
    ::close(fd);
  }
  AKARI_ASSIGN_OR_RETURN(Database db, Database::Open(path, /*create=*/false));
  AKARI_TRY(db.SetRawKey(key));
  AKARI_ASSIGN_OR_RETURN(std::string version, db.QueryText("PRAGMA cipher_version"));
  if (version.empty()) {
    return MakeError(DbErrc::kSqlite, "the SQLite library in use is not SQLCipher; the store cannot be encrypted");
  }
  // One file format on every SQLCipher release: 4.x reads and writes the
  // 3.x format (HMAC-SHA1, no KDF needed with a raw key) when asked.
  if (version.front() >= '4') AKARI_TRY(db.Exec("PRAGMA cipher_compatibility = 3"));
  AKARI_TRY(db.Exec("PRAGMA cipher_page_size = 4096"));
  // The first read proves the key (or finds the damage).
  AKARI_TRY(db.QueryInt("SELECT count(*) FROM sqlite_master"));
  AKARI_ASSIGN_OR_RETURN(std::string mode, db.QueryText("PRAGMA journal_mode = WAL"));
  if (mode != "wal") return MakeError(DbErrc::kIo, "cannot switch " + path.string() + " to WAL mode");
  AKARI_TRY(
      db.Exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;"
              "PRAGMA busy_timeout = 10000; PRAGMA cache_size = -16384;"));
  // A large transaction (a snapshot apply) grows the WAL to about the size
  // of what it wrote, and SQLite keeps the file at that size for reuse:
  // gigabytes for a prefecture, on a field machine's small disk, for as
  // long as the node serves. With a limit, the first commit after the WAL
  // was checkpointed and restarted cuts it back.
  AKARI_TRY(db.Exec("PRAGMA journal_size_limit = " + std::to_string(kWalSizeLimitBytes)));
  return db;
}

Result<Transaction> Transaction::Begin(Database& db, bool durable) {
  // synchronous cannot change inside a transaction, so it is set first.
  if (durable) AKARI_TRY(db.Exec("PRAGMA synchronous = FULL"));
  if (auto s = db.Run(Database::Control::kBeginImmediate); !s) {
    if (durable) (void)db.Exec("PRAGMA synchronous = NORMAL");
    return std::unexpected(s.error());
  }
  return Transaction(&db, durable);
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), durable_(other.durable_) {}

Transaction::~Transaction() {
  if (db_ != nullptr) {
    (void)db_->Run(Database::Control::kRollback);
    RestoreSynchronous();
  }
}

void Transaction::RestoreSynchronous() {
  if (durable_ && db_ != nullptr) (void)db_->Exec("PRAGMA synchronous = NORMAL");
}

Status Transaction::Commit() {
  Status s = db_->Run(Database::Control::kCommit);
  if (!s) (void)db_->Run(Database::Control::kRollback);
  RestoreSynchronous();
  db_ = nullptr;
  return s;
}

Result<ReadTransaction> ReadTransaction::Begin(Database& db) {
  AKARI_TRY(db.Run(Database::Control::kBeginDeferred));
  return ReadTransaction(&db);
}

ReadTransaction::ReadTransaction(ReadTransaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

ReadTransaction::~ReadTransaction() {
  // Nothing was written through a read transaction that must be kept, so an
  // end that fails (it cannot, for reads) leaves nothing behind either.
  if (db_ != nullptr) (void)db_->Run(Database::Control::kRollback);
}

Status ReadTransaction::End() {
  if (db_ == nullptr) return {};
  Status s = db_->Run(Database::Control::kCommit);
  if (!s) (void)db_->Run(Database::Control::kRollback);
  db_ = nullptr;
  return s;
}

}  // namespace akari::db
