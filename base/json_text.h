// JsonText: JSON written straight into a string, for hot paths where
// building a nlohmann::json tree first would cost as much as the work
// around it (the person summary: one per record opened; log lines: one
// per request).
//
// Strings, numbers and literals come out exactly as nlohmann::json::dump()
// writes them (invalid UTF-8 becomes U+FFFD, as with its "replace"
// handler), so a writer that adds members in byte order of their keys
// produces what dump() would for the same tree; members otherwise appear
// in the order written. The caller keeps the nesting balanced.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace akari {

class JsonText {
 public:
  // Appends to `out`, which must outlive this writer.
  explicit JsonText(std::string& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  // Starts a member of the innermost object; the value written next
  // belongs to it.
  JsonText& Key(std::string_view key) {
    Separate();
    Quoted(key);
    out_.push_back(':');
    pending_value_ = true;
    return *this;
  }
  void String(std::string_view v) {
    Separate();
    Quoted(v);
  }
  void Int(std::int64_t v) { Number(v); }
  void Bool(bool v) {
    Separate();
    out_.append(v ? "true" : "false");
  }
  void Null() {
    Separate();
    out_.append("null");
  }
  void Double(double v);  // nlohmann's shortest round-trip form ("3.0", "0.5")
  // A value serialised by nlohmann (small parts), with the same rules.
  void Tree(const nlohmann::json& j);

  // Whether `v` is well-formed UTF-8 (RFC 3629: shortest forms, no
  // surrogates, at most U+10FFFF).
  static bool ValidUtf8(std::string_view v);

 private:
  // A whole number as nlohmann writes it (int64 and, from parsed JSON, uint64).
  template <typename T>
  void Number(T v) {
    Separate();
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, end);
  }
  // Inline: the summary writes hundreds of these per record.
  void Open(char c) {
    Separate();
    out_.push_back(c);
    first_.push_back(true);
  }
  void Close(char c) {
    out_.push_back(c);
    first_.pop_back();
  }
  // A comma before every element but the first; nothing after a key.
  void Separate() {
    if (pending_value_) {
      pending_value_ = false;
      return;
    }
    if (first_.empty()) return;
    if (first_.back()) {
      first_.back() = false;
    } else {
      out_.push_back(',');
    }
  }
  void Quoted(std::string_view v) {
    const bool ascii = std::all_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (!ascii && !ValidUtf8(v)) return QuotedReplacingInvalid(v);
    out_.push_back('"');
    std::size_t run = 0;  // start of the characters not yet copied
    for (std::size_t i = 0; i < v.size(); ++i) {
      const auto c = static_cast<unsigned char>(v[i]);
      if (c == '"' || c == '\\' || c < 0x20) {
        out_.append(v.data() + run, i - run);
        Escape(c);
        run = i + 1;
      }
    }
    out_.append(v.data() + run, v.size() - run);
    out_.push_back('"');
  }
  void QuotedReplacingInvalid(std::string_view v);
  void Escape(unsigned char c);

  std::string& out_;
  std::vector<bool> first_;
  bool pending_value_ = false;
};

}  // namespace akari
