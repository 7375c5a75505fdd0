// The gateway's two sides (server.hpp): connection handlers on the I/O
// threads, the tick loop on its own thread, and the inbox between them.
#include "metronome/gateway/server.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "metronome/gateway/close_codes.hpp"
#include "metronome/gateway/wire.hpp"
#include "metronome/net/http_errors.hpp"
#include "metronome/net/server.hpp"
#include "metronome/net/websocket.hpp"
#include "metronome/obs/metrics.hpp"
#include "metronome/world/durable/durable_world.hpp"
#include "metronome/world/players/player_store.hpp"
#include "metronome/world/runner/thread_executor.hpp"
#include "metronome/world/world.hpp"

namespace metronome::gateway {
namespace {

using steady = std::chrono::steady_clock;

std::int64_t unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t ms_between(steady::time_point from, steady::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

/// A token bucket: `rate` per second, at most `burst` saved.
struct bucket {
  double rate = 0, burst = 0, tokens = 0;
  steady::time_point at{};
  bool take(double n, steady::time_point now) {
    if (at == steady::time_point{}) {
      tokens = burst;
    } else {
      tokens = std::min(burst, tokens + rate * std::chrono::duration<double>(now - at).count());
    }
    at = now;
    if (tokens < n) return false;
    tokens -= n;
    return true;
  }
};

net::response refusal(unsigned status, std::string_view code, std::string_view message) {
  net::response r;
  r.status = status;
  r.body = "{\"error\":{\"code\":\"";
  net::append_json_escaped(r.body, code);
  r.body += "\",\"message\":\"";
  net::append_json_escaped(r.body, message);
  r.body += "\"}}";
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

/// The token of an upgrade request: Authorization: Bearer, else ?token=.
std::string token_of(const net::request& req) {
  const std::string_view auth = req.header("authorization");
  constexpr std::string_view bearer = "Bearer ";
  if (auth.size() > bearer.size() && auth.substr(0, bearer.size()) == bearer) return std::string(auth.substr(bearer.size()));
  return req.query_param("token").value_or("");
}

/// Equal bytes, in a time that depends on the lengths only.
bool same_secret(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool offers_subprotocol(const net::request& req) {
  const std::string_view offered = req.header("sec-websocket-protocol");
  std::size_t pos = 0;
  while (pos <= offered.size()) {
    const std::size_t comma = std::min(offered.find(',', pos), offered.size());
    std::string_view item = offered.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == wire::subprotocol) return true;
    pos = comma + 1;
  }
  return false;
}

/// The most entities GET /world/map lists (docs/console.md): about 40 KB.
constexpr std::uint32_t map_max_entities = 2000;

/// One entity as the operator endpoints list it: [id, kind, x, y].
void append_entity(std::string& body, const world::world& w, std::uint32_t e) {
  const world::vec2 p = w.position(e);
  body += '[';
  body += std::to_string(e);
  body += ',';
  body += std::to_string(static_cast<int>(w.kind(e)));
  body += ',';
  body += std::to_string(p.x);
  body += ',';
  body += std::to_string(p.y);
  body += ']';
}

}  // namespace

class connection;

/// What connections tell the tick thread.
struct inbound {
  enum class kind : std::uint8_t { open, closed, command, ack } what;
  std::shared_ptr<connection> conn;
  wire::command_msg cmd{};
  std::uint64_t tick = 0;
  steady::time_point at{};
  std::optional<world::players::player_record> stored{};  ///< open: the player's record, if the store has one
};

class world_gateway::impl {
 public:
  explicit impl(gateway_config c);
  result<void> start();
  void stop();
  std::uint16_t port() const noexcept { return server_ ? server_->port() : 0; }
  std::string metrics() const { return registry_.render(); }
  std::string health() const;

  void push(inbound in);
  std::optional<net::response> accept(const net::request& req);
  std::shared_ptr<net::ws_session_handler> open(std::shared_ptr<net::ws_connection> conn, const net::request& req);
  void handle_http(net::request&& req, net::reply_fn reply);
  /// GET /world/truth and GET /world/map (operator secret): queued for the tick thread.
  void handle_operator(const net::request& req, net::reply_fn reply, bool map);

  const gateway_config config_;
  std::atomic<std::size_t> open_connections_{0};
  // Metrics (obs registry: lock-free updates).
  obs::registry registry_;
  obs::handle<obs::histogram> tick_seconds_, input_latency_;
  obs::handle<obs::counter> frames_sent_, bytes_sent_, updates_deferred_, inbox_dropped_;
  obs::handle<obs::gauge> connections_, aoi_pairs_, players_gauge_;
  obs::family<obs::gauge>* entities_per_shard_ = nullptr;
  obs::family<obs::counter>* rejected_ = nullptr;
  obs::family<obs::counter>* refused_ = nullptr;
  obs::handle<obs::counter> records_refused_;
  obs::handle<obs::gauge> records_outage_, records_queued_;

 private:
  struct player {
    std::string sub;
    std::optional<std::uint32_t> entity;  // nullopt while the join is pending
    std::shared_ptr<connection> conn;
    std::optional<client_stream> stream;
    std::uint64_t seq_offset = 0, last_seq = 0;
    steady::time_point dropped_at{};
    bool resumed = false;
    bool expiry_sent = false;              ///< the connection was told its token expired
    world::players::player_record record;  ///< what the store is told (when it is kept)
    steady::time_point counted_to{};       ///< play time is counted up to here while connected
  };
  /// What /health shows of the tick thread, published after each step.
  struct tick_status {
    std::uint64_t tick = 0;
    std::uint64_t hash = 0;  // durable worlds only
    std::optional<std::uint64_t> last_logged;
    std::uint64_t last_snapshot = 0;
    std::string persist_error;  // the step that could not be logged (the world stopped)
  };
  const world::world& state() const noexcept { return durable_ ? durable_->state() : *memory_world_; }
  result<void> open_persistence();
  void restore_players();
  void keep_record(player& p, steady::time_point now);
  void tick_loop();
  void one_tick(std::vector<inbound>& batch);
  void attach(player& p, const std::shared_ptr<connection>& conn);
  void send(const std::shared_ptr<connection>& conn, std::string bytes);
  void close(const std::shared_ptr<connection>& conn, std::uint16_t code, std::string_view err, std::string_view message);
  void answer_truth();
  std::string truth_body() const;
  std::string map_body() const;

  std::unique_ptr<net::http_server> server_;
  std::optional<world::world> memory_world_;                // without persistence
  std::unique_ptr<world::durable::durable_world> durable_;  // with it
  std::unique_ptr<world::players::player_writer> records_;  // player records, written behind the tick
  mutable std::mutex reader_mu_;
  std::unique_ptr<world::players::player_store> reader_;  // player records, read at connect
  mutable std::mutex status_mu_;
  tick_status status_;
  std::unique_ptr<world::runner::thread_executor> threads_;
  std::mutex ip_mu_;
  std::unordered_map<std::string, bucket> ip_buckets_;
  std::mutex inbox_mu_;
  std::vector<inbound> inbox_;
  std::thread ticker_;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};  ///< stop() began: push() drops everything.
  std::mutex wake_mu_;
  std::condition_variable wake_;
  std::mutex truth_mu_;
  struct operator_waiter {
    net::reply_fn reply;
    bool map = false;  // GET /world/map, else /world/truth
  };
  std::vector<operator_waiter> truth_waiters_;  // answered by the tick thread after its next step
  // Tick thread only.
  std::map<std::string, player> players_;                     // by sub
  std::unordered_map<std::uint32_t, std::string> by_entity_;  // entity -> sub
  std::uint64_t system_seq_ = 0;
  bool halted_ = false;                                             // a tick could not be logged
  std::vector<std::pair<std::string, std::uint32_t>> commands_at_;  // scratch
};

/// One /world connection, on its loop's thread (except `queued`, read by the tick thread).
class connection : public net::ws_session_handler, public std::enable_shared_from_this<connection> {
 public:
  connection(world_gateway::impl& gw, std::shared_ptr<net::ws_connection> ws, std::string sub, std::int64_t valid_until_s)
      : gw_(gw), ws_(std::move(ws)), sub_(std::move(sub)), valid_until_s_(valid_until_s) {
    messages_ = {gw.config_.messages_per_second, gw.config_.message_burst};
    bytes_ = {gw.config_.bytes_per_second, gw.config_.byte_burst};
  }
  const std::string& sub() const noexcept { return sub_; }
  /// Unix seconds after which the token this connection was made with is no longer valid.
  std::int64_t valid_until_s() const noexcept { return valid_until_s_; }
  net::ws_connection& ws() noexcept { return *ws_; }
  std::atomic<std::size_t> queued{0};

