#include "metronome/store/session.hpp"

namespace metronome::store {

std::string_view status_name(session_status s) noexcept {
  switch (s) {
    case session_status::running: return "running";
    case session_status::stopped: return "stopped";
    case session_status::exited: return "exited";
  }
  return "running";
}

std::optional<session_status> status_named(std::string_view name) noexcept {
  if (name == "running") return session_status::running;
  if (name == "stopped") return session_status::stopped;
  if (name == "exited") return session_status::exited;
  return std::nullopt;
}

std::string_view mode_name(session_mode m) noexcept { return m == session_mode::server ? "server" : "client"; }

std::optional<session_mode> mode_named(std::string_view name) noexcept {
  if (name == "client") return session_mode::client;
  if (name == "server") return session_mode::server;
  return std::nullopt;
}

bool plausible_session_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

std::string_view session_record::public_status(status_vocabulary v) const noexcept {
  if (v == status_vocabulary::seed002 && status == session_status::running) return "active";
  return status_name(status);
}

}  // namespace metronome::store
