// Little-endian byte writing and bounded reading, shared by the world's
// codecs (the snapshot, snapshot.cpp; a shard's phase output, shard_step.cpp).
// The reader never reads past its input: every shortfall throws
// std::invalid_argument with the codec's prefix and what was being read.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "metronome/world/fixed.hpp"

namespace metronome::world::detail {

static_assert(std::endian::native == std::endian::little, "the codecs copy little-endian integers");

class writer {
 public:
  explicit writer(std::string& out) : out_(out) {}
  template <class T>
  void put(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_.append(b, sizeof(T));
  }
  void put(vec2 v) {
    put(v.x);
    put(v.y);
  }
  void put_ids(const std::vector<std::uint32_t>& ids) {
    put(static_cast<std::uint32_t>(ids.size()));
    for (const std::uint32_t id : ids) put(id);
  }

 private:
  std::string& out_;
};

class reader {
 public:
  /// `prefix` starts every error message ("snapshot: ").
  reader(std::string_view in, const char* prefix) : in_(in), prefix_(prefix) {}
  [[noreturn]] void fail(const std::string& what) const { throw std::invalid_argument(prefix_ + what); }
  std::size_t left() const noexcept { return in_.size() - at_; }
  template <class T>
  T get(const char* what) {
    if (left() < sizeof(T)) fail(std::string("ends inside ") + what);
    T v;
    std::memcpy(&v, in_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return v;
  }
  vec2 get_vec(const char* what) {
    const auto x = get<std::int32_t>(what);
    return {x, get<std::int32_t>(what)};
  }
  std::string_view take(std::size_t n, const char* what) {
    if (left() < n) fail(std::string("ends inside ") + what);
    const std::string_view s = in_.substr(at_, n);
    at_ += n;
    return s;
  }
  /// A count of items of `item_bytes` each, refused when the input cannot hold them.
  std::uint32_t get_count(std::size_t item_bytes, const char* what) {
    const auto n = get<std::uint32_t>(what);
    if (std::uint64_t{n} * item_bytes > left()) fail(std::string(what) + " count " + std::to_string(n) + " exceeds the input");
    return n;
  }

 private:
  std::string_view in_;
  std::string prefix_;
  std::size_t at_ = 0;
};

}  // namespace metronome::world::detail
