// Result and Error: the vocabulary every fallible call in Akari returns.
#pragma once

#include <expected>
#include <string>
#include <system_error>
#include <utility>

namespace akari {

// An error as a caller sees it: a typed code for branching and a message
// written for the person who will read it (what happened, what to do).
struct Error {
  std::error_code code;
  std::string message;
  friend bool operator==(const Error&, const Error&) = default;
};

template <typename T>
using Result = std::expected<T, Error>;

// A result with no value: success or an Error.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> MakeError(std::error_code code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

// Returns a copy of `error` whose message starts with `context`.
inline Error WithContext(Error error, std::string_view context) {
  error.message = std::string(context) + ": " + error.message;
  return error;
}

}  // namespace akari

#define AKARI_CONCAT_INNER(a, b) a##b
#define AKARI_CONCAT(a, b) AKARI_CONCAT_INNER(a, b)

// Evaluates `expr` (a Result or Status); on error returns the error from the
// enclosing function.
#define AKARI_TRY(expr)                                             \
  do {                                                              \
    auto&& akari_try_result_ = (expr);                              \
    if (!akari_try_result_) {                                       \
      return std::unexpected(std::move(akari_try_result_).error()); \
    }                                                               \
  } while (false)

// Declares `lhs` from the value of `expr`, or returns its error.
#define AKARI_ASSIGN_OR_RETURN(lhs, expr) AKARI_ASSIGN_OR_RETURN_IMPL(AKARI_CONCAT(akari_result_, __LINE__), lhs, expr)
#define AKARI_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp) {                                       \
    return std::unexpected(std::move(tmp).error()); \
  }                                                 \
  lhs = std::move(*tmp)
