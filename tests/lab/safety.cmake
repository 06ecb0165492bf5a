# tests/lab/safety.cmake - the safety lab tests (privilege drop, forged-reply flood); include() it from tests/lab/CMakeLists.txt.
include_guard(GLOBAL)
# Both need root and a lab; skipped with code 77 otherwise. RUN_SERIAL: they load the machine.
add_test(NAME lab.priv_drop
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_priv_drop.sh $<TARGET_FILE:pathmortem>)
set_tests_properties(lab.priv_drop PROPERTIES LABELS "lab;safety" RUN_SERIAL TRUE TIMEOUT 180
                     SKIP_RETURN_CODE 77)

# The forger reuses the fuzzers' packet builders (real probe encoder, correct checksums).
add_executable(pm_forge ${CMAKE_CURRENT_LIST_DIR}/forge.c ${CMAKE_CURRENT_LIST_DIR}/forge_loop.c
               ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_build.c)
target_include_directories(pm_forge PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/tests/fuzz
                           ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(pm_forge PRIVATE pm_match pm_trace pm_wire pm_util)
add_test(NAME lab.forged_flood
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_forged_flood.sh $<TARGET_FILE:pathmortem> $<TARGET_FILE:pm_forge>)
set_tests_properties(lab.forged_flood PROPERTIES LABELS "lab;safety" RUN_SERIAL TRUE TIMEOUT 180
                     SKIP_RETURN_CODE 77)

# Sealed probes against a blind forger: the 2^16-identity brute force and a seeded 10^6 random sweep,
# during a sweep and during a snapshot.
add_executable(pm_forge_seal ${CMAKE_CURRENT_LIST_DIR}/forge_seal.c ${CMAKE_CURRENT_LIST_DIR}/forge_loop.c
               ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_build.c)
target_include_directories(pm_forge_seal PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/tests/fuzz
                           ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(pm_forge_seal PRIVATE pm_match pm_trace pm_wire pm_util)
add_test(NAME lab.forged_seal
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_forged_seal.sh $<TARGET_FILE:pathmortem> $<TARGET_FILE:pm_forge_seal>)
set_tests_properties(lab.forged_seal PROPERTIES LABELS "lab;safety" RUN_SERIAL TRUE TIMEOUT 500
                     SKIP_RETURN_CODE 77)

# Run records: start (secret) and end (complete, timeout, SIGTERM) in the pcap; analyze verifies with them.
add_test(NAME lab.run_records
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_run_records.sh $<TARGET_FILE:pathmortem>)
set_tests_properties(lab.run_records PROPERTIES LABELS "lab;safety" RUN_SERIAL TRUE TIMEOUT 180
                     SKIP_RETURN_CODE 77)
