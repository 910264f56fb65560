# Compresses every man page SOURCE/*.1 into DEST/*.1.gz with gzip -9n (no file name, no time
# stamp: the same bytes every build), as Debian installs man pages. DEST is rebuilt from scratch,
# so the page of a command that no longer exists does not linger.
# Usage: cmake -DSOURCE=DIR -DDEST=DIR -P gzip_man.cmake
find_program(GZIP gzip REQUIRED)
file(REMOVE_RECURSE ${DEST})
file(MAKE_DIRECTORY ${DEST})
file(GLOB pages ${SOURCE}/*.1)
foreach(page IN LISTS pages)
  get_filename_component(name ${page} NAME)
  execute_process(COMMAND ${GZIP} -9nc ${page} OUTPUT_FILE ${DEST}/${name}.gz COMMAND_ERROR_IS_FATAL ANY)
endforeach()
