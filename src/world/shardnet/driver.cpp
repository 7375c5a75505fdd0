#include "metronome/world/shardnet/driver.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "metronome/world/shardnet/messages.hpp"

namespace metronome::world::shardnet {
namespace {

using clock_type = std::chrono::steady_clock;

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

class driver {
 public:
  driver(const drive_options& o, nats_bus& bus, const drive_hooks& hooks)
      : o_(o), bus_(bus), hooks_(hooks), subjects_(o.world_name), done_(o.shards), at_(o.shards) {}

  result<drive_totals> run(const std::map<std::uint64_t, std::vector<command>>& commands) {
    if (auto r = bus_.subscribe(subjects_.ctl); !r) return r.error();
    if (auto r = start(); !r) return r.error();
    const std::vector<command> none;
    drive_totals totals;
    totals.first_tick = first_;
    std::vector<std::uint64_t> base_msgs(o_.shards, 0), base_bytes(o_.shards, 0);
    for (std::uint64_t t = first_; t <= o_.ticks; ++t) {
      const auto it = commands.find(t);
      batch_ = encode(batch{t, it == commands.end() ? none : it->second});
      auto r = barrier(t);
      if (!r) return r.error();
      if (t == first_) {  // the traffic of the first tick's predecessors is not the run's
        for (std::uint32_t i = 0; i < o_.shards; ++i) {
          base_msgs[i] = done_[i]->msgs_out;
          base_bytes[i] = done_[i]->bytes_out;
        }
      }
      ++totals.ticks;
      if (hooks_.on_tick) hooks_.on_tick(*r);
    }
    totals.deadline_misses = misses_;
    totals.hellos = hellos_;
    if (totals.ticks > 1) {  // from the end of the first tick to the end of the last
      for (std::uint32_t i = 0; i < o_.shards; ++i) {
        totals.shard_msgs_out += done_[i]->msgs_out - base_msgs[i];
        totals.shard_bytes_out += done_[i]->bytes_out - base_bytes[i];
      }
      totals.ticks -= 1;
    }
    const bus_counts c = bus_.counts();
    totals.driver_msgs_out = c.msgs_out;
    totals.driver_bytes_out = c.bytes_out;
    if (o_.stop_shards) {
      if (auto s = bus_.publish(subjects_.stop, ""); !s) return s.error();
      if (auto s = bus_.flush(); !s) return s.error();
    }
    return totals;
  }

 private:
  /// Pings until every shard said hello; the run starts after the lowest tick held.
  result<void> start() {
    std::vector<std::optional<std::uint64_t>> held(o_.shards);
    const auto until = clock_type::now() + o_.start_timeout;
    auto pinged = clock_type::now() - std::chrono::seconds(1);
    while (std::any_of(held.begin(), held.end(), [](const auto& h) { return !h; })) {
      if (clock_type::now() > until) {
        std::string missing;
        for (std::uint32_t i = 0; i < o_.shards; ++i) {
          if (!held[i]) missing += (missing.empty() ? "" : ",") + std::to_string(i);
        }
        return make_error(errc::timeout, fmt::format("shards [{}] did not say hello within {} ms", missing, o_.start_timeout.count()));
      }
      if (clock_type::now() - pinged > std::chrono::milliseconds(500)) {
        pinged = clock_type::now();
        if (auto r = bus_.publish(subjects_.tick, ""); !r) return r;
        if (auto r = bus_.flush(); !r) return r;
      }
      auto m = bus_.next(std::chrono::milliseconds(100));
      if (!m) return m.error();
      if (!*m) continue;
      if (auto h = decode_hello((*m)->data); h) {
        if (h->shards != o_.shards)
          return make_error(errc::conflict, fmt::format("shard {} runs as one of {}, not {}", h->shard, h->shards, o_.shards));
        held[h->shard] = h->tick;
      }
    }
    std::uint64_t lo = UINT64_MAX, hi = 0;
    for (const auto& h : held) {
      lo = std::min(lo, *h);
      hi = std::max(hi, *h);
    }
    if (hi > lo + 1) return make_error(errc::conflict, fmt::format("the shards hold ticks {} to {}: too far apart to catch up", lo, hi));
    first_ = lo + 1;
    return {};
  }

