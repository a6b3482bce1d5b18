# akari_library / akari_executable / akari_test: keep module CMake files short
# and give every target the same warning and sanitizer settings.

set(AKARI_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
  -Wimplicit-fallthrough -Wformat=2)

function(akari_target_settings target)
  target_compile_options(${target} PRIVATE ${AKARI_WARNINGS})
  if(AKARI_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(AKARI_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    # Not position-independent: a sanitized PIE carries about two million
    # relative relocations (one per UBSan check site and ASan global), which
    # the dynamic loader applies at every start, a third of the start-up of
    # each of the hundreds of processes the tests run. Only the release build
    # ships, and it stays PIE.
    target_link_options(${target} PRIVATE -fsanitize=address,undefined -no-pie)
  endif()
endfunction()

# akari_library(NAME name SRCS ... DEPS ... [PUBLIC_DEPS ...])
function(akari_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(${A_NAME} STATIC ${A_SRCS})
  target_include_directories(${A_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${A_NAME} PUBLIC ${A_PUBLIC_DEPS} PRIVATE ${A_DEPS})
  akari_target_settings(${A_NAME})
endfunction()

# akari_executable(NAME name SRCS ... DEPS ...)
function(akari_executable)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  akari_target_settings(${A_NAME})
  set_target_properties(${A_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
endfunction()

# akari_test(NAME name SRCS ... DEPS ... [LABELS ...] [TIMEOUT s] [COST n] [WHOLE_SUITES suite ...])
# Tests find the built programs through AKARI_BIN_DIR and the source tree
# through AKARI_SOURCE_DIR. Every test is its own CTest test, so its own
# process, except the WHOLE_SUITES: suites whose SetUpTestSuite is costly
# (generating a region) and shared by their tests run as one CTest test
# named "Suite.*", so the setup runs once instead of once per test.
# COST (CTest's property) makes a parallel ctest start the long tests first,
# so that the many short ones fill the other cores meanwhile instead of the
# long ones running alone at the end (CI has no timings from an earlier run).
function(akari_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT;COST" "SRCS;DEPS;LABELS;WHOLE_SUITES" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  akari_target_settings(${A_NAME})
  # A test program's own code only drives the libraries under test, which keep
  # the build's optimisation: -Og compiles it in two thirds of the time of -O2
  # (docs/development.md). The programs the end-to-end tests start are built
  # as shipped. Inline functions that a test and a library both use may run
  # from the test's copy (the linker keeps one).
  target_compile_options(${A_NAME} PRIVATE -Og)
  target_compile_definitions(${A_NAME} PRIVATE
    AKARI_BIN_DIR="${PROJECT_BINARY_DIR}/bin" AKARI_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  if(NOT A_COST)
    set(A_COST 0)
  endif()
  set(filter "*")
  if(A_WHOLE_SUITES)
    list(TRANSFORM A_WHOLE_SUITES APPEND ".*" OUTPUT_VARIABLE patterns)
    list(JOIN patterns ":" joined)
    set(filter "-${joined}")
    foreach(suite IN LISTS A_WHOLE_SUITES)
      add_test(NAME ${suite}.* COMMAND ${A_NAME} --gtest_filter=${suite}.*)
      # A suite name that matches nothing must fail, not pass with no test;
      # with a pass expression CTest ignores the exit code, hence both.
      set_tests_properties(${suite}.* PROPERTIES TIMEOUT ${A_TIMEOUT} COST ${A_COST} LABELS "${A_LABELS}"
        PASS_REGULAR_EXPRESSION "\\[  PASSED  \\] [1-9][0-9]* tests?\\."
        FAIL_REGULAR_EXPRESSION "\\[  FAILED  \\]")
    endforeach()
  endif()
  gtest_discover_tests(${A_NAME}
    TEST_FILTER "${filter}"
    DISCOVERY_TIMEOUT 60
    # LABELS last: gtest_discover_tests drops an empty value, and the next
    # property's name would become the label.
    PROPERTIES TIMEOUT ${A_TIMEOUT} COST ${A_COST} LABELS "${A_LABELS}")
endfunction()
