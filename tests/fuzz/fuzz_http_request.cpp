// The region node's HTTP front door: raw bytes from a socket, parsed into a
// net::request by the server's own request_reader (src/net/detail/http_wire.hpp,
// the code http_session.cpp runs, with the limits of net::server_config), and
// handled by region_api over a real SQLite store.
//
// Up to max_requests_per_input pipelined requests per input, as on one
// keep-alive connection. For each request the handler must reply exactly once
// (within a bound: SQLite writes complete on a store thread), with a status
// in [200, 600), a route for the metrics, valid JSON when it says
// application/json, the {"error":{...}} shape on errors, Allow on 405; and the
// response head as the server writes it (write_response_head), followed by
// the body, must parse back unchanged as exactly one response.
//
// State: one store, API and metrics registry for the whole run, as in a
// server process (created in LLVMFuzzerInitialize, with fixture sessions whose
// ids the seed corpus uses). Requests may create and end sessions, so later
// inputs can see a different store, as a real server would.
// GCC 12 reports a false -Wmaybe-uninitialized inside Beast's
// basic_parser::put once it is inlined here (as in src/net/http_wire.cpp).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "detail/http_wire.hpp"
#include "fuzz_check.hpp"
#include "metronome/core/clock.hpp"
#include "metronome/net/http_errors.hpp"
#include "metronome/net/server.hpp"
#include "metronome/obs/log.hpp"
#include "metronome/region/api.hpp"
#include "metronome/store/backends.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using namespace metronome;

constexpr std::size_t max_requests_per_input = 8;
constexpr std::int64_t t0 = 1'733'850'000'000;  // 2024-12-10T17:00:00Z

/// The region node as `metronome region` wires it, minus the sockets. One for
/// the whole run: the metrics are "registered once" (metrics.hpp), as in a
/// server process.
struct fixture {
  explicit fixture(std::string temp_dir, std::unique_ptr<store::session_store> s)
      : dir(std::move(temp_dir)),
        store(std::move(s)),
        service(*store, clock, region::service_config{.region = "eu", .countdown_ms = 3000, .default_tick_ms = 100}, metrics),
        api(service, metrics, health) {}

  std::string dir;
  std::unique_ptr<store::session_store> store;
  manual_clock clock{t0};
  net::server_config limits;  // the server's defaults: header_limit 8 KiB, body_limit 64 KiB
  region::region_metrics metrics;
  region::store_health health;
  region::session_service service;
  region::region_api api;
};

fixture* the_fixture = nullptr;
/// METRONOME_FUZZ_VERBOSE=1 prints each exchange (for checking what a seed reaches).
bool verbose = false;

/// Waits (bounded) for one store call of the fixture's set-up.
template <class T>
T complete(const char* what, auto&& start) {
  std::mutex m;
  std::condition_variable cv;
  std::optional<result<T>> out;
  start([&](result<T> r) {
    std::lock_guard lock(m);
    out.emplace(std::move(r));
    cv.notify_one();
  });
  std::unique_lock lock(m);
  cv.wait_for(lock, std::chrono::seconds(30), [&] { return out.has_value(); });
  if (!out || !*out) {
    std::fprintf(stderr, "fuzz_http_request: fixture %s failed: %s\n", what, out ? (*out).error().message.c_str() : "no callback");
    std::abort();
  }
  return std::move(**out);
}

