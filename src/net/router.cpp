#include "metronome/net/router.hpp"

#include "metronome/net/reply.hpp"

namespace metronome::net {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

router& router::add(std::string method, std::string pattern, route_handler fn, body_kind body) {
  std::vector<std::string> segments;
  for (const std::string_view s : split_path(pattern)) segments.emplace_back(s);
  routes_.push_back(route{std::move(method), std::move(pattern), std::move(segments), std::move(fn), body});
  return *this;
}

router& router::param(std::string_view name, std::function<bool(std::string_view)> accept, std::string not_found_prefix) {
  params_.push_back(param_rule{"{" + std::string(name) + "}", std::move(accept), std::move(not_found_prefix)});
  return *this;
}

const router::param_rule* router::rule_for(std::string_view segment) const {
  for (const auto& p : params_) {
    if (p.name == segment) return &p;
  }
  return nullptr;
}

bool router::match(const route& r, const std::vector<std::string_view>& parts, path_params& out) {
  if (r.segments.size() != parts.size()) return false;
  out.clear();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& s = r.segments[i];
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
      out.emplace_back(parts[i]);
    } else if (s != parts[i]) {
      return false;
    }
  }
  return true;
}

std::string router::allow_for(std::string_view pattern) const {
  std::string allow;
  bool get = false;
  bool head = false;
  for (const auto& r : routes_) {
    if (r.pattern != pattern || allow.find(r.method) != std::string::npos) continue;
    if (!allow.empty()) allow += ", ";
    allow += r.method;
    get = get || r.method == "GET";
    head = head || r.method == "HEAD";
  }
  if (get && !head) allow += ", HEAD";
  return allow;
}

bool router::dispatch(request& req, reply_fn& reply) const {
  const auto parts = split_path(req.path);
  const bool head = req.method == "HEAD";
  const route* found = nullptr;
  const route* path_match = nullptr;
  path_params params;
  for (const auto& r : routes_) {
    path_params p;
    if (!match(r, parts, p)) continue;
    if (path_match == nullptr) path_match = &r;
    if (r.method == req.method || (head && r.method == "GET")) {
      found = &r;
      params = std::move(p);
      break;
    }
  }
  if (path_match == nullptr) return false;

  // HEAD: the GET handler answers; the connection sends its head (with the
  // GET's Content-Length) and drops the body (http_session.cpp).
  reply_fn out = std::move(reply);
  if (found == nullptr) {
    reply_method_not_allowed(out, allow_for(path_match->pattern), path_match->pattern);
    return true;
  }
  for (std::size_t i = 0, k = 0; i < found->segments.size(); ++i) {
    const std::string& s = found->segments[i];
    if (s.empty() || s.front() != '{') continue;
    const std::string& value = params[k++];
    if (const param_rule* rule = rule_for(s); rule != nullptr && !rule->accept(value)) {
      reply_error(out, make_error(errc::not_found, rule->not_found_prefix + value), found->pattern);
      return true;
    }
  }
  const bool blank = req.body.find_first_not_of(" \t\r\n") == std::string::npos;
  const bool needs_json = found->body == body_kind::json || (found->body == body_kind::json_optional && !blank);
  if (needs_json && !declares_json(req)) {
    reply_error(out, make_error(errc::unsupported_media_type, "send the body as Content-Type: application/json"), found->pattern);
    return true;
  }
  found->fn(std::move(req), params, std::move(out));
  return true;
}

}  // namespace metronome::net
