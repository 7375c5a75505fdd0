// What every harness shares: a check that aborts (so that libFuzzer, or the
// replay driver, reports the input) and a splitter for multi-field inputs.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

/// Aborts with the failed condition and a note when `cond` is false. Unlike
/// assert(), it is on in every build type.
#define FUZZ_CHECK(cond, note)                                             \
  do {                                                                     \
    if (!(cond)) ::metronome::fuzz::fail(#cond, note, __FILE__, __LINE__); \
  } while (0)

namespace metronome::fuzz {

[[noreturn]] inline void fail(const char* cond, std::string_view note, const char* file, int line) {
  std::fprintf(stderr, "\nFUZZ_CHECK failed at %s:%d: %s\n  %.*s\n", file, line, cond, static_cast<int>(note.size()), note.data());
  std::abort();
}

/// The input split at every NUL byte: harnesses that take several strings
/// read them as NUL-separated fields, so corpus files stay easy to write
/// (printf 'a\0b'). Always at least one (possibly empty) field.
inline std::vector<std::string_view> split_fields(std::string_view input) {
  std::vector<std::string_view> fields;
  for (;;) {
    const auto nul = input.find('\0');
    fields.push_back(input.substr(0, nul));
    if (nul == std::string_view::npos) break;
    input.remove_prefix(nul + 1);
  }
  return fields;
}

}  // namespace metronome::fuzz
