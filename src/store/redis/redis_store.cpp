#include "redis/redis_store.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include "redis/redis_outbox.hpp"
#include "redis/session_codec.hpp"
#include "redis/slot.hpp"

namespace metronome::store::detail::redis {

struct eval_call {
  const lua_script* script = nullptr;
  std::vector<std::string> keys;
  std::vector<std::string> args;
  bool write = false;
  steady::time_point deadline;
  redis_store::eval_done done;
};

namespace {

constexpr std::size_t max_page_limit = 100;

template <class T>
void complete(const callback<T>& done, result<T> r) {
  if (done) done(std::move(r));
}

// Appends WAIT 1 <ms> so the reply says whether a replica has every write
// this connection sent so far. Its own timeout is half the time left: Redis
// notices an expired WAIT only on its next event-loop turn (up to 100 ms at
// the default hz 10), and "0 replicas" must still arrive before the deadline.
void append_wait(std::string& payload, steady::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
  const std::int64_t wait_ms = std::max<std::int64_t>(1, left / 2);
  append_command(payload, {"WAIT", "1", decimal(wait_ms)});
}

struct cursor_position {
  std::int64_t created_at_ms = 0;
  std::string id;
};

// "r1:<created_at_ms>:<id>": the last entry of the previous page. The tag
// lets the format change; decoding is strict.
constexpr std::string_view cursor_tag = "r1:";

std::string encode_cursor(std::int64_t created_at_ms, std::string_view id) {
  return std::string(cursor_tag) + decimal(created_at_ms) + ":" + std::string(id);
}

result<cursor_position> decode_cursor(std::string_view text) {
  if (text.starts_with(cursor_tag) && text.size() <= 2048) {
    const std::string_view rest = text.substr(cursor_tag.size());
    const auto colon = rest.find(':');
    std::int64_t ms = 0;
    if (colon != std::string_view::npos && colon > 0 && colon + 1 < rest.size()) {
      const auto [p, ec] = std::from_chars(rest.data(), rest.data() + colon, ms);
      if (ec == std::errc{} && p == rest.data() + colon) return cursor_position{ms, std::string(rest.substr(colon + 1))};
    }
  }
  return make_error(errc::invalid_argument, "malformed cursor: pass next_cursor back unchanged");
}

std::optional<std::int64_t> parse_score(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc{} && p == s.data() + s.size()) return v;
  double d = 0;
  auto [p2, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec2 != std::errc{} || p2 != s.data() + s.size() || !std::isfinite(d) || std::fabs(d) > 9.0e15) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

struct index_entry {
  std::string id;
  std::int64_t created_at_ms;
};

// The page script's answer: id, score, id, score...
result<std::vector<index_entry>> parse_index_page(const reply_view& v, std::string_view index) {
  if (!v.is_array() || v.size() % 2 != 0) return make_error(errc::internal, "page answered " + v.describe());
  std::vector<index_entry> entries;
  entries.reserve(v.size() / 2);
  for (std::size_t i = 0; i < v.size(); i += 2) {
    const auto id = v.at(i).text();
    const auto score = v.at(i + 1).text();
    const auto ms = score ? parse_score(*score) : std::nullopt;
    if (!id || !ms) return make_error(errc::internal, "malformed index entry in " + std::string(index));
    entries.push_back(index_entry{std::string(*id), *ms});
  }
  return entries;
}

}  // namespace

redis_store::redis_store(std::unique_ptr<router> r, const store_options& options, bool cluster)
    : options_(options),
      cluster_(cluster),
      loop_(std::make_unique<io_loop>(std::move(r), std::max<std::size_t>(options.max_in_flight, 1))) {}

redis_store::~redis_store() { loop_.reset(); }

void redis_store::eval(const lua_script& script, std::vector<std::string> keys, std::vector<std::string> args, bool write,
                       steady::time_point deadline, eval_done done) {
  auto call = std::make_shared<eval_call>();
  call->script = &script;
  call->keys = std::move(keys);
  call->args = std::move(args);
  call->write = write;
  call->deadline = deadline;
  call->done = std::move(done);
  send_eval(call, false);
}

void redis_store::send_eval(const std::shared_ptr<eval_call>& call, bool by_body) {
  auto r = std::make_unique<request>();
  const std::string numkeys = decimal(static_cast<std::int64_t>(call->keys.size()));
  std::vector<std::string_view> argv;
  argv.reserve(3 + call->keys.size() + call->args.size());
  argv.push_back(by_body ? "EVAL" : "EVALSHA");
  argv.push_back(by_body ? call->script->body : std::string_view(call->script->sha));
  argv.push_back(numkeys);
  for (const auto& k : call->keys) argv.push_back(k);
  for (const auto& a : call->args) argv.push_back(a);
  append_command(r->payload, argv);
  r->commands = 1;
  if (call->write && options_.wait_for_replica) {
    append_wait(r->payload, call->deadline);
    r->commands = 2;
  }
  r->slot = call->keys.empty() ? -1 : key_slot(call->keys.front());
  r->idempotent = !call->write;
  r->deadline = call->deadline;
  r->done = [this, call, by_body](completion&& c) {
    if (!c.ok()) {
      call->done(std::move(*c.failure));
      return;
    }
    const reply_view v(c.replies.front().get());
    if (v.is_error()) {
      if (!by_body && v.text()->starts_with("NOSCRIPT")) {
        send_eval(call, true);  // not executed: this node has not cached the script yet
        return;
      }
      call->done(make_error(error_reply_code(*v.text()), "redis script " + std::string(call->script->name) + " failed: " + v.describe()));
      return;
    }
    eval_reply out;
    out.value = std::move(c.replies.front());
    if (c.replies.size() > 1) {
      const auto acks = reply_view(c.replies[1].get()).integer();
      out.replicated = acks && *acks >= 1;
    }
    call->done(std::move(out));
  };
  loop_->execute(std::move(r));
}

void redis_store::command(std::vector<std::string> args, std::size_t key_index, bool idempotent, steady::time_point deadline,
                          std::function<void(result<reply_ptr>)> done) {
  auto r = std::make_unique<request>();
  std::vector<std::string_view> argv(args.begin(), args.end());
  append_command(r->payload, argv);
  r->commands = 1;
  r->slot = key_index == 0 || key_index >= args.size() ? -1 : key_slot(args[key_index]);
  r->idempotent = idempotent;
  r->deadline = deadline;
  r->done = [done = std::move(done)](completion&& c) {
    if (!c.ok()) {
      done(std::move(*c.failure));
      return;
    }
    const reply_view v(c.replies.front().get());
    if (v.is_error()) {
      done(make_error(error_reply_code(*v.text()), "redis answered " + v.describe()));
      return;
    }
    done(std::move(c.replies.front()));
  };
  loop_->execute(std::move(r));
}

void redis_store::fetch_session(const std::string& id, steady::time_point deadline, std::function<void(result<session_record>)> done) {
  command({"HGETALL", session_key(id)}, 1, true, deadline, [id, done = std::move(done)](result<reply_ptr> r) {
    if (!r) {
      done(std::move(r).error());
      return;
    }
    const reply_view v(r->get());
    if (v.is_array() && v.size() == 0) {
      done(make_error(errc::not_found, "no session with id '" + id + "'"));
      return;
    }
    done(decode_session(v, id));
  });
}

void redis_store::get(std::string id, callback<session_record> done) {
  try {
    fetch_session(id, deadline(), [done](result<session_record> r) { complete(done, std::move(r)); });
  } catch (const std::exception& e) {
    complete(done, result<session_record>(make_error(errc::internal, std::string("redis get: ") + e.what())));
  }
}

void redis_store::end(end_request req, callback<end_outcome> done) {
  if (req.to == session_status::running) {
    complete(done, result<end_outcome>(make_error(errc::invalid_argument, "a session can only end as stopped or exited")));
    return;
  }
  try {
    const auto dl = deadline();
    std::vector<std::string> args{std::string(status_name(req.to)), decimal(req.at_ms), req.owner ? "1" : "0", req.owner.value_or("")};
    std::vector<std::string> keys{session_key(req.id)};
    if (req.event && keeps_outbox()) {  // stored by the same script, iff it changes the session
      for (auto& k : outbox_keys()) keys.push_back(std::move(k));
      for (auto& a : outbox_args(*req.event, outbox_max())) args.push_back(std::move(a));
    }
    eval(scripts().end_session, std::move(keys), std::move(args), true, dl, [this, id = req.id, dl, done](result<eval_reply> r) {
      if (!r) return complete(done, result<end_outcome>(std::move(r).error()));
      const reply_view v(r->value.get());
      const auto tag = v.size() >= 1 ? v.at(0).text() : std::nullopt;
      if (!tag) return complete(done, result<end_outcome>(make_error(errc::internal, "end_session answered " + v.describe())));
      if (*tag == "not_found") return complete(done, result<end_outcome>(make_error(errc::not_found, "no session with id '" + id + "'")));
      if (*tag == "forbidden") {
        return complete(done, result<end_outcome>(make_error(errc::forbidden, "session '" + id + "' belongs to another user")));
      }
      if ((*tag != "changed" && *tag != "unchanged") || v.size() < 2 || v.size() > 3) {
        return complete(done, result<end_outcome>(make_error(errc::internal, "end_session answered " + v.describe())));
      }
      auto record = decode_session(v.at(1), id);
      if (!record) return complete(done, result<end_outcome>(std::move(record).error()));
      if (*tag == "unchanged") return complete(done, result<end_outcome>(end_outcome{std::move(*record), false}));
      if (!r->replicated) {
        return complete(done, result<end_outcome>(make_error(errc::unavailable, "session end not acknowledged by a replica in time")));
      }
      end_outcome out{.record = std::move(*record), .changed = true, .event_stored = v.size() == 3 && v.at(2).integer() == 1};
      if (out.record.user_id.empty()) return complete(done, result<end_outcome>(std::move(out)));
      // Tidy the user's pointer; a failure here leaves it dangling, which
      // create treats as free, so the end stands either way.
      const std::string user = out.record.user_id;
      eval(scripts().release_active, {user_active_key(user)}, {id}, false, dl,
           [done, out = std::move(out)](result<eval_reply>) mutable { complete(done, result<end_outcome>(std::move(out))); });
    });
  } catch (const std::exception& e) {
    complete(done, result<end_outcome>(make_error(errc::internal, std::string("redis end: ") + e.what())));
  }
}

void redis_store::move_region(region_move req, callback<session_record> done) {
  try {
    eval(move_region_script(), {session_key(req.id)}, {req.from, req.to}, true, deadline(), [id = req.id, done](result<eval_reply> r) {
      if (!r) return complete(done, result<session_record>(std::move(r).error()));
      const reply_view v(r->value.get());
      const auto tag = v.size() >= 1 ? v.at(0).text() : std::nullopt;
      if (!tag) return complete(done, result<session_record>(make_error(errc::internal, "move_region answered " + v.describe())));
      if (*tag == "not_found")
        return complete(done, result<session_record>(make_error(errc::not_found, "no session with id '" + id + "'")));
      if (*tag == "ended") return complete(done, result<session_record>(make_error(errc::conflict, "session '" + id + "' has ended")));
      if (*tag == "elsewhere") {
        const auto now_in = v.size() >= 2 ? v.at(1).text() : std::nullopt;
        return complete(done, result<session_record>(make_error(
                                  errc::conflict, "session '" + id + "' is in region '" + std::string(now_in.value_or("")) + "' now")));
      }
      if (*tag != "moved" || v.size() != 2) {
        return complete(done, result<session_record>(make_error(errc::internal, "move_region answered " + v.describe())));
      }
      if (!r->replicated) {
        return complete(done, result<session_record>(make_error(errc::unavailable, "region move not acknowledged by a replica in time")));
      }
      complete(done, decode_session(v.at(1), id));
    });
  } catch (const std::exception& e) {
    complete(done, result<session_record>(make_error(errc::internal, std::string("redis move_region: ") + e.what())));
  }
}

void redis_store::list_by_user(page_request req, callback<page> done) {
  if (req.limit < 1 || req.limit > max_page_limit) {
    complete(done, result<page>(make_error(errc::invalid_argument, "limit must be 1 to 100, got " + std::to_string(req.limit))));
    return;
  }
  std::optional<cursor_position> after;
  if (!req.cursor.empty()) {
    auto decoded = decode_cursor(req.cursor);
    if (!decoded) return complete(done, result<page>(std::move(decoded).error()));
    after = std::move(*decoded);
  }
  try {
    const auto dl = deadline();
    std::vector<std::string> args{after ? decimal(after->created_at_ms) : "", after ? after->id : "",
                                  decimal(static_cast<std::int64_t>(req.limit + 1))};
    eval(scripts().page, {user_index_key(req.user_id)}, std::move(args), false, dl, [this, req, dl, done](result<eval_reply> r) {
      if (!r) return complete(done, result<page>(std::move(r).error()));
      auto parsed = parse_index_page(reply_view(r->value.get()), "the index of user '" + req.user_id + "'");
      if (!parsed) return complete(done, result<page>(std::move(parsed).error()));
      std::vector<index_entry>& entries = *parsed;
      const bool more = entries.size() > req.limit;
      if (more) entries.resize(req.limit);
      if (entries.empty()) return complete(done, result<page>(page{}));
      // All hashes at once (pipelined; in a cluster, to their own masters).
      // Completions run on the I/O thread only, so the gather needs no lock.
      struct gather {
        std::vector<std::optional<session_record>> found;
        std::size_t left = 0;
        std::optional<error> failure;
        std::string next_cursor;
      };
      auto g = std::make_shared<gather>();
      g->found.resize(entries.size());
      g->left = entries.size();
      if (more) g->next_cursor = encode_cursor(entries.back().created_at_ms, entries.back().id);
      for (std::size_t i = 0; i < entries.size(); ++i) {
        fetch_session(entries[i].id, dl, [g, i, done, user = req.user_id](result<session_record> s) {
          if (s && s->user_id == user) {
            g->found[i] = std::move(*s);
          } else if (!s && s.error().code != errc::not_found && !g->failure) {
            g->failure = s.error();  // a missing hash (undone create) is skipped, anything else fails the page
          }
          if (--g->left != 0) return;
          if (g->failure) return complete(done, result<page>(std::move(*g->failure)));
          page out;
          for (auto& f : g->found) {
            if (f) out.sessions.push_back(std::move(*f));
          }
          out.next_cursor = std::move(g->next_cursor);
          complete(done, result<page>(std::move(out)));
        });
      }
    });
  } catch (const std::exception& e) {
    complete(done, result<page>(make_error(errc::internal, std::string("redis list: ") + e.what())));
  }
}

// list_recent's walk: index pages of `batch` entries, their hashes read and
// filtered, until `limit` sessions match or `max_scanned` entries were read.
struct recent_walk {
  recent_filter filter;
  callback<page> done;
  steady::time_point deadline;
  std::optional<cursor_position> after;
  std::size_t batch = 0;
  std::size_t scanned = 0;
  page out;
};

namespace {
// Index entries one list_recent call reads at most before it answers a
// short page with a cursor: bounds the work of a filter that rarely matches.
constexpr std::size_t max_recent_scanned = 1000;
}  // namespace

void redis_store::list_recent(recent_filter filter, callback<page> done) {
  if (filter.limit < 1 || filter.limit > max_page_limit) {
    complete(done, result<page>(make_error(errc::invalid_argument, "limit must be 1 to 100, got " + std::to_string(filter.limit))));
    return;
  }
  auto walk = std::make_shared<recent_walk>();
  if (!filter.cursor.empty()) {
    auto decoded = decode_cursor(filter.cursor);
    if (!decoded) return complete(done, result<page>(std::move(decoded).error()));
    walk->after = std::move(*decoded);
  }
  // Unfiltered, one entry more than asked tells whether a next page exists.
  const bool filtered = !filter.region.empty() || filter.status.has_value();
  walk->batch = filtered ? max_page_limit : filter.limit + 1;
  walk->filter = std::move(filter);
  walk->done = std::move(done);
  walk->deadline = deadline();
  try {
    recent_step(walk);
  } catch (const std::exception& e) {
    complete(walk->done, result<page>(make_error(errc::internal, std::string("redis list_recent: ") + e.what())));
  }
}

void redis_store::recent_step(const std::shared_ptr<recent_walk>& walk) {
  std::vector<std::string> args{walk->after ? decimal(walk->after->created_at_ms) : "", walk->after ? walk->after->id : "",
                                decimal(static_cast<std::int64_t>(walk->batch))};
  eval(scripts().page, {recent_index_key()}, std::move(args), false, walk->deadline, [this, walk](result<eval_reply> r) {
    if (!r) return complete(walk->done, result<page>(std::move(r).error()));
    auto parsed = parse_index_page(reply_view(r->value.get()), recent_index_key());
    if (!parsed) return complete(walk->done, result<page>(std::move(parsed).error()));
    auto entries = std::make_shared<std::vector<index_entry>>(std::move(*parsed));
    if (entries->empty()) return complete(walk->done, result<page>(std::move(walk->out)));
    // The batch's hashes at once (pipelined); completions run on the I/O
    // thread only, so the gather needs no lock.
    struct gather {
      std::vector<std::optional<session_record>> found;
      std::size_t left = 0;
      std::optional<error> failure;
    };
    auto g = std::make_shared<gather>();
    g->found.resize(entries->size());
    g->left = entries->size();
    for (std::size_t i = 0; i < entries->size(); ++i) {
      fetch_session((*entries)[i].id, walk->deadline, [this, walk, entries, g, i](result<session_record> s) {
        if (s) {
          g->found[i] = std::move(*s);
        } else if (s.error().code != errc::not_found && !g->failure) {
          g->failure = s.error();  // a missing hash (an undone create) is skipped, anything else fails the page
        }
        if (--g->left != 0) return;
        if (g->failure) return complete(walk->done, result<page>(std::move(*g->failure)));
        const recent_filter& f = walk->filter;
        for (std::size_t k = 0; k < entries->size(); ++k) {
          const index_entry& e = (*entries)[k];
          walk->after = cursor_position{e.created_at_ms, e.id};
          ++walk->scanned;
          auto& rec = g->found[k];
          if (rec && (f.region.empty() || rec->region == f.region) && (!f.status || rec->status == *f.status)) {
            walk->out.sessions.push_back(std::move(*rec));
          }
          if (walk->out.sessions.size() == f.limit) {
            // More may follow: entries left in this batch, or a full batch.
            if (k + 1 < entries->size() || entries->size() == walk->batch) walk->out.next_cursor = encode_cursor(e.created_at_ms, e.id);
            return complete(walk->done, result<page>(std::move(walk->out)));
          }
        }
        if (entries->size() < walk->batch) return complete(walk->done, result<page>(std::move(walk->out)));
        if (walk->scanned >= max_recent_scanned) {
          walk->out.next_cursor = encode_cursor(walk->after->created_at_ms, walk->after->id);
          return complete(walk->done, result<page>(std::move(walk->out)));
        }
        recent_step(walk);
      });
    }
  });
}

void redis_store::ping(callback<void> done) {
  try {
    auto r = std::make_unique<request>();
    if (cluster_) {
      append_command(r->payload, {"CLUSTER", "INFO"});
    } else {
      append_command(r->payload, {"PING"});
    }
    r->commands = 1;
    r->idempotent = true;
    r->deadline = deadline();
    r->done = [done, cluster = cluster_](completion&& c) {
      if (!c.ok()) return complete(done, result<void>(std::move(*c.failure)));
      const auto text = reply_view(c.replies.front().get()).text();
      if (!text || reply_view(c.replies.front().get()).is_error()) {
        return complete(done,
                        result<void>(make_error(errc::unavailable, "redis answered " + reply_view(c.replies.front().get()).describe())));
      }
      if (cluster && text->find("cluster_state:ok") == std::string_view::npos) {
        return complete(done, result<void>(make_error(errc::unavailable, "redis cluster_state is not ok")));
      }
      if (!cluster && *text != "PONG")
        return complete(done, result<void>(make_error(errc::internal, "PING answered " + std::string(*text))));
      complete(done, result<void>());
    };
    loop_->execute(std::move(r));
  } catch (const std::exception& e) {
    complete(done, result<void>(make_error(errc::internal, std::string("redis ping: ") + e.what())));
  }
}

}  // namespace metronome::store::detail::redis
