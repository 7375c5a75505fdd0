#include "redis/scripts.hpp"

#include "redis/sha1.hpp"

namespace metronome::store::detail::redis {
namespace {

// A session becomes visible whole: one HSET writes every field, and only if
// no hash has that id (a duplicate id is errc::conflict, never a merge).
constexpr std::string_view create_session_lua = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
)lua";

// Undo of create_session: deletes the hash only if it is still exactly what
// this create wrote (so never somebody else's session, nor one since ended).
constexpr std::string_view discard_session_lua = R"lua(
local h = redis.call('HGETALL', KEYS[1])
if #h ~= #ARGV then return 0 end
local want = {}
for i = 1, #ARGV, 2 do want[ARGV[i]] = ARGV[i + 1] end
for i = 1, #h, 2 do if want[h[i]] ~= h[i + 1] then return 0 end end
redis.call('DEL', KEYS[1])
return 1
)lua";

// The user's active pointer names their running session. The session hash
// lives in another slot, so whether a pointed-to session still runs is
// checked by the client; a caller that found the pointer dangling (session
// missing or ended) passes that value in ARGV[2] and replaces it only if it
// is still the same (compare-and-set). Claiming also indexes the session.
constexpr std::string_view claim_active_lua = R"lua(
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] and cur ~= ARGV[2] then return {0, cur} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return {1}
)lua";

constexpr std::string_view index_session_lua = R"lua(
return redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
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
return {'changed', redis.call('HGETALL', KEYS[1])}
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

}  // namespace

const script_set& scripts() {
  static const script_set set{
      make("create_session", create_session_lua),
      make("discard_session", discard_session_lua),
      make("claim_active", claim_active_lua),
      make("index_session", index_session_lua),
      make("end_session", end_session_lua),
      make("release_active", release_active_lua),
      make("page", page_lua),
  };
  return set;
}

}  // namespace metronome::store::detail::redis
