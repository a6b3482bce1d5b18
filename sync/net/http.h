// HTTP vocabulary shared by the server (http_server.h), the client
// (http_client.h) and every handler: plain structs, no Boost.Beast types, so
// that handler code compiles quickly and can be tested without sockets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace akari::net {

// Header names compare case-insensitively; values are kept as received.
class Headers {
 public:
  void Set(std::string name, std::string value);
  void Add(std::string name, std::string value);
  // The first value of `name`, or "".
  std::string Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& all() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  std::string method;                         // "GET", "POST", …
  std::string target;                         // as received: path and query
  std::string path;                           // percent-decoded path without the query
  std::map<std::string, std::string> query;   // decoded query parameters
  std::map<std::string, std::string> params;  // path parameters filled by Router ("{id}")
  Headers headers;
  std::string body;
  std::string remote_address;
  int worker = 0;  // index of the server thread running the handler (0..threads-1)
};

// A response body read from a file (static files, publication objects). The
// server honours a single-range "Range: bytes=a-b" header on it with 206.
struct FileBody {
  std::filesystem::path path;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  std::optional<FileBody> file;  // when set, replaces `body`

  // JSON body with Content-Type application/json.
  static Response Json(int status, const nlohmann::json& body);
  // The JSON error shape every Akari API uses:
  //   {"error": {"code": "<machine code>", "message": "<for a person>"}}
  static Response Error(int status, std::string_view code, std::string_view message);
  static Response File(std::filesystem::path path, std::string_view content_type);
};

// Handlers may take the request by const or non-const reference; the server
// wipes the request body after the handler returns (bodies carry PINs).
using Handler = std::function<Response(Request&)>;

// The answer owed to one request: give it exactly once, from any thread,
// with std::move(responder)(response). A Responder destroyed without having
// answered answers 500 (a handler that lost it, or threw), so a client is
// never left waiting. Move-only.
class Responder {
 public:
  using Deliver = std::move_only_function<void(Response)>;
  Responder() = default;
  explicit Responder(Deliver deliver) : deliver_(std::move(deliver)) {}
  Responder(Responder&& other) noexcept : deliver_(std::move(other.deliver_)) { other.deliver_ = nullptr; }
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void operator()(Response response) &&;
  // Whether an answer is still owed.
  explicit operator bool() const { return static_cast<bool>(deliver_); }

 private:
  void Abandon();
  Deliver deliver_;
};

// A handler that may answer later, from another thread: for work that
// waits on something other than the CPU (a group commit) without holding
// a server thread. It runs on a server thread and must not block there for
// long. The request is valid only during the call (its body is wiped after
// it returns): copy what the answer needs.
using AsyncHandler = std::function<void(Request&, Responder)>;

// Routes by method and path. Patterns are literal segments or "{name}"
// (one segment, placed in Request::params) or a final "{name...}" (the rest
// of the path). Unknown path: 404; known path with another method: 405.
class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  void AddAsync(std::string method, std::string pattern, AsyncHandler handler);
  // Answers through `responder`: at once for routes added with Add, when
  // the handler answers for those added with AddAsync.
  void Dispatch(Request& request, Responder responder) const;
  // For routers without asynchronous routes (an asynchronous one answers
  // 500 here, as a programming error).
  Response Dispatch(Request& request) const;

  // The handler for `request` (with its params filled in), for callers that
  // run the two kinds on different threads: exactly one of the pointers is
  // set (valid as long as the router), or neither and `refusal` is the
  // 404/405 answer.
  struct Match {
    const Handler* handler = nullptr;
    const AsyncHandler* async_handler = nullptr;
    Response refusal;
  };
  Match Find(Request& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;  // one of the two is set
    AsyncHandler async_handler;
  };
  std::vector<Route> routes_;
};

// Splits "a/b/c" on '/', dropping empty segments.
std::vector<std::string> SplitPath(std::string_view path);
// Percent-decodes (and '+' in queries); nullopt on malformed escapes.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);
std::string PercentEncode(std::string_view text);
// Fills path and query from target; false if malformed.
bool ParseTarget(std::string_view target, std::string& path, std::map<std::string, std::string>& query);

// Reason phrase for a status code ("Not Found").
std::string_view StatusReason(int status);

}  // namespace akari::net
