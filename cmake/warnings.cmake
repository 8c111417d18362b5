# Strict warnings for weft's own targets (tests, benchmarks, examples, header checks).
# Never applied to the public weft::weft target: consumers choose their own warnings.
include_guard(GLOBAL)

set(WEFT_WARNING_FLAGS
  -Wall
  -Wextra
  -Wpedantic
  -Wshadow
  -Wnon-virtual-dtor
  -Wold-style-cast
  -Wcast-align
  -Wunused
  -Woverloaded-virtual
  -Wnull-dereference
  -Wimplicit-fallthrough)

# weft_add_warnings(<target>)
#   Adds weft's warning set (and -Werror when WEFT_WERROR is ON) to <target>'s own sources.
function(weft_add_warnings target)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    return()
  endif()
  target_compile_options(${target} PRIVATE ${WEFT_WARNING_FLAGS})
  if(WEFT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
