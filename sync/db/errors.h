// Errors of the node store (category "akari.db").
#pragma once

#include <system_error>

namespace akari::db {

enum class DbErrc {
  kNotFound = 1,     // no database where one was expected
  kNotDecryptable,   // wrong key, or not an Akari database
  kCorrupt,          // the file is damaged or truncated
  kTooNew,           // written by a newer schema than this program knows
  kBusy,             // locked by another process for too long
  kDiskFull,         // no space left
  kIo,               // an I/O error from the operating system
  kConstraint,       // a constraint failed (a bug or bad input)
  kInvalidArgument,  // a caller error
  kSqlite,           // any other SQLite error
};

const std::error_category& DbCategory();

inline std::error_code make_error_code(DbErrc e) {
  return {static_cast<int>(e), DbCategory()};
}

}  // namespace akari::db

template <>
struct std::is_error_code_enum<akari::db::DbErrc> : std::true_type {};
