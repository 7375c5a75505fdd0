#include "metronome/world/shardnet/shard_node.hpp"

#include <map>

#include <fmt/format.h>

#include "metronome/world/shardnet/messages.hpp"
#include "metronome/world/world.hpp"

namespace metronome::world::shardnet {
namespace {

using clock_type = std::chrono::steady_clock;

std::uint64_t nanos_since(clock_type::time_point t) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - t).count());
}

struct step_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class node final : public shard_exchange {
 public:
  node(const shard_options& o, nats_bus& bus) : o_(o), bus_(bus), subjects_(o.world_name), shards_(o.config.shards) {}

  result<void> run(const std::function<void(const shard_start&)>& started) {
    shard_start s;
    if (o_.durable) {
      auto d = durable::durable_world::open(*o_.durable, o_.config, o_.pop);
      if (!d) return d.error();
      durable_ = std::move(*d);
      durable_->keep_views_of(o_.index);  // recovery stepped the world whole
      s.fresh = durable_->recovered().fresh;
      s.replayed_ticks = durable_->recovered().replayed_ticks;
    } else {
      plain_.emplace(o_.config, o_.pop);
    }
    s.tick = state().tick();
    floor_ = s.tick;
    if (auto r = bus_.subscribe(subjects_.all); !r) return r;
    started(s);
    if (auto r = say_hello(); !r) return r;
    try {
      while (!stop_) {
        const std::uint64_t at = state().tick();
        std::erase_if(batches_, [at](const auto& b) { return b.first < at; });
        if (auto it = batches_.find(at + 1); it != batches_.end()) {
          if (auto r = step(it->second, false); !r) return r;
        } else if (it = batches_.find(at); it != batches_.end() && at > 0) {
          // The driver is (still or again) at the tick this replica holds.
          if (done_sent_ == at) {
            batches_.erase(it);
            if (auto r = bus_.publish(subjects_.ctl, last_done_); !r) return r;
            if (auto r = bus_.flush(); !r) return r;
          } else if (auto r = step(it->second, true); !r) {
            return r;
          }
        } else if (!batches_.empty()) {
          return make_error(errc::conflict, fmt::format("shard {} holds tick {} and the world is at tick {}: it cannot catch up{}",
                                                        o_.index, at, batches_.begin()->first, o_.durable ? "" : " (no --data-dir)"));
        } else if (auto r = pump(std::chrono::milliseconds(200)); !r) {
          return r;
        }
      }
    } catch (const step_failure& e) {
      return make_error(errc::unavailable, e.what());
    } catch (const std::invalid_argument& e) {
      return make_error(errc::invalid_argument, fmt::format("shard {}: {}", o_.index, e.what()));
    }
    if (durable_) return durable_->snapshot();
    return {};
  }

  std::vector<std::string> exchange(std::uint64_t tick, shard_phase phase, const std::string& mine) override {
    if (shards_ == 1) return {};  // nobody to tell
    const auto key = std::make_pair(tick, static_cast<int>(phase));
    mine_[key] = mine;
    std::erase_if(mine_, [tick](const auto& m) { return m.first.first + 1 < tick; });
    if (auto r = bus_.publish(subjects_.out, mine); !r) throw step_failure(r.error().message);
    if (auto r = bus_.flush(); !r) throw step_failure(r.error().message);
    const auto started = clock_type::now();
    auto reported = started;
    auto& got = inbox_[key];
    while (got.size() + 1 < shards_) {
      if (auto r = pump(std::chrono::milliseconds(50)); !r) throw step_failure(r.error().message);
      if (clock_type::now() - reported > o_.deadline) {
        reported = clock_type::now();
        std::string missing;
        for (std::uint32_t i = 0; i < shards_; ++i) {
          if (i != o_.index && !got.contains(i)) missing += (missing.empty() ? "" : ",") + std::to_string(i);
        }
        fmt::print(stderr, "metronome: world shard {}: tick {} {}: waiting for shards [{}] ({} ms)\n", o_.index, tick,
                   phase == shard_phase::move ? "move" : "settle", missing,
                   std::chrono::duration_cast<std::chrono::milliseconds>(reported - started).count());
        // A message lost (a NATS outage, a peer restarting): hello makes the peers send theirs again.
        if (auto r = say_hello(); !r) throw step_failure(r.error().message);
      }
    }
    wait_ns_ += nanos_since(started);
    std::vector<std::string> theirs;
    for (auto& [from, bytes] : got) theirs.push_back(std::move(bytes));
    inbox_.erase(key);
    return theirs;
  }

 private:
  const world& state() const { return durable_ ? durable_->state() : *plain_; }

  result<void> say_hello() {
    if (auto r = bus_.publish(subjects_.ctl, encode(hello{o_.index, shards_, state().tick()})); !r) return r;
    return bus_.flush();
  }

