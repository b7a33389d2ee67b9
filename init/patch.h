/* patch: the description's Talos config patches, merged into a config.
 *
 * Pure. A patch (a YAML mapping in the kept description document, whose
 * shape desc.c already bounded) becomes a cJSON tree and is deep-merged
 * into the rendered config the way Talos merges a strategic patch
 * (pkg/machinery/config/merge):
 *   - mappings merge key by key;
 *   - a list is appended to the list it meets, except podSubnets,
 *     serviceSubnets (replaced) and the keyed lists: interfaces (by
 *     interface or deviceSelector), their vlans (by vlanId) and
 *     admissionControl (by name), whose matching items merge;
 *   - apiServer.auditPolicy is replaced whole;
 *   - null, "" and 0 change nothing (Talos cannot tell them from absent),
 *     anything else replaces what was there.
 * Plain scalars are typed as Talos's YAML decoder types them: true/false,
 * null, integers in Go's notation (0x1F, 0o644, the legacy 0644, 1_000)
 * kept exact, floats; quoted ones stay strings.
 */
#ifndef CASTELLAN_PATCH_H
#define CASTELLAN_PATCH_H

#include <cjson/cJSON.h>

#include "desc.h"
#include "err.h"

/* The YAML node as cJSON, or NULL with e (a value castellan cannot carry,
 * such as .inf, or out of memory). */
cJSON *patch_from_yaml(struct ydoc *y, yaml_node_t *n, struct err *e);

/* Merges src into dst (both mappings) at path ("" for the root, else
 * "machine.network" and so on); src is left as it was. */
int patch_merge(cJSON *dst, const cJSON *src, const char *path, struct err *e);

/* Every description patch aimed at node i, in described order. */
int patch_apply_all(const struct desc *d, int i, cJSON *config, struct err *e);

#endif
