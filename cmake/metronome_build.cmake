# Shared build settings: warnings, sanitizers, ccache and helper functions.

find_program(METRONOME_CCACHE ccache)
if(METRONOME_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${METRONOME_CCACHE})
endif()

add_library(metronome_warnings INTERFACE)
target_compile_options(metronome_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wimplicit-fallthrough)
# Not -Wnull-dereference: at -O2 and above it fires inside Asio's inlined
# reactor code (false positives we cannot fix in a system header).
if(METRONOME_WERROR)
  target_compile_options(metronome_warnings INTERFACE -Werror)
endif()

if(METRONOME_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# metronome_component(NAME SOURCES... [DEPS ...] [PUBLIC_DEPS ...])
# One static library per component under src/<name>/, public headers in
# src/<name>/include. Internals live in namespace detail.
function(metronome_component name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(metronome_${name} STATIC ${arg_SOURCES})
  add_library(metronome::${name} ALIAS metronome_${name})
  target_include_directories(metronome_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(metronome_${name} PRIVATE metronome_warnings ${arg_DEPS} PUBLIC ${arg_PUBLIC_DEPS})
endfunction()
