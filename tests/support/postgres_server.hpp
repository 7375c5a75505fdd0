// Real PostgreSQL for tests: initdb into a fresh temp dir, then one postgres
// process on a free 127.0.0.1 port with its Unix socket in that dir (never
// the system's /var/run/postgresql). Stop and start it again at will, on the
// same port and data; the destructor stops it (by PID) and removes the dir,
// also when the test failed.
//
// initdb and postgres refuse to run as root. Run as root (CI), both are
// started through `setpriv --reuid=postgres --regid=postgres --init-groups`
// (the `postgres` user that Debian's postgresql-common creates) and the temp
// dir is given to that user; run as anyone else, as that user. setpriv
// execs in place (the PID we hold is postgres's own) and sets a parent-death
// signal (SIGINT, fast shutdown), so a test process that dies leaves no
// server behind. Binaries: $METRONOME_PG_BINDIR, else the newest
// /usr/lib/postgresql/<version>/bin (Debian: apt-get install postgresql-15).
//
// Start-up cost: initdb about 1-3 s (--no-sync), a start about 0.2 s.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "process.hpp"

namespace metronome::test {

class postgres_server {
 public:
  /// initdb, then start. `settings` are postgres `-c name=value` settings;
  /// the default turns fsync off (tests need no durability across an OS
  /// crash; a server crash loses nothing committed either way). Throws
  /// std::runtime_error, with the log's tail, if it cannot start.
  explicit postgres_server(std::vector<std::string> settings = {"fsync=off"});
  ~postgres_server();
  postgres_server(const postgres_server&) = delete;
  postgres_server& operator=(const postgres_server&) = delete;

  /// Starts the process and waits until it accepts connections (bounded by
  /// `timeout`; throws std::runtime_error with the log's tail otherwise).
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// Fast shutdown (SIGINT: sessions are cut, committed work kept), waits.
  void stop();
  /// Immediate shutdown (SIGQUIT: like a crash; the next start recovers from the WAL), waits.
  void crash();
  bool running() { return process_.running(); }

  std::uint16_t port() const noexcept { return port_; }
  /// "postgresql://metronome@127.0.0.1:PORT/postgres" (trust authentication).
  std::string url() const;
  std::string log_path() const { return dir_ + "/postgres.log"; }

  /// Runs one SQL statement and returns the first column of the first row
  /// ("" when no row). Throws std::runtime_error with the server's message.
  std::string scalar(const std::string& sql) const;

 private:
  void halt(int sig);

  std::string dir_;
  std::string bindir_;
  std::vector<std::string> settings_;
  std::uint16_t port_ = 0;
  child_process process_;
};

}  // namespace metronome::test