  void on_message(std::string_view data, bool binary) override {
    if (closing_) return;
    if (!binary) return refuse(close_code::unsupported_data, "bad_message", "text frames are not part of metronome.world.v1");
    const auto now = steady::now();
    if (!messages_.take(1, now) || !bytes_.take(static_cast<double>(data.size()), now)) {
      gw_.refused_->with({{"reason", "rate_limited"}}).inc();
      return refuse(close_code::rate_limited, "rate_limited", "too many messages or bytes per second");
    }
    auto d = wire::decode_client(data);
    if (!d.msg) {
      gw_.refused_->with({{"reason", "bad_message"}}).inc();
      return refuse(close_code::bad_message, "bad_message", d.error);
    }
    if (const auto* c = std::get_if<wire::command_msg>(&*d.msg)) {
      gw_.push({inbound::kind::command, shared_from_this(), *c, 0, now});
    } else {
      gw_.push({inbound::kind::ack, shared_from_this(), {}, std::get<wire::ack_msg>(*d.msg).tick, now});
    }
  }
  void on_pong(std::string_view) override {}
  void on_close() override {
    gw_.open_connections_.fetch_sub(1);
    gw_.connections_->add(-1);
    gw_.push({inbound::kind::closed, shared_from_this(), {}, 0, steady::now()});
  }
  void refuse(std::uint16_t code, std::string_view err, std::string_view message) {
    closing_ = true;
    std::string bytes;
    wire::encode(wire::error_msg{std::string(err), std::string(message)}, bytes);
    ws_->send({std::make_shared<const std::string>(std::move(bytes)), true});
    ws_->close(code, err);
  }

