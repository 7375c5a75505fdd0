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

}  // namespace metronome::store