/// Sessions the seed corpus addresses by id: seed 002's and seed 004's
/// examples, a running server-mode session and an ended one.
void add_fixture_sessions(store::session_store& s) {
  auto add = [&](std::string id, std::string user, store::session_mode mode, std::string rule, bool ended) {
    store::session_record r;
    r.id = std::move(id);
    r.user_id = std::move(user);
    r.region = "eu";
    r.seed = 12345;
    r.mode = mode;
    if (mode == store::session_mode::server) {
      r.salt = "00112233445566778899aabbccddeeff";
      r.commitment = region::session_service::commitment_for(r.seed, r.salt);
    }
    r.created_at_ms = t0 - 3'600'000;
    r.start_at_ms = r.created_at_ms + 3000;
    r.tick_ms = 100;
    r.rule_json = std::move(rule);
    r.metadata_json = R"({"game_type":"counter"})";
    if (ended) {
      r.status = store::session_status::stopped;
      r.ended_at_ms = t0 - 60'000;
    }
    complete<store::create_outcome>("create", [&](auto done) { s.create(r, {}, std::move(done)); });
  };
  add("550e8400-e29b-41d4-a716-446655440000", "user123", store::session_mode::client, R"({"name":"lcg-counter","break_probability":50})",
      false);
  add("sess_abc-123-def", "", store::session_mode::client, R"({"name":"rounds","mean_interval":20,"jitter":19})", false);
  add("5e77e700-0000-4000-8000-000000000001", "user456", store::session_mode::server, R"({"name":"rounds","mean_interval":50,"jitter":49})",
      false);
  add("e0ded000-0000-4000-8000-000000000002", "user789", store::session_mode::client, R"({"name":"rounds","mean_interval":50,"jitter":49})",
      true);
}

/// Whether `body` is an error body: {"error":{"code":"...","message":"..."}}.
bool is_error_body(const json::value& v) {
  const auto* o = v.if_object();
  const auto* e = o != nullptr ? o->if_contains("error") : nullptr;
  if (e == nullptr || !e->is_object()) return false;
  const auto* code = e->as_object().if_contains("code");
  const auto* message = e->as_object().if_contains("message");
  return code != nullptr && code->is_string() && message != nullptr && message->is_string();
}

void check_json(const net::response& r) {
  boost::system::error_code ec;
  const json::value v = json::parse(r.body, ec);
  FUZZ_CHECK(!ec, "an application/json response body must be valid JSON: " + r.body.substr(0, 300));
  FUZZ_CHECK(v.is_object(), "a JSON response body must be an object: " + r.body.substr(0, 300));
  if (r.status >= 400) FUZZ_CHECK(is_error_body(v), "an error response must have the error body shape: " + r.body.substr(0, 300));
}

/// Writes `r` as http_session.cpp's write() does and parses it back.
void check_wire(const net::response& r, const std::string& request_id, bool keep_alive) {
  std::string wire;
  net::detail::write_response_head(wire, r, request_id, keep_alive);
  const bool bodiless = (r.status >= 100 && r.status < 200) || r.status == 204 || r.status == 304;
  if (!bodiless) wire += r.body;

  http::response_parser<http::string_body> p;
  p.eager(true);
  p.body_limit(boost::none);
  beast::error_code ec;
  std::size_t used = 0;
  while (!ec && !p.is_done() && used < wire.size()) {
    const std::size_t n = p.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
    if (n == 0 && !ec) break;
    used += n;
  }
  FUZZ_CHECK(!ec && p.is_done() && used == wire.size(), "the written response does not parse as exactly one response");
  const auto& back = p.get();
  FUZZ_CHECK(back.result_int() == r.status, "the written response has another status");
  FUZZ_CHECK(back[http::field::content_type] == r.content_type, "the written response has another Content-Type");
  FUZZ_CHECK(back["X-Request-Id"] == request_id, "the written response has another X-Request-Id");
  FUZZ_CHECK(back.keep_alive() == keep_alive, "the written response has another keep-alive");
  FUZZ_CHECK(bodiless || back.body() == r.body, "the written response has another body");
}

void check_response(const net::response& r, const net::request& sent) {
  FUZZ_CHECK(r.status >= 200 && r.status < 600, "status outside [200, 600): " + std::to_string(r.status));
  FUZZ_CHECK(!r.route.empty(), "every response must name its route (metrics, access log)");
  if (r.content_type == "application/json") check_json(r);
  if (r.status == 405) {
    bool allow = false;
    for (const auto& h : r.headers) allow = allow || h.first == "Allow";
    FUZZ_CHECK(allow, "a 405 must say what is allowed");
  }
  check_wire(r, sent.request_id, sent.keep_alive);
}

