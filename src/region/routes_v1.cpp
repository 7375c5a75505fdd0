// Seed 004's API: /v1/sessions and its sub-resources.
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "json_codec.hpp"
#include "metronome/engine/replay.hpp"
#include "metronome/net/reply.hpp"
#include "metronome/region/api.hpp"

namespace metronome::region {

using net::reply_error;
using net::reply_json;

namespace {

/// Reads the fields /v1 create and /game/start share.
result<create_request> read_create_fields(const json::object& body, engine::rule default_rule) {
  create_request req;
  req.rule = default_rule;
  auto tick = optional_int(body, "tick_ms");
  if (!tick) return tick.error();
  if (auto tick_ms = optional_int(body, "tickMs"); tick_ms && *tick_ms && !*tick) tick = tick_ms;
  if (*tick) {
    if (**tick < engine::min_tick_ms || **tick > engine::max_tick_ms) {
      return make_error(errc::invalid_argument, "tick_ms must be an integer from 1 to 60000");
    }
    req.tick_ms = **tick;
  }
  if (const json::value* r = body.if_contains("rule"); r != nullptr && !r->is_null()) {
    auto rule = rule_from_value(*r);
    if (!rule) return rule.error();
    req.rule = *rule;
  }
  if (const json::value* m = body.if_contains("metadata"); m != nullptr && !m->is_null()) {
    if (!m->is_object()) return make_error(errc::invalid_argument, "metadata must be a JSON object");
    req.metadata_json = json::serialize(*m);
    if (req.metadata_json.size() > max_metadata_bytes) {
      return make_error(errc::invalid_argument, "metadata is " + std::to_string(req.metadata_json.size()) + " bytes; at most " +
                                                    std::to_string(max_metadata_bytes) + " are allowed");
    }
  }
  auto mode = optional_string(body, "mode");
  if (!mode) return mode.error();
  if (*mode) {
    const auto m = store::mode_named(**mode);
    if (!m) return make_error(errc::invalid_argument, "mode must be \"client\" or \"server\"");
    req.mode = *m;
  }
  return req;
}

}  // namespace

/// /game/start's defaults differ in one way: seed 000's clients run the
/// lcg-counter rule, so that is the default there.
result<create_request> read_create_fields_for_game(const json::object& body) {
  return read_create_fields(body, engine::lcg_counter_rule{});
}

void region_api::create_session(const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/v1/sessions";
  if (!admit(req, reply, route)) return;
  auto body = parse_object_body(req.body, true);
  if (!body) return reply_error(reply, body.error(), route);
  auto fields = read_create_fields(*body, engine::rounds_rule{});
  if (!fields) return reply_error(reply, fields.error(), route);
  auto user = optional_string(*body, "user_id");
  if (!user) return reply_error(reply, user.error(), route);
  if (*user) {
    if (auto ok = check_user_id(**user); !ok) return reply_error(reply, ok.error(), route);
    fields->user_id = **user;
  }
  issued_key key = issue_key();
  fields->key_digest = std::move(key.digest);
  service_.create(std::move(*fields), [reply, this, rid = req.request_id, key = std::move(key.key)](result<store::create_outcome> r) {
    if (!r) {
      log_.warn("create failed", {{"request_id", rid}, {"error", r.error().message}});
      return reply_error(reply, r.error(), route);
    }
    net::reply_json_text(reply, 201, session_view_json(r->record, ",\"session_key\":\"" + key + "\""), route);
  });
}

void region_api::list_sessions(const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/v1/sessions";
  if (access_.auth.mode == net::auth_mode::owner && !net::is_admin(req, access_.auth)) {
    return reply_error(reply, make_error(errc::forbidden, "listing a user's sessions needs the admin token (Authorization: Bearer ...)"),
                       route);
  }
  store::page_request page;
  auto user = req.query_param("user_id");
  if (!user || user->empty())
    return reply_error(reply, make_error(errc::invalid_argument, "the user_id query parameter is required"), route);
  if (auto ok = check_user_id(*user); !ok) return reply_error(reply, ok.error(), route);
  page.user_id = *user;
  if (auto limit = req.query_param("limit")) {
    char* end = nullptr;
    const long n = std::strtol(limit->c_str(), &end, 10);
    if (limit->empty() || *end != '\0' || n < 1 || n > 100) {
      return reply_error(reply, make_error(errc::invalid_argument, "limit must be an integer from 1 to 100"), route);
    }
    page.limit = static_cast<std::size_t>(n);
  }
  if (auto cursor = req.query_param("cursor")) page.cursor = *cursor;
  service_.list(std::move(page), [reply](result<store::page> r) {
    if (!r) return reply_error(reply, r.error(), route);
    std::string body = "{\"sessions\":[";
    for (std::size_t i = 0; i < r->sessions.size(); ++i) {
      if (i > 0) body.push_back(',');
      body += session_view_json(r->sessions[i]);
    }
    body += "],\"next_cursor\":";
    body += r->next_cursor.empty() ? std::string("null") : json::serialize(json::value(r->next_cursor));
    body.push_back('}');
    net::reply_json_text(reply, 200, std::move(body), route);
  });
}

void region_api::get_session(const std::string& id, net::reply_fn reply) {
  constexpr const char* route = "/v1/sessions/{id}";
  service_.get(id, [reply](result<store::session_record> r) {
    if (!r) return reply_error(reply, r.error(), route);
    net::reply_json_text(reply, 200, session_view_json(*r), route);
  });
}

void region_api::session_state(const std::string& id, net::reply_fn reply) {
  constexpr const char* route = "/v1/sessions/{id}/state";
  service_.get(id, [this, reply](result<store::session_record> r) {
    if (!r) return reply_error(reply, r.error(), route);
    auto params = session_service::params_of(*r);
    if (!params) return reply_error(reply, params.error(), route);
    // An ended session's state is frozen at its end.
    std::int64_t at = service_.time().now_ms();
    if (r->ended_at_ms && *r->ended_at_ms < at) at = *r->ended_at_ms;
    json::object o = state_view(engine::state_at(*params, at));
    o["id"] = r->id;
    o["status"] = r->public_status(store::status_vocabulary::v1);
    o["computed_at"] = rfc3339_ms(at);
    o["computed_at_ms"] = at;
    reply_json(reply, 200, o, route);
  });
}

void region_api::stop_session(const std::string& id, const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/v1/sessions/{id}/stop";
  if (!admit(req, reply, route)) return;
  auto body = parse_object_body(req.body, true);
  if (!body) return reply_error(reply, body.error(), route);
  auto user = optional_string(*body, "user_id");
  if (!user) return reply_error(reply, user.error(), route);
  auto key = optional_string(*body, "session_key");
  if (!key) return reply_error(reply, key.error(), route);
  authorize_end(id, req, key->value_or(""), reply, route, [this, reply, id, owner = *user] {
    store::end_request end{.id = id, .to = store::session_status::stopped, .owner = owner, .at_ms = service_.time().now_ms()};
    service_.end(std::move(end), [this, reply](result<store::end_outcome> r) {
      if (!r) return reply_error(reply, r.error(), route);
      if (r->changed && hooks_.session_ended) hooks_.session_ended(r->record);
      net::reply_json_text(reply, 200, session_view_json(r->record, r->changed ? ",\"already_ended\":false" : ",\"already_ended\":true"),
                           route);
    });
  });
}

void region_api::replay(const std::string& id, const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/v1/sessions/{id}/replay";
  auto read_step = [&](const char* name) -> result<std::int64_t> {
    const auto text = req.query_param(name);
    if (!text) return make_error(errc::invalid_argument, std::string("the ") + name + " query parameter is required");
    char* end = nullptr;
    errno = 0;
    const long long n = std::strtoll(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || errno != 0 || n < 0 || n > engine::max_time_ms) {
      return make_error(errc::invalid_argument, std::string(name) + " must be a step from 0 to 2^53-1");
    }
    return static_cast<std::int64_t>(n);
  };
  auto from = read_step("from");
  if (!from) return reply_error(reply, from.error(), route);
  auto to = read_step("to");
  if (!to) return reply_error(reply, to.error(), route);
  if (*from > *to) return reply_error(reply, make_error(errc::invalid_argument, "from must not be greater than to"), route);
  if (*to - *from + 1 > max_replay_steps_per_request) {
    return reply_error(
        reply, make_error(errc::invalid_argument, "at most " + std::to_string(max_replay_steps_per_request) + " steps per request"), route);
  }
  bool breaks_only = false;
  if (auto b = req.query_param("breaks_only")) {
    if (*b == "true" || *b == "1")
      breaks_only = true;
    else if (*b != "false" && *b != "0")
      return reply_error(reply, make_error(errc::invalid_argument, "breaks_only must be true or false"), route);
  }
  service_.get(id, [this, reply, first = *from, last = *to, breaks_only](result<store::session_record> r) {
    if (!r) return reply_error(reply, r.error(), route);
    auto params = session_service::params_of(*r);
    if (!params) return reply_error(reply, params.error(), route);
    if (last > engine::last_step(*params)) {
      return reply_error(
          reply, make_error(errc::invalid_argument, "to: the last step of this session is " + std::to_string(engine::last_step(*params))),
          route);
    }
    if (!r->seed_visible()) {
      // The future of a running server-mode session is secret until it ends.
      const engine::state now = engine::state_at(*params, service_.time().now_ms());
      const std::int64_t current = now.phase == engine::phase::running ? now.step : -1;
      if (last > current) {
        return reply_error(reply,
                           make_error(errc::forbidden, "this server-mode session is at step " + std::to_string(current) +
                                                           "; later steps are revealed when it ends"),
                           route);
      }
    }
    json::array states;
    auto emit = [&](const engine::state& s) {
      states.push_back(json::object{{"step", s.step},
                                    {"at_ms", engine::step_start_ms(*params, s.step)},
                                    {"value", s.value},
                                    {"round", s.round},
                                    {"broken", s.broken}});
    };
    if (breaks_only) {
      engine::for_each_break(*params, first, last, emit);
    } else {
      engine::for_each_state(*params, first, last, emit);
    }
    reply_json(reply, 200,
               json::object{{"id", r->id}, {"from", first}, {"to", last}, {"breaks_only", breaks_only}, {"states", std::move(states)}},
               route);
  });
}

void region_api::players(const std::string& id, net::reply_fn reply) {
  constexpr const char* route = "/v1/sessions/{id}/players";
  service_.get(id, [this, reply, id](const result<store::session_record>& r) {
    if (!r) return reply_error(reply, r.error(), route);
    if (!hooks_.players) return net::reply_json_text(reply, 200, R"({"id":")" + id + R"(","players":[]})", route);
    hooks_.players(id, [reply, id](const std::string& players) {
      net::reply_json_text(reply, 200, R"({"id":")" + id + R"(","players":)" + players + "}", route);
    });
  });
}

}  // namespace metronome::region
