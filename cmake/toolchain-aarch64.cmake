# Cross-compiling findroot for arm64 on a Debian/Ubuntu x86_64 host with the
# multiarch packages (gcc-aarch64-linux-gnu, libblkid-dev:arm64, libkmod-dev:arm64).
# tools/cross-arm64.sh installs them and passes this file; by hand:
#   PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig \
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(FINDROOT_CROSS_TRIPLET aarch64-linux-gnu CACHE STRING "GNU triplet of the arm64 cross toolchain")
set(_triplet ${FINDROOT_CROSS_TRIPLET})

if(NOT CMAKE_C_COMPILER)
  find_program(_cross_cc NAMES ${_triplet}-gcc ${_triplet}-gcc-12 ${_triplet}-gcc-13 ${_triplet}-gcc-14)
  if(_cross_cc)
    set(CMAKE_C_COMPILER ${_cross_cc})
  else()
    set(CMAKE_C_COMPILER ${_triplet}-gcc)
  endif()
endif()

# Multiarch: the arm64 headers and libraries live beside the host's, under
# /usr/include/<triplet> and /usr/lib/<triplet>; the cross gcc searches them.
# Only programs (cmake's own helpers) come from the host.
set(CMAKE_LIBRARY_ARCHITECTURE ${_triplet})
set(CMAKE_FIND_ROOT_PATH /usr/${_triplet} /usr/lib/${_triplet} /lib/${_triplet})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config must describe arm64 libraries, never the host's. The variables
# are read at configure time; an environment that already sets them wins.
if(NOT DEFINED ENV{PKG_CONFIG_LIBDIR})
  set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${_triplet}/pkgconfig:/usr/share/pkgconfig)
endif()
set(ENV{PKG_CONFIG_PATH} "")
if(NOT DEFINED ENV{PKG_CONFIG_SYSROOT_DIR})
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
endif()

# Arm64 test binaries cannot run on the build host unless qemu-user is set up
# (binfmt_misc); ctest then runs them through this emulator when it exists.
find_program(_qemu_user NAMES qemu-aarch64-static qemu-aarch64)
if(_qemu_user AND NOT CMAKE_CROSSCOMPILING_EMULATOR)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${_qemu_user} -L /usr/${_triplet})
endif()
