// Thin RAII wrappers over SQLCipher's sqlite3 API, shared by the node store
// and the hub store. SQLite result codes are
// translated to DbErrc here, once; nothing above this file sees an int rc.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace akari::db {

// Owns one prepared statement. Bind indices are 1-based (SQLite's), column
// indices 0-based. Threading: belongs to its connection's thread.
class Statement {
 public:
  Statement() = default;
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, ByteSpan blob);
  Statement& BindNull(int index);

  // Runs one step. true: a row is available; false: done. The statement
  // resets itself when done or on error, so it can be reused at once.
  [[nodiscard]] Result<bool> Step();
  // Steps to completion, ignoring rows (for INSERT/UPDATE/DELETE).
  [[nodiscard]] Status Run();

  std::int64_t ColumnInt(int col) const;
  std::string ColumnText(int col) const;
  ByteSpan ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const;

  // Resets and clears bindings.
  void Reset();

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const;
  };
  Statement(sqlite3_stmt* stmt, sqlite3* db, const std::filesystem::path* path) : stmt_(stmt), db_(db), path_(path) {}

  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  sqlite3* db_ = nullptr;
  const std::filesystem::path* path_ = nullptr;
};

// Owns one connection. Threading: use from one thread at a time.
class Database {
 public:
  // Opens (and with `create`, creates) `path`. Does not key it.
  [[nodiscard]] static Result<Database> Open(const std::filesystem::path& path, bool create);

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database();

  // Sets the raw 32-byte SQLCipher key (no KDF).
  [[nodiscard]] Status SetRawKey(ByteSpan key);

  [[nodiscard]] Status Exec(std::string_view sql);
  [[nodiscard]] Result<Statement> Prepare(std::string_view sql);

  // Transaction control for Transaction and ReadTransaction, each statement
  // prepared once per connection: Exec compiles its SQL on every call, and
  // that was a few microseconds of every record opening.
  enum class Control { kBeginDeferred, kBeginImmediate, kCommit, kRollback };
  [[nodiscard]] Status Run(Control control);
  // Runs a query that returns one value in one row, e.g. a PRAGMA.
  [[nodiscard]] Result<std::string> QueryText(std::string_view sql);
  [[nodiscard]] Result<std::int64_t> QueryInt(std::string_view sql);

  // True while a transaction is open on this connection.
  bool InTransaction() const;
  std::int64_t LastInsertRowId() const;
  int Changes() const;
  // Rows changed through this connection since it opened (every INSERT,
  // UPDATE and DELETE, committed or not). A 32-bit count in the packaged
  // SQLite (3.15): it wraps, so compare it only for change.
  std::int64_t TotalChanges() const;
  const std::filesystem::path& path() const { return *path_; }
  sqlite3* handle() { return db_; }

  // Translates the connection's current error into an Error.
  Error LastError(std::string_view what) const;

  // Copies this database as of one moment (SQLite's online backup, in one
  // step under one read lock: other connections may go on reading and
  // writing meanwhile) over the content of `destination`, which must be
  // keyed like this one (OpenEncrypted with the same key): pages are
  // decrypted here and encrypted again there, never written in clear.
  [[nodiscard]] Status CopyTo(Database& destination);

  // After each commit through this connection, calls hook(context, pages)
  // with the pages now in the write-ahead log, instead of checkpointing in
  // the committing thread: this replaces SQLite's automatic checkpoint
  // (itself such a hook) on this connection. `hook` must not throw or use
  // this connection, and `context` must stay valid while the connection is
  // open.
  using WalCommitHook = void (*)(void* context, int wal_pages);
  void SetWalCommitHook(WalCommitHook hook, void* context);

  // How long a statement waits for another connection's lock before it
  // fails with kBusy (OpenEncrypted sets 10 s).
  void SetBusyTimeout(std::chrono::milliseconds timeout);

 private:
  struct WalHook {
    WalCommitHook hook;
    void* context;
  };
  Database(sqlite3* db, std::filesystem::path path);
  void Close();

  sqlite3* db_ = nullptr;
  // Heap-allocated: SQLite keeps its address, and Database is movable.
  std::unique_ptr<WalHook> wal_hook_;
  // Run()'s statements, by Control; prepared on first use.
  std::unique_ptr<std::array<Statement, 4>> controls_;
  // Heap-allocated so that Statements can keep a stable pointer for messages.
  std::unique_ptr<std::filesystem::path> path_;
};

// The size a checkpointed WAL is cut back to (PRAGMA journal_size_limit).
inline constexpr std::int64_t kWalSizeLimitBytes = std::int64_t{32} << 20;

// Opens an SQLCipher database the way every Akari store is opened: raw
// 32-byte key (no SQLCipher KDF), SQLCipher 3 file format on 3.4 and 4.x
// (cipher_compatibility = 3 on 4.x), 4 KiB pages, WAL, foreign keys on,
// synchronous NORMAL, temp_store MEMORY, a 10 s busy timeout, and the WAL
// cut back to kWalSizeLimitBytes once checkpointed. With `create`
// a missing file is created with mode 0600 first (SQLite gives the WAL and
// shm files the database file's mode). Errors: kNotFound (missing and not
// `create`), kNotDecryptable (wrong key / not a database), kCorrupt, kIo.
[[nodiscard]] Result<Database> OpenEncrypted(const std::filesystem::path& path, ByteSpan key, bool create);

// Translates an SQLite result code.
Error TranslateSqliteError(int rc, std::string_view detail, const std::filesystem::path& path);

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless committed.
// A durable transaction commits with synchronous=FULL (fsync before the
// commit returns), for records that must survive a power cut the moment an
// answer is shown; others use the connection's NORMAL (WAL: consistent, the
// last commits may be lost on power loss).
class Transaction {
 public:
  [[nodiscard]] static Result<Transaction> Begin(Database& db, bool durable = false);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  [[nodiscard]] Status Commit();

 private:
  Transaction(Database* db, bool durable) : db_(db), durable_(durable) {}
  void RestoreSynchronous();
  Database* db_;
  bool durable_ = false;
};

// BEGIN (deferred) on construction: the statements run until End() (or
// destruction) read one snapshot of the database, and the connection takes
// its file and WAL read locks once instead of once per statement. For a
// reader that must not mix two versions (a person and the data version it
// belongs to) while a snapshot apply commits on another connection. For
// reads only: destruction without End() rolls back (use Transaction to
// write).
class ReadTransaction {
 public:
  // Fails if the connection already has a transaction open.
  [[nodiscard]] static Result<ReadTransaction> Begin(Database& db);
  ReadTransaction(ReadTransaction&& other) noexcept;
  ReadTransaction& operator=(ReadTransaction&&) = delete;
  ~ReadTransaction();

  // Ends the snapshot (COMMIT). Idempotent.
  [[nodiscard]] Status End();

 private:
  explicit ReadTransaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace akari::db
