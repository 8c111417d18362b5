# Install rules for weft: headers, the exported target, the CMake package (weftConfig.cmake
# + version file) and a pkg-config file. Everything weft installs is architecture
# independent, so the package files go under share/ (like nlohmann/json), where both
# find_package and pkg-config look.
include(CMakePackageConfigHelpers)

set(WEFT_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/weft"
  CACHE STRING "Where weftConfig.cmake is installed, relative to the prefix")
set(WEFT_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig"
  CACHE STRING "Where weft.pc is installed, relative to the prefix")
mark_as_advanced(WEFT_INSTALL_CMAKEDIR WEFT_INSTALL_PKGCONFIGDIR)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/weft"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT weft_development
  FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h" PATTERN "*.ipp")

install(TARGETS weft EXPORT weftTargets)

install(EXPORT weftTargets
  NAMESPACE weft::
  FILE weftTargets.cmake
  DESTINATION "${WEFT_INSTALL_CMAKEDIR}"
  COMPONENT weft_development)

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/weftConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/weftConfig.cmake"
  INSTALL_DESTINATION "${WEFT_INSTALL_CMAKEDIR}")

write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/weftConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion
  ARCH_INDEPENDENT)

install(FILES
  "${PROJECT_BINARY_DIR}/weftConfig.cmake"
  "${PROJECT_BINARY_DIR}/weftConfigVersion.cmake"
  DESTINATION "${WEFT_INSTALL_CMAKEDIR}"
  COMPONENT weft_development)

# The .pc file computes its prefix from its own location (${pcfiledir}), so it stays right
# when the install is relocated with `cmake --install --prefix` or DESTDIR.
file(RELATIVE_PATH WEFT_PC_TO_PREFIX
  "/prefix/${WEFT_INSTALL_PKGCONFIGDIR}" "/prefix")
string(REGEX REPLACE "/$" "" WEFT_PC_TO_PREFIX "${WEFT_PC_TO_PREFIX}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(WEFT_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(WEFT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/weft.pc.in" "${PROJECT_BINARY_DIR}/weft.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/weft.pc"
  DESTINATION "${WEFT_INSTALL_PKGCONFIGDIR}"
  COMPONENT weft_development)
