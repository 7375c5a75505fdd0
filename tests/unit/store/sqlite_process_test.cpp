// The SQLite store shared by several processes (as `metronome up` runs three
// regions on one file) and killed with SIGKILL mid-stream. Children are
// fork()ed from the test and open their own store after the fork (SQLite
// connections must not cross a fork); they report through files or a pipe and
// their exit code, never through gtest macros, and leave with _exit.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "metronome/store/backends.hpp"
#include "process.hpp"
#include "sync_store.hpp"

namespace metronome::store {
namespace {

using namespace std::chrono_literals;

// Runs one store call and returns what its callback got, waiting for it
// (writes complete on a store thread) within a bound.
template <class T, class Call>
result<T> sync(Call call) {
  return testing::wait_for<T>([&](callback<T> cb) { call(std::move(cb)); });
}

// FNV-1a: a seed every process derives the same way from an id.
std::uint64_t seed_of(const std::string& id) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : id) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

session_record make_record(const std::string& id, const std::string& user, std::int64_t created_at_ms) {
  session_record r;
  r.id = id;
  r.user_id = user;
  r.region = "region-" + id.substr(0, id.find('-'));
  r.seed = seed_of(id);
  r.start_at_ms = created_at_ms + 250;
  r.rule_json = R"({"name":"rounds","mean_interval":50,"jitter":49})";
  r.created_at_ms = created_at_ms;
  r.metadata_json = R"({"id":")" + id + R"("})";
  return r;
}

// The fields a writer chose, which nothing but create may set.
bool same_creation(const session_record& a, const session_record& b) {
  session_record x = a;
  session_record y = b;
  x.status = y.status = session_status::running;
  x.ended_at_ms = y.ended_at_ms = std::nullopt;
  return x == y;
}

// A whole line in one write(2): a reader never sees half of it, and once
// write returns the line is the kernel's, whatever happens to this process.
bool write_line(int fd, const std::string& line) {
  const std::string text = line + "\n";
  return ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Every session of a user, walking all pages.
std::vector<session_record> all_sessions(session_store& s, const std::string& user) {
  std::vector<session_record> out;
  std::string cursor;
  for (int pages = 0; pages < 1000; ++pages) {
    auto p = sync<page>([&](auto cb) { s.list_by_user({.user_id = user, .limit = 100, .cursor = cursor}, cb); });
    if (!p) {
      ADD_FAILURE() << p.error().message;
      return out;
    }
    out.insert(out.end(), p->sessions.begin(), p->sessions.end());
    cursor = p->next_cursor;
    if (cursor.empty()) break;
  }
  return out;
}

pid_t fork_child(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    int code = 99;
    try {
      code = body();
    } catch (...) {
      code = 98;
    }
    ::_exit(code);
  }
  return pid;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class sqlite_process_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::make_temp_dir("metronome-sqlite-proc-");
    path_ = dir_ + "/shared.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string path_;
};

constexpr int hammer_children = 4;
constexpr int hammer_iterations = 400;
constexpr int hammer_users = 3;

std::string user_name(int u) { return "user" + std::to_string(u); }

// hammer's ids are "<child>-<i>" (created at 1000 + i) or "<child>-final<u>" (at 5000).
std::int64_t hammer_created_at(const std::string& id) {
  const std::string tail = id.substr(id.find('-') + 1);
  return tail.starts_with("final") ? 5000 : 1000 + std::stoi(tail);
}

// One child of the multi-process test. Opens the (possibly not yet created)
// file at the same moment as its siblings, then for each iteration creates a
// session for a user under one_active_per_user; when the user already has
// one, ends it instead (racing its siblings, who may be ending the same one).
// Logs "C id" for each session it created and "E id at_ms changed" for each
// end, after the store acknowledged it. Finally makes sure every user has a
// running session, so the parent can demand exactly one per user.
int hammer(const std::string& path, int child, const std::string& log_path) {
  auto store = make_sqlite_store(path, {.timeout = 15s});
  if (!store) return 10;
  session_store& s = **store;
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (log < 0) return 11;
  auto create_for = [&](const std::string& id, const std::string& user, std::int64_t at) -> int {
    auto out = sync<create_outcome>([&](auto cb) { s.create(make_record(id, user, at), {.one_active_per_user = true}, cb); });
    if (!out) return 12;
    if (out->created) return write_line(log, "C " + id) ? 0 : 13;
    if (out->record.status != session_status::running || out->record.user_id != user) return 14;
    if (out->record.id == id) return 15;
    return -1;  // Not created: the user's running session is out->record.
  };
  for (int i = 0; i < hammer_iterations; ++i) {
    const std::string user = user_name(i % hammer_users);  // Siblings contend for the same user.
    const std::string id = std::to_string(child) + "-" + std::to_string(i);
    auto existing = sync<create_outcome>([&](auto cb) { s.create(make_record(id, user, 1000 + i), {.one_active_per_user = true}, cb); });
    if (!existing) return 12;
    if (existing->created) {
      if (!write_line(log, "C " + id)) return 13;
      continue;
    }
    if (existing->record.status != session_status::running || existing->record.user_id != user) return 14;
    // The policy's invariant, checked at every step from every process: one
    // snapshot of the user's sessions never shows two running.
    auto snapshot = sync<page>([&](auto cb) { s.list_by_user({.user_id = user, .limit = 100, .cursor = {}}, cb); });
    if (!snapshot) return 18;
    if (std::count_if(snapshot->sessions.begin(), snapshot->sessions.end(), [](const auto& r) { return !r.ended(); }) > 1) {
      return 19;
    }
    const std::int64_t at = child * 1'000'000 + i;
    auto ended = sync<end_outcome>(
        [&](auto cb) { s.end({.id = existing->record.id, .to = session_status::stopped, .owner = user, .at_ms = at}, cb); });
    if (!ended) return 16;
    if (ended->record.status != session_status::stopped) return 17;
    if (!write_line(log, "E " + existing->record.id + " " + std::to_string(at) + " " + (ended->changed ? "1" : "0"))) return 13;
  }
  for (int u = 0; u < hammer_users; ++u) {
    const int rc = create_for(std::to_string(child) + "-final" + std::to_string(u), user_name(u), 5000);
    if (rc > 0) return rc;
  }
  ::close(log);
  return 0;
}

TEST_F(sqlite_process_test, several_processes_share_one_file_without_losing_or_doubling_anything) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<pid_t> children;
  for (int c = 0; c < hammer_children; ++c) {
    const std::string log = dir_ + "/child" + std::to_string(c) + ".log";
    children.push_back(fork_child([&, c] { return hammer(path_, c, log); }));
    ASSERT_GT(children.back(), 0);
  }
  for (int c = 0; c < hammer_children; ++c) {
    EXPECT_EQ(wait_exit_code(children[static_cast<std::size_t>(c)]), 0) << "child " << c;
  }

