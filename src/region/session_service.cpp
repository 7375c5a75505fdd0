#include "metronome/region/session_service.hpp"

#include <openssl/sha.h>

#include <array>
#include <vector>

#include "json_codec.hpp"
#include "metronome/core/random.hpp"

namespace metronome::region {

session_service::session_service(store::session_store& store, const clock& clk, service_config config, region_metrics& metrics)
    : store_(store), clock_(clk), config_(std::move(config)), metrics_(metrics) {}

template <class T>
store::callback<T> session_service::timed(store_op op, store::callback<T> done) {
  const std::int64_t started = clock_.monotonic_us();
  return [this, op, started, done = std::move(done)](result<T> r) mutable {
    const auto seconds = static_cast<double>(clock_.monotonic_us() - started) / 1e6;
    metrics_.duration_of(op).observe(seconds);
    if (!r) {
      // The error path: a lookup under the family's lock is fine here.
      metrics_.store_errors.with({{"op", store_op_names[static_cast<std::size_t>(op)]}, {"code", std::string(errc_name(r.error().code))}})
          .inc();
      // To a client, a store that does not answer in time is an unavailable
      // store: 503, whatever the cause.
      if (r.error().code == errc::timeout) r = make_error(errc::unavailable, "session store timed out: " + r.error().message);
    }
    done(std::move(r));
  };
}

void session_service::create(create_request req, store::callback<store::create_outcome> done) {
  store::session_record rec;
  rec.id = random_uuid();
  rec.user_id = std::move(req.user_id);
  rec.region = config_.region;
  rec.seed = random_seed();
  rec.mode = req.mode;
  if (rec.mode == store::session_mode::server) {
    rec.salt = random_hex(16);
    rec.commitment = commitment_for(rec.seed, rec.salt);
  }
  rec.created_at_ms = clock_.now_ms();
  rec.start_at_ms = rec.created_at_ms + config_.countdown_ms;
  rec.tick_ms = req.tick_ms.value_or(config_.default_tick_ms);
  rec.rule_json = rule_to_json(req.rule);
  rec.metadata_json = std::move(req.metadata_json);
  rec.key_digest = std::move(req.key_digest);
  rec.status = store::session_status::running;
  const store::session_mode mode = rec.mode;
  store::create_options options{.one_active_per_user = req.one_active_per_user};
  if (events_ != nullptr) options.event = events::to_entry(events::game_started(rec, event_source()));
  store_.create(std::move(rec), std::move(options),
                timed<store::create_outcome>(store_op::create, [this, mode, done = std::move(done)](result<store::create_outcome> r) {
                  if (r && r->created) {
                    metrics_.created(mode).inc();
                    if (events_ != nullptr) events_->written(r->event_stored);
                  }
                  done(std::move(r));
                }));
}

void session_service::get(std::string id, store::callback<store::session_record> done) {
  store_.get(std::move(id), timed<store::session_record>(store_op::get, std::move(done)));
}

void session_service::end(store::end_request req, store::callback<store::end_outcome> done) {
  if (events_ == nullptr) return end_now(std::move(req), std::move(done));
  // game.exited describes the session: read it first. If it is running
  // now, every field but the end is final, and the end is ours if the
  // store reports changed (only then is the event written). A failed read
  // goes on without an event: the end reports the store's answer.
  std::string id = req.id;  // before req moves into the callback
  store_.get(std::move(id), [this, req = std::move(req), done = std::move(done)](result<store::session_record> r) mutable {
    if (r && !r->ended()) req.event = events::to_entry(events::game_exited(*r, req.to, req.at_ms, event_source()));
    end_now(std::move(req), std::move(done));
  });
}

void session_service::end_now(store::end_request req, store::callback<store::end_outcome> done) {
  const bool with_event = req.event.has_value();
  store_.end(std::move(req),
             timed<store::end_outcome>(store_op::end, [this, with_event, done = std::move(done)](result<store::end_outcome> r) {
               if (r && r->changed) {
                 metrics_.ended(r->record.status).inc();
                 if (with_event && events_ != nullptr) events_->written(r->event_stored);
               }
               done(std::move(r));
             }));
}

void session_service::list(store::page_request req, store::callback<store::page> done) {
  store_.list_by_user(std::move(req), timed<store::page>(store_op::list_by_user, std::move(done)));
}

void session_service::ping(store::callback<void> done) { store_.ping(timed<void>(store_op::ping, std::move(done))); }

result<engine::session_params> session_service::params_of(const store::session_record& s) {
  auto rule = rule_from_json(s.rule_json);
  if (!rule) return make_error(errc::internal, "session " + s.id + " has a corrupt rule: " + rule.error().message);
  return engine::session_params{.seed = s.seed, .start_at_ms = s.start_at_ms, .tick_ms = s.tick_ms, .rule = *rule};
}

namespace {

std::string sha256_hex(std::string_view text) {
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return to_hex(digest);
}

}  // namespace

std::string session_service::key_digest(std::string_view key) { return sha256_hex(key); }

std::string session_service::commitment_for(std::uint64_t seed, const std::string& salt_hex) {
  return sha256_hex("metronome-commit-v1:" + salt_hex + ":" + std::to_string(seed));
}

}  // namespace metronome::region
