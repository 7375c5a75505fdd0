#include "redis/redis_outbox.hpp"

#include <charconv>

#include "redis/redis_store.hpp"
#include "redis/request.hpp"

namespace metronome::store::detail::redis {

std::vector<std::string> outbox_keys() { return {"mt:x:{outbox}:order", "mt:x:{outbox}:entries", "mt:x:{outbox}:seq"}; }

std::string encode_outbox_entry(const outbox_entry& e) { return decimal(e.at_ms) + " " + e.subject + " " + e.payload_json; }

result<outbox_entry> decode_outbox_entry(std::string id, std::string_view stored) {
  const auto first = stored.find(' ');
  const auto second = first == std::string_view::npos ? first : stored.find(' ', first + 1);
  std::int64_t at_ms = 0;
  if (second == std::string_view::npos || std::from_chars(stored.data(), stored.data() + first, at_ms).ptr != stored.data() + first) {
    return make_error(errc::internal, "redis: malformed outbox entry for event '" + id + "'");
  }
  return outbox_entry{.id = std::move(id),
                      .subject = std::string(stored.substr(first + 1, second - first - 1)),
                      .payload_json = std::string(stored.substr(second + 1)),
                      .at_ms = at_ms};
}

std::vector<std::string> outbox_args(const outbox_entry& e, std::size_t max_depth) {
  return {e.id, encode_outbox_entry(e), decimal(static_cast<std::int64_t>(max_depth))};
}

void redis_store::append(outbox_entry entry, callback<bool> done) {
  eval(scripts().outbox_append, outbox_keys(), outbox_args(entry, options_.outbox_max_depth), true, deadline(),
       [done = std::move(done)](result<eval_reply> r) {
         if (!r) return done(std::move(r).error());
         const auto stored = reply_view(r->value.get()).integer();
         if (!stored) return done(make_error(errc::internal, "outbox_append answered " + reply_view(r->value.get()).describe()));
         done(*stored == 1);
       });
}

void redis_store::peek(std::size_t limit, callback<std::vector<outbox_entry>> done) {
  eval(scripts().outbox_peek, outbox_keys(), {decimal(static_cast<std::int64_t>(limit))}, false, deadline(),
       [done = std::move(done)](result<eval_reply> r) {
         if (!r) return done(std::move(r).error());
         const reply_view v(r->value.get());
         if (v.size() != 2 || v.at(0).size() != v.at(1).size()) {
           return done(make_error(errc::internal, "outbox_peek answered " + v.describe()));
         }
         std::vector<outbox_entry> out;
         for (std::size_t i = 0; i < v.at(0).size(); ++i) {
           const auto id = v.at(0).at(i).text();
           const auto stored = v.at(1).at(i).text();
           if (!id) return done(make_error(errc::internal, "outbox_peek answered " + v.describe()));
           if (!stored) continue;  // removed between the two reads of one script: impossible, but harmless
           auto e = decode_outbox_entry(std::string(*id), *stored);
           if (!e) return done(std::move(e).error());
           out.push_back(std::move(*e));
         }
         done(std::move(out));
       });
}

void redis_store::remove(std::vector<std::string> ids, callback<void> done) {
  if (ids.empty()) return done(result<void>{});
  eval(scripts().outbox_remove, outbox_keys(), std::move(ids), true, deadline(), [done = std::move(done)](result<eval_reply> r) {
    if (!r) return done(std::move(r).error());
    done(result<void>{});
  });
}

void redis_store::depth(callback<std::size_t> done) {
  command({"ZCARD", outbox_keys().front()}, 1, true, deadline(), [done = std::move(done)](result<reply_ptr> r) {
    if (!r) return done(std::move(r).error());
    const auto n = reply_view(r->get()).integer();
    if (!n || *n < 0) return done(make_error(errc::internal, "ZCARD answered " + reply_view(r->get()).describe()));
    done(static_cast<std::size_t>(*n));
  });
}

}  // namespace metronome::store::detail::redis
