#include "metronome/broadcast/broadcaster.hpp"

#include <future>

#include "hub.hpp"
#include "moved_sessions.hpp"
#include "player_registry.hpp"

namespace metronome::broadcast {

broadcast_metrics::broadcast_metrics(obs::registry& r)
    : connections(r.add_gauge("metronome_ws_connections", "Open WebSocket connections of the tick broadcaster.")),
      sessions(r.add_gauge("metronome_ws_sessions", "Sessions with players on this node (per I/O thread).")),
      ticks(r.add_counter("metronome_ws_ticks_total", "Ticks computed and encoded (once per session per I/O thread).")),
      messages(r.add_counter("metronome_ws_messages_total", "Messages queued to players, by type.")),
      kicks(r.add_counter("metronome_ws_kicks_total", "Players removed, by reason.")),
      refused(r.add_counter("metronome_ws_refused_messages_total", "Client messages refused, by error code.")),
      connections_now(connections.bind({})),
      sessions_now(sessions.bind({})),
      ticks_total(ticks.bind({})) {}

broadcaster::broadcaster(store::session_store& store, const clock& clk, settings s, std::string region, params_fn params,
                         obs::registry& registry)
    : store_(store),
      clock_(clk),
      settings_(std::move(s)),
      region_(std::move(region)),
      params_(std::move(params)),
      metrics_(registry),
      registry_(std::make_unique<player_registry>()),
      moved_(std::make_unique<moved_sessions>()) {}

broadcaster::~broadcaster() = default;

std::vector<std::string> broadcaster::subprotocols() { return {std::string(binary_subprotocol), std::string(json_subprotocol)}; }

hub& broadcaster::hub_for(net::loop& l) {
  std::lock_guard lock(mutex_);
  auto& h = hubs_[&l];
  if (!h) h = std::make_unique<hub>(l, store_, clock_, settings_, region_, params_, metrics_, *registry_, *moved_);
  return *h;
}

net::ws_open_fn broadcaster::open_fn() {
  return [this](std::shared_ptr<net::ws_connection> conn, const net::request&) -> std::shared_ptr<net::ws_session_handler> {
    hub& h = hub_for(conn->owner());
    return h.open(std::move(conn));
  };
}

void broadcaster::session_ended(const store::session_record& record) {
  std::lock_guard lock(mutex_);
  for (auto& [l, h] : hubs_) {
    l->post([hp = h.get(), record] { hp->session_ended(record); });
  }
}

std::int64_t broadcaster::connections() const noexcept { return static_cast<std::int64_t>(metrics_.connections_now->value()); }

void broadcaster::session_moved(const std::string& session_id, const std::string& region, const std::string& ws_url) {
  // Recorded before the hubs hear of it: a join whose record arrives later
  // is refused by the table, one already attached is moved by its hub.
  destination to{region, ws_url};
  moved_->record(session_id, to);
  std::lock_guard lock(mutex_);
  for (auto& [l, h] : hubs_) {
    l->post([hp = h.get(), session_id, to] { hp->session_moved(session_id, to); });
  }
}

void broadcaster::players(const std::string& session_id, std::function<void(std::string)> done) {
  std::vector<std::pair<net::loop*, hub*>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [l, h] : hubs_) all.emplace_back(l, h.get());
  }
  if (all.empty()) return done("[]");
  // Each hub answers on its own thread; the last one to answer replies.
  struct gather {
    std::mutex m;
    std::size_t left;
    std::string merged;
    std::function<void(std::string)> done;
  };
  auto g = std::make_shared<gather>();
  g->left = all.size();
  g->done = std::move(done);
  for (auto& [l, h] : all) {
    l->post([g, h = h, session_id] {
      std::string part = h->players_json(session_id);
      std::unique_lock lock(g->m);
      if (part.size() > 2) g->merged += (g->merged.empty() ? "" : ",") + part.substr(1, part.size() - 2);
      if (--g->left == 0) {
        const std::string result = "[" + g->merged + "]";
        lock.unlock();
        g->done(result);
      }
    });
  }
}

void broadcaster::shutdown() {
  std::vector<std::future<void>> waits;
  {
    std::lock_guard lock(mutex_);
    for (auto& [l, h] : hubs_) {
      auto done = std::make_shared<std::promise<void>>();
      waits.push_back(done->get_future());
      l->post([hp = h.get(), done] {
        hp->shutdown();
        done->set_value();
      });
    }
  }
  for (auto& w : waits) w.wait_for(std::chrono::seconds(5));
}

}  // namespace metronome::broadcast
