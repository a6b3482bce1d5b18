# Third-party dependencies, all from Debian 12 packages (see fieldkit/scripts/setup.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto SSL)
find_package(GTest REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(CLI11 REQUIRED)

pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium>=1.0.18)
pkg_check_modules(SQLCIPHER REQUIRED IMPORTED_TARGET sqlcipher>=3.4)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd>=1.5)
pkg_check_modules(PCSC REQUIRED IMPORTED_TARGET libpcsclite>=1.9)

if(AKARI_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()

# Boost.Asio/Beast are header-only here; mark them as system headers so our
# warning flags do not apply to them.
add_library(akari_boost INTERFACE)
target_include_directories(akari_boost SYSTEM INTERFACE ${Boost_INCLUDE_DIRS})
target_compile_definitions(akari_boost INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)
target_link_libraries(akari_boost INTERFACE Threads::Threads)
