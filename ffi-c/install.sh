#!/usr/bin/env bash
# Builds libmongodb_aws and installs it under PREFIX (Linux):
#
#   PREFIX/include/mongodb_aws.h
#   PREFIX/include/mongodb_aws_ffi.h   the same declarations without preprocessor, for PHP's FFI::load()
#                                      and other FFI loaders; its FFI_LIB is PREFIX/lib/SONAME
#   PREFIX/lib/libmongodb_aws.so.X.Y.Z, libmongodb_aws.so.SONAME -> it, libmongodb_aws.so -> it
#   PREFIX/lib/libmongodb_aws.a
#   PREFIX/lib/pkgconfig/mongodb-aws.pc                   (relocatable: paths from ${pcfiledir})
#   PREFIX/lib/cmake/mongodb-aws/mongodb-aws-config.cmake  (+ -config-version.cmake)
#
# The soname is libmongodb_aws.so.0.MINOR in 0.x (a minor release may change the ABI), then
# libmongodb_aws.so.MAJOR. The release build is installed stripped (no debug information or local
# symbols: about a tenth of the size); the debug build as built.
#
# Then:  cc app.c $(pkg-config --cflags --libs mongodb-aws)                      (shared)
#        cc app.c $(pkg-config --cflags --libs mongodb-aws) \
#           -Wl,-rpath,"$(pkg-config --variable=libdir mongodb-aws)"            (shared, found at run
#                                                      time without LD_LIBRARY_PATH or ldconfig)
#        cc app.c $(pkg-config --cflags mongodb-aws) PREFIX/lib/libmongodb_aws.a $(pkg-config --static --libs-only-l mongodb-aws | sed 's/-lmongodb_aws//')
#        find_package(mongodb-aws CONFIG) + target_link_libraries(app mongodb-aws::mongodb-aws)
#
# Usage: ffi-c/install.sh PREFIX [--debug] [--no-build] [--strip | --no-strip]
#        ffi-c/install.sh --help
#   PREFIX      where to install; a relative PREFIX is relative to the current directory
#   --debug     install the debug build (what the test stage uses; default: release)
#   --no-build  install what is already built
#   --strip     strip the libraries (default for the release build)
#   --no-strip  keep their debug information (default for the debug build)
#   -h, --help  print this and exit
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
prefix=""
profile=release
build=1
strip=""
for a in "$@"; do
  case "$a" in
    -h | --help) usage; exit 0 ;;
    --debug) profile=debug ;;
    --no-build) build=0 ;;
    --strip) strip=1 ;;
    --no-strip) strip=0 ;;
    -*) echo "install.sh: unknown option $a" >&2; usage >&2; exit 2 ;;
    *)
      if [[ -n "$prefix" ]]; then echo "install.sh: one PREFIX only (got $prefix and $a)" >&2; exit 2; fi
      prefix="$a"
      ;;
  esac
done
if [[ -z "$prefix" ]]; then echo "install.sh: PREFIX missing" >&2; usage >&2; exit 2; fi
[[ -n "$strip" ]] || { if [[ $profile == release ]]; then strip=1; else strip=0; fi; }
# Resolve PREFIX against the caller's directory before moving to the repository.
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [[ "$(uname -s)" != Linux ]]; then
  echo "install.sh: only Linux is supported (got $(uname -s))" >&2
  exit 1
fi

if ((build)); then
  if [[ $profile == release ]]; then
    cargo build --quiet --release -p mongodb-aws-ffi
  else
    cargo build --quiet -p mongodb-aws-ffi
  fi
fi
target_dir="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
libdir_build="$target_dir/$profile"
[[ -f "$libdir_build/libmongodb_aws.so" && -f "$libdir_build/libmongodb_aws.a" ]] || {
  echo "install.sh: no built library in $libdir_build (drop --no-build)" >&2
  exit 1
}

version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)"
IFS=. read -r major minor _patch <<<"$version"
if [[ $major == 0 ]]; then soname="libmongodb_aws.so.0.$minor"; else soname="libmongodb_aws.so.$major"; fi
# What the static library needs from the system (rustc --print native-static-libs on Linux).
static_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

