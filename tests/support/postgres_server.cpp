#include "postgres_server.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace metronome::test {
namespace {

using namespace std::chrono_literals;

std::string tail(const std::string& text, std::size_t n) { return text.size() <= n ? text : text.substr(text.size() - n); }

std::string find_bindir() {
  if (const char* env = std::getenv("METRONOME_PG_BINDIR"); env != nullptr && *env != '\0') return env;
  std::filesystem::path best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (std::stoi(name) > best_version && std::filesystem::exists(e.path() / "bin" / "postgres")) {
      best_version = std::stoi(name);
      best = e.path() / "bin";
    }
  }
  if (best_version < 0) throw std::runtime_error("no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql-15)");
  return best.string();
}

/// argv run through setpriv: as the postgres user when we are root (the
/// server refuses root), and with a parent-death signal either way.
std::vector<std::string> as_server_user(const std::vector<std::string>& argv) {
  std::vector<std::string> out{"setpriv"};
  if (::geteuid() == 0) out.insert(out.end(), {"--reuid=postgres", "--regid=postgres", "--init-groups"});
  out.insert(out.end(), {"--pdeathsig", "INT"});
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

/// Lines of data/postmaster.pid: [0] the PID, [7] the status ("ready" once it accepts).
std::vector<std::string> pid_file_lines(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

postgres_server::postgres_server(std::vector<std::string> settings)
    : dir_(make_temp_dir("metronome-pg-")), bindir_(find_bindir()), settings_(std::move(settings)) {
  try {
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) throw std::runtime_error("running as root, and there is no 'postgres' user to run PostgreSQL as");
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("cannot give " + dir_ + " to the postgres user");
    }
    const std::string log = dir_ + "/initdb.log";
    auto initdb = child_process::spawn(as_server_user({bindir_ + "/initdb", "-D", dir_ + "/data", "--auth=trust", "--username=metronome",
                                                       "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"}),
                                       {}, log);
    const int rc = initdb.wait(120s);
    if (rc != 0) throw std::runtime_error("initdb exited with " + std::to_string(rc) + ": " + tail(read_file(log), 2000));
    // A free port can be taken before the server binds it: try fresh ones a few times.
    for (int attempt = 1;; ++attempt) {
      port_ = free_port();
      try {
        start();
        break;
      } catch (const std::runtime_error&) {
        if (attempt == 3) throw;
      }
    }
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw;
  }
}

postgres_server::~postgres_server() {
  if (process_.running()) halt(SIGINT);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string postgres_server::url() const { return "postgresql://metronome@127.0.0.1:" + std::to_string(port_) + "/postgres"; }

void postgres_server::start(std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{bindir_ + "/postgres",       "-D", dir_ + "/data", "-p", std::to_string(port_), "-k", dir_, "-c",
                                "listen_addresses=127.0.0.1"};
  for (const auto& s : settings_) argv.insert(argv.end(), {"-c", s});
  process_ = child_process::spawn(as_server_user(argv), {}, log_path());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string pid = std::to_string(process_.pid());
  const std::string conninfo = url() + "?connect_timeout=2";
  while (process_.running() && std::chrono::steady_clock::now() < deadline) {
    const auto lines = pid_file_lines(dir_ + "/data/postmaster.pid");
    if (lines.size() >= 8 && lines[0] == pid && lines[7].rfind("ready", 0) == 0 && PQping(conninfo.c_str()) == PQPING_OK) return;
    std::this_thread::sleep_for(20ms);
  }
  if (process_.running()) halt(SIGQUIT);
  throw std::runtime_error("postgres on port " + std::to_string(port_) + " did not start: " + tail(read_file(log_path()), 2000));
}

void postgres_server::halt(int sig) {
  process_.signal(sig);
  if (process_.wait(60s) >= 0) return;
  process_.signal(SIGKILL);
  process_.wait(10s);
}

void postgres_server::stop() { halt(SIGINT); }
void postgres_server::crash() { halt(SIGQUIT); }

std::string postgres_server::scalar(const std::string& sql) const {
  std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectdb(url().c_str()), &PQfinish);
  if (PQstatus(c.get()) != CONNECTION_OK) throw std::runtime_error(std::string("connect: ") + PQerrorMessage(c.get()));
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c.get(), sql.c_str()), &PQclear);
  const auto status = PQresultStatus(r.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) throw std::runtime_error(sql + ": " + PQresultErrorMessage(r.get()));
  if (status == PGRES_COMMAND_OK || PQntuples(r.get()) == 0) return "";
  return PQgetvalue(r.get(), 0, 0);
}

}  // namespace metronome::test
