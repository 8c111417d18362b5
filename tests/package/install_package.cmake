# Fixture setup for the package tests: a fresh `cmake --install` of the weft build tree.
# Usage: cmake -DWEFT_BINARY_DIR=<build> -DWEFT_PACKAGE_PREFIX=<prefix> -P install_package.cmake
foreach(var WEFT_BINARY_DIR WEFT_PACKAGE_PREFIX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_package.cmake: ${var} is not set")
  endif()
endforeach()

# Start from an empty prefix so a header deleted from the tree cannot linger in the install.
file(REMOVE_RECURSE "${WEFT_PACKAGE_PREFIX}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" --install "${WEFT_BINARY_DIR}" --prefix "${WEFT_PACKAGE_PREFIX}"
  COMMAND_ERROR_IS_FATAL ANY)

foreach(file
    include/weft/weft.hpp
    share/cmake/weft/weftConfig.cmake
    share/cmake/weft/weftConfigVersion.cmake
    share/cmake/weft/weftTargets.cmake
    share/pkgconfig/weft.pc)
  if(NOT EXISTS "${WEFT_PACKAGE_PREFIX}/${file}")
    message(FATAL_ERROR "install_package.cmake: ${file} is missing from the install")
  endif()
endforeach()
