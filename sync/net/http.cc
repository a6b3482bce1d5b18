#include "sync/net/http.h"

#include <algorithm>
#include <cctype>

namespace akari::net {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void Headers::Set(std::string name, std::string value) {
  fields_.erase(
      std::remove_if(fields_.begin(), fields_.end(), [&](const auto& f) { return EqualsIgnoreCase(f.first, name); }),
      fields_.end());
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

std::string Headers::Get(std::string_view name) const {
  for (const auto& [k, v] : fields_) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

bool Headers::Has(std::string_view name) const {
  return std::any_of(fields_.begin(), fields_.end(), [&](const auto& f) { return EqualsIgnoreCase(f.first, name); });
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json; charset=utf-8");
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::Error(int status, std::string_view code, std::string_view message) {
  return Json(status, {{"error", {{"code", code}, {"message", message}}}});
}

Response Response::File(std::filesystem::path path, std::string_view content_type) {
  Response r;
  r.headers.Set("Content-Type", std::string(content_type));
  r.file = FileBody{std::move(path)};
  return r;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (end > start) out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = HexDigit(text[i + 1]);
      const int lo = HexDigit(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

bool ParseTarget(std::string_view target, std::string& path, std::map<std::string, std::string>& query) {
  const std::size_t q = target.find('?');
  auto decoded = PercentDecode(target.substr(0, q), false);
  if (!decoded || decoded->empty() || decoded->front() != '/') return false;
  if (decoded->find('\0') != std::string::npos) return false;
  path = std::move(*decoded);
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const std::size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), true);
    auto value = PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) return false;
    if (!key->empty()) query[*key] = *value;
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return true;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back({std::move(method), SplitPath(pattern), std::move(handler), nullptr});
}

void Router::AddAsync(std::string method, std::string pattern, AsyncHandler handler) {
  routes_.push_back({std::move(method), SplitPath(pattern), nullptr, std::move(handler)});
}

Router::Match Router::Find(Request& request) const {
  const std::vector<std::string> segments = SplitPath(request.path);
  bool path_matched = false;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> params;
    bool match = true;
    std::size_t i = 0;
    for (; i < route.segments.size() && match; ++i) {
      const std::string& pattern = route.segments[i];
      const bool is_param = pattern.size() > 2 && pattern.front() == '{' && pattern.back() == '}';
      if (is_param && pattern.ends_with("...}")) {
        std::string rest;
        for (std::size_t k = i; k < segments.size(); ++k) rest += (k == i ? "" : "/") + segments[k];
        params[pattern.substr(1, pattern.size() - 5)] = rest;
        i = route.segments.size();
        break;
      }
      if (i >= segments.size()) {
        match = false;
      } else if (is_param) {
        params[pattern.substr(1, pattern.size() - 2)] = segments[i];
      } else if (pattern != segments[i]) {
        match = false;
      }
    }
    const bool rest_pattern = !route.segments.empty() && route.segments.back().ends_with("...}");
    if (!match || (!rest_pattern && segments.size() != route.segments.size())) continue;
    path_matched = true;
    if (route.method != request.method && !(route.method == "GET" && request.method == "HEAD")) continue;
    request.params = std::move(params);
    Match m;
    if (route.async_handler) {
      m.async_handler = &route.async_handler;
    } else {
      m.handler = &route.handler;
    }
    return m;
  }
  Match m;
  m.refusal = path_matched
                  ? Response::Error(405, "method_not_allowed", request.method + " is not allowed on " + request.path)
                  : Response::Error(404, "not_found", "no such resource: " + request.path);
  return m;
}

void Router::Dispatch(Request& request, Responder responder) const {
  Match m = Find(request);
  if (m.async_handler != nullptr) return (*m.async_handler)(request, std::move(responder));
  if (m.handler != nullptr) return std::move(responder)((*m.handler)(request));
  std::move(responder)(std::move(m.refusal));
}

Response Router::Dispatch(Request& request) const {
  Match m = Find(request);
  if (m.handler != nullptr) return (*m.handler)(request);
  if (m.async_handler != nullptr) {
    return Response::Error(500, "internal_error", "this route answers asynchronously; dispatch it with a Responder");
  }
  return m.refusal;
}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    Abandon();
    deliver_ = std::move(other.deliver_);
    other.deliver_ = nullptr;
  }
  return *this;
}

Responder::~Responder() {
  Abandon();
}

void Responder::operator()(Response response) && {
  if (!deliver_) return;  // answered already (a programming error; the first answer stands)
  Deliver deliver = std::move(deliver_);
  deliver_ = nullptr;
  deliver(std::move(response));
}

void Responder::Abandon() {
  if (!deliver_) return;
  // Delivering cannot throw here in practice (it queues the answer); a
  // destructor must not let it escape.
  try {
    std::move (*this)(
        Response::Error(500, "internal_error", "the server failed to answer this request; it has been logged"));
  } catch (...) {
  }
}

std::string_view StatusReason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 416:
      return "Range Not Satisfiable";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "";
  }
}

}  // namespace akari::net
