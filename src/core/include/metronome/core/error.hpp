// The project's error vocabulary. Domain code returns result<T>; exactly one
// place (src/net/http_errors.cpp) maps an errc to an HTTP status.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace metronome {

enum class errc {
  invalid_argument = 1,    ///< Malformed or out-of-range input.
  not_found,               ///< No such session, region, route.
  forbidden,               ///< The caller may not do this (wrong owner, bad token).
  unauthorized,            ///< Credentials missing or wrong.
  conflict,                ///< The request contradicts stored state.
  payload_too_large,       ///< Body or field over its limit.
  unsupported_media_type,  ///< A JSON route got something else.
  method_not_allowed,      ///< Route exists, method does not.
  unavailable,             ///< A dependency (the store, a region) cannot be reached.
  timeout,                 ///< A dependency did not answer in time.
  internal,                ///< A bug or an impossible state: logged, counted.
};

const std::error_category& metronome_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

/// The stable machine-readable name of a code, used as `error.code` in JSON
/// bodies ("invalid_argument", "not_found", ...).
std::string_view errc_name(errc e) noexcept;

/// An error with a sentence for a person.
struct error {
  errc code = errc::internal;
  std::string message;
};

}  // namespace metronome

template <>
struct std::is_error_code_enum<metronome::errc> : std::true_type {};
