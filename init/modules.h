/* modules: load the kernel modules the image build chose, in its order.
 *
 * image/build.sh derives the list and its order from the kernel's
 * modules.dep and writes absolute paths, one per line, to the list file.
 * A module already loaded (EEXIST) counts as loaded; one whose hardware is
 * absent (ENODEV) is skipped with a warning; anything else stops the boot.
 */
#ifndef CASTELLAN_MODULES_H
#define CASTELLAN_MODULES_H

#include "err.h"
#include "log.h"

#define MODULES_LIST "/etc/castellan/modules"

int modules_load(struct log *log, const char *list, struct err *e);

#endif
