// The registry in SQLite: one `regions` table beside `sessions` in the same
// file, on its own connection (registry traffic is light).
#include <sqlite3.h>

#include <memory>

#include "metronome/store/registry_store.hpp"
#include "registry/registry_backends.hpp"
#include "registry/registry_worker.hpp"

namespace metronome::store::detail {
namespace {

constexpr const char* schema = R"(
CREATE TABLE IF NOT EXISTS regions (
  name TEXT PRIMARY KEY,
  base_url TEXT NOT NULL,
  ws_url TEXT NOT NULL,
  registered_at_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
) STRICT;
)";

class sqlite_registry final : public registry_store {
 public:
  explicit sqlite_registry(sqlite3* db) : db_(db) {}
  ~sqlite_registry() override {
    worker_.reset();  // finish queued work before closing
    sqlite3_close_v2(db_);
  }

  void upsert_region(region_record record, callback<region_record> done) override {
    post(done, [this, record = std::move(record), done]() mutable { done(upsert(std::move(record))); });
  }

  void list_regions(callback<std::vector<region_record>> done) override {
    post(done, [this, done] { done(list()); });
  }

 private:
  template <class T>
  void post(const callback<T>& done, std::function<void()> job) {
    if (!worker_->post(std::move(job))) done(make_error(errc::unavailable, "registry queue is full"));
  }

  error sql_error(std::string_view what) const {
    const int code = sqlite3_errcode(db_);
    const errc e = code == SQLITE_BUSY || code == SQLITE_LOCKED ? errc::timeout : errc::unavailable;
    return make_error(e, std::string(what) + ": " + sqlite3_errmsg(db_));
  }

  result<region_record> upsert(region_record r) {
    sqlite3_stmt* st = nullptr;
    const char* sql =
        "INSERT INTO regions (name, base_url, ws_url, registered_at_ms, last_seen_ms) VALUES (?1, ?2, ?3, ?4, ?4) "
        "ON CONFLICT (name) DO UPDATE SET base_url = excluded.base_url, ws_url = excluded.ws_url, "
        "last_seen_ms = excluded.last_seen_ms RETURNING registered_at_ms";
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return sql_error("prepare region upsert");
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
    sqlite3_bind_text(st, 1, r.name.data(), static_cast<int>(r.name.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r.base_url.data(), static_cast<int>(r.base_url.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r.ws_url.data(), static_cast<int>(r.ws_url.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r.last_seen_ms);
    if (sqlite3_step(st) != SQLITE_ROW) return sql_error("upsert region");
    r.registered_at_ms = sqlite3_column_int64(st, 0);
    if (sqlite3_step(st) != SQLITE_DONE) return sql_error("upsert region");
    return r;
  }

  result<std::vector<region_record>> list() {
    sqlite3_stmt* st = nullptr;
    const char* sql = "SELECT name, base_url, ws_url, registered_at_ms, last_seen_ms FROM regions ORDER BY name";
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) return sql_error("prepare region list");
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(st, sqlite3_finalize);
    std::vector<region_record> out;
    int rc;
    auto text = [st](int i) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i))); };
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      out.push_back(region_record{text(0), text(1), text(2), sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4)});
    }
    if (rc != SQLITE_DONE) return sql_error("list regions");
    return out;
  }

  sqlite3* db_;
  std::unique_ptr<registry_worker> worker_ = std::make_unique<registry_worker>();
};

}  // namespace

result<std::unique_ptr<registry_store>> make_sqlite_registry(const std::string& path, const store_options& options) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return make_error(errc::unavailable, "cannot open " + path + " for the registry: " + msg);
  }
  sqlite3_busy_timeout(db, static_cast<int>(options.timeout.count()));
  char* err = nullptr;
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, &err) != SQLITE_OK ||
      sqlite3_exec(db, schema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    sqlite3_close_v2(db);
    return make_error(errc::unavailable, "cannot prepare the registry in " + path + ": " + msg);
  }
  return std::unique_ptr<registry_store>(std::make_unique<sqlite_registry>(db));
}

}  // namespace metronome::store::detail