  result<tick_result> barrier(std::uint64_t t) {
    const auto started = clock_type::now();
    std::fill(done_.begin(), done_.end(), std::nullopt);
    if (auto r = send_batch(); !r) return r.error();
    std::vector<std::uint8_t> missed(o_.shards, 0);
    auto next_deadline = started + o_.deadline;
    std::uint32_t have = 0;
    while (have < o_.shards) {
      const auto now = clock_type::now();
      if (now >= next_deadline) {
        for (std::uint32_t i = 0; i < o_.shards; ++i) {
          if (done_[i]) continue;
          const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - started);
          if (!missed[i]) {
            missed[i] = 1;
            ++misses_;
            if (hooks_.on_miss) hooks_.on_miss(t, i, waited);
          }
          fmt::print(stderr, "metronome: world drive: tick {}: shard {} has not reported after {} ms (deadline {} ms); waiting\n", t, i,
                     waited.count(), o_.deadline.count());
        }
        next_deadline = now + o_.deadline;
        // The batch may be what was lost: a shard that already reported the tick reports it again.
        if (auto r = send_batch(); !r) return r.error();
      }
      if (bus_.take_reconnected()) {  // what was in flight may be lost: the batch again
        fmt::print(stderr, "metronome: world drive: NATS reconnected at tick {}; sending the tick again\n", t);
        if (auto r = send_batch(); !r) return r.error();
      }
      auto m = bus_.next(std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(200),
          std::chrono::duration_cast<std::chrono::milliseconds>(next_deadline - now) + std::chrono::milliseconds(1)));
      if (!m) return m.error();
      if (!*m) continue;
      const std::string& data = (*m)->data;
      if (auto d = decode_done(data); d && d->shard < o_.shards && d->tick == t) {
        if (!done_[d->shard]) ++have;
        done_[d->shard] = *d;
      } else if (auto h = decode_hello(data); h && h->shard < o_.shards) {
        ++hellos_;
        if (hooks_.on_hello) hooks_.on_hello(h->shard, h->tick);
        if (h->tick + 1 < t) {
          return make_error(errc::conflict, fmt::format("shard {} restarted at tick {}, the world is at tick {}: it cannot catch up",
                                                        h->shard, h->tick, t));
        }
        if (auto r = send_batch(); !r) return r.error();
      }
    }
    tick_result r;
    r.tick = t;
    r.hash = done_[0]->hash;
    r.wall_ms = std::chrono::duration<double, std::milli>(clock_type::now() - started).count();
    for (std::uint32_t i = 0; i < o_.shards; ++i) {
      if (done_[i]->hash != r.hash) {
        return make_error(errc::internal, fmt::format("tick {}: shard {} has hash {:016x}, shard 0 {:016x}", t, i, done_[i]->hash, r.hash));
      }
      r.compute_ms.push_back(ms(done_[i]->compute_ns));
      r.wait_ms.push_back(ms(done_[i]->wait_ns));
    }
    return r;
  }

  result<void> send_batch() {
    if (auto r = bus_.publish(subjects_.tick, batch_); !r) return r;
    return bus_.flush();
  }

  const drive_options& o_;
  nats_bus& bus_;
  const drive_hooks& hooks_;
  subjects subjects_;
  std::vector<std::optional<done>> done_;
  std::vector<std::uint64_t> at_;
  std::string batch_;
  std::uint64_t first_ = 1, misses_ = 0, hellos_ = 0;
};

}  // namespace

result<drive_totals> drive(const drive_options& o, nats_bus& bus, const std::map<std::uint64_t, std::vector<command>>& commands,
                           const drive_hooks& hooks) {
  driver d(o, bus, hooks);
  return d.run(commands);
}

}  // namespace metronome::world::shardnet
