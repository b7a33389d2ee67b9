/* patch: the description's Talos config patches, merged into a config.
 *
 * Pure. A patch (a YAML mapping in the kept description document) becomes
 * a cJSON tree and is deep-merged into the rendered config: mappings
 * merge key by key, a list is appended to the list it meets (Talos's own
 * rule for most lists), and anything else replaces what was there. Plain
 * scalars are typed the way Talos's YAML decoder types them (true/false,
 * null, integers, floats); quoted ones stay strings.
 */
#ifndef CASTELLAN_PATCH_H
#define CASTELLAN_PATCH_H

#include <cjson/cJSON.h>

#include "desc.h"
#include "err.h"

/* The YAML node as cJSON, or NULL with e on an unsupported node (an
 * alias) or when out of memory. */
cJSON *patch_from_yaml(struct ydoc *y, yaml_node_t *n, struct err *e);

/* Merges src into dst (both mappings); src is left as it was. */
int patch_merge(cJSON *dst, const cJSON *src, struct err *e);

/* Every description patch aimed at node i, in described order. */
int patch_apply_all(const struct desc *d, int i, cJSON *config, struct err *e);

#endif
