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
  $<$<CXX_COMPILER_ID:GNU>:-Wno-error=stringop-overflow -Wno-error=array-bounds -Wno-error=stringop-overread -Wno-error=restrict>)

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
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} docval_warnings GTest::gmock GTest::gtest_main)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_compile_definitions(${T_NAME} PRIVATE
    DOCVAL_VECTORS_DIR="${DOCVAL_VECTORS_DIR}"
    DOCVAL_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    DOCVAL_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  gtest_discover_tests(${T_NAME}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
endfunction()

function(docval_cc_fuzz)
  cmake_parse_arguments(F "" "NAME;CORPUS" "SRCS;DEPS" ${ARGN})
  if(DOCVAL_FUZZ)
    add_executable(${F_NAME} ${F_SRCS})
    target_compile_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${F_NAME} PRIVATE ${F_DEPS})
    target_include_directories(${F_NAME} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
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
