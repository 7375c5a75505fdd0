// Structured logs: one JSON object per line on stderr, through spdlog.
// Every component has a named logger; request-scoped lines carry request_id.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace spdlog {
class logger;
}

namespace metronome::obs {

enum class level { debug, info, warn, error };

/// A structured field: name and value.
struct field {
  std::string_view name;
  std::variant<std::string_view, std::int64_t, bool, double> value;
  field(std::string_view n, std::string_view v) : name(n), value(v) {}
  field(std::string_view n, const std::string& v) : name(n), value(std::string_view(v)) {}
  field(std::string_view n, const char* v) : name(n), value(std::string_view(v)) {}
  field(std::string_view n, bool v) : name(n), value(v) {}
  field(std::string_view n, double v) : name(n), value(v) {}
  template <class I>
  requires std::is_integral_v<I> field(std::string_view n, I v) : name(n), value(static_cast<std::int64_t>(v)) {}
};

class logger {
 public:
  explicit logger(std::string name);
  void log(level lv, std::string_view msg, std::initializer_list<field> fields = {}) const;
  void debug(std::string_view msg, std::initializer_list<field> f = {}) const { log(level::debug, msg, f); }
  void info(std::string_view msg, std::initializer_list<field> f = {}) const { log(level::info, msg, f); }
  void warn(std::string_view msg, std::initializer_list<field> f = {}) const { log(level::warn, msg, f); }
  void error(std::string_view msg, std::initializer_list<field> f = {}) const { log(level::error, msg, f); }
  bool enabled(level lv) const;

 private:
  std::string name_;
  std::shared_ptr<spdlog::logger> sink_;
};

/// Sets the minimum level for every logger ("debug", "info", "warn", "error").
/// Returns false for an unknown name.
bool set_log_level(std::string_view name);

/// The JSON line for an event (exposed for tests).
std::string format_event(std::string_view logger, level lv, std::string_view msg, std::initializer_list<field> fields);

}  // namespace metronome::obs
