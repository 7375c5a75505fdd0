#include "metronome/core/error.hpp"

namespace metronome {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "metronome"; }
  std::string message(int ev) const override { return std::string(errc_name(static_cast<errc>(ev))); }
};

}  // namespace

std::string_view errc_name(errc e) noexcept {
  switch (e) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::not_found: return "not_found";
    case errc::forbidden: return "forbidden";
    case errc::unauthorized: return "unauthorized";
    case errc::conflict: return "conflict";
    case errc::payload_too_large: return "payload_too_large";
    case errc::unsupported_media_type: return "unsupported_media_type";
    case errc::method_not_allowed: return "method_not_allowed";
    case errc::unavailable: return "unavailable";
    case errc::timeout: return "timeout";
    case errc::internal: return "internal";
  }
  return "internal";
}

const std::error_category& metronome_category() noexcept {
  static const category c;
  return c;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), metronome_category()}; }

}  // namespace metronome
