// Real Redis for tests: a standalone redis-server, or a Redis Cluster of
// masters and replicas, each on free 127.0.0.1 ports in a fresh temp dir,
// with persistence off. Every process is stopped by PID when its owner goes
// away (child_process), and the temp dir is removed. Needs redis-server and
// redis-cli in PATH (Debian: apt-get install redis-server redis-tools).
//
// Start-up costs: standalone ~50 ms; a 3+3 cluster ~2.2 s (a cluster master
// reports cluster_state:ok no sooner than 2 s after it started; replicas
// sync at once because repl-diskless-sync-delay is 0).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"

namespace metronome::test {

/// Runs `redis-cli -h 127.0.0.1 -p PORT args...` and returns its output
/// without the trailing newline. `follow_redirects` adds -c (cluster mode).
/// Throws std::runtime_error if redis-cli cannot run or takes over 10 s.
std::string redis_cli(std::uint16_t port, const std::vector<std::string>& args, bool follow_redirects = false);

/// One field of INFO (e.g. ("stats", "total_reads_processed")); "" if absent
/// or the server does not answer.
std::string redis_info(std::uint16_t port, const std::string& section, const std::string& field);

/// How many replicas the server on `port` lists as `state=online` in INFO
/// replication: the master's own view, which is what WAIT counts. A replica
/// can report master_link_status:up before its master lists it online.
std::size_t redis_online_replicas(std::uint16_t port);

/// True once the server on `port` lists at least `count` replicas online;
/// false if not within `timeout`.
bool wait_for_online_replicas(std::uint16_t port, std::size_t count, std::chrono::milliseconds timeout);

/// One redis-server process on a fixed port and directory; restartable.
class redis_server {
 public:
  redis_server(std::string dir, std::uint16_t port, std::vector<std::string> extra_args);
  redis_server(redis_server&&) noexcept = default;
  redis_server& operator=(redis_server&&) noexcept = default;

  /// Starts the process and waits until it answers on its port as itself
  /// (INFO's process_id is its PID, so a port taken by someone else in the
  /// meantime is noticed). Throws std::runtime_error if not within `timeout`.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void stop();  ///< SIGTERM by PID, waits (SIGKILL after 5 s).
  void kill();  ///< SIGKILL by PID, waits.
  bool running() { return process_.running(); }
  std::uint16_t port() const noexcept { return port_; }
  std::string cli(const std::vector<std::string>& args) const { return redis_cli(port_, args); }
  std::string log_path() const;

  /// For stopping many servers at once: send the signal, wait later.
  child_process& process() noexcept { return process_; }

 private:
  std::string dir_;
  std::uint16_t port_;
  std::vector<std::string> extra_args_;
  child_process process_;
};

class redis_standalone {
 public:
  /// Started on return. `extra_args` go to redis-server.
  explicit redis_standalone(std::vector<std::string> extra_args = {});
  ~redis_standalone();
  redis_standalone(const redis_standalone&) = delete;
  redis_standalone& operator=(const redis_standalone&) = delete;

  std::uint16_t port() const noexcept { return server_->port(); }
  redis_server& server() noexcept { return *server_; }
  /// "redis://127.0.0.1:PORT", for make_session_store.
  std::string url() const;

 private:
  std::string dir_;
  std::unique_ptr<redis_server> server_;
};

struct redis_cluster_options {
  std::size_t masters = 3;  ///< At least 3 (redis-cli refuses fewer).
  std::size_t replicas_per_master = 1;
  int node_timeout_ms = 1500;  ///< cluster-node-timeout: failure detection takes about this long.
};

class redis_cluster {
 public:
  /// Started, created, cluster_state:ok everywhere and every replica's link
  /// up on return. Throws std::runtime_error (with the logs' tail) if not
  /// within 20 s.
  explicit redis_cluster(redis_cluster_options options = {});
  ~redis_cluster();
  redis_cluster(const redis_cluster&) = delete;
  redis_cluster& operator=(const redis_cluster&) = delete;

  std::size_t size() const noexcept { return nodes_.size(); }
  redis_server& node(std::size_t i) { return *nodes_.at(i); }
  std::vector<std::uint16_t> ports() const;
  /// "redis-cluster://127.0.0.1:P1,127.0.0.1:P2,...", for make_session_store.
  std::string url() const;

  /// The node that serves `slot` now, asked of any running node; -1 if none knows.
  int master_of_slot(int slot);
  /// The cluster node id (40 hex digits) of node i.
  std::string node_id(std::size_t i);
  /// CLUSTER KEYSLOT, computed by a server.
  int key_slot(const std::string& key);

  /// True once every running node says cluster_state:ok and agrees on the
  /// owner of every slot, none of which is a stopped node.
  bool wait_until_ok(std::chrono::milliseconds timeout);
  /// True once `count` replicas report master_link_status:up and the running
  /// masters, together, list `count` replicas as online (both sides of the
  /// link agree, so WAIT can count them).
  bool wait_until_replicas_linked(std::size_t count, std::chrono::milliseconds timeout);

 private:
  std::string dir_;
  std::vector<std::unique_ptr<redis_server>> nodes_;
};

}  // namespace metronome::test
