// Blocking wrappers for the asynchronous session store, shared by the store
// tests. Test code only: it waits on futures.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "metronome/store/session_store.hpp"

namespace metronome::store::testing {

// Blocking wrappers for the asynchronous store (tests only). A callback that
// never comes is a test failure after `limit`, not a hang.
template <class T>
inline result<T> wait_for(const std::function<void(callback<T>)>& start, std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  auto p = std::make_shared<std::promise<result<T>>>();
  auto f = p->get_future();
  start([p](result<T> r) { p->set_value(std::move(r)); });
  if (f.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "a store callback did not arrive within " << limit.count() << " ms";
    return make_error(errc::internal, "callback never arrived");
  }
  return f.get();
}

struct sync_store {
  session_store& s;
  result<create_outcome> create(const session_record& r, bool one_active = false) {
    return wait_for<create_outcome>(
        [&](callback<create_outcome> cb) { s.create(r, create_options{.one_active_per_user = one_active}, std::move(cb)); });
  }
  result<session_record> get(const std::string& id) {
    return wait_for<session_record>([&](callback<session_record> cb) { s.get(id, std::move(cb)); });
  }
  result<end_outcome> end(end_request req) {
    return wait_for<end_outcome>([&](callback<end_outcome> cb) { s.end(std::move(req), std::move(cb)); });
  }
  result<page> list(const std::string& user, std::size_t limit, std::string cursor = "") {
    return wait_for<page>([&](callback<page> cb) { s.list_by_user(page_request{user, limit, std::move(cursor)}, std::move(cb)); });
  }
  result<void> ping() {
    return wait_for<void>([&](callback<void> cb) { s.ping(std::move(cb)); });
  }
};

inline session_record make_record(std::string id, std::string user, std::int64_t created_at_ms = 1'700'000'000'000) {
  session_record r;
  r.id = std::move(id);
  r.user_id = std::move(user);
  r.region = "eu-west";
  r.seed = 9'007'199'254'740'991ULL;
  r.start_at_ms = created_at_ms + 500;
  r.tick_ms = 100;
  r.rule_json = R"({"name":"rounds","mean_interval":50,"jitter":49})";
  r.created_at_ms = created_at_ms;
  r.metadata_json = R"({"note":"x"})";
  return r;
}

// Error code of a failed result, or nullopt when it succeeded.
template <class T>
inline std::optional<errc> code_of(const result<T>& r) {
  if (r) return std::nullopt;
  return r.error().code;
}

}  // namespace metronome::store::testing
