#include "edge_fixture.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace metronome::test {

namespace json = boost::json;

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

namespace {

/// Inodes of the sockets listening on `port` (any address), from /proc/net/tcp and tcp6.
std::set<std::string> listening_inodes(std::uint16_t port) {
  std::set<std::string> out;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::istringstream in(read_file(table));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sl, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> sl >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      const auto colon = local.rfind(':');
      if (state != "0A" || colon == std::string::npos) continue;  // 0A: LISTEN
      if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) out.insert(inode);
    }
  }
  return out;
}

}  // namespace

bool listens_alone(pid_t pid, std::uint16_t port) {
  const auto listening = listening_inodes(port);
  if (listening.empty()) return false;
  std::set<std::string> mine;
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    const auto target = std::filesystem::read_symlink(fd.path(), ec).string();
    if (!ec && target.starts_with("socket:[")) mine.insert(target.substr(8, target.size() - 9));
  }
  return std::all_of(listening.begin(), listening.end(), [&](const std::string& inode) { return mine.contains(inode); });
}

region_process exclusive_region(const std::string& store, const std::vector<std::string>& env, const std::string& region) {
  for (int attempt = 0;; ++attempt) {
    region_process r(store, env, region);
    if (listens_alone(r.process().pid(), r.port())) return r;
    if (attempt == 5) throw std::runtime_error("region " + region + " never got a port of its own");
  }
}

std::string temp_sqlite_store() { return "sqlite:" + make_temp_dir("metronome-edge-db-") + "/sessions.db"; }

edge_process::edge_process(std::string store, std::vector<std::string> env, std::uint16_t port)
    : store_(std::move(store)), env_(std::move(env)) {
  log_ = make_temp_dir("metronome-edge-log-") + "/edge.log";
  // A port can be taken between free_port() and bind(): retry a few times
  // (unless the caller needs this very port).
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = port != 0 ? port : free_port();
    // The caller's settings first: with duplicate names, getenv() sees the first.
    std::vector<std::string> full = env_;
    for (const char* d : {"LOG_LEVEL=info", "THREADS=2", "HEALTH_INTERVAL_MS=200", "REGISTER_INTERVAL_SECONDS=1"}) full.emplace_back(d);
    full.push_back("PORT=" + std::to_string(port_));
    full.push_back("STORE=" + store_);
    proc_ = child_process::spawn({METRONOME_BIN, "edge"}, full, log_);
    if (wait_for_port(port_, 10s) && eventually([&] { return listens_alone(proc_.pid(), port_); }, 2s)) return;
    proc_.stop(500ms);
    if (port != 0) break;
  }
  throw std::runtime_error("metronome edge did not start; log: " + read_file(log_));
}

std::map<std::string, json::object> edge_process::regions() const {
  std::map<std::string, json::object> out;
  const auto r = call("GET", "/api/regions");
  if (r.status != 200) return out;
  boost::system::error_code ec;
  const json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("regions")) return out;
  for (const auto& item : v.as_object().at("regions").as_array()) {
    const auto& o = item.as_object();
    out[std::string(o.at("region").as_string())] = o;
  }
  return out;
}

std::string edge_process::region_field(const std::string& name, const std::string& field) const {
  const auto all = regions();
  const auto it = all.find(name);
  if (it == all.end()) return "";
  const json::value* v = it->second.if_contains(field);
  if (v == nullptr) return "";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

bool edge_process::wait_status(const std::string& name, const std::string& status, std::chrono::milliseconds timeout) const {
  return eventually([&] { return region_field(name, "status") == status; }, timeout);
}

edge_cluster::edge_cluster(const std::vector<std::string>& region_names, std::vector<std::string> edge_env,
                           std::vector<std::string> region_env)
    : store_(temp_sqlite_store()) {
  for (const auto& name : region_names) {
    auto r = std::make_unique<region_process>(exclusive_region(store_, region_env, name));
    if (!regions_env_.empty()) regions_env_ += ",";
    regions_env_ += name + "=http://127.0.0.1:" + std::to_string(r->port());
    regions_[name] = std::move(r);
  }
  edge_ = another_edge(std::move(edge_env));
  for (const auto& name : region_names) {
    if (!edge_->wait_status(name, "up")) {
      throw std::runtime_error("region " + name + " never came up at the edge; edge log: " + read_file(edge_->log_path()));
    }
  }
}

std::unique_ptr<edge_process> edge_cluster::another_edge(std::vector<std::string> env) const {
  env.push_back("REGIONS=" + regions_env_);
  return std::make_unique<edge_process>(store_, std::move(env));
}

std::string str_of(const json::object& o, const std::string& key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string start_body(const std::string& user, const std::string& preferred) {
  json::object o{{"userId", user}};
  if (!preferred.empty()) o["preferredRegion"] = preferred;
  return json::serialize(o);
}

curl_result run_curl(std::vector<std::string> args) {
  const std::string out = make_temp_dir("metronome-curl-") + "/out.txt";
  args.insert(args.begin(), {"curl", "-s", "--max-time", "20", "-w", "\n%{http_code}"});
  child_process p = child_process::spawn(args, {}, out);
  if (p.wait(30s) != 0) return {0, read_file(out)};
  std::string text = read_file(out);
  const auto nl = text.rfind('\n');
  if (nl == std::string::npos) return {0, text};
  return {std::atoi(text.c_str() + nl + 1), text.substr(0, nl)};
}

bool is_error_body(const http_result& r, const std::string& code) {
  boost::system::error_code ec;
  const json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object() || v.as_object().size() != 1 || !v.as_object().contains("error")) return false;
  const json::value& e = v.as_object().at("error");
  if (!e.is_object() || e.as_object().size() != 2) return false;
  const json::value* c = e.as_object().if_contains("code");
  const json::value* m = e.as_object().if_contains("message");
  return c != nullptr && m != nullptr && c->is_string() && m->is_string() && c->as_string() == code && !m->as_string().empty();
}

}  // namespace metronome::test
