# Helpers in the spirit of Abseil's absl_cc_library / absl_cc_test.
#
#   docval_cc_library(NAME emrtd_tlv SRCS tlv.cc HDRS tlv.h DEPS absl::status ...)
#     -> a static library (an INTERFACE library when there are no SRCS). Names are global, so prefix
#        them with the component (emrtd_tlv, gateway_ws). Project warnings (-Wall -Wextra -Werror)
#        apply to project code only; dependencies come in as -isystem.
#   docval_cc_test(NAME foo_test SRCS foo_test.cc DEPS emrtd_tlv)
#     -> a GoogleTest binary registered with CTest (each TEST becomes a CTest test).
#   docval_cc_fuzz(NAME tlv_fuzz SRCS tlv_fuzz.cc DEPS emrtd_tlv)
#     -> a libFuzzer target when DOCVAL_FUZZ is ON (clang); otherwise a plain driver that runs the
#        seed corpus and a bounded number of random mutations, registered as a test.

add_library(docval_warnings INTERFACE)
target_compile_options(docval_warnings INTERFACE -Wall -Wextra $<$<BOOL:${DOCVAL_WERROR}>:-Werror>
  # Designated initializers leave defaulted members out on purpose.
  -Wno-missing-field-initializers
  # GCC 12 reports false positives from inlined std::vector code at -O2 (GCC bugs 105329, 106199):
  # kept as warnings, not errors.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-error=stringop-overflow -Wno-error=array-bounds -Wno-error=stringop-overread -Wno-error=restrict>
  # Clang's thread-safety analysis, in every clang build: an access to an ABSL_GUARDED_BY member
  # without its absl::Mutex held, or a call that breaks an ABSL_EXCLUSIVE_LOCKS_REQUIRED /
  # ABSL_LOCKS_EXCLUDED contract, is an error (also under the libFuzzer build's -Wno-error).
  # tests/thread_safety proves it runs (docs/development.md "Locking").
  $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety -Werror=thread-safety>)

function(docval_cc_library)
  cmake_parse_arguments(L "" "NAME" "SRCS;HDRS;DEPS;PRIVATE_DEPS" ${ARGN})
  if(L_SRCS)
    add_library(${L_NAME} STATIC ${L_SRCS} ${L_HDRS})
    target_link_libraries(${L_NAME} PUBLIC ${L_DEPS} PRIVATE docval_warnings ${L_PRIVATE_DEPS})
    target_include_directories(${L_NAME} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  else()
    add_library(${L_NAME} INTERFACE ${L_HDRS})
    target_link_libraries(${L_NAME} INTERFACE ${L_DEPS})
    target_include_directories(${L_NAME} INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  endif()
endfunction()

function(docval_cc_test)
  if(NOT DOCVAL_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SRCS})
  # Tests find the checkout through base/testing/paths.h; no absolute path goes into their compile
  # commands, so a fresh clone (CI) hits the compiler cache.
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} base_testing_paths docval_warnings GTest::gmock
                        GTest::gtest_main)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  gtest_discover_tests(${T_NAME}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
endfunction()

# The libFuzzer build (DOCVAL_FUZZ=ON, clang; scripts/fuzz.sh): every target is compiled with
# ASan+UBSan and coverage instrumentation (-fsanitize=fuzzer-no-link); the fuzz executables add the
# libFuzzer runtime (-fsanitize=fuzzer). The phony target docval_fuzz_all builds every fuzz target
# and nothing else, and fuzz_targets.txt (build dir) lists "name binary corpus" per line for the
# runner. Abseil and Botan come from Debian, built by GCC: same libstdc++, uninstrumented (fine).
if(DOCVAL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "DOCVAL_FUZZ=ON needs clang (libFuzzer); use scripts/fuzz.sh")
  endif()
  set(DOCVAL_FUZZ_SANITIZERS "address,undefined" CACHE STRING "Sanitizers of the libFuzzer build")
  # -fno-sanitize=function: clang 14's UBSan function-type prologue plus coverage instrumentation on
  # split coroutine frames fails in the assembler ("Cannot represent a difference across sections",
  # access/pace.cc); that one check (calls through a mistyped function pointer) is left out.
  add_compile_options(-fsanitize=${DOCVAL_FUZZ_SANITIZERS},fuzzer-no-link -fno-sanitize=function
                      -fno-sanitize-recover=all -fno-omit-frame-pointer -gline-tables-only)
  add_link_options(-fsanitize=${DOCVAL_FUZZ_SANITIZERS})
  # Clang warns about things GCC does not (and the reverse); the GCC build keeps -Werror honest.
  target_compile_options(docval_warnings INTERFACE -Wno-error -Wno-unused-command-line-argument)
  add_custom_target(docval_fuzz_all)
  set_property(GLOBAL PROPERTY DOCVAL_FUZZ_MANIFEST "")
  function(_docval_write_fuzz_manifest)
    get_property(_lines GLOBAL PROPERTY DOCVAL_FUZZ_MANIFEST)
    string(REPLACE ";" "\n" _text "${_lines}")
    file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/fuzz_targets.txt CONTENT "${_text}\n")
  endfunction()
  cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL _docval_write_fuzz_manifest)
endif()

function(docval_cc_fuzz)
  cmake_parse_arguments(F "" "NAME;CORPUS" "SRCS;DEPS" ${ARGN})
  if(DOCVAL_FUZZ)
    add_executable(${F_NAME} ${F_SRCS})
    target_compile_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${F_NAME} PRIVATE ${F_DEPS} docval_warnings)
    target_include_directories(${F_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
    add_dependencies(docval_fuzz_all ${F_NAME})
    set(_corpus "-")
    if(F_CORPUS)
      set(_corpus ${F_CORPUS})
    endif()
    set_property(GLOBAL APPEND PROPERTY DOCVAL_FUZZ_MANIFEST "${F_NAME} $<TARGET_FILE:${F_NAME}> ${_corpus}")
  elseif(DOCVAL_BUILD_TESTS)
    # Without libFuzzer the same entry point runs under a deterministic mutation driver, so the
    # target compiles and runs in every build (and under ASan/UBSan in the Asan build).
    add_executable(${F_NAME} ${F_SRCS} ${PROJECT_SOURCE_DIR}/tests/fuzz/standalone_fuzz_driver.cc)
    target_link_libraries(${F_NAME} PRIVATE ${F_DEPS} docval_warnings)
    target_include_directories(${F_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
    set(_corpus "")
    if(F_CORPUS)
      set(_corpus ${F_CORPUS})
    endif()
    add_test(NAME fuzz.${F_NAME} COMMAND ${F_NAME} --runs=20000 ${_corpus})
    set_tests_properties(fuzz.${F_NAME} PROPERTIES TIMEOUT 300 LABELS fuzz)
  endif()
endfunction()
