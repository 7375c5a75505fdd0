#include "redis_servers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace metronome::test {
namespace {

using namespace std::chrono_literals;

std::string chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

bool port_is_free(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A cluster node also needs port + 10000 (the cluster bus) free.
std::uint16_t free_cluster_port() {
  for (int attempt = 0; attempt < 200; ++attempt) {
    const std::uint16_t p = free_port();
    if (p + 10000 > 65535 || !port_is_free(static_cast<std::uint16_t>(p + 10000))) continue;
    return p;
  }
  throw std::runtime_error("no free port pair for a cluster node");
}

// Another process can take a "free" port before our server binds it: start
// on fresh ports a few times before giving up.
template <class MakePort>
std::unique_ptr<redis_server> start_on_free_port(const std::string& dir, MakePort make_port,
                                                 const std::function<std::vector<std::string>(std::uint16_t)>& args) {
  for (int attempt = 1;; ++attempt) {
    const std::uint16_t port = make_port();
    auto server = std::make_unique<redis_server>(dir, port, args(port));
    try {
      server->start();
      return server;
    } catch (const std::runtime_error&) {
      if (attempt == 3) throw;
    }
  }
}

std::string tail(const std::string& text, std::size_t n) { return text.size() <= n ? text : text.substr(text.size() - n); }

std::string field_of(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) return chomp(line.substr(name.size() + 1));
  }
  return "";
}

}  // namespace

std::string redis_cli(std::uint16_t port, const std::vector<std::string>& args, bool follow_redirects) {
  static std::atomic<unsigned> counter{0};
  const char* base = std::getenv("TMPDIR");
  const std::string out =
      std::string(base != nullptr ? base : "/tmp") + "/redis-cli-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".out";
  std::vector<std::string> argv{"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port)};
  if (follow_redirects) argv.push_back("-c");
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = child_process::spawn(argv, {}, out);
  const int rc = p.wait(10s);
  std::string text = read_file(out);
  std::filesystem::remove(out);
  if (rc < 0) throw std::runtime_error("redis-cli timed out");
  return chomp(text);
}

std::string redis_info(std::uint16_t port, const std::string& section, const std::string& field) {
  return field_of(redis_cli(port, {"INFO", section}), field);
}

std::size_t redis_online_replicas(std::uint16_t port) {
  // Lines such as "slave0:ip=127.0.0.1,port=6380,state=online,offset=42,lag=0".
  std::istringstream in(redis_cli(port, {"INFO", "replication"}));
  std::size_t online = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("slave", 0) == 0 && line.find(":ip=") != std::string::npos && line.find("state=online") != std::string::npos) ++online;
  }
  return online;
}

