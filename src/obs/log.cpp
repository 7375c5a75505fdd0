#include "metronome/obs/log.hpp"

#include "metronome/core/json_text.hpp"

#include <atomic>
#include <chrono>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace metronome::obs {
namespace {

std::atomic<int> min_level{static_cast<int>(level::info)};

std::string_view level_name(level lv) {
  switch (lv) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "info";
}

/// One sink for the process: lines go to stderr whole (spdlog's mutex).
std::shared_ptr<spdlog::logger> shared_sink() {
  static const std::shared_ptr<spdlog::logger> sink = [] {
    auto l = std::make_shared<spdlog::logger>("metronome", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return sink;
}

}  // namespace

std::string format_event(std::string_view logger_name, level lv, std::string_view msg, std::initializer_list<field> fields) {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::string out = fmt::format(R"({{"ts":{}.{:03d},"level":"{}","logger":")", ms / 1000, static_cast<int>(ms % 1000), level_name(lv));
  append_json_escaped(out, logger_name);
  out += R"(","msg":")";
  append_json_escaped(out, msg);
  out.push_back('"');
  for (const field& f : fields) {
    out += ",\"";
    append_json_escaped(out, f.name);
    out += "\":";
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            out.push_back('"');
            append_json_escaped(out, v);
            out.push_back('"');
          } else if constexpr (std::is_same_v<T, bool>) {
            out += v ? "true" : "false";
          } else {
            out += fmt::format("{}", v);
          }
        },
        f.value);
  }
  out.push_back('}');
  return out;
}

logger::logger(std::string name) : name_(std::move(name)), sink_(shared_sink()) {}

bool logger::enabled(level lv) const { return static_cast<int>(lv) >= min_level.load(std::memory_order_relaxed); }

void logger::log(level lv, std::string_view msg, std::initializer_list<field> fields) const {
  if (!enabled(lv)) return;
  sink_->info(format_event(name_, lv, msg, fields));
}

bool set_log_level(std::string_view name) {
  for (const level lv : {level::debug, level::info, level::warn, level::error}) {
    if (name == level_name(lv)) {
      min_level = static_cast<int>(lv);
      return true;
    }
  }
  return false;
}

}  // namespace metronome::obs
