// `akari-hub`: the reference hub (ARCHITECTURE.md §9): init, import, node
// add|remove|list, publish, serve, checks, keys rotate.
#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>

#include <CLI/CLI.hpp>

#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"
#include "crypto/keystore.h"
#include "crypto/sodium.h"
#include "sync/errors.h"
#include "sync/hub/checks.h"
#include "sync/hub/hub.h"
#include "sync/hub/import.h"
#include "sync/hub/keys.h"
#include "sync/hub/nodes.h"
#include "sync/hub/publisher.h"
#include "sync/hub/routes.h"
#include "sync/net/http_server.h"

namespace akari::sync::hub {
namespace {

struct Common {
  std::string dir;
  std::string passphrase_file;
  bool json = false;
};

void Print(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

Result<crypto::SecretBuffer> PromptPassphrase(std::string_view prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(SyncErrc::kInvalidArgument,
                     "no passphrase given and no terminal to ask on: use --passphrase-file or AKARI_HUB_PASSPHRASE");
  }
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer buf, crypto::SecretBuffer::Allocate(1024));
  termios saved{};
  const bool tty = ::tcgetattr(fd, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  std::size_t len = 0;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n' && c != '\r') {
    if (len < buf.size()) buf.data()[len++] = static_cast<std::uint8_t>(c);
  }
  (void)!::write(fd, "\n", 1);
  if (tty) ::tcsetattr(fd, TCSAFLUSH, &saved);
  ::close(fd);
  buf.Truncate(len);
  return buf;
}

// --passphrase-file, else $AKARI_HUB_PASSPHRASE (wiped once read), else a prompt.
Result<crypto::SecretBuffer> ObtainPassphrase(const Common& c, bool confirm) {
  if (!c.passphrase_file.empty()) return crypto::ReadSecretFile(c.passphrase_file);
  if (char* env = std::getenv("AKARI_HUB_PASSPHRASE"); env != nullptr) {
    const std::size_t len = std::strlen(env);
    auto buf = crypto::SecretBuffer::CopyOf({reinterpret_cast<const std::uint8_t*>(env), len});
    std::memset(env, 0, len);
    ::unsetenv("AKARI_HUB_PASSPHRASE");
    return buf;
  }
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer first, PromptPassphrase("Hub passphrase: "));
  if (!confirm) return first;
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer second, PromptPassphrase("Repeat to confirm: "));
  if (!first.Equals(second.span())) {
    return MakeError(SyncErrc::kInvalidArgument, "the two passphrases differ; nothing was changed");
  }
  return first;
}

Result<OpenHub> Unlock(const Common& c) {
  AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer passphrase, ObtainPassphrase(c, false));
  return OpenHubDir(c.dir, passphrase);
}

void AddCommon(CLI::App* cmd, Common& c, bool json) {
  cmd->add_option("--data", c.dir, "Hub data directory")->required()->type_name("DIR");
  cmd->add_option("--passphrase-file", c.passphrase_file,
                  "File holding the hub passphrase (else $AKARI_HUB_PASSPHRASE, else a prompt)")
      ->type_name("FILE");
  if (json) cmd->add_flag("--json", c.json, "Print machine-readable JSON");
}

// Maps each leaf command to what runs it.
class Table {
 public:
  void emplace_back(CLI::App* command, std::function<Status()> run) {
    commands_.push_back(Command{command, std::move(run)});
  }
  // Runs the parsed command; returns the exit status.
  int Run(const CLI::App& app) const {
    for (const Command& c : commands_) {
      if (!c.app->parsed()) continue;
      if (Status s = c.run(); !s) {
        std::fprintf(stderr, "akari-hub: error: %s\n", s.error().message.c_str());
        return 1;
      }
      return 0;
    }
    std::fprintf(stderr, "%s", app.help().c_str());
    return 2;
  }

 private:
  struct Command {
    CLI::App* app;
    std::function<Status()> run;
  };
  std::vector<Command> commands_;
};

