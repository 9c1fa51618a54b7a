# Fully static findroot (-DFINDROOT_STATIC=ON) for busybox-only images and
# rescue use: musl libc, -Os, section GC, and the static libblkid, libkmod,
# libzstd and liblzma that tools/build-static-deps.sh builds from Debian's
# source packages. See docs/STATIC.md.
#
# Included by the top-level CMakeLists.txt after findroot_core and findroot
# exist and before tests/ is added, so the flags set here reach every C
# target of the tree (the unit tests and helpers are static musl too, which
# is what makes the test suite a test of this build).

if(NOT FINDROOT_STATIC)
  return()
endif()

if(FINDROOT_SANITIZE)
  message(FATAL_ERROR "FINDROOT_STATIC=ON cannot be combined with FINDROOT_SANITIZE=ON")
endif()

if(DEFINED ENV{FINDROOT_CACHE} AND NOT "$ENV{FINDROOT_CACHE}" STREQUAL "")
  set(_fr_cache "$ENV{FINDROOT_CACHE}")
else()
  set(_fr_cache "$ENV{HOME}/.cache/findroot")
endif()
# tools/build-static-deps.sh keeps the host's prefix in static/ and a cross
# architecture's in static-ARCH/ (only arm64 on an amd64 host so far).
if(CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_PROCESSOR STREQUAL "aarch64")
  set(_fr_static_dir static-arm64)
  set(_fr_deps_cmd "tools/build-static-deps.sh --arch arm64")
else()
  set(_fr_static_dir static)
  set(_fr_deps_cmd "tools/build-static-deps.sh")
endif()
set(FINDROOT_STATIC_PREFIX "${_fr_cache}/${_fr_static_dir}/prefix" CACHE PATH
    "Prefix with the static libblkid, libkmod, libzstd, liblzma (tools/build-static-deps.sh prints it)")
set(FINDROOT_STATIC_MAX_SIZE 614400 CACHE STRING
    "Size budget in bytes for the stripped static findroot (tests/static)")

# Link order matters for static archives: a library before the ones it uses.
set(_fr_static_libs blkid kmod zstd lzma)
foreach(_lib IN LISTS _fr_static_libs)
  if(NOT EXISTS "${FINDROOT_STATIC_PREFIX}/lib/lib${_lib}.a")
    message(FATAL_ERROR
      "FINDROOT_STATIC: ${FINDROOT_STATIC_PREFIX}/lib/lib${_lib}.a is missing.\n"
      "Build the static dependencies first:\n"
      "  ${_fr_deps_cmd}\n"
      "and pass -DFINDROOT_STATIC_PREFIX=<the prefix it prints> if it differs.")
  endif()
endforeach()

# musl: either the compiler is already musl-gcc (-DCMAKE_C_COMPILER=musl-gcc),
# or the system gcc is pointed at musl through the specs file musl-gcc itself
# uses, so `cmake -DFINDROOT_STATIC=ON` needs no other switch. Cross builds
# work the same way: with cmake/toolchain-aarch64.cmake, aarch64-linux-gnu-gcc
# gets /usr/lib/aarch64-linux-musl/musl-gcc.specs (Debian's musl-dev:arm64).
get_filename_component(_fr_cc_name "${CMAKE_C_COMPILER}" NAME)
set(_fr_musl_flags "")
if(NOT _fr_cc_name MATCHES "musl")
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "FINDROOT_STATIC: use gcc or -DCMAKE_C_COMPILER=musl-gcc")
  endif()
  find_file(FINDROOT_MUSL_SPECS musl-gcc.specs
            PATHS /usr/lib/${CMAKE_SYSTEM_PROCESSOR}-linux-musl /usr/lib/musl/lib
                  /usr/local/musl/lib
            NO_DEFAULT_PATH)
  if(NOT FINDROOT_MUSL_SPECS)
    message(FATAL_ERROR "FINDROOT_STATIC: musl-gcc.specs for ${CMAKE_SYSTEM_PROCESSOR} not found "
                        "(apt-get install musl-tools, or musl-dev:arm64 for the arm64 cross build)")
  endif()
  set(_fr_musl_flags "-specs=${FINDROOT_MUSL_SPECS}")
