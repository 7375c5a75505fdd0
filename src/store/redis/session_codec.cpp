#include "redis/session_codec.hpp"

#include <array>
#include <charconv>
#include <optional>

#include "redis/request.hpp"

namespace metronome::store::detail::redis {
namespace {

constexpr std::string_view format_version = "1";

// Fields in stored order; ended_at_ms is present only once a session ended,
// key_digest only when the session has a key (older hashes have none).
enum field : std::size_t {
  f_v,
  f_id,
  f_user_id,
  f_region,
  f_seed,
  f_mode,
  f_commitment,
  f_salt,
  f_start_at_ms,
  f_tick_ms,
  f_rule_json,
  f_status,
  f_created_at_ms,
  f_metadata_json,
  f_ended_at_ms,
  f_key_digest,
  field_count
};
constexpr std::array<std::string_view, field_count> field_names{
    "v",           "id",      "user_id",   "region", "seed",          "mode",          "commitment",  "salt",
    "start_at_ms", "tick_ms", "rule_json", "status", "created_at_ms", "metadata_json", "ended_at_ms", "key_digest"};

template <class Int>
std::optional<Int> parse_int(std::string_view s) {
  Int v{};
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string escape_tag(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '{') {
      out += "%7B";
    } else if (c == '}') {
      out += "%7D";
    } else if (c == '%') {
      out += "%25";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string session_key(std::string_view id) { return "mt:s:{" + escape_tag(id) + "}"; }
std::string user_index_key(std::string_view user_id) { return "mt:u:{" + escape_tag(user_id) + "}:sessions"; }
std::string user_active_key(std::string_view user_id) { return "mt:u:{" + escape_tag(user_id) + "}:active"; }
std::string recent_index_key() { return "mt:x:{recent}:sessions"; }

std::vector<std::string> encode_session(const session_record& r) {
  std::vector<std::string> out;
  out.reserve(2 * field_count);
  auto put = [&](field f, std::string value) {
    out.emplace_back(field_names[f]);
    out.push_back(std::move(value));
  };
  put(f_v, std::string(format_version));
  put(f_id, r.id);
  put(f_user_id, r.user_id);
  put(f_region, r.region);
  put(f_seed, std::to_string(r.seed));
  put(f_mode, std::string(mode_name(r.mode)));
  put(f_commitment, r.commitment);
  put(f_salt, r.salt);
  put(f_start_at_ms, decimal(r.start_at_ms));
  put(f_tick_ms, decimal(r.tick_ms));
  put(f_rule_json, r.rule_json);
  put(f_status, std::string(status_name(r.status)));
  put(f_created_at_ms, decimal(r.created_at_ms));
  put(f_metadata_json, r.metadata_json);
  if (r.ended_at_ms) put(f_ended_at_ms, decimal(*r.ended_at_ms));
  if (!r.key_digest.empty()) put(f_key_digest, r.key_digest);
  return out;
}

result<session_record> decode_session(reply_view hash, std::string_view expected_id) {
  const std::string which = "session " + std::string(expected_id);
  auto bad = [&](const std::string& what) { return make_error(errc::internal, "stored " + which + " is malformed: " + what); };
  if (!hash.is_array() || hash.size() % 2 != 0) return bad("expected field/value pairs, got " + hash.describe());
  std::array<std::optional<std::string_view>, field_count> v{};
  for (std::size_t i = 0; i < hash.size(); i += 2) {
    const auto name = hash.at(i).text();
    const auto value = hash.at(i + 1).text();
    if (!name || !value) return bad("non-text entry at " + std::to_string(i));
    std::size_t f = 0;
    while (f < field_count && field_names[f] != *name) ++f;
    if (f == field_count) return bad("unknown field '" + std::string(*name) + "'");
    if (v[f]) return bad("repeated field '" + std::string(*name) + "'");
    v[f] = *value;
  }
  for (std::size_t f = 0; f < f_ended_at_ms; ++f) {
    if (!v[f]) return bad("missing field '" + std::string(field_names[f]) + "'");
  }
  if (*v[f_v] != format_version) return bad("unsupported format version '" + std::string(*v[f_v]) + "'");
  if (!expected_id.empty() && *v[f_id] != expected_id) return bad("it holds id '" + std::string(*v[f_id]) + "'");

  session_record r;
  r.id = std::string(*v[f_id]);
  r.user_id = std::string(*v[f_user_id]);
  r.region = std::string(*v[f_region]);
  r.commitment = std::string(*v[f_commitment]);
  r.salt = std::string(*v[f_salt]);
  r.rule_json = std::string(*v[f_rule_json]);
  r.metadata_json = std::string(*v[f_metadata_json]);
  if (v[f_key_digest]) r.key_digest = std::string(*v[f_key_digest]);
  const auto seed = parse_int<std::uint64_t>(*v[f_seed]);
  const auto start = parse_int<std::int64_t>(*v[f_start_at_ms]);
  const auto tick = parse_int<std::int64_t>(*v[f_tick_ms]);
  const auto created = parse_int<std::int64_t>(*v[f_created_at_ms]);
  const auto mode = mode_named(*v[f_mode]);
  const auto status = status_named(*v[f_status]);
  if (!seed) return bad("seed is not an unsigned integer");
  if (!start) return bad("start_at_ms is not an integer");
  if (!tick) return bad("tick_ms is not an integer");
  if (!created) return bad("created_at_ms is not an integer");
  if (!mode) return bad("unknown mode '" + std::string(*v[f_mode]) + "'");
  if (!status) return bad("unknown status '" + std::string(*v[f_status]) + "'");
  r.seed = *seed;
  r.start_at_ms = *start;
  r.tick_ms = *tick;
  r.created_at_ms = *created;
  r.mode = *mode;
  r.status = *status;
  if (v[f_ended_at_ms]) {
    const auto ended = parse_int<std::int64_t>(*v[f_ended_at_ms]);
    if (!ended) return bad("ended_at_ms is not an integer");
    r.ended_at_ms = *ended;
  }
  return r;
}

}  // namespace metronome::store::detail::redis
