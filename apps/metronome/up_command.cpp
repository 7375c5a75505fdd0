// Starts an edge + registry on :8080, regions eu, us and asia on :8081 to
// :8083 and the world gateway on :8084 as child processes of this one (the
// same binary), all sharing one data directory, starts again a child that
// dies (bounded), and stops them all on Ctrl-C. Each child gets
// PR_SET_PDEATHSIG, so even a `kill -9` of this process leaves no orphans.
#include "up_command.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cli_args.hpp"
#include "metronome/core/random.hpp"
#include "metronome/events/publisher.hpp"
#include "metronome/gateway/token.hpp"
#include "metronome/net/signals.hpp"
#include "metronome/obs/log.hpp"

extern char** environ;

namespace metronome::cli {
namespace {

struct up_flags {
  std::string store, data_dir = "metronome-data", edge_port = "8080", first_region_port = "8081", web_root;
  std::string countdown_ms = "3000", log_level = "info", access_log = "false", start_timeout = "15", auth_mode = "open",
              world_port = "8084";
  std::string nats_url;  ///< NATS_URL for every child: events on (docs/events.md).
};

struct child {
  std::string name;
  pid_t pid = -1;
  std::uint16_t port = 0;
  std::vector<std::string> args, env;                             ///< to start it again
  std::vector<std::chrono::steady_clock::time_point> restarts{};  ///< within the last restart window
  std::optional<std::chrono::steady_clock::time_point> restart_at{};
};

/// A child that dies after start is started again after `backoff` (doubling
/// from 250 ms), at most `max_restarts` times a minute; past that it stays
/// down and up says so. Its state is its own to recover (the world replays
/// its log, the regions read the shared store).
constexpr std::size_t max_restarts = 5;
constexpr auto restart_window = std::chrono::seconds(60);

pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // The child's own settings replace inherited ones of the same name: with
  // duplicates getenv() sees the first, so an exported PORT or REGION would
  // otherwise give every child the same port or region name.
  auto overridden = [&](std::string_view inherited) {
    const auto eq = inherited.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view name = inherited.substr(0, eq + 1);
    for (const auto& e : env) {
      if (e.starts_with(name)) return true;
    }
    return false;
  };
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) env_strings.emplace_back(*e);
  }
  env_strings.insert(env_strings.end(), env.begin(), env.end());
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);  // the parent died before prctl
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, nullptr);
    execve("/proc/self/exe", argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

bool port_open(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

/// Default web root: web/dist beside the source tree this binary was built in, if present.
std::string default_web_root() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / "web" / "dist" / "index.html", ec)) return (dir / "web" / "dist").string();
  }
  return {};
}

