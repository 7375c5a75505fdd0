// The registry in SQLite: one `regions` table beside `sessions` in the same
// file, on its own connection (registry traffic is light), run one operation
// at a time on a registry_worker thread so that a locked file never blocks a
// caller. Built on the store's SQLite layers: sqlite_connection opens the file
// the way the session store does (WAL, synchronous level, busy timeout),
// sqlite_failure maps result codes to errors, retry_while_busy bounds busy
// retries by the store timeout. A connection broken by an I/O error is
// replaced on the next operation.
#include <memory>
#include <tuple>

#include "metronome/store/registry_store.hpp"
#include "registry/registry_backends.hpp"
#include "registry/registry_worker.hpp"
#include "sqlite/sqlite_connection.hpp"
#include "sqlite/sqlite_error.hpp"
#include "sqlite/sqlite_statement.hpp"

namespace metronome::store::detail {
namespace {

constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS regions (
  name TEXT PRIMARY KEY,
  base_url TEXT NOT NULL,
  ws_url TEXT NOT NULL,
  registered_at_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL
) STRICT;
)sql";

constexpr std::string_view upsert_sql =
    "INSERT INTO regions (name, base_url, ws_url, registered_at_ms, last_seen_ms) VALUES (?1, ?2, ?3, ?4, ?4) "
    "ON CONFLICT (name) DO UPDATE SET base_url = excluded.base_url, ws_url = excluded.ws_url, "
    "last_seen_ms = excluded.last_seen_ms RETURNING registered_at_ms";
constexpr std::string_view list_sql = "SELECT name, base_url, ws_url, registered_at_ms, last_seen_ms FROM regions ORDER BY name";

/// A connection with the registry's table and statements. Members are
/// destroyed in reverse order: the statements are finalized before the
/// connection closes.
struct registry_connection {
  std::unique_ptr<sqlite_connection> c;
  statement upsert;
  statement list;

  static result<std::unique_ptr<registry_connection>> open(const std::string& path, const store_options& options) {
    auto c = sqlite_connection::open(path, options.sqlite_full_sync, options.timeout);
    if (!c) return std::move(c).error();
    auto rc = std::make_unique<registry_connection>();
    rc->c = std::move(*c);
    if (auto made = rc->c->exec(schema, "create the regions table"); !made) return made.error();
    for (auto [st, sql, what] :
         {std::tuple{&rc->upsert, upsert_sql, "prepare the region upsert"}, std::tuple{&rc->list, list_sql, "prepare the region list"}}) {
      if (const int code = st->prepare(rc->c->db(), sql); code != SQLITE_OK) return rc->c->failure(code, what);
    }
    return rc;
  }
};

class sqlite_registry final : public registry_store {
 public:
  sqlite_registry(std::string path, store_options options, std::unique_ptr<registry_connection> first)
      : path_(std::move(path)), options_(options), conn_(std::move(first)) {}
  ~sqlite_registry() override {
    worker_.reset();  // finish queued work before closing
  }

  void upsert_region(region_record record, callback<region_record> done) override {
    post(done, [this, record = std::move(record), done]() mutable { done(run([&] { return upsert(record); })); });
  }

  void list_regions(callback<std::vector<region_record>> done) override {
    post(done, [this, done] { done(run([&] { return list(); })); });
  }

 private:
  template <class T>
  void post(const callback<T>& done, std::function<void()> job) {
    if (!worker_->post(std::move(job))) done(make_error(errc::unavailable, "registry queue is full"));
  }

  /// Runs `op` on a working connection, retrying busy outcomes until the
  /// store timeout.
  template <class F>
  auto run(F&& op) -> decltype(op()) {
    return retry_while_busy(steady_clock::now() + options_.timeout, [&]() -> decltype(op()) {
      if (!conn_ || conn_->c->broken()) {
        conn_.reset();
        auto fresh = registry_connection::open(path_, options_);
        if (!fresh) return std::move(fresh).error();
        conn_ = std::move(*fresh);
      }
      return op();
    });
  }

  result<region_record> upsert(region_record r) {
    statement_scope st(conn_->upsert);
    st->bind(1, r.name);
    st->bind(2, r.base_url);
    st->bind(3, r.ws_url);
    st->bind(4, r.last_seen_ms);
    if (const int rc = st->step(); rc != SQLITE_ROW) return conn_->c->failure(rc, "upsert region");
    r.registered_at_ms = st->column_int64(0);
    if (const int rc = st->step(); rc != SQLITE_DONE) return conn_->c->failure(rc, "upsert region");
    return r;
  }

  result<std::vector<region_record>> list() {
    statement_scope st(conn_->list);
    std::vector<region_record> out;
    int rc = SQLITE_OK;
    while ((rc = st->step()) == SQLITE_ROW) {
      out.push_back(region_record{st->column_text(0), st->column_text(1), st->column_text(2), st->column_int64(3), st->column_int64(4)});
    }
    if (rc != SQLITE_DONE) return conn_->c->failure(rc, "list regions");
    return out;
  }

  std::string path_;
  store_options options_;
  std::unique_ptr<registry_connection> conn_;  ///< Used on the worker thread only.
  std::unique_ptr<registry_worker> worker_ = std::make_unique<registry_worker>();
};

}  // namespace

result<std::unique_ptr<registry_store>> make_sqlite_registry(const std::string& path, const store_options& options) {
  // Opened now so that a bad path is reported at start-up, like the session store.
  auto first = retry_while_busy(steady_clock::now() + options.timeout, [&] { return registry_connection::open(path, options); });
  if (!first) return make_error(first.error().code, "the registry in " + path + ": " + first.error().message);
  return std::unique_ptr<registry_store>(std::make_unique<sqlite_registry>(path, options, std::move(*first)));
}

}  // namespace metronome::store::detail
