// Each bot is one coroutine on its pool's single-threaded io_context: wait
// for its ramp slot, connect from its source address, upgrade with its token
// in the query (docs/protocol.md, "Connecting"), then read until closed. A
// read waits for readability and takes what the socket holds with
// recv_stamped, so every frame carries the kernel's arrival time. Writes are
// direct non-blocking sends (acks and commands are a few bytes), queued only
// while the socket is full. Nothing is shared between threads but run_state's
// atomics and the check rounds (posted), so there are no locks.
#include "world_pool.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "metronome/gateway/wire.hpp"
#include "metronome/world/fixed.hpp"
#include "stamped_recv.hpp"
#include "ws_connect.hpp"
#include "ws_frame.hpp"
#include "xorshift.hpp"

namespace metronome::load {
namespace {

namespace asio = boost::asio;
using error_code = boost::system::error_code;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_message = 1 << 20;  ///< a larger server message is a protocol error here

}  // namespace

struct world_pool::impl {
  struct bot_conn;

  impl(const world_load_config& c, const endpoint_url& s, run_state& st) : cfg(c), server(s), state(st) {
    endpoint = tcp::endpoint(asio::ip::make_address_v4(server.host), server.port);
    host_header = server.host + ":" + std::to_string(server.port);
    rng.state ^= static_cast<std::uint64_t>(system_now_us());
  }
  std::uint64_t random() { return rng.next(); }
  bot_conn* find(int index);

  const world_load_config& cfg;
  const endpoint_url& server;
  run_state& state;
  tcp::endpoint endpoint;
  std::string host_header;
  world_bot_stats stats;
  bool stopping = false;
  xorshift64 rng;                    ///< mask and handshake keys
  std::array<char, 64 * 1024> rx{};  ///< every bot's reads land here first
  asio::io_context io{1};
  std::vector<std::unique_ptr<bot_conn>> bots;  // declared after io: destroyed before it
};

/// One bot's connection. Lives until the pool is destroyed, so handlers may capture `this`.
struct world_pool::impl::bot_conn {
  bot_conn(impl& p, int i, std::string t)
      : pool(p), index(i), token(std::move(t)), bot(i, p.cfg.seed, p.stats), sock(p.io), watchdog(p.io), walk_timer(p.io) {
    bot.set_spread(static_cast<std::int32_t>(p.cfg.spread * world::units_per_world_unit));
  }

  asio::awaitable<void> run() {
    co_await ramp_slot();
    if (pool.stopping) co_return fail("not started");
    watchdog.expires_after(std::chrono::milliseconds(pool.cfg.connect_timeout_ms));
    watchdog.async_wait([this](error_code ec) {
      if (ec || bot.framed()) return;
      timed_out = true;
      error_code ignored;
      sock.close(ignored);
    });
    if (auto why = co_await connect(); !why.empty()) {
      error_code ignored;
      sock.close(ignored);
      co_return fail(timed_out ? "timeout" : why);
    }
    open = true;
    if (!carry.empty() && !consume(system_now_us())) open = false;
    while (open) {
      if (auto [ec] = co_await sock.async_wait(tcp::socket::wait_read, use_tuple); ec) break;
      if (!read_available()) break;
    }
    open = false;
    walk_timer.cancel();
    watchdog.cancel();
    bot.abandon();
    error_code ignored;
    sock.close(ignored);
    if (close_code != 0) ++pool.stats.close_codes[close_code];
    if (bot.framed()) {
      pool.state.closed.fetch_add(1, std::memory_order_relaxed);
    } else {
      fail(close_code != 0 ? "closed before the first frame: " + std::to_string(close_code)
                           : (timed_out ? "timeout" : "closed before the first frame"));
    }
  }

