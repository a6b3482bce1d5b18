// The store's schema, as an ordered list of forward-only migrations. A
// released migration is never edited: a change is a new entry at the end.
// SQL must run on SQLite 3.15 (SQLCipher 3.4): no UPSERT, no window
// functions, no JSON1, no STRICT tables.
#pragma once

#include <span>
#include <string_view>

namespace akari::store {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

std::span<const Migration> AllMigrations();

}  // namespace akari::store
