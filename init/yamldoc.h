/* yamldoc: typed reads from one YAML document, with errors that name the path.
 *
 * Wraps libyaml's document loader. Every reader takes the dotted path of
 * the mapping it reads from (e.g. "castellan.cluster.nodes[2]") and, on a
 * bad value, fills struct err with one sentence naming "path.key", what was
 * found and what was expected. Scalar values that are quoted in an error
 * are cut and stripped of control characters, so an error line stays one
 * line. Pure: no syscalls.
 */
#ifndef CASTELLAN_YAMLDOC_H
#define CASTELLAN_YAMLDOC_H

#include <stddef.h>
#include <yaml.h>

#include "err.h"

#define YPATH_MAX 192

struct ydoc {
	yaml_document_t doc;
	int loaded;
};

/* Loads the first document of text. what names the source in syntax
 * errors ("user-data: line 3, column 7: ..."). An empty input loads as a
 * document with no root. */
int ydoc_load(struct ydoc *d, const char *text, size_t len, const char *what,
	      struct err *e);
void ydoc_free(struct ydoc *d);

yaml_node_t *ydoc_root(struct ydoc *d);
yaml_node_t *ydoc_node(struct ydoc *d, int index);

/* A scalar that says nothing: empty plain, "~", "null". */
int ynode_is_null(const yaml_node_t *n);

/* Child of a mapping by key, or NULL when absent or null-valued. */
yaml_node_t *ymap_get(struct ydoc *d, yaml_node_t *map, const char *key);

/* Requires node to be a mapping whose keys are all scalars in allowed
 * (a NULL-terminated list), each at most once. */
int ymap_check(struct ydoc *d, yaml_node_t *node, const char *path,
	       const char *const *allowed, struct err *e);

/* Nonzero when n is a mapping; else fills e ("path: expected a mapping,
 * found a list") and returns 0. */
int ynode_map(const yaml_node_t *n, const char *path, struct err *e);

/* Number of items of a sequence node (0 for anything else). */
int yseq_len(const yaml_node_t *n);
yaml_node_t *yseq_item(struct ydoc *d, yaml_node_t *seq, int i);

/* Reads map[key] as a string scalar into out (cap bytes). Absent: -1 with
 * "path.key: is required" when required, else out is left as it was and
 * 0 is returned (so callers preset defaults). Returns 1 when a value was
 * read. */
int yget_str(struct ydoc *d, yaml_node_t *map, const char *path,
	     const char *key, int required, char *out, size_t cap,
	     struct err *e);

/* Same for a decimal integer in [min, max]. */
int yget_long(struct ydoc *d, yaml_node_t *map, const char *path,
	      const char *key, int required, long min, long max, long *out,
	      struct err *e);

/* Same for one of the words in choices (NULL-terminated); out is the index. */
int yget_enum(struct ydoc *d, yaml_node_t *map, const char *path,
	      const char *key, int required, const char *const *choices,
	      int *out, struct err *e);

/* Requires map[key], when present, to be a sequence; returns it or NULL
 * (absent), setting *bad on a wrong type. */
yaml_node_t *yget_seq(struct ydoc *d, yaml_node_t *map, const char *path,
		      const char *key, int *bad, struct err *e);

/* Requires map[key], when present, to be a mapping; as yget_seq. */
yaml_node_t *yget_map(struct ydoc *d, yaml_node_t *map, const char *path,
		      const char *key, int *bad, struct err *e);

/* Reads a scalar node (not a map entry) as a string; for sequence items. */
int yscalar_str(const yaml_node_t *n, const char *path, char *out, size_t cap,
		struct err *e);

/* Copies the scalar's text into out (cap bytes) for quoting in an error:
 * at most 64 characters, control and non-ASCII bytes shown as '?'. */
const char *yquote(const yaml_node_t *n, char *out, size_t cap);

/* Replaces control and non-ASCII bytes of s with '?', in place, so a value
 * echoed in an error keeps the error on one line. Returns s. */
char *yprintable(char *s);

/* Safe path building: writes "base.key" or "base[i]" into out. */
const char *ypath_key(char *out, const char *base, const char *key);
const char *ypath_index(char *out, const char *base, int i);

/* A word for the node's kind, for errors: "a mapping", "a list", ... */
const char *ynode_kind(const yaml_node_t *n);

#endif
