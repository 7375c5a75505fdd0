// POST /v1/sessions/{id}/migrated: the edge tells the region a session left
// it (docs/openapi.yaml; the edge's migrate route sends it after the store's
// compare-and-set). Admin token only. The region checks the store agrees,
// then its broadcaster sends `migrate` to the session's players and stops
// serving the session here.
#include <boost/json.hpp>

#include "json_codec.hpp"
#include "metronome/net/access.hpp"
#include "metronome/net/http_errors.hpp"
#include "metronome/net/reply.hpp"
#include "metronome/region/api.hpp"
#include "metronome/store/registry_store.hpp"

namespace metronome::region {

namespace json = boost::json;
using net::reply_error;
using net::reply_json;

void region_api::session_migrated(const std::string& id, const net::request& req, net::reply_fn reply) {
  constexpr const char* route = "/v1/sessions/{id}/migrated";
  if (!net::is_admin(req, access_.auth)) {
    net::response r = net::error_response(make_error(errc::unauthorized, "the admin token is required (Authorization: Bearer ...)"));
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"metronome-admin\"");
    r.route = route;
    return reply(std::move(r));
  }
  auto body = parse_object_body(req.body, false);
  if (!body) return reply_error(reply, body.error(), route);
  auto region = optional_string(*body, "region");
  if (!region) return reply_error(reply, region.error(), route);
  if (!*region || !store::valid_region_name(**region)) {
    return reply_error(reply, make_error(errc::invalid_argument, "region must be " + std::string(store::region_name_rule)), route);
  }
  auto ws_url = optional_string(*body, "wsUrl");
  if (!ws_url) return reply_error(reply, ws_url.error(), route);
  if (*ws_url && !(*ws_url)->starts_with("ws://") && !(*ws_url)->starts_with("wss://")) {
    return reply_error(reply, make_error(errc::invalid_argument, "wsUrl must be a ws:// or wss:// URL"), route);
  }
  service_.get(id, [this, reply, id, to = **region, url = ws_url->value_or("")](const result<store::session_record>& r) {
    if (!r) return reply_error(reply, r.error(), route);
    // The store is the truth: a notice that disagrees with it (a stale or
    // misdirected one) changes nothing.
    if (r->ended()) return reply_error(reply, make_error(errc::conflict, "session " + id + " has ended"), route);
    if (r->region != to) {
      return reply_error(reply, make_error(errc::conflict, "session " + id + " is in region " + r->region + ", not " + to), route);
    }
    if (to == service_.config().region) {
      return reply_error(reply, make_error(errc::conflict, "session " + id + " lives in this region"), route);
    }
    if (hooks_.session_moved) hooks_.session_moved(id, to, url);
    reply_json(reply, 200, json::object{{"id", id}, {"region", to}, {"wsUrl", url.empty() ? json::value(nullptr) : json::value(url)}},
               route);
  });
}

}  // namespace metronome::region