mkdir -p "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/mongodb-aws"
install -m 0644 include/mongodb_aws.h "$prefix/include/mongodb_aws.h"
# FFI_LIB names the installed library by its absolute path, so FFI::load() needs no loader path.
sed "s|^#define FFI_LIB \"libmongodb_aws.so\"\$|#define FFI_LIB \"$prefix/lib/$soname\"|" \
  include/mongodb_aws_ffi.h >"$prefix/include/mongodb_aws_ffi.h.tmp"
grep -q "^#define FFI_LIB \"$prefix/lib/$soname\"\$" "$prefix/include/mongodb_aws_ffi.h.tmp" || {
  echo "install.sh: include/mongodb_aws_ffi.h has no FFI_LIB line to rewrite" >&2
  exit 1
}
chmod 0644 "$prefix/include/mongodb_aws_ffi.h.tmp"
mv -f "$prefix/include/mongodb_aws_ffi.h.tmp" "$prefix/include/mongodb_aws_ffi.h"
install -m 0755 "$libdir_build/libmongodb_aws.so" "$prefix/lib/libmongodb_aws.so.$version"
install -m 0644 "$libdir_build/libmongodb_aws.a" "$prefix/lib/libmongodb_aws.a"
if ((strip)); then
  # Shared library: debug information and local symbols go (the exports stay, as does the soname);
  # static library: debug information goes (its symbols are needed to link).
  strip --strip-unneeded "$prefix/lib/libmongodb_aws.so.$version"
  strip --strip-debug "$prefix/lib/libmongodb_aws.a"
fi
ln -sfn "libmongodb_aws.so.$version" "$prefix/lib/$soname"
ln -sfn "$soname" "$prefix/lib/libmongodb_aws.so"

cat >"$prefix/lib/pkgconfig/mongodb-aws.pc" <<PC
prefix=\${pcfiledir}/../..
exec_prefix=\${prefix}
libdir=\${exec_prefix}/lib
includedir=\${prefix}/include

Name: mongodb-aws
Description: MONGODB-AWS authentication and AWS SigV4 signing without allocation or I/O (libmongodb_aws)
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lmongodb_aws
Libs.private: $static_libs
PC

cat >"$prefix/lib/cmake/mongodb-aws/mongodb-aws-config.cmake" <<CMAKE
# CMake package for libmongodb_aws $version. Targets:
#   mongodb-aws::mongodb-aws         shared library
#   mongodb-aws::mongodb-aws-static  static library (with its system link dependencies)
get_filename_component(_mongodb_aws_prefix "\${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET mongodb-aws::mongodb-aws)
  add_library(mongodb-aws::mongodb-aws SHARED IMPORTED)
  set_target_properties(mongodb-aws::mongodb-aws PROPERTIES
    IMPORTED_LOCATION "\${_mongodb_aws_prefix}/lib/libmongodb_aws.so.$version"
    IMPORTED_SONAME "$soname"
    INTERFACE_INCLUDE_DIRECTORIES "\${_mongodb_aws_prefix}/include")
  add_library(mongodb-aws::mongodb-aws-static STATIC IMPORTED)
  set_target_properties(mongodb-aws::mongodb-aws-static PROPERTIES
    IMPORTED_LOCATION "\${_mongodb_aws_prefix}/lib/libmongodb_aws.a"
    INTERFACE_INCLUDE_DIRECTORIES "\${_mongodb_aws_prefix}/include"
    INTERFACE_LINK_LIBRARIES "gcc_s;util;rt;pthread;m;dl")
endif()
unset(_mongodb_aws_prefix)
CMAKE

cat >"$prefix/lib/cmake/mongodb-aws/mongodb-aws-config-version.cmake" <<CMAKE
# 0.x: only the same minor version is compatible; from 1.0: the same major version.
set(PACKAGE_VERSION "$version")
if(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif("$major" STREQUAL "0" AND NOT PACKAGE_FIND_VERSION_MINOR STREQUAL "$minor" AND DEFINED PACKAGE_FIND_VERSION_MINOR)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif(NOT PACKAGE_FIND_VERSION_MAJOR STREQUAL "$major" AND DEFINED PACKAGE_FIND_VERSION_MAJOR)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
else()
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
CMAKE

echo "installed libmongodb_aws $version ($profile$( ((strip)) && echo ', stripped')) into $prefix"