int run_up(const up_flags& f) {
  obs::logger log("up");
  const auto edge_port = static_cast<std::uint16_t>(parse_int("--edge-port", f.edge_port, 1, 65535));
  const auto first_port = static_cast<std::uint16_t>(parse_int("--first-region-port", f.first_region_port, 1, 65533));
  (void)parse_int("--countdown-ms", f.countdown_ms, 0, 600'000);
  const auto start_timeout = std::chrono::seconds(parse_int("--start-timeout", f.start_timeout, 1, 3600));
  const auto world_port = static_cast<std::uint16_t>(parse_int("--world-port", f.world_port, 1, 65535));
  if (!f.nats_url.empty()) {
    if (auto ok = events::check_nats_url(f.nats_url); !ok) throw usage_error("--nats (NATS_URL): " + ok.error().message);
  }
  (void)parse_bool("--access-log", f.access_log);
  std::error_code ec;
  std::filesystem::create_directories(f.data_dir, ec);
  if (ec) throw usage_error("--data-dir: cannot create " + f.data_dir + ": " + ec.message());
  const std::string store = f.store.empty() ? "sqlite:" + std::filesystem::absolute(f.data_dir).string() + "/metronome.db" : f.store;
  const std::string web_root = f.web_root.empty() ? default_web_root() : f.web_root;
  // REGISTRY_TOKEN from the environment if set, so that other regions can
  // register with this registry (seed 002); a random one otherwise.
  const char* given_token = std::getenv("REGISTRY_TOKEN");
  const std::string token = given_token != nullptr && *given_token != '\0' ? std::string(given_token) : random_hex(16);
  if (!net::auth_mode_named(f.auth_mode)) throw usage_error("--auth-mode (AUTH_MODE): expected open or owner, got '" + f.auth_mode + "'");
  // The admin token opens the operator console (/console) and, in owner
  // mode, lists and ends others' sessions: the environment's ADMIN_TOKEN,
  // else a fresh one, printed below.
  const char* given_admin = std::getenv("ADMIN_TOKEN");
  const bool owner = f.auth_mode == "owner";
  const bool admin_given = given_admin != nullptr && *given_admin != '\0';
  const std::string admin = admin_given ? std::string(given_admin) : random_hex(16);
  const std::vector<std::string> common = {
      "STORE=" + store,           "REGISTRY_TOKEN=" + token,     "LOG_LEVEL=" + f.log_level, "ACCESS_LOG=" + f.access_log,
      "HOST=127.0.0.1",           "REGISTER_INTERVAL_SECONDS=5", "AUTH_MODE=" + f.auth_mode, "ADMIN_TOKEN=" + admin,
      "TRUSTED_PROXIES=127.0.0.1"};
  std::vector<std::string> shared = common;
  if (!f.nats_url.empty()) shared.push_back("NATS_URL=" + f.nats_url);

  net::block_termination_signals();
  std::vector<child> children;
  auto start = [&](const std::string& name, std::uint16_t port, std::vector<std::string> env, const std::vector<std::string>& args) {
    env.insert(env.end(), shared.begin(), shared.end());
    env.push_back("PORT=" + std::to_string(port));
    const pid_t pid = spawn(args, env);
    children.push_back(child{.name = name, .pid = pid, .port = port, .args = args, .env = std::move(env)});
  };
  start("edge", edge_port,
        {"DEFAULT_REGION=eu", "HEALTH_INTERVAL_MS=1000", "WEB_ROOT=" + web_root,
         "WORLD_DATA_DIR=" + std::filesystem::absolute(f.data_dir).string(),
         "WORLD_URL=ws://127.0.0.1:" + std::to_string(world_port) + "/world"},
        {"metronome", "edge"});
  // The registry first, so that the regions' first registration lands.
  for (const auto until = std::chrono::steady_clock::now() + start_timeout; !port_open(edge_port);) {
    if (std::chrono::steady_clock::now() > until) break;  // reported below with the others
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::array<const char*, 3> regions = {"eu", "us", "asia"};
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const auto port = static_cast<std::uint16_t>(first_port + i);
    start(regions[i], port,
          {std::string("REGION=") + regions[i], "MAIN_SERVER_URL=http://127.0.0.1:" + std::to_string(edge_port),
           "COUNTDOWN_MS=" + f.countdown_ms, "WS_URL=ws://127.0.0.1:" + std::to_string(port) + "/ws", "THREADS=1"},
          {"metronome", "region"});
  }
  // The world gateway (seed 003), with its JWT secret in the data directory,
  // where `metronome world token --data-dir DIR` finds it, and its world and
  // player records there too (--persist): the next `up` resumes the world.
  start("world", world_port, {},
        {"metronome", "world", "serve", "--port", std::to_string(world_port), "--data-dir", std::filesystem::absolute(f.data_dir).string(),
         "--persist"});

  auto stop_all = [&](int code) {
    for (const auto& c : children) {
      if (c.pid > 0) kill(c.pid, SIGTERM);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (auto& c : children) {
      while (c.pid > 0) {
        if (waitpid(c.pid, nullptr, WNOHANG) == c.pid) break;
        if (std::chrono::steady_clock::now() > deadline) {
          kill(c.pid, SIGKILL);
          waitpid(c.pid, nullptr, 0);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      c.pid = -1;
    }
    log.info("all stopped");
    return code;
  };

  const auto ready_by = std::chrono::steady_clock::now() + start_timeout;
  for (auto& c : children) {
    while (!port_open(c.port)) {
      const bool exited = waitpid(c.pid, nullptr, WNOHANG) == c.pid;
      if (exited) c.pid = -1;  // reaped: stop_all() must neither signal this PID (it may be reused) nor wait for it
      if (exited || std::chrono::steady_clock::now() > ready_by) {
        log.error("a process did not start", {{"process", c.name}, {"port", c.port}});
        return stop_all(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::printf("Metronome is up.\n  edge + registry  http://localhost:%u/   (web client%s)\n", edge_port,
              web_root.empty() ? ": not built, run npm run build in web/" : "");
  for (std::size_t i = 0; i < regions.size(); ++i) {
    std::printf("  region %-5s     http://localhost:%u/\n", regions[i], static_cast<unsigned>(first_port + i));
  }
  std::printf("  world gateway    ws://127.0.0.1:%u/world\n", static_cast<unsigned>(world_port));
  std::printf("  store            %s\n", store.c_str());
  if (!f.nats_url.empty()) std::printf("  events           %s (metronome events tail --nats %s)\n", f.nats_url.c_str(), f.nats_url.c_str());
  std::printf("  console          http://localhost:%u/console   (sign in with the admin token)\n  admin token      %s\n", edge_port,
              admin_given ? "ADMIN_TOKEN from the environment" : admin.c_str());
  if (owner) {
    std::printf("  auth mode        owner: ending a session needs its session key or the admin token\n");
  } else {
    std::printf("  auth mode        open: anyone with a session id may end it (--auth-mode owner for production)\n");
  }
  // A link into the world for one player; more players: metronome world token.
  try {
    const gateway::token_config tc{.secret = gateway::load_or_create_secret(f.data_dir)};
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    std::printf("  world, in a browser (player-1, valid 24 h):\n    http://localhost:%u/?world&gateway=ws://127.0.0.1:%u/world&token=%s\n",
                edge_port, static_cast<unsigned>(world_port), gateway::sign_token("player-1", 24 * 3600, tc, now_s).c_str());
    std::printf("  another player:  metronome world token --sub NAME --ttl 3600 --data-dir %s\n", f.data_dir.c_str());
  } catch (const std::exception& e) {
    log.warn("no world link", {{"error", e.what()}});
  }
  std::printf("Press Ctrl-C to stop.\n");
  std::fflush(stdout);

  // Wait for Ctrl-C / SIGTERM; report children that die meanwhile.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  const timespec tick{0, 200'000'000};
  for (;;) {
    const int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      log.info("stopping", {{"signal", sig}});
      return stop_all(0);
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto& c : children) {
      int status = 0;
      if (c.pid > 0 && waitpid(c.pid, &status, WNOHANG) == c.pid) {
        c.pid = -1;
        std::erase_if(c.restarts, [&](auto at) { return now - at > restart_window; });
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (c.restarts.size() >= max_restarts) {
          log.error("a process exited and stays down: too many restarts", {{"process", c.name}, {"status", code}});
          continue;
        }
        const auto backoff = std::chrono::milliseconds(250) * (1 << c.restarts.size());
        log.error("a process exited; starting it again",
                  {{"process", c.name}, {"status", code}, {"in_ms", static_cast<std::int64_t>(backoff.count())}});
        c.restart_at = now + backoff;
      }
      if (c.pid < 0 && c.restart_at && now >= *c.restart_at) {
        c.restart_at.reset();
        c.restarts.push_back(now);
        c.pid = spawn(c.args, c.env);
        log.info("started again", {{"process", c.name}, {"pid", static_cast<std::int64_t>(c.pid)}});
      }
    }
  }
}

}  // namespace

void add_up_command(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("up", "Run the whole system: edge + registry on :8080, regions eu/us/asia on :8081-8083, world gateway on :8084");
  auto f = std::make_shared<up_flags>();
  cmd->add_option("--store", f->store, "Shared store (default sqlite:DATA_DIR/metronome.db); redis://... or redis-cluster://...");
  cmd->add_option("--data-dir", f->data_dir, "Where the SQLite store lives")->capture_default_str();
  cmd->add_option("--edge-port", f->edge_port, "Edge port")->capture_default_str();
  cmd->add_option("--first-region-port", f->first_region_port, "Port of eu; us and asia take the next two")->capture_default_str();
  cmd->add_option("--web-root", f->web_root, "The built web client (default: web/dist of this source tree)");
  cmd->add_option("--countdown-ms", f->countdown_ms, "Countdown of new sessions (ms)")->capture_default_str();
  cmd->add_option("--world-port", f->world_port, "Port of the world gateway (/world)")->capture_default_str();
  cmd->add_option("--start-timeout", f->start_timeout, "Seconds every process has to start listening before up gives up")
      ->capture_default_str();
  cmd->add_option("--log-level", f->log_level, "debug, info, warn or error")->capture_default_str();
  cmd->add_option("--access-log", f->access_log, "Log every request (true/false)")->capture_default_str();
  cmd->add_option("--nats", f->nats_url, "Publish events to this NATS server (nats://HOST:PORT, JetStream); unset: no events")
      ->envname("NATS_URL");
  cmd->add_option("--auth-mode", f->auth_mode, "open (the seeds' examples work as written) or owner (session keys; run this in production)")
      ->envname("AUTH_MODE")
      ->capture_default_str();
  cmd->callback([f] { std::exit(run_up(*f)); });
}

}  // namespace metronome::cli
