#include "sqlite/sqlite_rows.hpp"

#include <cstdint>
#include <string>

namespace metronome::store::detail {

void bind_record(statement& s, const session_record& r) noexcept {
  s.bind(1, r.id);
  s.bind(2, r.user_id);
  s.bind(3, r.region);
  s.bind(4, static_cast<std::int64_t>(r.seed));  // Modular since C++20: the same 64 bits.
  s.bind(5, mode_name(r.mode));
  s.bind(6, r.commitment);
  s.bind(7, r.salt);
  s.bind(8, r.start_at_ms);
  s.bind(9, r.tick_ms);
  s.bind(10, r.rule_json);
  s.bind(11, status_name(r.status));
  s.bind(12, r.created_at_ms);
  if (r.ended_at_ms) {
    s.bind(13, *r.ended_at_ms);
  } else {
    s.bind_null(13);
  }
  s.bind(14, r.metadata_json);
  s.bind(15, r.key_digest);
}

result<session_record> read_record(const statement& s) {
  session_record r;
  r.id = s.column_text(0);
  r.user_id = s.column_text(1);
  r.region = s.column_text(2);
  r.seed = static_cast<std::uint64_t>(s.column_int64(3));
  const std::string mode = s.column_text(4);
  const auto parsed_mode = mode_named(mode);
  if (!parsed_mode) return make_error(errc::internal, "sqlite: session '" + r.id + "' has unknown mode '" + mode + "'");
  r.mode = *parsed_mode;
  r.commitment = s.column_text(5);
  r.salt = s.column_text(6);
  r.start_at_ms = s.column_int64(7);
  r.tick_ms = s.column_int64(8);
  r.rule_json = s.column_text(9);
  const std::string status = s.column_text(10);
  const auto parsed_status = status_named(status);
  if (!parsed_status) return make_error(errc::internal, "sqlite: session '" + r.id + "' has unknown status '" + status + "'");
  r.status = *parsed_status;
  r.created_at_ms = s.column_int64(11);
  if (!s.column_is_null(12)) r.ended_at_ms = s.column_int64(12);
  r.metadata_json = s.column_text(13);
  r.key_digest = s.column_text(14);
  return r;
}

}  // namespace metronome::store::detail
