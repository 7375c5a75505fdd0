// The small text parsers at the edge of a request: net::percent_decode,
// request::query_param, net::valid_request_id and engine::parse_seed.
//
// Input: NUL-separated fields (fuzz_check.hpp). The whole input is also used
// as one string. Each parser is checked against a plain reference written
// here, and against round trips (encode then decode gives the original).
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "metronome/engine/seed.hpp"
#include "metronome/net/http.hpp"

namespace {

using metronome::fuzz::split_fields;

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/// RFC 3986 percent-decoding plus form encoding's '+', written the obvious way.
std::optional<std::string> reference_decode(std::string_view t, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < t.size();) {
    if (t[i] == '%') {
      if (t.size() - i < 3 || !is_hex(t[i + 1]) || !is_hex(t[i + 2])) return std::nullopt;
      unsigned v = 0;
      std::from_chars(t.data() + i + 1, t.data() + i + 3, v, 16);
      out.push_back(static_cast<char>(v));
      i += 3;
    } else {
      out.push_back(t[i] == '+' && plus_is_space ? ' ' : t[i]);
      ++i;
    }
  }
  return out;
}

/// Encodes every byte but unreserved ones; spaces as '+' when asked.
std::string encode(std::string_view t, bool space_as_plus) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : t) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(c);
    } else if (c == ' ' && space_as_plus) {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 15]);
    }
  }
  return out;
}

/// The documented contract of query_param: pairs split at '&', key and value
/// at the first '=', the first pair whose decoded key matches wins and its
/// decoded value is returned (nullopt if that value is malformed).
std::optional<std::string> reference_query_param(std::string_view query, std::string_view name) {
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    const std::size_t eq = pair.find('=');
    const auto key = reference_decode(pair.substr(0, eq), true);
    if (key && *key == name) return reference_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

void check_percent_decode(std::string_view t) {
  for (const bool plus : {true, false}) {
    const auto got = metronome::net::percent_decode(t, plus);
    const auto want = reference_decode(t, plus);
    FUZZ_CHECK(got.has_value() == want.has_value(), "percent_decode accepts or rejects differently from the reference");
    if (got) FUZZ_CHECK(*got == *want, "percent_decode decodes differently from the reference");
    // Round trips: any bytes survive encoding then decoding.
    const auto back = metronome::net::percent_decode(encode(t, plus), plus);
    FUZZ_CHECK(back && *back == t, "percent_decode(encode(s)) != s");
  }
}

void check_request_id(std::string_view t) {
  bool want = !t.empty() && t.size() <= 128;
  for (const char c : t) {
    if (!(is_hex(c) || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') || c == '.' || c == '_' || c == '-' || c == ':')) {
      want = false;
    }
  }
  FUZZ_CHECK(metronome::net::valid_request_id(t) == want, "valid_request_id disagrees with [A-Za-z0-9._:-]{1,128}");
}

void check_parse_seed(std::string_view t) {
  const auto seed = metronome::engine::parse_seed(t);
  if (t.empty()) {
    FUZZ_CHECK(!seed, "parse_seed(\"\") must be nullopt");
    return;
  }
  FUZZ_CHECK(seed.has_value(), "parse_seed must give a seed for any non-empty input");
  bool digits = t.size() <= 20;
  for (const char c : t) digits = digits && c >= '0' && c <= '9';
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  const bool numeric = digits && ec == std::errc{} && end == t.data() + t.size();
  // 19 digits always fit in 64 bits: they must be read as the number.
  if (digits && t.size() <= 19) FUZZ_CHECK(numeric, "a string of up to 19 digits must be numeric");
  if (numeric) {
    FUZZ_CHECK(*seed == value, "a decimal seed must parse to its value");
  } else {
    FUZZ_CHECK(*seed == metronome::engine::hash_seed_string(t), "a non-numeric seed must be the hash of its bytes");
  }
}

void check_query_param(const std::vector<std::string_view>& fields) {
  // The first field as a raw query, the others as names to look up in it.
  metronome::net::request raw;
  raw.query = std::string(fields[0]);
  for (std::size_t i = 1; i < fields.size(); ++i) {
    FUZZ_CHECK(raw.query_param(fields[i]) == reference_query_param(raw.query, fields[i]),
               "query_param disagrees with the reference on a raw query");
  }
  // The other fields as key/value pairs, encoded into a well-formed query:
  // each key must give back the value of its first pair.
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  metronome::net::request built;
  for (std::size_t i = 1; i + 1 < fields.size(); i += 2) {
    pairs.emplace_back(fields[i], fields[i + 1]);
    if (!built.query.empty()) built.query += '&';
    built.query += encode(fields[i], true) + "=" + encode(fields[i + 1], true);
  }
  for (const auto& [key, value] : pairs) {
    std::string_view first;
    for (const auto& [k, v] : pairs) {
      if (k == key) {
        first = v;
        break;
      }
    }
    const auto got = built.query_param(key);
    FUZZ_CHECK(got && *got == first, "query_param does not return the first value of an encoded key");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto fields = split_fields(input);
  check_percent_decode(input);
  check_request_id(input);
  check_parse_seed(input);
  for (const auto f : fields) {
    check_request_id(f);
    check_parse_seed(f);
  }
  check_query_param(fields);
  return 0;
}
