// `akari serve`: the JSON API and the staff web UI on this node. Loopback
// by default; any other address only with TLS (a node certificate created
// at first start, its fingerprint printed here and by `akari status`).
// Stops gracefully on SIGINT or SIGTERM.
#include <cstdio>
#include <memory>

#include "base/log.h"
#include "base/strings.h"
#include "node/audit/audit_log.h"
#include "node/card/pcsc.h"
#include "node/cli/cli.h"
#include "node/service/errors.h"
#include "node/service/service.h"
#include "node/service/tls_identity.h"
#include "node/sync/hub_link.h"
#include "sync/net/http_server.h"

namespace akari::cli {
namespace {

// The server's I/O threads parse requests, open records (on one shared
// store connection, answering once the audit entry is in the audit
// journal) and write answers; nothing they run waits for long, so each
// serves its own connections (node::ConfigureServerForService). Four
// measured best on two cores: two gave less throughput and, when the
// machine was busy, a p99 near 5 ms (a thread that is not running holds up
// all its connections); three about as much as four (docs/benchmarks.md,
// "Service", ninth round). Requests that may wait (logins, card I/O,
// checks, searches: a few staff at a time) run on the service's workers,
// each with its own store connection.
constexpr int kDefaultServerThreads = 4;
constexpr int kDefaultWorkers = 4;

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};

// "127.0.0.1:8700", "[::1]:8700" or "0.0.0.0:8700".
Result<ListenAddress> ParseListen(std::string_view text) {
  ListenAddress out;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return MakeError(node::ServiceErrc::kInvalidArgument, "--listen takes [IPv6]:PORT, e.g. [::1]:8700");
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return MakeError(node::ServiceErrc::kInvalidArgument, "--listen takes ADDRESS:PORT, e.g. 127.0.0.1:8700");
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  const auto port = ParseInt64(port_text);
  if (!port || *port < 0 || *port > 65535)
    return MakeError(node::ServiceErrc::kInvalidArgument,
                     "--listen: \"" + std::string(port_text) + "\" is not a port number (0-65535)");
  out.port = static_cast<std::uint16_t>(*port);
  return out;
}

std::string UrlHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

void RegisterServeCommand(CLI::App& app, CommandTable& table) {
  struct Options {
    std::string dir;
    std::string listen = "127.0.0.1:8700";
    std::string reader;
    std::string facility;
    bool tls = false;
    bool offline = false;
    int hub_interval_s = 60;
    int hold_full_sync_min = 10;
    int threads = kDefaultServerThreads;
    int workers = kDefaultWorkers;
    int max_connections = 512;
    PassphraseSource passphrase;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve the JSON API and the staff web UI");
  AddDataOption(cmd, opts->dir);
  AddPassphraseOption(cmd, opts->passphrase);
  cmd->add_option("--listen", opts->listen,
                  "ADDRESS:PORT (default 127.0.0.1:8700; port 0 picks a free one; any address but loopback "
                  "turns on TLS)");
  cmd->add_option("--reader", opts->reader, "PC/SC reader for card checks when the request names none");
  cmd->add_option("--facility", opts->facility, "医療機関コード or site name recorded with every check");
  cmd->add_flag("--tls", opts->tls, "Use TLS on loopback too (always on for other addresses)");
  cmd->add_flag("--offline", opts->offline,
                "Do not contact the hub (by default, an enrolled node uploads its checks and syncs in the "
                "background whenever the hub is reachable)");
  cmd->add_option("--hub-interval", opts->hub_interval_s,
                  "Seconds between background rounds with the hub while it answers (default 60; retries back "
                  "off from 5 s to 5 min while it does not)")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--hold-full-sync", opts->hold_full_sync_min,
                  "Minutes without staff requests before a large full snapshot (50,000 persons or more) is "
                  "applied in the background: it pauses record openings and checks while it runs (default 10; "
                  "0 applies at once; deltas are never held)")
      ->check(CLI::Range(0, 24 * 60));
  cmd->add_option("--threads", opts->threads, "Server I/O threads (default 4)")->check(CLI::Range(1, 64));
  cmd->add_option("--workers", opts->workers,
                  "Threads, each with its own store connection, for requests that may wait: logins, card "
                  "readers, checks, searches (default 4)")
      ->check(CLI::Range(1, 32));
  cmd->add_option("--max-connections", opts->max_connections, "Open connections at most (default 512)")
      ->check(CLI::Range(1, 100000));
  table.Add(cmd, [opts]() -> Status {
    AKARI_ASSIGN_OR_RETURN(ListenAddress listen, ParseListen(opts->listen));
    AKARI_ASSIGN_OR_RETURN(node::OpenNode node, UnlockNode(opts->dir, opts->passphrase));
    const bool tls = opts->tls || !node::IsLoopbackAddress(listen.host);
    net::ServerOptions server;
    server.address = listen.host;
    server.port = listen.port;
    server.threads = opts->threads;
    server.max_connections = static_cast<std::size_t>(opts->max_connections);
    server.server_name = "akari-node";
    node::ConfigureServerForService(server);
    node::ServiceOptions service_options;
    service_options.facility = opts->facility;
    service_options.default_reader = opts->reader;
    card::PcscCardAccess cards;
    service_options.cards = &cards;
    const MonotonicClock session_clock;
    service_options.session_clock = &session_clock;
    if (tls) {
      AKARI_ASSIGN_OR_RETURN(crypto::TlsIdentity identity, node::EnsureNodeTlsIdentity(node));
      AKARI_ASSIGN_OR_RETURN(std::string fingerprint,
                             crypto::CertificatePemFingerprintSha256(identity.certificate_pem));
      server.tls_identity = std::make_shared<const crypto::TlsIdentity>(std::move(identity));
      service_options.tls_fingerprint = fingerprint;
    }
    AKARI_ASSIGN_OR_RETURN(std::unique_ptr<node::Service> service,
                           node::Service::Create(node, SystemClock::Instance(), service_options, opts->workers));
    AKARI_ASSIGN_OR_RETURN(std::unique_ptr<net::HttpServer> http, net::HttpServer::Start(server, service->AsHandler()));
    node::AuditLog audit(node.store, node.keystore.signing_secret_key(), node.keystore.signing_public_key(),
                         SystemClock::Instance());
    AKARI_TRY(audit.Append(
        {"service.start", "system", std::nullopt, {{"address", listen.host}, {"port", http->port()}, {"tls", tls}}}));
    const std::string url =
        std::string(tls ? "https" : "http") + "://" + UrlHost(listen.host) + ":" + std::to_string(http->port()) + "/";
    Print("Serving node " + node.keystore.node_id() + " at " + url + " (staff UI at /, API at /v1/)");
    if (service_options.tls_fingerprint)
      Print("TLS certificate fingerprint (SHA-256): " + crypto::FormatFingerprint(*service_options.tls_fingerprint));
    // The link thread owns node.store from here until it is stopped; the
    // service uses its own connections.
    std::unique_ptr<node::HubLink> link;
    if (!opts->offline) {
      node::HubLinkOptions link_options;
      link_options.interval = std::chrono::seconds(opts->hub_interval_s);
      link_options.first_retry = std::min<std::chrono::milliseconds>(link_options.first_retry, link_options.interval);
      link_options.hold_full_apply_idle = std::chrono::minutes(opts->hold_full_sync_min);
      link_options.last_use = [s = service.get()] { return s->LastUse(); };
      if (auto started = node::HubLink::Start(node, link_options); started) {
        link = std::move(*started);
        service->AttachHubLink(link.get());  // GET /v1/status shows its state
        Print("Reconciling checks and syncing with the hub in the background (every " +
              std::to_string(opts->hub_interval_s) + " s while it answers; --offline turns this off)");
      } else {
        Print("Not enrolled with a hub: checks stay queued here (akari enroll, then they are sent on their own)");
      }
    }
    Print("Stop with Ctrl-C (SIGINT) or SIGTERM");
    std::fflush(stdout);
    http->RunUntilSignalled();
    if (link) link->Stop();
    http.reset();
    service->AttachHubLink(nullptr);
    service.reset();
    AKARI_TRY(audit.Append({"service.stop", "system", std::nullopt, nlohmann::json::object()}));
    if (auto s = node.store.Checkpoint(); !s)
      Log(LogLevel::kWarn, "service.checkpoint_failed", {{"message", s.error().message}});
    Print("Stopped");
    return {};
  });
}

}  // namespace akari::cli
