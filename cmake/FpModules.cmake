# The server's modules: one static library per layer and per domain (docs/architecture.md).
#
#   fp_module(<name> LAYER <base|storage|http|realtime|domain|app>
#             [DEPENDS <module>...] [OWNS <table>...] [READS <table>...])
#
# builds server/<name>/*.cpp into the library fp_<name>, linked to the modules it DEPENDS on
# (and nothing else), and records the declaration for the architecture check: a module may
# include only its own headers and those of the modules it depends on (directly or through
# them), never a module of a higher layer, and never another domain's private files; its SQL
# may name only the tables it OWNS and the ones it READS (each READS is a documented exception).

set(FP_LAYERS base storage http realtime domain app)
set_property(GLOBAL PROPERTY FP_MODULES "")

function(fp_module name)
  cmake_parse_arguments(PARSE_ARGV 1 M "" "LAYER" "DEPENDS;OWNS;READS")
  if(NOT M_LAYER IN_LIST FP_LAYERS)
    message(FATAL_ERROR "fp_module(${name}): LAYER must be one of ${FP_LAYERS}")
  endif()
  list(FIND FP_LAYERS ${M_LAYER} rank)
  foreach(dep IN LISTS M_DEPENDS)
    get_property(dep_layer GLOBAL PROPERTY FP_MODULE_${dep}_LAYER)
    if(NOT dep_layer)
      message(FATAL_ERROR "fp_module(${name}): depends on ${dep}, which is not declared before it")
    endif()
    list(FIND FP_LAYERS ${dep_layer} dep_rank)
    if(dep_rank GREATER rank)
      message(FATAL_ERROR "fp_module(${name}): a ${M_LAYER} module may not depend on the ${dep_layer} module ${dep}")
    endif()
  endforeach()

  file(GLOB sources CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_SOURCE_DIR}/${name}/*.cpp ${CMAKE_CURRENT_SOURCE_DIR}/${name}/*.h)
  add_library(fp_${name} STATIC ${sources})
  target_include_directories(fp_${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(fp_${name} PUBLIC fp_common Qt6::Core)
  foreach(dep IN LISTS M_DEPENDS)
    target_link_libraries(fp_${name} PUBLIC fp_${dep})
  endforeach()

  set_property(GLOBAL APPEND PROPERTY FP_MODULES ${name})
  set_property(GLOBAL PROPERTY FP_MODULE_${name}_LAYER ${M_LAYER})
  set_property(GLOBAL PROPERTY FP_MODULE_${name}_DEPENDS "${M_DEPENDS}")
  set_property(GLOBAL PROPERTY FP_MODULE_${name}_OWNS "${M_OWNS}")
  set_property(GLOBAL PROPERTY FP_MODULE_${name}_READS "${M_READS}")
endfunction()

# Writes every declaration to <file>, one line a module, for the architecture check:
#   <name>|<layer>|<depends,...>|<owns,...>|<reads,...>
function(fp_write_module_map file)
  get_property(modules GLOBAL PROPERTY FP_MODULES)
  set(text "")
  foreach(name IN LISTS modules)
    foreach(what LAYER DEPENDS OWNS READS)
      get_property(${what} GLOBAL PROPERTY FP_MODULE_${name}_${what})
      string(REPLACE ";" "," ${what} "${${what}}")
    endforeach()
    string(APPEND text "${name}|${LAYER}|${DEPENDS}|${OWNS}|${READS}\n")
  endforeach()
  file(WRITE ${file} "${text}")
endfunction()
