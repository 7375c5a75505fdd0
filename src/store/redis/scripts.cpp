#include "redis/scripts.hpp"

#include "redis/sha1.hpp"

#include <memory>
#include <string>
#include <vector>

namespace metronome::store::detail::redis {
namespace {

// The event outbox (outbox.hpp, docs/events.md): scripts that commit a
// session write take its three keys as KEYS[n+1..n+3] and the event as
// ARGV[m+1..m+3] (id, entry, bound) when the write carries one, and call
// outbox_put where the write commits, so both happen or neither. 1: stored
// (or already there), 0: the outbox is full (nothing stored).
constexpr std::string_view outbox_prelude = R"lua(
local function outbox_put(k, a)
  local z, h, seq = KEYS[k], KEYS[k + 1], KEYS[k + 2]
  if redis.call('HEXISTS', h, ARGV[a]) == 1 then return 1 end
  if redis.call('ZCARD', z) >= tonumber(ARGV[a + 2]) then return 0 end
  redis.call('ZADD', z, redis.call('INCR', seq), ARGV[a])
  redis.call('HSET', h, ARGV[a], ARGV[a + 1])
  return 1
end
)lua";

// A session becomes visible whole: one HSET writes every field, and only if
// no hash has that id (a duplicate id is errc::conflict, never a merge).
constexpr std::string_view create_session_lua = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
)lua";

// create_session plus the recent index (list_recent), for standalone Redis
// where both keys are on the one server: the session and its index entry
// appear together. The last two ARGV are the score and the member.
constexpr std::string_view create_indexed_session_lua = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 1, #ARGV - 2))
redis.call('ZADD', KEYS[2], ARGV[#ARGV - 1], ARGV[#ARGV])
return 1
)lua";

// Undo of create_session: deletes the hash only if it is still exactly what
// this create wrote (so never somebody else's session, nor one since ended).
// Standalone passes the recent index as KEYS[2]: its entry goes too.
constexpr std::string_view discard_session_lua = R"lua(
local h = redis.call('HGETALL', KEYS[1])
if #h ~= #ARGV then return 0 end
local want = {}
for i = 1, #ARGV, 2 do want[ARGV[i]] = ARGV[i + 1] end
for i = 1, #h, 2 do if want[h[i]] ~= h[i + 1] then return 0 end end
redis.call('DEL', KEYS[1])
if #KEYS == 2 then redis.call('ZREM', KEYS[2], want['id']) end
return 1
)lua";

// The user's active pointer names their running session. The session hash
// lives in another slot, so whether a pointed-to session still runs is
// checked by the client; a caller that found the pointer dangling (session
// missing or ended) passes that value in ARGV[2] and replaces it only if it
// is still the same (compare-and-set). Claiming also indexes the session.
// With an event (#KEYS == 5): {1, stored} once claimed.
constexpr std::string_view claim_active_lua = R"lua(
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] and cur ~= ARGV[2] then return {0, cur} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if #KEYS == 5 then return {1, outbox_put(3, 4)} end
return {1}
)lua";

// Without an event: ZADD's count; with one (#KEYS == 4): {1, stored}.
constexpr std::string_view index_session_lua = R"lua(
local n = redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if #KEYS == 4 then return {1, outbox_put(2, 3)} end
return n
)lua";

// running -> stopped/exited as one compare-and-set. Owner check first, so an
// ended session of someone else is forbidden, not "unchanged".
constexpr std::string_view end_session_lua = R"lua(
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return {'not_found'} end
local user, status
for i = 1, #h, 2 do
  if h[i] == 'user_id' then user = h[i + 1] elseif h[i] == 'status' then status = h[i + 1] end
end
if ARGV[3] == '1' and user ~= ARGV[4] then return {'forbidden'} end
if status ~= 'running' then return {'unchanged', h} end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'ended_at_ms', ARGV[2])
if #KEYS == 4 then return {'changed', redis.call('HGETALL', KEYS[1]), outbox_put(2, 5)} end
return {'changed', redis.call('HGETALL', KEYS[1])}
)lua";

// Outbox operations on its own three keys (z, h, seq).
constexpr std::string_view outbox_append_lua = R"lua(
return outbox_put(1, 1)
)lua";

// ARGV[1]: how many, oldest first. {ids, entries}.
constexpr std::string_view outbox_peek_lua = R"lua(
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #ids == 0 then return {{}, {}} end
return {ids, redis.call('HMGET', KEYS[2], unpack(ids))}
)lua";

// ARGV: ids. Missing ones are ignored.
constexpr std::string_view outbox_remove_lua = R"lua(
for _, id in ipairs(ARGV) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
end
return #ARGV
)lua";

constexpr std::string_view release_active_lua = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
)lua";

// Newest first is ZREVRANGE order: score (created_at_ms) descending, then
// member (id) descending bytewise. The page after cursor (score s, id c)
// starts after every entry with score > s or with score = s and id >= c.
// Lua's string < uses strcoll, hence the bytewise comparison.
constexpr std::string_view page_lua = R"lua(
local function after(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
end
local start = 0
if ARGV[1] ~= '' then
  start = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])) do
    if m == ARGV[2] or after(m, ARGV[2]) then start = start + 1 end
  end
end
return redis.call('ZREVRANGE', KEYS[1], start, start + tonumber(ARGV[3]) - 1, 'WITHSCORES')
)lua";

lua_script make(std::string_view name, std::string_view body) { return lua_script{name, body, sha1_hex(body)}; }

// A script that may call outbox_put: the prelude and the body, kept for the
// process's lifetime (lua_script holds a view).
lua_script make_with_outbox(std::string_view name, std::string_view body) {
  static std::vector<std::unique_ptr<std::string>> bodies;
  bodies.push_back(std::make_unique<std::string>(std::string(outbox_prelude) + std::string(body)));
  return make(name, *bodies.back());
}

// running in region ARGV[1] -> region ARGV[2], as one compare-and-set.
constexpr std::string_view move_region_lua = R"lua(
local f = redis.call('HMGET', KEYS[1], 'region', 'status')
if not f[2] then return {'not_found'} end
if f[2] ~= 'running' then return {'ended'} end
if f[1] ~= ARGV[1] then return {'elsewhere', f[1] or ''} end
redis.call('HSET', KEYS[1], 'region', ARGV[2])
return {'moved', redis.call('HGETALL', KEYS[1])}
)lua";

}  // namespace

const lua_script& move_region_script() {
  static const lua_script script = make("move_region", move_region_lua);
  return script;
}

const script_set& scripts() {
  static const script_set set{
      make("create_session", create_session_lua),
      make("create_indexed_session", create_indexed_session_lua),
      make("discard_session", discard_session_lua),
      make_with_outbox("claim_active", claim_active_lua),
      make_with_outbox("index_session", index_session_lua),
      make_with_outbox("end_session", end_session_lua),
      make("release_active", release_active_lua),
      make("page", page_lua),
      make_with_outbox("outbox_append", outbox_append_lua),
      make("outbox_peek", outbox_peek_lua),
      make("outbox_remove", outbox_remove_lua),
  };
  return set;
}

}  // namespace metronome::store::detail::redis
