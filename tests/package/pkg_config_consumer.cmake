# Package test: compile and run a consumer with only `pkg-config --cflags --libs weft`,
# taking weft.pc from the installed prefix.
# Usage: cmake -DWEFT_PACKAGE_PREFIX=... -DPKG_CONFIG_EXECUTABLE=... -DCXX=... -DSOURCE=...
#              -DOUTPUT=... -P pkg_config_consumer.cmake
foreach(var WEFT_PACKAGE_PREFIX PKG_CONFIG_EXECUTABLE CXX SOURCE OUTPUT)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "pkg_config_consumer.cmake: ${var} is not set")
  endif()
endforeach()

# Keep the system search path (liburing.pc lives there) and put the prefix in front.
if(DEFINED ENV{PKG_CONFIG_PATH} AND NOT "$ENV{PKG_CONFIG_PATH}" STREQUAL "")
  set(ENV{PKG_CONFIG_PATH} "${WEFT_PACKAGE_PREFIX}/share/pkgconfig:$ENV{PKG_CONFIG_PATH}")
else()
  set(ENV{PKG_CONFIG_PATH} "${WEFT_PACKAGE_PREFIX}/share/pkgconfig")
endif()

execute_process(
  COMMAND "${PKG_CONFIG_EXECUTABLE}" --cflags --libs weft
  OUTPUT_VARIABLE flags
  OUTPUT_STRIP_TRAILING_WHITESPACE
  COMMAND_ERROR_IS_FATAL ANY)
message(STATUS "pkg-config --cflags --libs weft: ${flags}")
separate_arguments(flags UNIX_COMMAND "${flags}")

get_filename_component(output_dir "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${output_dir}")
execute_process(
  COMMAND "${CXX}" "${SOURCE}" -o "${OUTPUT}" ${flags}
  COMMAND_ECHO STDOUT
  COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND "${OUTPUT}" COMMAND_ERROR_IS_FATAL ANY)
