#include "redis/reply.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <string>

namespace metronome::store::detail::redis {

void reply_deleter::operator()(redisReply* r) const noexcept { freeReplyObject(r); }

bool reply_view::is_error() const noexcept { return r_ != nullptr && r_->type == REDIS_REPLY_ERROR; }
bool reply_view::is_nil() const noexcept { return r_ == nullptr || r_->type == REDIS_REPLY_NIL; }
bool reply_view::is_array() const noexcept { return r_ != nullptr && r_->type == REDIS_REPLY_ARRAY; }
bool reply_view::is_integer() const noexcept { return r_ != nullptr && r_->type == REDIS_REPLY_INTEGER; }
bool reply_view::is_text() const noexcept { return r_ != nullptr && (r_->type == REDIS_REPLY_STRING || r_->type == REDIS_REPLY_STATUS); }

std::optional<std::string_view> reply_view::text() const noexcept {
  if (r_ == nullptr) return std::nullopt;
  if (r_->type != REDIS_REPLY_STRING && r_->type != REDIS_REPLY_STATUS && r_->type != REDIS_REPLY_ERROR) return std::nullopt;
  return std::string_view(r_->str, r_->len);
}

std::optional<std::int64_t> reply_view::integer() const noexcept {
  if (!is_integer()) return std::nullopt;
  return static_cast<std::int64_t>(r_->integer);
}

std::size_t reply_view::size() const noexcept { return is_array() ? r_->elements : 0; }

reply_view reply_view::at(std::size_t i) const noexcept { return reply_view(r_->element[i]); }

std::string reply_view::describe() const {
  if (r_ == nullptr) return "no reply";
  switch (r_->type) {
    case REDIS_REPLY_ERROR: return "error '" + std::string(r_->str, r_->len) + "'";
    case REDIS_REPLY_STATUS: return "status '" + std::string(r_->str, r_->len) + "'";
    case REDIS_REPLY_STRING: return "string of " + std::to_string(r_->len) + " bytes";
    case REDIS_REPLY_INTEGER: return "integer " + std::to_string(r_->integer);
    case REDIS_REPLY_NIL: return "nil";
    case REDIS_REPLY_ARRAY: return "array of " + std::to_string(r_->elements);
    default: return "reply of unknown type " + std::to_string(r_->type);
  }
}

namespace {

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381"
redirect parse_target(redirect::kind what, std::string_view rest) noexcept {
  redirect out;
  const auto space = rest.find(' ');
  if (space == std::string_view::npos) return out;
  int slot = -1;
  const std::string_view slot_text = rest.substr(0, space);
  auto [p1, e1] = std::from_chars(slot_text.data(), slot_text.data() + slot_text.size(), slot);
  if (e1 != std::errc{} || p1 != slot_text.data() + slot_text.size() || slot < 0 || slot >= 16384) return out;
  const std::string_view address = rest.substr(space + 1);
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos) return out;
  unsigned port = 0;
  const std::string_view port_text = address.substr(colon + 1);
  auto [p2, e2] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (e2 != std::errc{} || p2 != port_text.data() + port_text.size() || port == 0 || port > 65535) return out;
  out.what = what;
  out.slot = slot;
  out.host = address.substr(0, colon);
  out.port = static_cast<std::uint16_t>(port);
  return out;
}

}  // namespace

redirect classify_error(std::string_view e) noexcept {
  if (e.starts_with("MOVED ")) return parse_target(redirect::kind::moved, e.substr(6));
  if (e.starts_with("ASK ")) return parse_target(redirect::kind::ask, e.substr(4));
  for (std::string_view transient : {"TRYAGAIN", "CLUSTERDOWN", "LOADING", "READONLY", "MASTERDOWN"}) {
    if (e.starts_with(transient)) {
      redirect r;
      r.what = redirect::kind::retry_later;
      return r;
    }
  }
  return {};
}

errc error_reply_code(std::string_view e) noexcept {
  if (classify_error(e).what != redirect::kind::none) return errc::unavailable;
  for (std::string_view transient : {"BUSY", "OOM", "NOREPLICAS", "MISCONF"}) {
    if (e.starts_with(transient)) return errc::unavailable;
  }
  return errc::internal;
}

}  // namespace metronome::store::detail::redis