  std::set<std::string> created;
  std::map<std::string, std::vector<std::int64_t>> winning_ends;  // id -> at_ms of ends that changed it.
  std::set<std::string> losing_ends;
  int ends = 0;
  for (int c = 0; c < hammer_children; ++c) {
    for (const auto& line : lines_of(test::read_file(dir_ + "/child" + std::to_string(c) + ".log"))) {
      std::istringstream in(line);
      std::string kind, id;
      in >> kind >> id;
      if (kind == "C") {
        EXPECT_TRUE(created.insert(id).second) << "created twice: " << id;
      } else {
        std::int64_t at = 0;
        int changed = 0;
        in >> at >> changed;
        ++ends;
        if (changed == 1) {
          winning_ends[id].push_back(at);
        } else {
          losing_ends.insert(id);
        }
      }
    }
  }
  ASSERT_GT(created.size(), static_cast<std::size_t>(hammer_users));
  ASSERT_GT(ends, 0);

  auto store = make_sqlite_store(path_);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  std::size_t stored = 0;
  for (int u = 0; u < hammer_users; ++u) {
    const std::string user = user_name(u);
    int running = 0;
    for (const auto& r : all_sessions(**store, user)) {
      ++stored;
      EXPECT_EQ(created.count(r.id), 1u) << "stored but never acknowledged: " << r.id;
      EXPECT_EQ(r.user_id, user);
      EXPECT_EQ(r.seed, seed_of(r.id));
      EXPECT_TRUE(same_creation(r, make_record(r.id, user, hammer_created_at(r.id)))) << r.id;
      const auto wins = winning_ends.find(r.id);
      if (r.status == session_status::running) {
        ++running;
        EXPECT_EQ(wins, winning_ends.end()) << "ended but still running: " << r.id;
        EXPECT_EQ(losing_ends.count(r.id), 0u) << r.id;
      } else {
        // Exactly one process won the compare-and-set, and its time stuck.
        ASSERT_NE(wins, winning_ends.end()) << "ended by nobody: " << r.id;
        ASSERT_EQ(wins->second.size(), 1u) << "ended twice: " << r.id;
        EXPECT_EQ(r.ended_at_ms, wins->second.front()) << r.id;
      }
    }
    EXPECT_EQ(running, 1) << user << " must have exactly one running session";
  }
  EXPECT_EQ(stored, created.size());  // Nothing lost, nothing extra.
  std::cout << "[ info ] " << created.size() << " sessions, " << ends << " ends (" << losing_ends.size() << " lost a race) from "
            << hammer_children << " processes in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count() << " ms\n";
}