/// The answer the server sends before closing on a read error must be
/// valid JSON with the error shape.
void check_read_error(const net::detail::request_reader& reader) {
  const std::optional<net::response> r = reader.error_reply();
  FUZZ_CHECK(r.has_value(), "a parse failure must be answered before closing");
  check_json(*r);
  FUZZ_CHECK(r->status == 400 || r->status == 413 || r->status == 431, "a parse failure must be 400, 413 or 431");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  obs::set_log_level("error");
  verbose = std::getenv("METRONOME_FUZZ_VERBOSE") != nullptr;
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/metronome-fuzz-http-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("fuzz_http_request: mkdtemp");
    std::abort();
  }
  auto s = store::make_session_store("sqlite:" + pattern + "/sessions.db");
  if (!s) {
    std::fprintf(stderr, "fuzz_http_request: cannot open the store: %s\n", s.error().message.c_str());
    std::abort();
  }
  the_fixture = new fixture(pattern, std::move(*s));
  add_fixture_sessions(*the_fixture->store);
  std::atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(the_fixture->dir, ignored);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fixture& f = *the_fixture;
  region::region_api& api = f.api;

  std::string_view rest(reinterpret_cast<const char*>(data), size);
  // As one connection: one reader and one request, reused request after request.
  net::detail::request_reader reader(f.limits.header_limit, f.limits.body_limit);
  net::request req;
  for (std::size_t n = 0; n < max_requests_per_input && !rest.empty(); ++n) {
    reader.start(req);
    while (!rest.empty() && !reader.done() && !reader.failed()) {
      const std::size_t used = reader.feed(rest);
      rest.remove_prefix(used);
      if (used == 0) break;  // the rest is an incomplete request: the server would wait, then time out
    }
    if (reader.failed()) {
      if (verbose) std::fprintf(stderr, "  read error\n");
      check_read_error(reader);
      return 0;  // the server answers and closes
    }
    if (!reader.done()) {
      if (verbose) std::fprintf(stderr, "  incomplete request: the server would wait for more\n");
      return 0;
    }
    if (req.request_id.empty()) req.request_id = "fuzz-request";
    req.remote_address = "127.0.0.1";
    net::request sent;  // what survives the move, as in http_session.cpp
    sent.method = req.method;
    sent.path = req.path;
    sent.request_id = req.request_id;
    sent.keep_alive = req.keep_alive;

    // Shared, so that a reply_fn copy kept and called late cannot write to
    // this stack frame; it still fails the check below.
    struct outcome {
      std::mutex m;
      std::condition_variable cv;
      int calls = 0;
      std::optional<net::response> response;
    };
    auto out = std::make_shared<outcome>();
    api.handle(std::move(req), [out](net::response r) {
      std::lock_guard lock(out->m);
      FUZZ_CHECK(++out->calls == 1, "the handler replied twice");
      out->response = std::move(r);
      out->cv.notify_all();
    });
    std::unique_lock lock(out->m);
    out->cv.wait_for(lock, std::chrono::seconds(10), [&] { return out->calls > 0; });
    FUZZ_CHECK(out->calls == 1, "the handler did not reply within 10 s");
    const net::response* got = &*out->response;
    if (verbose) {
      std::fprintf(stderr, "  %s %s -> %u %s %.200s\n", sent.method.c_str(), sent.path.c_str(), got->status, got->route.c_str(),
                   got->body.c_str());
    }
    check_response(*got, sent);
    api.observe(net::exchange_summary{sent, got->status, got->route, std::chrono::microseconds(10), got->body.size()}, false);
    if (!sent.keep_alive) break;
  }
  return 0;
}
