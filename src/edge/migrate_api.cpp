// POST /edge/admin/sessions/{id}/migrate {"region":"NAME"}: moves a running
// session to another region (seed 000 extension 5; docs/openapi.yaml,
// docs/protocol.md "Migration"). Admin token only.
//
// 1. The target must be a known, healthy region other than the session's.
// 2. The store moves the record with a compare-and-set on (running, old
//    region): a stop, exit or move that commits first wins, and this answers
//    409; one that commits after sees the moved record.
// 3. This edge's cache follows (the new owner, the fresh view).
// 4. The old region is told (POST /v1/sessions/{id}/migrated): its
//    broadcaster sends `migrate` to the players and stops serving the
//    session. If it cannot be told (down), the move stands: its status poll
//    finds the new region in the store, and a down region's players
//    reconnect through the edge anyway.
#include <boost/json.hpp>

#include "metronome/edge/edge_api.hpp"
#include "metronome/net/access.hpp"
#include "metronome/net/http_errors.hpp"
#include "metronome/net/json_body.hpp"
#include "metronome/net/reply.hpp"

namespace metronome::edge {

namespace json = boost::json;
using net::reply_error;
using net::reply_json;

namespace {
constexpr const char* migrate_route = "/edge/admin/sessions/{id}/migrate";
}  // namespace

void edge_api::add_migrate_routes() {
  // The path written out: tests/api/contract.test.mjs reads route tables.
  router_.add(
      "POST", "/edge/admin/sessions/{id}/migrate",
      [this](net::request&& q, const net::path_params& p, net::reply_fn r) { migrate(p[0], q, std::move(r)); }, net::body_kind::json);
}

std::string edge_api::ws_url_of(const region_view& v) {
  // A static region serves its broadcaster on its HTTP port (metronome region).
  if (!v.ws_url.empty()) return v.ws_url;
  return "ws://" + v.host + ":" + std::to_string(v.port) + "/ws";
}

void edge_api::migrate(const std::string& id, const net::request& req, net::reply_fn reply) {
  constexpr const char* route = migrate_route;
  if (!net::is_admin(req, settings_.auth)) {
    net::response r = net::error_response(make_error(errc::unauthorized, "the admin token is required (Authorization: Bearer ...)"));
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"metronome-admin\"");
    r.route = route;
    return reply(std::move(r));
  }
  auto body = net::parse_object_body(req.body, false);
  if (!body) return reply_error(reply, body.error(), route);
  const json::value* named = body->if_contains("region");
  if (named == nullptr || !named->is_string() || named->as_string().empty()) {
    return reply_error(reply, make_error(errc::invalid_argument, "region (a string, the target region's name) is required"), route);
  }
  const std::string to_name(named->as_string());
  const std::int64_t now = clock_.now_ms();
  const auto target = directory_.find(to_name, now);
  if (!target) return reply_error(reply, make_error(errc::invalid_argument, "unknown region '" + to_name.substr(0, 32) + "'"), route);
  if (!target->healthy) return reply_error(reply, make_error(errc::conflict, "region " + to_name + " is not healthy"), route);
  auto origin = origin_of(req);
  sessions_.get(id, [this, reply, id, target = *target, origin](result<store::session_record> found) {
    if (!found) return reply_error(reply, found.error(), route);
    if (found->ended()) return reply_error(reply, make_error(errc::conflict, "session " + id + " has ended"), route);
    if (found->region == target.name) {
      return reply_error(reply, make_error(errc::conflict, "session " + id + " is in region " + target.name + " already"), route);
    }
    const std::string from = found->region;
    sessions_.move_region(store::region_move{id, from, target.name}, [this, reply, id, from, target,
                                                                      origin](result<store::session_record> moved) {
      if (!moved) return reply_error(reply, moved.error(), route);
      cache_.put(id, cached_session{target.name, session_view_json(*moved), true}, clock_.now_ms());
      const std::string ws_url = ws_url_of(target);
      json::object answer{{"gameId", id}, {"from", from}, {"region", target.name}, {"wsEndpoint", ws_url}, {"status", "active"}};
      const auto old = directory_.find(from, clock_.now_ms());
      if (!old) {
        answer["notified"] = false;
        return reply_json(reply, 200, answer, route);
      }
      const std::string notice = json::serialize(json::object{{"region", target.name}, {"wsUrl", ws_url}});
      forward(*old, "POST", "/v1/sessions/" + id + "/migrated", notice, *origin,
              [this, reply, answer = std::move(answer), from, id](result<net::client_response> r) mutable {
                const bool told = r && r->status == 200;
                if (!told) {
                  log_.warn("old region not told of a migration",
                            {{"session", id}, {"region", from}, {"error", r ? "HTTP " + std::to_string(r->status) : r.error().message}});
                }
                answer["notified"] = told;
                reply_json(reply, 200, answer, route);
              });
    });
  });
}

}  // namespace metronome::edge