  /// Steps the batch's tick, or, when `again`, re-steps the tick this replica
  /// already holds (logged before it was killed) from the tick before it, so
  /// that the peers waiting at that tick get its outputs again.
  result<void> step(batch b, bool again) {  // a copy: a batch sent again may replace the map entry meanwhile
    const auto started = clock_type::now();
    wait_ns_ = 0;
    floor_ = b.tick;
    std::erase_if(inbox_, [this](const auto& m) { return m.first.first < floor_; });
    if (again) {
      if (!durable_) return make_error(errc::internal, "a tick held twice without a data dir");
      serial_executor serial;
      auto before = durable::replay(o_.durable->dir, b.tick - 1, serial);
      if (!before) return before.error();
      before->keep_views_of(o_.index);
      before->step_shard(b.commands, o_.index, *this);
      if (before->hash() != state().hash()) {
        return make_error(errc::internal, fmt::format("shard {}: tick {} stepped again differs from the logged one", o_.index, b.tick));
      }
    } else if (durable_) {
      if (auto r = durable_->step_shard(b.commands, o_.index, *this); !r) return r.error();
    } else {
      plain_->step_shard(b.commands, o_.index, *this);
    }
    const bus_counts c = bus_.counts();
    const std::uint64_t total = nanos_since(started);
    const done d{b.tick, o_.index, state().hash(), total - std::min(total, wait_ns_), wait_ns_, c.msgs_out, c.bytes_out};
    last_done_ = encode(d);
    if (auto r = bus_.publish(subjects_.ctl, last_done_); !r) return r;
    if (auto r = bus_.flush(); !r) return r;
    done_sent_ = b.tick;
    batches_.erase(b.tick);
    return {};
  }

  result<void> republish() {
    for (const auto& [key, bytes] : mine_) {
      if (auto r = bus_.publish(subjects_.out, bytes); !r) return r;
    }
    return bus_.flush();
  }

  result<void> pump(std::chrono::milliseconds wait) {
    if (bus_.take_reconnected()) {  // after a NATS outage: as after a restart
      fmt::print(stderr, "metronome: world shard {}: NATS reconnected; saying hello again\n", o_.index);
      if (auto r = say_hello(); !r) return r;
    }
    auto msg = bus_.next(wait);
    if (!msg) return msg.error();
    if (!*msg) return {};
    const bus_message& m = **msg;
    if (m.subject == subjects_.out) {
      const auto h = peek_shard_output(m.data);
      if (!h || h->shard >= shards_) {
        fmt::print(stderr, "metronome: world shard {}: dropped a malformed shard output\n", o_.index);
      } else if (h->shard == o_.index) {
        fmt::print(stderr, "metronome: world shard {}: another process runs as shard {} of world {}: its output dropped\n", o_.index,
                   o_.index, o_.world_name);
      } else if (h->tick >= floor_) {
        inbox_[{h->tick, static_cast<int>(h->phase)}].emplace(h->shard, m.data);
      }
    } else if (m.subject == subjects_.tick) {
      if (m.data.empty()) return say_hello();  // the driver's ping
      auto b = decode_batch(m.data);
      if (!b) {
        fmt::print(stderr, "metronome: world shard {}: dropped a batch: {}\n", o_.index, b.error().message);
      } else if (b->tick >= state().tick()) {
        batches_.insert_or_assign(b->tick, std::move(*b));
      }
    } else if (m.subject == subjects_.ctl) {
      // A peer that (re)started: it needs what this shard sent for the ticks in flight.
      if (auto h = decode_hello(m.data); h && h->shard != o_.index) return republish();
    } else if (m.subject == subjects_.stop) {
      stop_ = true;
    }
    return {};
  }

  const shard_options& o_;
  nats_bus& bus_;
  subjects subjects_;
  std::uint32_t shards_;
  std::unique_ptr<durable::durable_world> durable_;
  std::optional<world> plain_;
  std::map<std::pair<std::uint64_t, int>, std::string> mine_;                            // this shard's outputs of the last two ticks
  std::map<std::pair<std::uint64_t, int>, std::map<std::uint32_t, std::string>> inbox_;  // peers' outputs by (tick, phase)
  std::map<std::uint64_t, batch> batches_;                                               // ticks published, not yet stepped
  std::uint64_t floor_ = 0;                                                              // outputs of earlier ticks are no longer needed
  std::uint64_t done_sent_ = 0;                                                          // the last tick this process reported done
  std::uint64_t wait_ns_ = 0;
  std::string last_done_;
  bool stop_ = false;
};

}  // namespace

result<void> run_shard(const shard_options& o, nats_bus& bus, const std::function<void(const shard_start&)>& started) {
  node n(o, bus);
  return n.run(started);
}

}  // namespace metronome::world::shardnet