// The child of the kill test: writes sessions (ending every third) as fast
// as it can and reports each one after its callback succeeded, until killed.
int write_until_killed(const std::string& path, int report_fd) {
  auto store = make_sqlite_store(path, {.timeout = 10s});
  if (!store) return 10;
  for (int i = 0; i < 1'000'000; ++i) {
    const std::string id = "k-" + std::to_string(i);
    auto made = sync<create_outcome>([&](auto cb) { (*store)->create(make_record(id, "victim", i), {}, cb); });
    if (!made || !made->created) return 11;
    if (!write_line(report_fd, "C " + id)) return 12;
    if (i % 3 == 0) {
      auto ended = sync<end_outcome>(
          [&](auto cb) { (*store)->end({.id = id, .to = session_status::exited, .owner = std::nullopt, .at_ms = 7'000'000 + i}, cb); });
      if (!ended || !ended->changed) return 13;
      if (!write_line(report_fd, "E " + id)) return 12;
    }
  }
  return 0;
}

TEST_F(sqlite_process_test, acknowledged_writes_survive_kill_9) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = fork_child([&] {
    ::close(fds[0]);
    return write_until_killed(path_, fds[1]);
  });
  ASSERT_GT(child, 0);
  ::close(fds[1]);

  // Read acknowledgements until enough are in, kill the writer mid-stream,
  // then collect what it acknowledged before it died.
  constexpr std::size_t kill_after = 300;
  std::string received;
  bool killed = false;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
    if (!killed && lines_of(received).size() >= kill_after) {
      ::kill(child, SIGKILL);
      killed = true;
    }
  }
  ::close(fds[0]);
  ASSERT_TRUE(killed) << "the writer stopped early: " << received.substr(0, 200);
  EXPECT_EQ(wait_exit_code(child), 128 + SIGKILL);

  std::set<std::string> acked_created;
  std::set<std::string> acked_ended;
  for (const auto& line : lines_of(received)) {
    if (line.size() < 3) continue;
    (line[0] == 'C' ? acked_created : acked_ended).insert(line.substr(2));
  }
  ASSERT_GE(acked_created.size(), kill_after * 2 / 3);

  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
  }

  auto store = make_sqlite_store(path_);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  for (const auto& id : acked_created) {
    auto got = sync<session_record>([&](auto cb) { (*store)->get(id, cb); });
    ASSERT_TRUE(got.has_value()) << "acknowledged then lost: " << id;
    const int i = std::stoi(id.substr(2));
    EXPECT_TRUE(same_creation(*got, make_record(id, "victim", i))) << id;
    if (acked_ended.count(id) != 0) {
      EXPECT_EQ(got->status, session_status::exited) << id;
      EXPECT_EQ(got->ended_at_ms, 7'000'000 + i) << id;
    }
  }
  // Whatever committed without being acknowledged is whole too.
  const auto stored = all_sessions(**store, "victim");
  EXPECT_GE(stored.size(), acked_created.size());
  for (const auto& r : stored) {
    EXPECT_TRUE(same_creation(r, make_record(r.id, "victim", std::stoi(r.id.substr(2))))) << r.id;
  }
}

}  // namespace
}  // namespace metronome::store