endif()

# The prefix also carries the kernel UAPI headers (linux/, asm/), which musl's
# include path lacks; -isystem keeps their warnings quiet.
# -Wformat-truncation: gcc's range analysis at -Os is weaker than at -O2 and
# flags snprintf calls that are bounded by an earlier strlen check; the same
# code is checked at -O2 by the dynamic build, so FINDROOT_WERROR stays usable.
set(_fr_size_flags "-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-pie -Wno-format-truncation")
string(APPEND CMAKE_C_FLAGS
       " ${_fr_musl_flags} -isystem ${FINDROOT_STATIC_PREFIX}/include ${_fr_size_flags}")
# (CMAKE_C_FLAGS is on the link line too: the specs must not be repeated.)
# -z norelro: nothing applies PT_GNU_RELRO to a static non-PIE musl program
# (musl does it in its dynamic linker only, the kernel never), and aligning
# the RELRO start to a page costs up to a page of padding in the file: 56 KiB
# on aarch64, where ld's maximum page size is 64 KiB.
string(APPEND CMAKE_EXE_LINKER_FLAGS " -static -no-pie -Wl,--gc-sections -Wl,-z,norelro")
foreach(_cfg RELEASE RELWITHDEBINFO MINSIZEREL)
  string(REGEX REPLACE "-O[0-9s]" "-Os" CMAKE_C_FLAGS_${_cfg} "${CMAKE_C_FLAGS_${_cfg}}")
endforeach()

# Replace what pkg-config found for the dynamic libraries: same targets, so
# src/ and tests/ link the same way in both builds.
set_target_properties(PkgConfig::BLKID PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${FINDROOT_STATIC_PREFIX}/include/blkid;${FINDROOT_STATIC_PREFIX}/include"
  INTERFACE_LINK_LIBRARIES "${FINDROOT_STATIC_PREFIX}/lib/libblkid.a"
  INTERFACE_LINK_DIRECTORIES ""
  INTERFACE_LINK_OPTIONS ""
  INTERFACE_COMPILE_OPTIONS "")
set_target_properties(PkgConfig::KMOD PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${FINDROOT_STATIC_PREFIX}/include"
  INTERFACE_LINK_LIBRARIES
    "${FINDROOT_STATIC_PREFIX}/lib/libkmod.a;${FINDROOT_STATIC_PREFIX}/lib/libzstd.a;${FINDROOT_STATIC_PREFIX}/lib/liblzma.a"
  INTERFACE_LINK_DIRECTORIES ""
  INTERFACE_LINK_OPTIONS ""
  INTERFACE_COMPILE_OPTIONS "")

# findroot stays unstripped (debug info for post-mortems); findroot.stripped
# beside it is the file to ship and the one the size budget applies to.
# `cmake --install --strip` installs the stripped form as well.
if(NOT CMAKE_STRIP)
  find_program(CMAKE_STRIP strip)
endif()
add_custom_command(TARGET findroot POST_BUILD
  COMMAND ${CMAKE_STRIP} --strip-all -o $<TARGET_FILE:findroot>.stripped $<TARGET_FILE:findroot>
  COMMENT "Stripping the static findroot"
  VERBATIM)
add_custom_target(findroot-size
  COMMAND sh ${CMAKE_SOURCE_DIR}/tests/static/sizes.sh -p ${FINDROOT_STATIC_PREFIX} $<TARGET_FILE:findroot>.stripped
  DEPENDS findroot
  VERBATIM)

message(STATUS "findroot: static musl build, libraries from ${FINDROOT_STATIC_PREFIX}")
