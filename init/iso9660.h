/* iso9660: a NoCloud seed image (ISO 9660 with Rock Ridge), built in memory.
 *
 * Writes a single-directory ECMA-119 image: primary volume descriptor,
 * terminator, L and M path tables, the root directory, then each file.
 * Every file carries its real name in a Rock Ridge NM entry (Linux's isofs
 * prefers it) and a unique level-1 name (USER_DAT.;1) for plain readers;
 * files are read-only (0444), the directory 0555, owned by root. The same
 * input always gives the same bytes: every timestamp is mtime_unix.
 * Pure: no allocation, no system call; the caller owns every buffer.
 */
#ifndef CASTELLAN_ISO9660_H
#define CASTELLAN_ISO9660_H

#include <stddef.h>

#include "err.h"

#define ISO9660_MAX_FILES 16
#define ISO9660_NAME_MAX 64			/* of [A-Za-z0-9._-] */
#define ISO9660_FILE_MAX (256L * 1024 * 1024)	/* per file */
#define ISO9660_VOLID_MAX 32			/* of [A-Za-z0-9_.-] */

struct iso_file {
	const char *name;	/* "user-data" */
	const void *data;	/* may be NULL when len is 0 */
	size_t len;
};

/* The exact size iso9660_write produces for these files, or 0 when it
 * would refuse them (iso9660_write then says why). */
size_t iso9660_size(const struct iso_file *files, int n);

/* Writes the image into out[0..cap) and returns its size, or -1 with one
 * sentence in e: a bad or duplicate name, too many or too large files, a
 * bad volume id or time, or a buffer smaller than iso9660_size. */
long iso9660_write(void *out, size_t cap, const char *volume_id, long long mtime_unix,
		   const struct iso_file *files, int n, struct err *e);

#endif
