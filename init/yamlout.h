/* yamlout: a cJSON tree written as block YAML.
 *
 * Pure. Mappings keep their key order; strings are written plain when
 * YAML cannot misread them, as literal blocks when they span lines (the
 * inline manifests stay readable), and double-quoted with escapes
 * otherwise. The caller owns the buffer (a machine config holds keys:
 * it lives in the arena); running out of room is an error, never a cut.
 */
#ifndef CASTELLAN_YAMLOUT_H
#define CASTELLAN_YAMLOUT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "err.h"
#include "textbuf.h"

struct yamlout {
	struct textbuf t;
};

void yamlout_init(struct yamlout *y, char *buf, size_t cap);

/* Appends one document (a mapping); "---\n" separates it from a previous
 * one. 0, or -1 with e when the buffer is full. */
int yamlout_doc(struct yamlout *y, const cJSON *root, struct err *e);

#endif