void RegisterInit(CLI::App& app, Table& table) {
  struct Opts {
    Common c;
    std::string region = "17";
    int kdf_ms = 500;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("init", "Create a hub: keystore, encrypted store, root and manifest keys");
  AddCommon(cmd, o->c, false);
  cmd->add_option("--region", o->region, "Region code (default 17, Ishikawa)");
  cmd->add_option("--kdf-ms", o->kdf_ms, "Target unlock time in ms (values below 250 are for tests only)")
      ->check(CLI::Range(1, 10000));
  table.emplace_back(cmd, [o]() -> Status {
    AKARI_ASSIGN_OR_RETURN(crypto::SecretBuffer passphrase, ObtainPassphrase(o->c, /*confirm=*/true));
    constexpr std::size_t kFull = std::size_t{64} << 20;
    const crypto::Argon2idParams kdf =
        o->kdf_ms >= 250
            ? crypto::CalibrateArgon2id(std::chrono::milliseconds(o->kdf_ms), kFull)
            : crypto::Argon2idParams{
                  1, std::max<std::size_t>(std::size_t{8} << 20, kFull / 250 * static_cast<std::size_t>(o->kdf_ms))};
    AKARI_ASSIGN_OR_RETURN(OpenHub hub, CreateHub(o->c.dir, passphrase, o->region, kdf, SystemClock::Instance()));
    AKARI_ASSIGN_OR_RETURN(SignedRoot root, CurrentRoot(hub.store));
    Print("Created hub for region " + hub.region + " in " + o->c.dir);
    Print("Root keys: " + std::to_string(root.root.root_role.keyids.size()) + " (threshold " +
          std::to_string(root.root.root_role.threshold) + "), root metadata fingerprint " + root.fingerprint);
    Print("Next: akari-hub import --data " + o->c.dir + " --from GENERATED_DIR");
    return {};
  });
}

void RegisterImport(CLI::App& app, Table& table) {
  struct Opts {
    Common c;
    std::string from;
    ImportOptions options;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("import", "Import a generated region (records what changed since the last)");
  AddCommon(cmd, o->c, true);
  cmd->add_option("--from", o->from, "Generated region directory (akari-gen region --out)")->required();
  cmd->add_flag("--retrain-dictionary", o->options.retrain_dictionary,
                "Train a new document dictionary (re-encodes every document)");
  cmd->add_flag("--no-dictionary", o->options.no_dictionary, "Compress documents without a dictionary");
  cmd->add_flag("--reference", o->options.reference,
                "The records are another region's: keep them to answer reconciliation (evacuees from there), "
                "never publish them");
  table.emplace_back(cmd, [o]() -> Status {
    AKARI_ASSIGN_OR_RETURN(OpenHub hub, Unlock(o->c));
    ImportOptions options = o->options;
    const bool tty = ::isatty(2) != 0;
    if (tty)
      options.progress = [](std::int64_t n) {
        std::fprintf(stderr, "\rimported %lld persons", static_cast<long long>(n));
      };
    AKARI_ASSIGN_OR_RETURN(ImportSummary s, ImportRegion(hub.store, o->from, options, SystemClock::Instance()));
    if (tty) std::fputc('\n', stderr);
    const nlohmann::json j = {{"import_id", s.import_id},
                              {"as_of", FormatDate(s.as_of)},
                              {"persons", s.persons},
                              {"added", s.added},
                              {"changed", s.changed},
                              {"removed", s.removed},
                              {"reindexed", s.reindexed},
                              {"unchanged", s.unchanged},
                              {"dictionary_id", s.dictionary_id},
                              {"dictionary_trained", s.dictionary_trained},
                              {"trust_items", s.trust_items},
                              {"reference_region", s.reference_region.empty() ? nlohmann::json(nullptr)
                                                                              : nlohmann::json(s.reference_region)}};
    if (o->c.json) {
      Print(j.dump(2));
    } else {
      Print("Imported " + std::to_string(s.persons) +
            (s.reference_region.empty() ? std::string(" persons")
                                        : " reference persons of region " + s.reference_region) +
            " as of " + FormatDate(s.as_of) + ": " + std::to_string(s.added) + " added, " + std::to_string(s.changed) +
            " changed, " + std::to_string(s.removed) + " removed, " + std::to_string(s.unchanged) +
            " unchanged (import " + std::to_string(s.import_id) + ")" +
            (s.reference_region.empty() ? std::string()
                                        : "; " + std::to_string(s.trust_items) +
                                              " revocation list(s) of its cards go out with the next publication"));
    }
    return {};
  });
}

std::string OptTime(const std::optional<TimePoint>& t) {
  return t ? FormatUtc(*t) : "";
}

void RegisterNode(CLI::App& app, Table& table) {
  CLI::App* node = app.add_subcommand("node", "Enroll, remove and list nodes");
  node->require_subcommand(1);
  struct Opts {
    Common c;
    std::string label = "node";
    std::string node;
  };
  auto add = std::make_shared<Opts>();
  CLI::App* add_cmd = node->add_subcommand("add", "Invite a node: prints a one-time enrollment token");
  AddCommon(add_cmd, add->c, true);
  add_cmd->add_option("--label", add->label, "A name for the node (site, vehicle)");
  table.emplace_back(add_cmd, [add]() -> Status {
    AKARI_ASSIGN_OR_RETURN(OpenHub hub, Unlock(add->c));
    AKARI_ASSIGN_OR_RETURN(Invitation inv, InviteNode(hub.store, add->label, SystemClock::Instance()));
    if (add->c.json) {
      Print(nlohmann::json({{"seq", inv.seq}, {"token", inv.token}}).dump(2));
    } else {
      Print(inv.token);
      std::fprintf(stderr,
                   "Give this one-time token to the node's administrator:\n  akari enroll --data DIR --hub URL "
                   "--token TOKEN\nIt is shown only now.\n");
    }
    return {};
  });
  auto rm = std::make_shared<Opts>();
  CLI::App* rm_cmd = node->add_subcommand("remove", "Remove a node; the next publish rotates the content key");
  AddCommon(rm_cmd, rm->c, false);
  rm_cmd->add_option("--node", rm->node, "Node id or invitation number (see node list)")->required();
  table.emplace_back(rm_cmd, [rm]() -> Status {
    AKARI_ASSIGN_OR_RETURN(OpenHub hub, Unlock(rm->c));
    AKARI_ASSIGN_OR_RETURN(NodeInfo n, RemoveNode(hub.store, rm->node, SystemClock::Instance()));
    Print("Removed node " + (n.node_id.empty() ? std::to_string(n.seq) : n.node_id) + " (" + n.label +
          "); the next publish uses a new content key it cannot open");
    return {};
  });
  auto ls = std::make_shared<Opts>();
  CLI::App* ls_cmd = node->add_subcommand("list", "List nodes and their state");
  AddCommon(ls_cmd, ls->c, true);
  table.emplace_back(ls_cmd, [ls]() -> Status {
    AKARI_ASSIGN_OR_RETURN(OpenHub hub, Unlock(ls->c));
    AKARI_ASSIGN_OR_RETURN(std::vector<NodeInfo> nodes, ListNodes(hub.store));
    AKARI_ASSIGN_OR_RETURN(const auto heads, NodeAuditHeads(hub.store));
    nlohmann::json out = nlohmann::json::array();
    for (const NodeInfo& n : nodes) {
      nlohmann::json head = nullptr;
      std::string head_text;
      if (auto h = heads.find(n.node_id); !n.node_id.empty() && h != heads.end()) {
        head = {{"seq", h->second.seq},
                {"hash", ToHex(h->second.hash)},
                {"received_at", FormatUtc(h->second.received_at)},
                {"went_back_at", OptTime(h->second.went_back_at)},
                {"went_back_to", h->second.went_back_to ? nlohmann::json(*h->second.went_back_to) : nullptr},
                {"statement_signed", h->second.statement_signed}};
        head_text = "  audit log at entry " + std::to_string(h->second.seq);
        // Such a node's number could have been set by anyone who can post a batch.
        if (!h->second.statement_signed) head_text += " (number not signed: the node needs an update)";
        if (h->second.went_back_at) {
          head_text += " (WENT BACK to entry " + std::to_string(h->second.went_back_to.value_or(0)) + " at " +
                       FormatUtc(*h->second.went_back_at) + ": cut short or restored from a backup)";
        }
      }
      out.push_back({{"seq", n.seq},
                     {"label", n.label},
                     {"node_id", n.node_id},
                     {"state", n.state},
                     {"invited_at", OptTime(n.invited_at)},
                     {"enrolled_at", OptTime(n.enrolled_at)},
                     {"removed_at", OptTime(n.removed_at)},
                     {"audit_head", head}});
      if (!ls->c.json) {
        Print(std::to_string(n.seq) + "  " + n.state + "  " + (n.node_id.empty() ? "-" : n.node_id) + "  " + n.label +
              head_text);
      }
    }
    if (ls->c.json) Print(out.dump(2));
    return {};
  });
}

void RegisterPublish(CLI::App& app, Table& table) {
  struct Opts {
    Common c;
    std::string expires_in = "7d";
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("publish", "Publish a new version to DIR/publication/<region>/");
  AddCommon(cmd, o->c, true);
  cmd->add_option("--expires-in", o->expires_in, "How long nodes may apply this version (default 7d, at most 3650d)");
  table.emplace_back(cmd, [o]() -> Status {
    AKARI_ASSIGN_OR_RETURN(std::chrono::seconds expires_in, ParseExpiresIn(o->expires_in));
    AKARI_ASSIGN_OR_RETURN(OpenHub hub, Unlock(o->c));
    PublishOptions options;
    options.expires_in = expires_in;
    AKARI_ASSIGN_OR_RETURN(PublishSummary s, Publish(hub, options, SystemClock::Instance()));
    if (!s.warning.empty()) std::fprintf(stderr, "akari-hub: warning: %s\n", s.warning.c_str());
    if (o->c.json) {
      Print(nlohmann::json({{"version", s.version},
                            {"previous_version", s.previous_version},
                            {"persons", s.persons},
                            {"chunks", s.chunks},
                            {"chunks_written", s.chunks_written},
                            {"snapshot_bytes", s.snapshot_bytes},
                            {"delta_upserts", s.delta_upserts},
                            {"delta_removes", s.delta_removes},
                            {"delta_bytes", s.delta_bytes},
                            {"deltas_listed", s.deltas_listed},
                            {"envelopes", s.envelopes},
                            {"content_key_rotated", s.content_key_rotated},
                            {"manifest_hash", s.manifest_hash},
                            {"expires", FormatUtc(s.expires)}})
                .dump(2));
    } else {
      Print("Published version " + std::to_string(s.version) + " of region " + hub.region + ": " +
            std::to_string(s.persons) + " persons in " + std::to_string(s.chunks) + " chunks (" +
            std::to_string(s.chunks_written) + " new), delta " + std::to_string(s.delta_upserts) + " changed / " +
            std::to_string(s.delta_removes) + " removed (" + std::to_string(s.delta_bytes) + " bytes), " +
            std::to_string(s.envelopes) + " node(s), expires " + FormatUtc(s.expires) +
            (s.content_key_rotated ? "; new content key" : ""));
    }
    return {};
  });
}

void RegisterServe(CLI::App& app, Table& table) {
  struct Opts {
    Common c;
    std::string listen = "127.0.0.1:8470";
    std::string tls_cert, tls_key;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve the publication and the enrollment API over HTTP(S)");
  AddCommon(cmd, o->c, false);
  cmd->add_option("--listen", o->listen, "ADDR:PORT (default 127.0.0.1:8470; port 0 picks a free one)");
  cmd->add_option("--tls-cert", o->tls_cert, "PEM certificate chain (serves HTTPS)");
  cmd->add_option("--tls-key", o->tls_key, "PEM private key for --tls-cert");
  table.emplace_back(cmd, [o]() -> Status {
    const std::size_t colon = o->listen.rfind(':');
    const auto port = colon == std::string::npos ? std::nullopt : ParseInt64(o->listen.substr(colon + 1));
    if (!port || *port < 0 || *port > 65535) {
      return MakeError(SyncErrc::kInvalidArgument, "--listen wants ADDR:PORT, e.g. 127.0.0.1:8470");
    }
    AKARI_ASSIGN_OR_RETURN(OpenHub hub, Unlock(o->c));
    net::ServerOptions options;
    options.address = o->listen.substr(0, colon);
    options.port = static_cast<std::uint16_t>(*port);
    if (!o->tls_cert.empty()) options.tls = net::TlsFiles{o->tls_cert, o->tls_key};
    options.max_body_bytes = kMaxUploadBody;
    AKARI_ASSIGN_OR_RETURN(auto pool, HubStorePool::Open(hub, options.threads));
    HubApiContext context{pool.get(), &SystemClock::Instance()};
    auto router = std::make_shared<net::Router>();
    AddEnrollmentRoutes(*router, context);
    AddCheckRoutes(*router, context);
    AddPublicationRoutes(*router, hub.publication_root());
    AKARI_ASSIGN_OR_RETURN(auto server, net::HttpServer::Start(options, [router](const net::Request& r) {
                             net::Request copy = r;
                             return router->Dispatch(copy);
                           }));
    Print(std::string("Serving region ") + hub.region + " on " + (options.tls ? "https" : "http") + "://" +
          options.address + ":" + std::to_string(server->port()) + "/ (publication root " +
          hub.publication_root().string() + ", POST /v1/enroll, POST /v1/checks); Ctrl-C stops");
    server->RunUntilSignalled();
    return {};
  });
}

void RegisterChecks(CLI::App& app, Table& table) {
  auto o = std::make_shared<Common>();
  CLI::App* cmd = app.add_subcommand(
      "checks", "Count the eligibility checks nodes have uploaded (POST /v1/checks), per node and outcome");
  AddCommon(cmd, *o, true);
  table.emplace_back(cmd, [o]() -> Status {
    AKARI_ASSIGN_OR_RETURN(OpenHub hub, Unlock(*o));
    AKARI_ASSIGN_OR_RETURN(CheckCounts counts, CountRecordedChecks(hub.store));
    if (o->json) {
      nlohmann::json by_node = nlohmann::json::object();
      for (const auto& [node_id, outcomes] : counts.by_node) {
        std::int64_t total = 0;
        for (const auto& [outcome, n] : outcomes) total += n;
        by_node[node_id] = {{"total", total}, {"outcomes", outcomes}};
      }
      Print(nlohmann::json({{"total", counts.total}, {"by_node", by_node}}).dump(2));
      return {};
    }
    Print("Checks recorded: " + std::to_string(counts.total));
    for (const auto& [node_id, outcomes] : counts.by_node) {
      std::int64_t total = 0;
      std::string parts;
      for (const auto& [outcome, n] : outcomes) {
        total += n;
        parts += (parts.empty() ? "" : ", ") + outcome + " " + std::to_string(n);
      }
      Print("  node " + node_id + ": " + std::to_string(total) + " (" + parts + ")");
    }
    return {};
  });
}

void RegisterKeys(CLI::App& app, Table& table) {
  CLI::App* keys = app.add_subcommand("keys", "Root and manifest keys");
  keys->require_subcommand(1);
  struct Opts {
    Common c;
    bool root = false, manifest = false;
    int validity_days = 365;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = keys->add_subcommand(
      "rotate", "Sign root metadata version N+1 (new keys as asked, new expiry) with the old and new root keys");
  AddCommon(cmd, o->c, false);
  cmd->add_flag("--root", o->root, "Replace the root keys");
  cmd->add_flag("--manifest", o->manifest, "Replace the online manifest key");
  cmd->add_option("--validity-days", o->validity_days, "Expiry of the new root version (default 365)")
      ->check(CLI::Range(1, 3650));
  table.emplace_back(cmd, [o]() -> Status {
    AKARI_ASSIGN_OR_RETURN(OpenHub hub, Unlock(o->c));
    RotateOptions options{o->root, o->manifest, std::chrono::hours(24) * o->validity_days};
    AKARI_ASSIGN_OR_RETURN(SignedRoot root, RotateKeys(hub.store, options, SystemClock::Instance()));
    const std::string signed_text = "Root metadata version " + std::to_string(root.root.version) + " signed (expires " +
                                    FormatUtc(root.root.expires) + ")";
    // A root rotation after a manifest-key rotation not yet published must
    // wait for that publish too: writing its files would write the
    // manifest key's version as well.
    AKARI_ASSIGN_OR_RETURN(const bool waiting, ManifestKeyChangeUnpublished(hub.store, hub.publication_root()));
    if (o->manifest || waiting) {
      // The published manifest is signed by the retired key: a root that
      // no longer lists it, written now, would make every node refuse the
      // manifest until the next publish. publish writes both.
      Print(signed_text +
            " with a new manifest key. It takes effect with the next publish: run akari-hub publish now (until "
            "then nodes keep the current root version and manifest; if the old manifest key was exposed, do not "
            "wait)");
      return {};
    }
    AKARI_TRY(WriteRootFiles(hub.store, hub.publication_root()));
    Print(signed_text + "; nodes move to it at their next sync");
    return {};
  });
}

}  // namespace
}  // namespace akari::sync::hub

int main(int argc, char** argv) {
  ::umask(022);  // publication files must be readable by a web server; the store and keystore are 0600 anyway
  if (!akari::crypto::EnsureSodium()) {
    std::fprintf(stderr, "akari-hub: error: the cryptographic library failed to initialise\n");
    return 1;
  }
  using namespace akari::sync::hub;
  CLI::App app("akari-hub: publishes a region's records to Akari nodes", "akari-hub");
  app.require_subcommand(1);
  Table table;
  RegisterInit(app, table);
  RegisterImport(app, table);
  RegisterNode(app, table);
  RegisterPublish(app, table);
  RegisterServe(app, table);
  RegisterChecks(app, table);
  RegisterKeys(app, table);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "akari-hub: error: %s (see akari-hub --help)\n", e.what());
    return 2;
  }
  try {
    return table.Run(app);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "akari-hub: error: unexpected failure: %s\n", e.what());
    return 1;
  }
}
