// `metronome edge` processes for tests, and a small cluster of them: one
// SQLite store, region processes sharing it, an edge that knows them. Every
// process is ended by PID when its handle goes away.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "region_fixture.hpp"

namespace metronome::test {

using namespace std::chrono_literals;

/// Polls `done` every `step` until it is true or `timeout` passes; returns
/// its last value. Conditions are awaited this way rather than slept for.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 15s, std::chrono::milliseconds step = 50ms);

/// True if something listens on `port` and every listening socket on it
/// belongs to process `pid`. The servers bind with SO_REUSEPORT, so a second
/// process (another test running in parallel) can bind a port that is in
/// use without an error and take half its connections; and a port taken by
/// some other program makes our process exit while wait_for_port() still
/// succeeds. Both are caught here, from /proc/net/tcp{,6} and /proc/PID/fd.
bool listens_alone(pid_t pid, std::uint16_t port);

/// A region_process that is alone on its port (retried on another port
/// otherwise).
region_process exclusive_region(const std::string& store, const std::vector<std::string>& env, const std::string& region);

/// "sqlite:/tmp/.../sessions.db" in a fresh directory.
std::string temp_sqlite_store();

class edge_process {
 public:
  /// Starts `metronome edge` with STORE=store and `env` ("NAME=value"; these
  /// win over the fixture's defaults: LOG_LEVEL=info, THREADS=2, short
  /// health and heartbeat intervals). port 0 picks a free one. Throws if it
  /// does not start.
  edge_process(std::string store, std::vector<std::string> env = {}, std::uint16_t port = 0);
  edge_process(edge_process&&) = default;

  std::uint16_t port() const noexcept { return port_; }
  const std::string& log_path() const noexcept { return log_; }
  child_process& process() noexcept { return proc_; }

  http_result call(const std::string& method, const std::string& target, const std::string& body = "",
                   const header_list& headers = {}) const {
    return http_call(port_, method, target, body, headers);
  }
  http_result start(const std::string& body, const header_list& headers = {}) const {
    return call("POST", "/edge/game/start", body, headers);
  }
  http_result exit(const std::string& body, const header_list& headers = {}) const {
    return call("POST", "/edge/game/exit", body, headers);
  }

  /// GET /api/regions as name -> the region's object (empty on failure).
  std::map<std::string, boost::json::object> regions() const;
  /// The region's field (e.g. "status") as a string, "" if absent.
  std::string region_field(const std::string& name, const std::string& field) const;
  /// Waits until region `name` is listed with status `status` ("up"/"down").
  bool wait_status(const std::string& name, const std::string& status, std::chrono::milliseconds timeout = 15s) const;

 private:
  std::string store_, log_;
  std::vector<std::string> env_;
  std::uint16_t port_ = 0;
  child_process proc_;
};

/// Regions sharing one SQLite store, and an edge that knows them as static
/// regions (REGIONS=eu=http://127.0.0.1:P,...). The constructor returns once
/// the edge reports every region up.
class edge_cluster {
 public:
  edge_cluster(const std::vector<std::string>& region_names, std::vector<std::string> edge_env = {},
               std::vector<std::string> region_env = {});

  const std::string& store() const noexcept { return store_; }
  edge_process& edge() noexcept { return *edge_; }
  region_process& region(const std::string& name) { return *regions_.at(name); }
  /// "eu=http://127.0.0.1:P,us=..." for another edge over the same regions.
  const std::string& regions_env() const noexcept { return regions_env_; }
  /// Another edge over the same store and regions, with its own settings.
  std::unique_ptr<edge_process> another_edge(std::vector<std::string> env) const;

 private:
  std::string store_, regions_env_;
  std::map<std::string, std::unique_ptr<region_process>> regions_;
  std::unique_ptr<edge_process> edge_;
};

/// A field of a JSON object as a string ("" if absent or not a string).
std::string str_of(const boost::json::object& o, const std::string& key);

/// A JSON body with "userId" and optional "preferredRegion".
std::string start_body(const std::string& user, const std::string& preferred = "");

/// Runs curl with `args` (as a shell user would type them, one argument
/// each) plus -s and -w for the status; the response body and status.
struct curl_result {
  int status = 0;
  std::string body;
};
curl_result run_curl(std::vector<std::string> args);

/// True if the body is exactly the region node's error shape:
/// {"error":{"code":"<code>","message":"..."}} and nothing else.
bool is_error_body(const http_result& r, const std::string& code);

}  // namespace metronome::test