bool wait_for_online_replicas(std::uint16_t port, std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (redis_online_replicas(port) >= count) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

redis_server::redis_server(std::string dir, std::uint16_t port, std::vector<std::string> extra_args)
    : dir_(std::move(dir)), port_(port), extra_args_(std::move(extra_args)) {}

std::string redis_server::log_path() const { return dir_ + "/redis-" + std::to_string(port_) + ".log"; }

void redis_server::start(std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{"redis-server",
                                "--port",
                                std::to_string(port_),
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--daemonize",
                                "no",
                                "--dir",
                                dir_,
                                "--repl-diskless-sync-delay",
                                "0"};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  process_ = child_process::spawn(argv, {}, log_path());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string pid = std::to_string(process_.pid());
  while (process_.running() && std::chrono::steady_clock::now() < deadline) {
    if (wait_for_port(port_, 50ms) && redis_info(port_, "server", "process_id") == pid) return;
  }
  process_.stop(1000ms);
  throw std::runtime_error("redis-server on port " + std::to_string(port_) + " did not start: " + tail(read_file(log_path()), 2000));
}

void redis_server::stop() { process_.stop(5000ms); }

void redis_server::kill() {
  process_.signal(SIGKILL);
  process_.wait(5000ms);
}

redis_standalone::redis_standalone(std::vector<std::string> extra_args) : dir_(make_temp_dir("metronome-redis-")) {
  server_ = start_on_free_port(
      dir_, [] { return free_port(); }, [&](std::uint16_t) { return extra_args; });
}

std::string redis_standalone::url() const { return "redis://127.0.0.1:" + std::to_string(port()); }

redis_standalone::~redis_standalone() {
  server_->stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

redis_cluster::redis_cluster(redis_cluster_options options) : dir_(make_temp_dir("metronome-redis-cluster-")) {
  const std::size_t n = options.masters * (1 + options.replicas_per_master);
  for (std::size_t i = 0; i < n; ++i) {
    nodes_.push_back(start_on_free_port(dir_, free_cluster_port, [&](std::uint16_t port) {
      return std::vector<std::string>{"--cluster-enabled",      "yes",
                                      "--cluster-config-file",  "nodes-" + std::to_string(port) + ".conf",
                                      "--cluster-node-timeout", std::to_string(options.node_timeout_ms)};
    }));
  }
  std::vector<std::string> create{"--cluster", "create"};
  for (auto& node : nodes_) create.push_back("127.0.0.1:" + std::to_string(node->port()));
  create.insert(create.end(), {"--cluster-replicas", std::to_string(options.replicas_per_master), "--cluster-yes"});
  const std::string out = redis_cli(nodes_.front()->port(), create);
  if (!wait_until_ok(20s) || !wait_until_replicas_linked(options.masters * options.replicas_per_master, 20s)) {
    throw std::runtime_error("redis cluster did not become healthy: " + tail(out, 2000));
  }
}

redis_cluster::~redis_cluster() {
  for (auto& node : nodes_) node->process().signal(SIGTERM);
  for (auto& node : nodes_) node->stop();  // already exiting: waits, SIGKILL if stuck
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::vector<std::uint16_t> redis_cluster::ports() const {
  std::vector<std::uint16_t> out;
  for (const auto& node : nodes_) out.push_back(node->port());
  return out;
}

std::string redis_cluster::url() const {
  std::string out = "redis-cluster://";
  for (const auto& node : nodes_) out += (out.back() == '/' ? "" : ",") + std::string("127.0.0.1:") + std::to_string(node->port());
  return out;
}

std::string redis_cluster::node_id(std::size_t i) { return redis_cli(nodes_.at(i)->port(), {"CLUSTER", "MYID"}); }

int redis_cluster::key_slot(const std::string& key) {
  for (auto& node : nodes_) {
    if (!node->running()) continue;
    return std::stoi(redis_cli(node->port(), {"CLUSTER", "KEYSLOT", key}));
  }
  return -1;
}

namespace {

struct node_view {
  std::uint16_t port = 0;
  bool master = false;
  bool failed = false;
  std::vector<std::pair<int, int>> ranges;  // inclusive
};

// CLUSTER NODES: <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges...>
std::vector<node_view> parse_nodes(const std::string& text) {
  std::vector<node_view> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.size() < 8) continue;
    node_view v;
    const std::string address = w[1].substr(0, w[1].find('@'));
    v.port = static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
    v.master = w[2].find("master") != std::string::npos;
    v.failed = w[2].find("fail") != std::string::npos;  // fail or fail?
    for (std::size_t k = 8; k < w.size(); ++k) {
      if (w[k].front() == '[') continue;  // migrating/importing marker
      const auto dash = w[k].find('-');
      const int first = std::stoi(w[k].substr(0, dash));
      const int last = dash == std::string::npos ? first : std::stoi(w[k].substr(dash + 1));
      v.ranges.emplace_back(first, last);
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

int redis_cluster::master_of_slot(int slot) {
  for (auto& node : nodes_) {
    if (!node->running()) continue;
    for (const auto& v : parse_nodes(redis_cli(node->port(), {"CLUSTER", "NODES"}))) {
      if (!v.master) continue;
      for (const auto& [first, last] : v.ranges) {
        if (slot < first || slot > last) continue;
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
          if (nodes_[i]->port() == v.port) return static_cast<int>(i);
        }
      }
    }
    return -1;
  }
  return -1;
}

bool redis_cluster::wait_until_ok(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto running_port = [&](std::uint16_t port) {
    for (auto& node : nodes_) {
      if (node->port() == port) return node->running();
    }
    return false;
  };
  while (std::chrono::steady_clock::now() < deadline) {
    bool ok = true;
    for (auto& node : nodes_) {
      if (!ok) break;
      if (!node->running()) continue;
      if (field_of(redis_cli(node->port(), {"CLUSTER", "INFO"}), "cluster_state") != "ok") {
        ok = false;
        break;
      }
      // In this node's view every slot has a live, unfailed master (a dead
      // master can look fine to its peers for node_timeout after a kill).
      int covered = 0;
      for (const auto& v : parse_nodes(redis_cli(node->port(), {"CLUSTER", "NODES"}))) {
        if (v.ranges.empty()) continue;
        if (!v.master || v.failed || !running_port(v.port)) ok = false;
        for (const auto& [first, last] : v.ranges) covered += last - first + 1;
      }
      if (covered != 16384) ok = false;
    }
    if (ok) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

bool redis_cluster::wait_until_replicas_linked(std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::size_t linked = 0;
    std::size_t online = 0;
    for (auto& node : nodes_) {
      if (!node->running()) continue;
      if (redis_info(node->port(), "replication", "master_link_status") == "up") ++linked;
      online += redis_online_replicas(node->port());
    }
    if (linked >= count && online >= count) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

}  // namespace metronome::test