  /// Starts a WebSocket close (1000); the read loop ends on the server's
  /// close frame or on EOF (the runner bounds how long that may take).
  void close() {
    walk_timer.cancel();
    if (!open) {
      error_code ignored;
      sock.close(ignored);  // not upgraded yet: abort the connect or the upgrade
      return;
    }
    if (closing) return;
    closing = true;
    const char code[2] = {static_cast<char>(1000 >> 8), static_cast<char>(1000 & 0xFF)};
    send_frame(ws::opcode::close, std::string_view(code, 2));
  }

  asio::awaitable<void> ramp_slot() {
    if (pool.cfg.ramp_per_second <= 0) co_return;
    const auto delay = std::chrono::duration<double>(index / pool.cfg.ramp_per_second);
    walk_timer.expires_at(pool.state.start + std::chrono::duration_cast<steady::duration>(delay));
    co_await walk_timer.async_wait(use_tuple);
  }

  /// TCP from the bot's source address, then the upgrade with the token in
  /// the query. Returns why it failed, or "".
  asio::awaitable<std::string> connect() {
    const auto k = static_cast<unsigned>(index % std::max(1, pool.cfg.source_addresses));
    const std::string& path = pool.server.path;
    const ws_target t{pool.endpoint,
                      asio::ip::address_v4((127U << 24) | (1U + k)),
                      pool.host_header,
                      path + (path.find('?') == std::string::npos ? "?" : "&") + "token=" + token,
                      ws::make_key(pool.random(), pool.random()),
                      std::string(gateway::wire::subprotocol)};
    co_return co_await ws_connect(sock, t, carry);
  }

  /// What the socket holds. False once the connection is finished.
  bool read_available() {
    for (;;) {
      std::int64_t arrival_us = 0;
      const ssize_t n = recv_stamped(sock.native_handle(), pool.rx.data(), pool.rx.size(), arrival_us);
      if (n == recv_would_block) return true;
      if (n <= 0) return false;
      carry.append(pool.rx.data(), static_cast<std::size_t>(n));
      if (!consume(arrival_us)) return false;
      if (static_cast<std::size_t>(n) < pool.rx.size()) return true;
    }
  }

  /// Handles every whole frame in `carry`. False once finished.
  bool consume(std::int64_t arrival_us) {
    std::size_t used = 0;
    bool go_on = true;
    while (go_on) {
      const ws::parse_result r = ws::parse_frame(std::string_view(carry).substr(used), max_message);
      if (r.error) {
        ++pool.stats.failures["websocket protocol error"];
        go_on = false;
        break;
      }
      if (r.consumed == 0) break;
      go_on = on_frame(r.f, arrival_us);
      used += r.consumed;
    }
    carry.erase(0, used);
    return go_on;
  }

  bool on_frame(const ws::frame& f, std::int64_t arrival_us) {
    switch (f.op) {
      case ws::opcode::binary:
      case ws::opcode::text:  // not part of the protocol: the decoder refuses it like any bad message
      case ws::opcode::continuation:
        if (!f.fin || f.op == ws::opcode::continuation) {
          fragments.append(f.payload);
          if (fragments.size() > max_message) return false;
          if (!f.fin) return true;
          const std::string whole = std::move(fragments);
          fragments.clear();
          return on_message(whole, arrival_us);
        }
        return on_message(f.payload, arrival_us);
      case ws::opcode::ping: send_frame(ws::opcode::pong, f.payload); return true;
      case ws::opcode::pong: return true;
      case ws::opcode::close:
        close_code = ws::close_code(f.payload);
        if (!closing) {
          closing = true;
          send_frame(ws::opcode::close, f.payload.substr(0, 2));
        }
        return false;
    }
    return true;
  }

