// The small text parsers at the edge of a request: net::percent_decode,
// request::query_param, net::valid_request_id, engine::parse_seed, the id
// and name checks (store::plausible_session_id, store::valid_region_name)
// and net::router's path matching.
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
#include "metronome/net/router.hpp"
#include "metronome/store/registry_store.hpp"
#include "metronome/store/session.hpp"

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
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
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

void check_ids(std::string_view t) {
  bool id = !t.empty() && t.size() <= 64;
  bool region = !t.empty() && t.size() <= 32;
  for (const char c : t) {
    const bool lower_or_digit = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    id = id && (lower_or_digit || (c >= 'A' && c <= 'Z') || c == '-' || c == '_');
    region = region && (lower_or_digit || c == '-');
  }
  FUZZ_CHECK(metronome::store::plausible_session_id(t) == id, "plausible_session_id disagrees with [A-Za-z0-9_-]{1,64}");
  FUZZ_CHECK(metronome::store::valid_region_name(t) == region, "valid_region_name disagrees with [a-z0-9-]{1,32}");
}

/// A router with literal and {id} routes; the input as method and path.
void check_router(std::string_view method, std::string_view path) {
  using namespace metronome::net;
  static const router table = [] {
    router r;
    auto answer = [](const char* what) {
      return [what](request&&, const path_params& p, reply_fn done) {
        response res;
        res.body = what;
        for (const auto& v : p) res.body += "|" + v;
        done(std::move(res));
      };
    };
    r.param(
        "id", [](std::string_view v) { return v.size() <= 8 && v.find('x') == std::string_view::npos; }, "no ");
    r.add("GET", "/a", answer("get a")).add("POST", "/a", answer("post a"), body_kind::json);
    r.add("GET", "/a/{id}", answer("get id")).add("GET", "/a/{id}/b", answer("get b"));
    return r;
  }();
  request req;
  req.method = std::string(method);
  req.path = std::string(path);
  std::optional<response> got;
  int calls = 0;
  reply_fn reply = [&](response r) {
    ++calls;
    got = std::move(r);
  };
  const auto parts = split_path(path);
  const bool known =
      (parts.size() == 1 && parts[0] == "a") || ((parts.size() == 2 || (parts.size() == 3 && parts[2] == "b")) && parts[0] == "a");
  const bool matched = table.dispatch(req, reply);
  FUZZ_CHECK(matched == known, "router matched a path the table does not have, or missed one it has");
  FUZZ_CHECK(calls == (matched ? 1 : 0), "router must answer exactly once when it matches, never otherwise");
  if (!matched) return;
  // HEAD runs the GET handler and gets its whole answer: the connection sends
  // the head with the GET's Content-Length and drops the body (checked on the
  // wire by net_http_server_test and the contract test).
  const bool get_like = method == "GET" || method == "HEAD";
  const bool allowed = get_like || (method == "POST" && parts.size() == 1);
  if (!allowed) {
    FUZZ_CHECK(got->status == 405, "a known path with another method must be 405");
    FUZZ_CHECK(!got->headers.empty() && got->headers[0].first == "Allow", "405 must carry Allow");
    return;
  }
  if (parts.size() >= 2 && !(parts[1].size() <= 8 && parts[1].find('x') == std::string_view::npos)) {
    FUZZ_CHECK(got->status == 404, "an id the param check refuses must be 404");
    return;
  }
  if (method == "POST") {
    FUZZ_CHECK(got->status == 415, "a JSON route without Content-Type must be 415");
    return;
  }
  FUZZ_CHECK(got->status == 200, "a matched route must run its handler");
  if (get_like) {
    std::string want = parts.size() == 1 ? "get a" : parts.size() == 2 ? "get id" : "get b";
    if (parts.size() >= 2) want += "|" + std::string(parts[1]);
    FUZZ_CHECK(got->body == want, "the handler must see the captured segment");
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
  check_ids(input);
  for (const auto f : fields) check_ids(f);
  if (fields.size() >= 2) check_router(fields[0], fields[1]);
  check_router("GET", input);
  return 0;
}
