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

// Routes by method and path. Patterns are literal segments or "{name}"
// (one segment, placed in Request::params) or a final "{name...}" (the rest
// of the path). Unknown path: 404; known path with another method: 405.
class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  Response Dispatch(Request& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
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