  bool on_message(std::string_view payload, std::int64_t arrival_us) {
    const bool measuring = pool.state.measuring.load(std::memory_order_relaxed);
    const bool had_frame = bot.framed();
    out.clear();
    const world_bot::outcome o = bot.on_message(payload, arrival_us, measuring, out);
    if (!had_frame && bot.framed()) {
      watchdog.cancel();
      pool.state.ready.fetch_add(1, std::memory_order_relaxed);
    }
    send_all();
    if (o.walk_in_us >= 0) {
      walk_timer.expires_after(std::chrono::microseconds(o.walk_in_us));
      walk_timer.async_wait([this](error_code ec) {
        if (ec || !open || closing) return;
        out.clear();
        bot.on_walk(system_now_us(), pool.state.measuring.load(std::memory_order_relaxed), out);
        send_all();
      });
    }
    return o.ok;
  }

  void send_all() {
    for (const std::string& m : out) send_frame(ws::opcode::binary, m);
  }

  void send_frame(ws::opcode op, std::string_view payload) {
    if (!open || !sock.is_open()) return;
    const bool idle = outbox.empty();
    ws::append_client_frame(outbox, op, payload, static_cast<std::uint32_t>(pool.random()));
    if (idle) flush();
  }

  /// Sends what the socket takes now; the rest waits for writability.
  void flush() {
    send_pending(sock.native_handle(), outbox);
    if (!outbox.empty() && !waiting_write) {
      waiting_write = true;
      sock.async_wait(tcp::socket::wait_write, [this](error_code ec) {
        waiting_write = false;
        if (!ec && sock.is_open()) flush();
      });
    }
  }

  void fail(const std::string& why) {
    ++pool.stats.failures[why];
    pool.state.failed.fetch_add(1, std::memory_order_relaxed);
  }

  impl& pool;
  int index;
  std::string token;
  world_bot bot;
  tcp::socket sock;
  asio::steady_timer watchdog;    ///< bounds connect + upgrade + first frame
  asio::steady_timer walk_timer;  ///< the ramp slot, then the walk's delays
  std::string carry;              ///< bytes not yet parsed into frames (first: the upgrade's answer)
  std::string fragments;          ///< a fragmented message being reassembled, usually empty
  std::string outbox;             ///< encoded frames the socket has not taken yet, usually empty
  std::vector<std::string> out;   ///< scratch: the bot's messages to send
  bool open = false, closing = false, timed_out = false, waiting_write = false;
  int close_code = 0;
};

world_pool::impl::bot_conn* world_pool::impl::find(int index) {
  for (auto& b : bots) {
    if (b->index == index) return b.get();
  }
  return nullptr;
}

world_pool::world_pool(const world_load_config& cfg, const endpoint_url& server, run_state& state, const std::vector<int>& indices,
                       const std::vector<std::string>& tokens)
    : impl_(std::make_unique<impl>(cfg, server, state)) {
  impl_->bots.reserve(indices.size());
  for (const int i : indices) {
    auto& b = impl_->bots.emplace_back(std::make_unique<impl::bot_conn>(*impl_, i, tokens[static_cast<std::size_t>(i)]));
    asio::co_spawn(impl_->io, b->run(), asio::detached);
  }
}

world_pool::~world_pool() = default;

void world_pool::run() { impl_->io.run(); }

void world_pool::stop() {
  asio::post(impl_->io, [p = impl_.get()] {
    p->stopping = true;
    for (auto& b : p->bots) b->close();
  });
}

void world_pool::abort() { impl_->io.stop(); }

void world_pool::arm(int index, std::shared_ptr<check_round> round) {
  asio::post(impl_->io, [p = impl_.get(), index, round = std::move(round)]() mutable {
    impl::bot_conn* b = p->find(index);
    if (b == nullptr || !b->open || !b->bot.framed()) {
      round->finished.fetch_add(1);
      ++p->stats.unavailable;
      return;
    }
    b->bot.arm(std::move(round));
  });
}

void world_pool::check(int index) {
  asio::post(impl_->io, [p = impl_.get(), index] {
    if (impl::bot_conn* b = p->find(index)) b->bot.check();
  });
}

const world_bot_stats& world_pool::stats() const { return impl_->stats; }

}  // namespace metronome::load
