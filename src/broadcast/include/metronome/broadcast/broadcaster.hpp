// The tick broadcaster of a region node (seed 001): WebSocket players join
// sessions; each session's state is computed on its wall-clock step
// boundaries, encoded once and pushed to its players; the server measures
// every player's latency and warns or kicks. docs/protocol.md.
//
// One hub per I/O thread holds the sessions with players on that thread;
// everything a hub does runs on its thread, so hubs need no locks.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "metronome/broadcast/settings.hpp"
#include "metronome/core/clock.hpp"
#include "metronome/engine/params.hpp"
#include "metronome/net/websocket.hpp"
#include "metronome/obs/metrics.hpp"
#include "metronome/store/session_store.hpp"

namespace metronome::broadcast {

class hub;
class player_registry;
class moved_sessions;

/// The engine parameters of a stored session (the region's rule decoding).
using params_fn = std::function<result<engine::session_params>(const store::session_record&)>;

struct broadcast_metrics {
  explicit broadcast_metrics(obs::registry& r);
  obs::family<obs::gauge>& connections;  ///< open WebSocket connections
  obs::family<obs::gauge>& sessions;     ///< sessions with players on this node
  obs::family<obs::counter>& ticks;      ///< ticks computed (once per session per I/O thread)
  obs::family<obs::counter>& messages;   ///< frames queued to players, by type
  obs::family<obs::counter>& kicks;      ///< by reason
  obs::family<obs::counter>& refused;    ///< refused client messages, by code
  // The label-less series, bound once: the tick path updates them without a
  // lookup or a lock (kicks and refusals, rare, still look up by label).
  obs::handle<obs::gauge> connections_now;
  obs::handle<obs::gauge> sessions_now;
  obs::handle<obs::counter> ticks_total;
};

class broadcaster {
 public:
  broadcaster(store::session_store& store, const clock& clk, settings s, std::string region, params_fn params, obs::registry& registry);
  ~broadcaster();
  broadcaster(const broadcaster&) = delete;
  broadcaster& operator=(const broadcaster&) = delete;

  /// For http_server::set_websocket.
  net::ws_open_fn open_fn();
  /// The subprotocols, in the server's preference order.
  static std::vector<std::string> subprotocols();

  /// A session ended on this node: its players get `stopped` at once. Any
  /// thread. (Sessions ended elsewhere are noticed by the status poll.)
  void session_ended(const store::session_record& record);

  /// The session moved to region `region` (the edge's migration): this
  /// node stops serving it; its players get `migrate` (with `ws_url`, ""
  /// when unknown) and close 4007, later joins `error` session_moved. Any
  /// thread. (Moves made without telling this node are noticed by the
  /// status poll.)
  void session_moved(const std::string& session_id, const std::string& region, const std::string& ws_url);

  /// The players of a session on this node, as a JSON array (any thread;
  /// `done` runs on an I/O thread).
  void players(const std::string& session_id, std::function<void(std::string json_array)> done);

  /// Open WebSocket connections now (this node's load, reported in
  /// /healthz for the edge's load rule). Any thread.
  std::int64_t connections() const noexcept;

  /// Closes every connection with 1001 and releases the hubs' timers. Call
  /// before stopping the HTTP server. Waits for every hub.
  void shutdown();

 private:
  hub& hub_for(net::loop& l);

  store::session_store& store_;
  const clock& clock_;
  settings settings_;
  std::string region_;
  params_fn params_;
  broadcast_metrics metrics_;
  std::unique_ptr<player_registry> registry_;
  std::unique_ptr<moved_sessions> moved_;
  std::mutex mutex_;
  std::map<net::loop*, std::unique_ptr<hub>> hubs_;
};

}  // namespace metronome::broadcast
