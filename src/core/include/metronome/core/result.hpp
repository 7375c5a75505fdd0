// result<T>: a value or a metronome::error, for expected failures.
#pragma once

#include <cassert>
#include <optional>
#include <utility>
#include <variant>

#include "metronome/core/error.hpp"

namespace metronome {

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::in_place_index<0>, std::move(value)) {}         // NOLINT: implicit by design
  result(metronome::error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const metronome::error& error() const& { return std::get<1>(v_); }
  metronome::error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, metronome::error> v_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(metronome::error e) : e_(std::move(e)) {}  // NOLINT

  bool has_value() const noexcept { return !e_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  const metronome::error& error() const& { return *e_; }

 private:
  std::optional<metronome::error> e_;
};

inline metronome::error make_error(errc code, std::string message) { return metronome::error{code, std::move(message)}; }

}  // namespace metronome
