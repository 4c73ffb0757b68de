# PerfgateInstall.cmake - `cmake --install` and the package other C projects
# use: find_package(perfgate) with imported targets (perfgate::harness,
# perfgate::kernels, perfgate::gate, perfgate::common) or pkg-config
# (perfgate.pc).  Included by the top-level CMakeLists.txt after the folders.
#
# Installed layout (under CMAKE_INSTALL_PREFIX):
#   bin/perfgate, bin/tpbench
#   lib/libpg_{common,kernels,harness,gate}.a
#   include/perfgate/*.h                   the public headers, flat
#   lib/cmake/perfgate/                    perfgateConfig.cmake, targets, version
#   lib/pkgconfig/perfgate.pc
#   share/man/man1/perfgate*.1, tpbench.1  docs/man
#   share/perfgate/budgets/schema.json, share/doc/perfgate/*.md
#   share/perfgate/fftw/phase.wisdom       the phase kernel's FFTW wisdom
#
# The folders' targets publish their source folders as include directories;
# here they get a build/install pair instead, so the export is relocatable.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PERFGATE_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/perfgate)
set(PERFGATE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/perfgate)

# name in the tree -> exported name (perfgate::<name>) and its folder
set(_pg_libs pg_common common common pg_kernels kernels kernels pg_harness harness harness
    pg_gate gate gate)
set(_pg_export_targets)
while(_pg_libs)
  list(POP_FRONT _pg_libs _tgt _name _dir)
  if(TARGET ${_tgt})
    set_target_properties(${_tgt} PROPERTIES
      EXPORT_NAME ${_name}
      INTERFACE_INCLUDE_DIRECTORIES
        "$<BUILD_INTERFACE:${PERFGATE_SOURCE_DIR}/${_dir}>;$<INSTALL_INTERFACE:${PERFGATE_INSTALL_INCLUDEDIR}>")
    list(APPEND _pg_export_targets ${_tgt})
  endif()
endwhile()
# The generated version header lives in the build folder.
if(TARGET pg_common)
  set_property(TARGET pg_common APPEND PROPERTY INTERFACE_INCLUDE_DIRECTORIES
    "$<BUILD_INTERFACE:${CMAKE_BINARY_DIR}/common>")
endif()
# The CUDA kernels, when built, are part of pg_kernels' link interface.
if(TARGET pg_kernels_cuda)
  get_target_property(_pg_cuda_type pg_kernels_cuda TYPE)
  if(NOT _pg_cuda_type STREQUAL "INTERFACE_LIBRARY")
    set_target_properties(pg_kernels_cuda PROPERTIES EXPORT_NAME kernels_cuda)
  endif()
  set_property(TARGET pg_kernels_cuda PROPERTY INTERFACE_INCLUDE_DIRECTORIES "")
  list(APPEND _pg_export_targets pg_kernels_cuda)
endif()

install(TARGETS ${_pg_export_targets} EXPORT perfgateTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${PERFGATE_INSTALL_INCLUDEDIR})
# The programs are copied as built (install(PROGRAMS), not install(TARGETS)):
# with CUDA, the toolkit's link line leaves a build RPATH that CMake's
# install-time RPATH rewrite cannot match; the binaries need no RPATH of
# ours (every perfgate library is static).
foreach(_exe perfgate tpbench)
  if(TARGET ${_exe})
    install(PROGRAMS $<TARGET_FILE:${_exe}> DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

# Public headers: what a suite, a kernel user or a gate user includes.
set(_pg_headers)
foreach(_h harness/pg_bench.h harness/pg_data.h common/pg_error.h common/pg_io.h
           common/pg_csv.h common/pg_sha256.h kernels/pg_kernels.h kernels/pg_cuda.h
           gate/pg_gate.h)
  if(EXISTS ${PERFGATE_SOURCE_DIR}/${_h})
    list(APPEND _pg_headers ${PERFGATE_SOURCE_DIR}/${_h})
  endif()
endforeach()
list(APPEND _pg_headers ${CMAKE_BINARY_DIR}/common/pg_version.h)
install(FILES ${_pg_headers} DESTINATION ${PERFGATE_INSTALL_INCLUDEDIR})

file(GLOB _pg_man CONFIGURE_DEPENDS ${PERFGATE_SOURCE_DIR}/docs/man/*.1)
if(_pg_man)
  install(FILES ${_pg_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
if(EXISTS ${PERFGATE_SOURCE_DIR}/budgets/schema.json)
  install(FILES ${PERFGATE_SOURCE_DIR}/budgets/schema.json
          DESTINATION ${CMAKE_INSTALL_DATADIR}/perfgate/budgets)
endif()
if(EXISTS ${PERFGATE_SOURCE_DIR}/data/fftw/phase.wisdom)
  install(FILES ${PERFGATE_SOURCE_DIR}/data/fftw/phase.wisdom
          DESTINATION ${CMAKE_INSTALL_DATADIR}/perfgate/fftw)
endif()
file(GLOB _pg_docs ${PERFGATE_SOURCE_DIR}/docs/*.md)
install(FILES ${PERFGATE_SOURCE_DIR}/README.md ${_pg_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# CMake package.
install(EXPORT perfgateTargets NAMESPACE perfgate:: DESTINATION ${PERFGATE_INSTALL_CMAKEDIR})
configure_package_config_file(${PERFGATE_SOURCE_DIR}/cmake/perfgateConfig.cmake.in
  ${CMAKE_BINARY_DIR}/perfgateConfig.cmake INSTALL_DESTINATION ${PERFGATE_INSTALL_CMAKEDIR}
  PATH_VARS PERFGATE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/perfgateConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/perfgateConfig.cmake ${CMAKE_BINARY_DIR}/perfgateConfigVersion.cmake
  DESTINATION ${PERFGATE_INSTALL_CMAKEDIR})

# pkg-config.  Static libraries: the C++ runtime (the Google Benchmark shim)
# and every dependency go on the link line.
set(PERFGATE_PC_REQUIRES "benchmark jansson fftw3 fftw3f")
if(TARGET pg_kernels_cuda)
  set(PERFGATE_PC_LIBS "-lpg_harness -lpg_gate -lpg_kernels -lpg_kernels_cuda -lpg_common")
  string(APPEND PERFGATE_PC_LIBS " -L${CUDAToolkit_LIBRARY_DIR} -lcufft -lcudart_static -ldl -lrt")
else()
  set(PERFGATE_PC_LIBS "-lpg_harness -lpg_gate -lpg_kernels -lpg_common")
endif()
# -lpapi itself, not papi.pc: its static link line names libpfm, which
# Debian's libpapi-dev does not ship.
if(PERFGATE_HAVE_PAPI)
  string(APPEND PERFGATE_PC_LIBS " -lpapi")
endif()
# From <prefix>/<libdir>/pkgconfig back to <prefix>.
file(RELATIVE_PATH PERFGATE_PC_UP /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
configure_file(${PERFGATE_SOURCE_DIR}/cmake/perfgate.pc.in ${CMAKE_BINARY_DIR}/perfgate.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/perfgate.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