 private:
  world_gateway::impl& gw_;
  std::shared_ptr<net::ws_connection> ws_;
  std::string sub_;
  const std::int64_t valid_until_s_;
  bucket messages_, bytes_;
  bool closing_ = false;
};

world_gateway::impl::impl(gateway_config c)
    : config_(std::move(c)),
      tick_seconds_(
          registry_.add_histogram("metronome_world_tick_seconds", "World step duration", obs::registry::latency_buckets()).bind({})),
      input_latency_(registry_
                         .add_histogram("metronome_world_input_latency_seconds",
                                        "From a command's arrival to the start of the tick that applies it",
                                        obs::registry::latency_buckets())
                         .bind({})),
      frames_sent_(registry_.add_counter("metronome_world_frames_sent_total", "Tick frames sent").bind({})),
      bytes_sent_(registry_.add_counter("metronome_world_bytes_sent_total", "Bytes of tick frames sent").bind({})),
      updates_deferred_(registry_.add_counter("metronome_world_updates_deferred_total", "Position updates the budget deferred").bind({})),
      inbox_dropped_(registry_.add_counter("metronome_world_inbox_dropped_total", "Client messages dropped: the inbox was full").bind({})),
      connections_(registry_.add_gauge("metronome_world_connections", "Open /world connections").bind({})),
      aoi_pairs_(registry_.add_gauge("metronome_world_aoi_pairs", "Visible (player, entity) pairs").bind({})),
      players_gauge_(registry_.add_gauge("metronome_world_players", "Players with an entity (connected or in grace)").bind({})),
      records_refused_(registry_
                           .add_counter("metronome_world_player_records_refused_total",
                                        "Player records not queued: the writer's queue was full (the next one carries the state)")
                           .bind({})),
      records_outage_(
          registry_.add_gauge("metronome_world_player_store_outage", "1 while the player store refuses writes (they are retried)")
              .bind({})),
      records_queued_(registry_.add_gauge("metronome_world_player_records_queued", "Player records waiting for the store").bind({})) {
  entities_per_shard_ = &registry_.add_gauge("metronome_world_entities", "Entities held per shard");
  rejected_ = &registry_.add_counter("metronome_world_rejected_commands_total", "Commands the world refused, by reason");
  refused_ = &registry_.add_counter("metronome_world_refused_total", "Upgrades and connections refused, by reason");
  threads_ = std::make_unique<world::runner::thread_executor>(config_.world.shards);
}

void world_gateway::impl::push(inbound in) {
  std::lock_guard lock(inbox_mu_);
  if (stopping_) return;  // nobody will read it
  if (inbox_.size() >= config_.max_inbox && in.what != inbound::kind::closed && in.what != inbound::kind::open) {
    inbox_dropped_->inc();
    return;
  }
  inbox_.push_back(std::move(in));
}

std::optional<net::response> world_gateway::impl::accept(const net::request& req) {
  const token_check t = verify_token(token_of(req), config_.token, unix_now_s());
  if (!t.sub) {
    refused_->with({{"reason", t.code}}).inc();
    return refusal(401, t.code, t.message);
  }
  if (!offers_subprotocol(req)) {
    refused_->with({{"reason", "bad_subprotocol"}}).inc();
    return refusal(400, "bad_subprotocol", "offer the subprotocol metronome.world.v1");
  }
  {
    std::lock_guard lock(ip_mu_);
    bucket& b = ip_buckets_[req.remote_address];
    if (b.rate == 0) b = {config_.ip_connects_per_second, config_.ip_connect_burst};
    if (!b.take(1, steady::now())) {
      refused_->with({{"reason", "too_many_connections"}}).inc();
      return refusal(429, "too_many_connections", "too many new connections from this address");
    }
  }
  if (open_connections_.load() >= config_.max_connections) {
    refused_->with({{"reason", "server_full"}}).inc();
    return refusal(503, "server_full", "the gateway has its maximum number of connections");
  }
  return std::nullopt;
}

std::shared_ptr<net::ws_session_handler> world_gateway::impl::open(std::shared_ptr<net::ws_connection> ws, const net::request& req) {
  const token_check t = verify_token(token_of(req), config_.token, unix_now_s());
  if (!t.sub) return nullptr;  // accept() let it through a moment ago; expired since: 1011
  open_connections_.fetch_add(1);
  connections_->add(1);
  auto c = std::make_shared<connection>(*this, std::move(ws), *t.sub, t.valid_until_s);
  inbound in{inbound::kind::open, c, {}, 0, steady::now()};
  if (reader_) {
    std::lock_guard lock(reader_mu_);
    auto got = reader_->get(*t.sub);
    if (got) in.stored = std::move(*got);  // a read error: the player is treated as new (the writer reports the store's outage)
  }
  push(std::move(in));
  return c;
}

void world_gateway::impl::handle_http(net::request&& req, net::reply_fn reply) {
  if (req.path == "/metrics") {
    net::response r;
    r.content_type = "text/plain; version=0.0.4";
    r.body = registry_.render();
    r.route = "/metrics";
    return reply(std::move(r));
  }
  if (req.path == "/world/truth") return handle_operator(req, std::move(reply), false);
  if (req.path == "/world/map") return handle_operator(req, std::move(reply), true);
  if (req.path == "/health") {
    net::response r;
    r.body = health();
    if (r.body.find(R"("status":"ok")") == std::string::npos) r.status = 503;
    r.route = "/health";
    return reply(std::move(r));
  }
  reply(refusal(404, "not_found", "no such route"));
}

void world_gateway::impl::handle_operator(const net::request& req, net::reply_fn reply, bool map) {
  const std::string route = map ? "/world/map" : "/world/truth";
  const std::string_view secret = config_.operator_secret.empty() ? config_.token.secret : config_.operator_secret;
  const std::string_view auth = req.header("authorization");
  constexpr std::string_view bearer = "Bearer ";
  if (auth.size() <= bearer.size() || auth.substr(0, bearer.size()) != bearer || !same_secret(auth.substr(bearer.size()), secret)) {
    refused_->with({{"reason", "bad_operator_secret"}}).inc();
    return reply(refusal(401, "unauthorized", "GET " + route + " needs Authorization: Bearer OPERATOR_SECRET"));
  }
  if (req.method != "GET") {
    net::response r = refusal(405, "method_not_allowed", "only GET " + route);
    r.headers.emplace_back("Allow", "GET");
    return reply(std::move(r));
  }
  std::lock_guard lock(truth_mu_);
  if (stopping_) return reply(refusal(503, "stopping", "the gateway is shutting down"));
  if (truth_waiters_.size() >= config_.max_truth_waiters) return reply(refusal(503, "busy", "too many truth requests waiting"));
  truth_waiters_.push_back({std::move(reply), map});
}

/// Answers the operator requests queued before this step, each body built
/// once (only when someone asked), on the tick thread after its step.
void world_gateway::impl::answer_truth() {
  std::vector<operator_waiter> waiters;
  {
    std::lock_guard lock(truth_mu_);
    if (truth_waiters_.empty()) return;
    waiters.swap(truth_waiters_);
  }
  std::optional<std::string> truth, map;
  for (operator_waiter& wt : waiters) {
    std::optional<std::string>& body = wt.map ? map : truth;
    if (!body) body = wt.map ? map_body() : truth_body();
    net::response r;
    r.body = *body;
    r.route = wt.map ? "/world/map" : "/world/truth";
    wt.reply(std::move(r));
  }
}

/// Every live entity at the tick just stepped, in fixed-point units
/// (docs/protocol.md, "Operator endpoint").
std::string world_gateway::impl::truth_body() const {
  const world::world& w = state();
  const auto& c = w.config();
  std::string body;
  body.reserve(64 + std::size_t{w.entity_count()} * 24);
  body += "{\"tick\":" + std::to_string(w.tick()) + ",\"half\":" + std::to_string(c.half_size) +
          ",\"radius\":" + std::to_string(c.aoi_radius) + ",\"margin\":" + std::to_string(c.aoi_margin) +
          ",\"maxSpeed\":" + std::to_string(c.max_speed) + ",\"entityRadius\":" + std::to_string(c.entity_radius) +
          ",\"obstacles\":" + std::to_string(c.obstacles.size()) + ",\"entities\":[";
  bool first = true;
  for (std::uint32_t e = 0; e < w.entity_count(); ++e) {
    if (!w.alive(e)) continue;
    if (!first) body += ',';
    first = false;
    append_entity(body, w, e);
  }
  body += "]}";
  return body;
}

/// What the console's map draws (docs/console.md, "World"): the world's
/// geometry, the shards' borders, counts per shard and kind, and at most
/// map_max_entities live entities taken evenly by id (every stride-th).
std::string world_gateway::impl::map_body() const {
  const world::world& w = state();
  const auto& c = w.config();
  std::vector<std::uint32_t> players(c.shards, 0), npcs(c.shards, 0);
  for (std::uint32_t e = 0; e < w.entity_count(); ++e) {
    if (!w.alive(e)) continue;
    ++(w.kind(e) == world::entity_kind::player ? players : npcs)[w.shard_of(e)];
  }
  const std::uint32_t live = w.live_count();
  const std::uint32_t stride = std::max<std::uint32_t>(1, (live + map_max_entities - 1) / map_max_entities);
  auto list = [](const std::vector<std::uint32_t>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
    return out + "]";
  };
  std::string body;
  body.reserve(256 + std::size_t{map_max_entities} * 24);
  body += "{\"tick\":" + std::to_string(w.tick()) + ",\"half\":" + std::to_string(c.half_size) +
          ",\"cellSize\":" + std::to_string(c.cell_size) + ",\"unitsPerWorldUnit\":" + std::to_string(world::units_per_world_unit) +
          ",\"shards\":" + std::to_string(c.shards) + ",\"borders\":[";
  const std::vector<std::int32_t> b = w.shard_borders();
  for (std::size_t i = 0; i < b.size(); ++i) body += (i ? "," : "") + std::to_string(b[i]);
  body += "],\"players\":" + list(players) + ",\"npcs\":" + list(npcs) + ",\"live\":" + std::to_string(live) +
          ",\"limit\":" + std::to_string(map_max_entities) + ",\"stride\":" + std::to_string(stride) + ",\"entities\":[";
  std::uint32_t seen = 0, taken = 0;
  for (std::uint32_t e = 0; e < w.entity_count() && taken < map_max_entities; ++e) {
    if (!w.alive(e) || seen++ % stride != 0) continue;
    if (taken++ > 0) body += ',';
    append_entity(body, w, e);
  }
  body += "]}";
  return body;
}

result<void> world_gateway::impl::start() {
  if (auto opened = open_persistence(); !opened) return opened;
  net::server_config sc;
  sc.host = config_.host;
  sc.port = config_.port;
  sc.threads = config_.io_threads;
  sc.max_connections = config_.max_connections + 64;
  server_ = std::make_unique<net::http_server>(
      sc, [this](net::request&& req, net::reply_fn reply) { handle_http(std::move(req), std::move(reply)); });
  net::ws_config wc;
  wc.path = "/world";
  wc.subprotocols = {std::string(wire::subprotocol)};
  wc.max_message_bytes = 1024;
  wc.idle_timeout = config_.idle_timeout;
  wc.accept = [this](const net::request& req) { return accept(req); };
  server_->set_websocket(wc, [this](std::shared_ptr<net::ws_connection> c, const net::request& req) { return open(std::move(c), req); });
  if (auto started = server_->start(); !started) return started;
  running_ = true;
  ticker_ = std::thread([this] { tick_loop(); });
  return {};
}

void world_gateway::impl::stop() {
  stopping_ = true;
  if (running_.exchange(false)) {
    wake_.notify_all();
    ticker_.join();
    const auto now = steady::now();
    for (auto& [sub, p] : players_) {
      if (p.conn) close(p.conn, close_code::going_away, "", "");
      keep_record(p, now);
    }
    // A graceful stop leaves a snapshot, so the next start replays nothing.
    if (durable_ && !halted_) (void)durable_->snapshot();
  }
  records_.reset();  // writes what is queued (bounded by the writer's retries)
  // The ticker is joined and push() drops everything: release every
  // connection handle, so the sessions end as their sockets close and the
  // server's stop need not wait out its grace. This must happen while the
  // server's workers exist (net::http_server::stop()).
  players_.clear();
  by_entity_.clear();
  {
    std::vector<operator_waiter> waiters;
    {
      std::lock_guard lock(truth_mu_);
      waiters.swap(truth_waiters_);
    }
    for (operator_waiter& wt : waiters) wt.reply(refusal(503, "stopping", "the gateway is shutting down"));
  }
  {
    std::lock_guard lock(inbox_mu_);
    inbox_.clear();
  }
  if (server_) server_->stop();
}

result<void> world_gateway::impl::open_persistence() {
  if (config_.open_players) {
    auto writer_store = config_.open_players();
    if (!writer_store) return writer_store.error();
    auto reader = config_.open_players();
    if (!reader) return reader.error();
    reader_ = std::move(*reader);
    records_ = std::make_unique<world::players::player_writer>(std::shared_ptr<world::players::player_store>(std::move(*writer_store)),
                                                               world::players::writer_options{});
  }
  if (!config_.durable) {
    memory_world_.emplace(config_.world, config_.population);
    return {};
  }
  auto opened = world::durable::durable_world::open(*config_.durable, config_.world, config_.population, *threads_);
  if (!opened) return opened.error();
  durable_ = std::move(*opened);
  restore_players();
  std::lock_guard lock(status_mu_);
  status_.tick = durable_->state().tick();
  status_.hash = durable_->state().hash();
  status_.last_logged = durable_->last_logged_tick();
  status_.last_snapshot = durable_->last_snapshot_tick();
  return {};
}

void world_gateway::impl::restore_players() {
  // The recovered world's joined entities are players whose connections
  // went down with the process: each is in its grace period from now, and a
  // token for its key resumes it. Their sequence counters come back with the
  // world, so their next commands continue above the last accepted one.
  const world::world& w = durable_->state();
  const auto now = steady::now();
  for (std::uint32_t e = 0; e < w.entity_count(); ++e) {
    if (!w.alive(e) || w.key(e).empty()) continue;
    player p;
    p.sub = w.key(e);
    p.entity = e;
    p.last_seq = w.last_sequence(e);
    p.dropped_at = now;
    p.record = {.id = p.sub, .display_name = p.sub, .created_ms = unix_now_ms()};
    if (reader_) {
      if (auto got = reader_->get(p.sub); got && *got) p.record = std::move(**got);
    }
    by_entity_[e] = p.sub;
    players_.emplace(p.sub, std::move(p));
  }
}

void world_gateway::impl::keep_record(player& p, steady::time_point now) {
  if (!records_) return;
  if (p.conn && now > p.counted_to) {
    p.record.play_time_ms += ms_between(p.counted_to, now);
    p.counted_to = now;
  }
  if (p.entity && state().alive(*p.entity)) p.record.last_position = state().position(*p.entity);
  p.record.last_seen_ms = unix_now_ms();
  if (!records_->submit(p.record)) records_refused_->inc();
}

std::string world_gateway::impl::health() const {
  tick_status st;
  {
    std::lock_guard lock(status_mu_);
    st = status_;
  }
  std::string body = st.persist_error.empty() ? R"({"status":"ok")" : R"({"status":"failing")";
  body += ",\"tick\":" + std::to_string(st.tick);
  if (durable_) {
    // The recovery report is written once, before the tick thread starts.
    const auto& rec = durable_->recovered();
    body += ",\"persistence\":{\"hash\":\"" + fmt::format("{:016x}", st.hash) +
            "\",\"lastLoggedTick\":" + (st.last_logged ? std::to_string(*st.last_logged) : std::string("null")) +
            ",\"lastSnapshotTick\":" + std::to_string(st.last_snapshot) + ",\"recovered\":{\"fresh\":" + (rec.fresh ? "true" : "false") +
            ",\"snapshotTick\":" + std::to_string(rec.snapshot_tick) + ",\"replayedTicks\":" + std::to_string(rec.replayed_ticks) +
            ",\"droppedTailBytes\":" + std::to_string(rec.dropped_tail_bytes) + "}";
    if (!st.persist_error.empty()) {
      body += ",\"error\":\"";
      net::append_json_escaped(body, st.persist_error);
      body += "\"";
    }
    body += "}";
  }
  if (records_) {
    const auto h = records_->health();
    body += ",\"playerRecords\":{\"outage\":" + std::string(h.outage ? "true" : "false") + ",\"written\":" + std::to_string(h.written) +
            ",\"queued\":" + std::to_string(h.queued) + ",\"rejected\":" + std::to_string(h.rejected);
    if (h.outage) {
      body += ",\"error\":\"";
      net::append_json_escaped(body, h.last_error);
      body += "\"";
    }
    body += "}";
  }
  body += "}";
  return body;
}

void world_gateway::impl::tick_loop() {
  auto next = steady::now();
  std::vector<inbound> batch;
  while (running_) {
    next += config_.tick;
    {
      std::unique_lock lock(wake_mu_);
      wake_.wait_until(lock, next, [this] { return !running_; });
    }
    if (!running_) break;
    {
      std::lock_guard lock(inbox_mu_);
      batch.swap(inbox_);
    }
    one_tick(batch);
    batch.clear();
  }
}

void world_gateway::impl::send(const std::shared_ptr<connection>& conn, std::string bytes) {
  auto frame = std::make_shared<const std::string>(std::move(bytes));
  conn->ws().owner().post([conn, frame] {
    conn->ws().send({frame, true});
    conn->queued = conn->ws().queued_bytes();
  });
}

void world_gateway::impl::close(const std::shared_ptr<connection>& conn, std::uint16_t code, std::string_view err,
                                std::string_view message) {
  conn->ws().owner().post([conn, code, e = std::string(err), m = std::string(message)] {
    if (e.empty()) {
      conn->ws().close(code, "");
    } else {
      conn->refuse(code, e, m);
    }
  });
}

void world_gateway::impl::attach(player& p, const std::shared_ptr<connection>& conn) {
  if (p.conn && p.conn != conn) close(p.conn, close_code::replaced, "replaced", "a newer connection for this player took over");
  p.conn = conn;
  p.expiry_sent = false;
  p.resumed = p.entity.has_value();
  p.seq_offset = p.last_seq;
  if (!p.entity) return;  // welcome once the join is applied
  if (!p.stream) p.stream.emplace(config_.stream, *p.entity);
  p.stream->reset();
  p.stream->set_sequence_offset(p.seq_offset);
  const auto q = [](std::int32_t f) { return static_cast<std::uint32_t>(f / wire::fixed_per_q); };
  const auto& c = state().config();
  std::string bytes;
  wire::encode(wire::welcome_msg{.entity = *p.entity,
                                 .resumed = p.resumed,
                                 .tick_hz = static_cast<std::uint32_t>(1000 / config_.tick.count()),
                                 .q_per_unit = wire::q_per_world_unit,
                                 .half = q(c.half_size),
                                 .radius = q(c.aoi_radius),
                                 .margin = q(c.aoi_margin),
                                 .max_speed = static_cast<std::uint32_t>(c.max_speed),
                                 .key = p.sub},
               bytes);
  send(conn, std::move(bytes));
}

void world_gateway::impl::one_tick(std::vector<inbound>& batch) {
  if (halted_) return;  // the log refused a tick: nothing more is stepped
  const auto start = steady::now();
  const std::uint64_t tick = state().tick() + 1;
  std::vector<world::command> cmds;
  std::vector<steady::time_point> arrivals;
  for (inbound& in : batch) {
    auto it = players_.find(in.conn->sub());
    switch (in.what) {
      case inbound::kind::open: {
        if (it == players_.end()) {
          it = players_.emplace(in.conn->sub(), player{}).first;
          player& p = it->second;
          p.sub = in.conn->sub();
          // A returning player spawns where it was last seen (inside the
          // world as it is now); a new one at the centre.
          world::vec2 at{};
          if (in.stored) {
            p.record = std::move(*in.stored);
            const std::int32_t edge = state().config().half_size - state().config().entity_radius;
            at = {std::clamp(p.record.last_position.x, -edge, edge), std::clamp(p.record.last_position.y, -edge, edge)};
          } else {
            p.record = {.id = p.sub, .display_name = p.sub, .created_ms = unix_now_ms()};
          }
          cmds.push_back({.tick = tick,
                          .player = world::system_sender,
                          .sequence = ++system_seq_,
                          .kind = world::command_kind::join,
                          .a = at.x,
                          .b = at.y,
                          .text = in.conn->sub()});
        }
        if (it->second.conn) keep_record(it->second, in.at);  // a replaced connection's play time
        attach(it->second, in.conn);
        it->second.counted_to = in.at;
        break;
      }
      case inbound::kind::closed:
        if (it != players_.end() && it->second.conn == in.conn) {
          keep_record(it->second, in.at);
          it->second.conn.reset();
          it->second.dropped_at = in.at;
        }
        break;
      case inbound::kind::command: {
        if (it == players_.end() || it->second.conn != in.conn || !it->second.entity) break;
        player& p = it->second;
        world::command c{.tick = tick, .player = *p.entity, .sequence = p.seq_offset + in.cmd.seq, .entity = *p.entity};
        c.a = in.cmd.a;
        c.b = in.cmd.b;
        c.c = in.cmd.speed;
        c.text = in.cmd.text;
        switch (in.cmd.kind) {
          case wire::command_kind::velocity: c.kind = world::command_kind::set_velocity; break;
          case wire::command_kind::move_to: c.kind = world::command_kind::move_to; break;
          case wire::command_kind::stop: c.kind = world::command_kind::stop; break;
          case wire::command_kind::emote: c.kind = world::command_kind::emote; break;
        }
        p.last_seq = std::max(p.last_seq, c.sequence);
        cmds.push_back(std::move(c));
        arrivals.push_back(in.at);
        break;
      }
      case inbound::kind::ack:
        if (it == players_.end() || it->second.conn != in.conn || !it->second.stream) break;
        if (!it->second.stream->ack(in.tick)) close(in.conn, close_code::bad_message, "bad_message", "ack for a tick never sent");
        break;
    }
  }
  // A connection lasts as long as its token: then the player reconnects
  // with a new one, and resumes its entity within the grace period.
  const std::int64_t now_s = unix_now_s();
  for (auto& [sub, p] : players_) {
    if (p.conn && !p.expiry_sent && now_s > p.conn->valid_until_s()) {
      p.expiry_sent = true;
      refused_->with({{"reason", "token_expired"}}).inc();
      close(p.conn, close_code::token_expired, "token_expired", "the token has expired: reconnect with a new one to resume");
    }
  }
  // Players gone longer than the grace period leave the world.
  for (auto& [sub, p] : players_) {
    if (!p.conn && p.entity && start - p.dropped_at > config_.grace) {
      cmds.push_back({.tick = tick,
                      .player = world::system_sender,
                      .sequence = ++system_seq_,
                      .entity = *p.entity,
                      .kind = world::command_kind::leave});
    }
  }
  for (const auto& at : arrivals) input_latency_->observe(std::chrono::duration<double>(start - at).count());
  const world::step_report* stepped = nullptr;
  if (durable_) {
    // Logged before it is applied; a tick that cannot be logged is not
    // stepped, and the world stops here (/health says why) rather than run
    // ahead of what a restart would recover.
    auto logged = durable_->step(cmds, *threads_);
    if (!logged) {
      halted_ = true;
      std::lock_guard lock(status_mu_);
      status_.persist_error = logged.error().message;
      return;
    }
    stepped = *logged;
  } else {
    stepped = &memory_world_->step(cmds, *threads_);
  }
  const world::step_report& r = *stepped;
  const world::world& w = state();
  tick_seconds_->observe(std::chrono::duration<double>(steady::now() - start).count());
  {
    std::lock_guard lock(status_mu_);
    status_.tick = w.tick();
    if (durable_) {
      status_.hash = w.hash();
      status_.last_logged = durable_->last_logged_tick();
      status_.last_snapshot = durable_->last_snapshot_tick();
    }
  }
  for (const world::rejection& x : r.rejections) rejected_->with({{"reason", std::string(world::reason_name(x.reason))}}).inc();
  for (const std::uint32_t d : r.departed) {
    const auto s = by_entity_.find(d);
    if (s == by_entity_.end()) continue;
    const auto p = players_.find(s->second);
    if (p != players_.end() && !p->second.conn) players_.erase(p);
    by_entity_.erase(s);
  }
  for (const world::join_event& j : r.joined) {
    const auto p = players_.find(j.key);
    if (p == players_.end()) continue;
    p->second.entity = j.entity;
    by_entity_[j.entity] = j.key;
    keep_record(p->second, start);  // the record exists from the join on
    if (p->second.conn) attach(p->second, p->second.conn);
  }
  for (const world::rejection& x : r.rejections) {
    if (x.player != world::system_sender || x.reason != world::reject_reason::world_full) continue;
    for (auto it = players_.begin(); it != players_.end();) {
      if (!it->second.entity && it->second.conn) {
        close(it->second.conn, close_code::world_full, "world_full", "the world has no room for another player");
        it = players_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (records_ && w.tick() % 20 == 0) {
    const auto h = records_->health();
    records_outage_->set(h.outage ? 1 : 0);
    records_queued_->set(static_cast<double>(h.queued));
  }
  if (records_ && config_.record_every > 0 && w.tick() % config_.record_every == 0) {
    for (auto& [sub, p] : players_) {
      if (p.conn) keep_record(p, start);
    }
  }
  std::uint64_t frames = 0, bytes = 0, deferred_before = 0, deferred_after = 0, pairs = 0;
  for (auto& [sub, p] : players_) {
    if (!p.entity || !p.stream || !state().alive(*p.entity)) continue;
    pairs += state().visible_count(*p.entity);
    if (!p.conn) continue;
    p.stream->observe(w, r);
    if (p.conn->queued.load(std::memory_order_relaxed) > config_.soft_queue_bytes) continue;  // latest-wins: skip
    deferred_before += p.stream->stats().deferred;
    std::string out;
    p.stream->build(w, out);
    deferred_after += p.stream->stats().deferred;
    ++frames;
    bytes += out.size();
    send(p.conn, std::move(out));
  }
  frames_sent_->inc(frames);
  bytes_sent_->inc(bytes);
  updates_deferred_->inc(deferred_after - deferred_before);
  aoi_pairs_->set(static_cast<double>(pairs));
  players_gauge_->set(static_cast<double>(players_.size()));
  std::vector<std::uint32_t> held(state().config().shards, 0);
  for (std::uint32_t e = 0; e < state().entity_count(); ++e) {
    if (state().alive(e)) ++held[state().shard_of(e)];
  }
  for (std::uint32_t s = 0; s < held.size(); ++s) entities_per_shard_->with({{"shard", std::to_string(s)}}).set(held[s]);
  answer_truth();
}

world_gateway::world_gateway(gateway_config config) : impl_(std::make_unique<impl>(std::move(config))) {}
world_gateway::~world_gateway() { stop(); }
result<void> world_gateway::start() { return impl_->start(); }
void world_gateway::stop() { impl_->stop(); }
std::uint16_t world_gateway::port() const noexcept { return impl_->port(); }
std::string world_gateway::metrics() const { return impl_->metrics(); }
std::string world_gateway::health() const { return impl_->health(); }

}  // namespace metronome::gateway
