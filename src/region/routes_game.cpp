// Seeds 000 and 002: POST /game/start and POST /game/exit, accepting either
// document's request shape and answering with both documents' fields.
#include "json_codec.hpp"
#include "metronome/net/reply.hpp"
#include "metronome/region/api.hpp"

namespace metronome::region {

using net::reply_error;
using net::reply_json;

namespace {

/// The first present string among the given names (seed 000 and 002 spellings).
result<std::optional<std::string>> either_string(const json::object& o, std::string_view a, std::string_view b) {
  auto first = optional_string(o, a);
  if (!first || *first) return first;
  return optional_string(o, b);
}

}  // namespace

// Shared with routes_v1.cpp.
result<create_request> read_create_fields_for_game(const json::object& body);

void region_api::game_start(const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/game/start";
  if (!admit(req, reply, route)) return;
  auto body = parse_object_body(req.body, false);
  if (!body) return reply_error(reply, body.error(), route);
  auto user = either_string(*body, "userId", "user_id");
  if (!user) return reply_error(reply, user.error(), route);
  if (!*user) return reply_error(reply, make_error(errc::invalid_argument, "userId (or user_id) is required"), route);
  if (auto ok = check_user_id(**user); !ok) return reply_error(reply, ok.error(), route);
  auto region = optional_string(*body, "region");
  if (!region) return reply_error(reply, region.error(), route);
  if (*region && **region != service_.config().region) {
    return reply_error(reply,
                       make_error(errc::invalid_argument, "this node serves region '" + service_.config().region + "', not '" + **region +
                                                              "': send the request to the edge, which routes by region"),
                       route);
  }
  auto fields = read_create_fields_for_game(*body);
  if (!fields) return reply_error(reply, fields.error(), route);
  fields->user_id = **user;
  fields->one_active_per_user = true;  // seed 002: one active session per user
  issued_key key = issue_key();
  fields->key_digest = std::move(key.digest);
  service_.create(std::move(*fields), [this, reply, rid = req.request_id, key = std::move(key.key)](result<store::create_outcome> r) {
    if (!r) {
      log_.warn("game start failed", {{"request_id", rid}, {"error", r.error().message}});
      return reply_error(reply, r.error(), route);
    }
    json::object o = game_view(r->record);
    o["resumed"] = !r->created;
    // Only to the request that created it: a resumed session's key stays
    // with whoever started it.
    if (r->created) o["session_key"] = key;
    reply_json(reply, r->created ? 201 : 200, o, route);
  });
}

void region_api::game_exit(const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/game/exit";
  if (!admit(req, reply, route)) return;
  auto body = parse_object_body(req.body, false);
  if (!body) return reply_error(reply, body.error(), route);
  auto id = either_string(*body, "gameId", "session_id");
  if (!id) return reply_error(reply, id.error(), route);
  if (!*id || (*id)->empty()) return reply_error(reply, make_error(errc::invalid_argument, "gameId (or session_id) is required"), route);
  if (!store::plausible_session_id(**id)) return reply_error(reply, make_error(errc::not_found, "no session " + **id), route);
  auto user = either_string(*body, "userId", "user_id");
  if (!user) return reply_error(reply, user.error(), route);
  auto key = optional_string(*body, "session_key");
  if (!key) return reply_error(reply, key.error(), route);
  authorize_end(**id, req, key->value_or(""), reply, route, [this, reply, id = **id, owner = *user] {
    store::end_request end{.id = id, .to = store::session_status::exited, .owner = owner, .at_ms = service_.time().now_ms()};
    service_.end(std::move(end), [this, reply](result<store::end_outcome> r) {
      if (!r) return reply_error(reply, r.error(), route);
      if (r->changed && hooks_.session_ended) hooks_.session_ended(r->record);
      json::object o = game_view(r->record);
      o["ok"] = true;
      o["already_ended"] = !r->changed;
      reply_json(reply, 200, o, route);
    });
  });
}

}  // namespace metronome::region
