# The Debian package: `cpack -G DEB` in the build folder packs what `cmake --install` installs,
# under /usr, from the build already made (no second build): the stripped binary, the default
# data (share/dza), the man pages, bash and zsh completion, and the library with its headers and
# CMake package. dpkg-shlibdeps (dpkg-dev) computes Depends from the binary's shared libraries,
# so the package installs wherever they are found (Debian 12 and its libraries' versions).
set(DZA_PACKAGE_MAINTAINER "dza maintainers <maintainers@dza.invalid>" CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR "")
set(CPACK_PACKAGE_NAME dza)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${DZA_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Executables and shared libraries stripped as they are installed into the package.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_NAME dza)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # dza_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${DZA_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The CMake package finds these again for the static library; the command line needs none of them.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "nlohmann-json3-dev, libgdal-dev, libgeos-dev, libproj-dev, libfmt-dev, libyaml-cpp-dev, libssl-dev, libcairo2-dev, libpq-dev, coinor-libcbc-dev, pkg-config")
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)  # fast; the test builds the package
# The extended description, under the summary (CPACK_PACKAGE_DESCRIPTION_SUMMARY).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "dza measures distances, buffers, eligible basing zones and sensor coverage geodesically on the
WGS84 ellipsoid, from map layers in any format GDAL reads or in PostGIS, and writes GeoJSON,
GeoPackage and other formats, maps and a self-contained HTML report. `dza run` with no argument
runs the default scenario installed in /usr/share/dza. The package also holds the C++ library
(static, headers and CMake package: find_package(dza)).")

include(CPack)
