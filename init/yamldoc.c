#include "yamldoc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ydoc_load(struct ydoc *d, const char *text, size_t len, const char *what,
	      struct err *e)
{
	yaml_parser_t p;
	int ok;

	d->loaded = 0;
	if (!yaml_parser_initialize(&p))
		return err_set(e, "%s: out of memory starting the YAML parser", what);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	ok = yaml_parser_load(&p, &d->doc);
	if (!ok) {
		err_set(e, "%s: line %lu, column %lu: %s", what,
			(unsigned long)p.problem_mark.line + 1,
			(unsigned long)p.problem_mark.column + 1,
			p.problem ? p.problem : "not valid YAML");
		yaml_parser_delete(&p);
		return -1;
	}
	yaml_parser_delete(&p);
	d->loaded = 1;
	return 0;
}

void ydoc_free(struct ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = 0;
}

yaml_node_t *ydoc_root(struct ydoc *d)
{
	return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

yaml_node_t *ydoc_node(struct ydoc *d, int index)
{
	return yaml_document_get_node(&d->doc, index);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

int ynode_is_null(const yaml_node_t *n)
{
	const char *s;

	if (!n || n->type != YAML_SCALAR_NODE)
		return n == NULL;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = scalar(n);
	return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

const char *ynode_kind(const yaml_node_t *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return ynode_is_null(n) ? "null" : "a scalar";
	default:
		return "nothing";
	}
}

const char *ypath_key(char *out, const char *base, const char *key)
{
	snprintf(out, YPATH_MAX, "%s%s%s", base, base[0] ? "." : "", key);
	return out;
}

const char *ypath_index(char *out, const char *base, int i)
{
	snprintf(out, YPATH_MAX, "%s[%d]", base, i);
	return out;
}

char *yprintable(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return s;
}

const char *yquote(const yaml_node_t *n, char *out, size_t cap)
{
	const unsigned char *s;
	size_t i = 0, keep;

	if (cap < 8) {
		if (cap)
			out[0] = '\0';
		return out;
	}
	if (!n || n->type != YAML_SCALAR_NODE) {
		snprintf(out, cap, "%s", ynode_kind(n));
		return out;
	}
	keep = cap - 4 < 64 ? cap - 4 : 64;	/* room for "..." and NUL */
	for (s = n->data.scalar.value; *s && i < keep; s++)
		out[i++] = (*s >= 0x20 && *s < 0x7f) ? (char)*s : '?';
	if (*s) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

yaml_node_t *ymap_get(struct ydoc *d, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pair;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = ydoc_node(d, pair->key);
		if (k && k->type == YAML_SCALAR_NODE && strcmp(scalar(k), key) == 0) {
			yaml_node_t *v = ydoc_node(d, pair->value);
			return ynode_is_null(v) ? NULL : v;
		}
	}
	return NULL;
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static void join(char *out, size_t cap, const char *const *list)
{
	size_t n = 0;

	out[0] = '\0';
	for (; *list && n < cap; list++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", *list);
}

int ymap_check(struct ydoc *d, yaml_node_t *node, const char *path,
	       const char *const *allowed, struct err *e)
{
	yaml_node_pair_t *pair, *prev;
	char q[80], names[400];

	if (!ynode_map(node, path, e))
		return -1;
	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = ydoc_node(d, pair->key);
		if (!k || k->type != YAML_SCALAR_NODE)
			return err_set(e, "%s: has a key that is %s; keys must be plain words",
				       path, ynode_kind(k));
		if (!in_list(scalar(k), allowed)) {
			join(names, sizeof names, allowed);
			return err_set(e, "%s: unknown key \"%s\" (expected one of: %s)",
				       path, yquote(k, q, sizeof q), names);
		}
		for (prev = node->data.mapping.pairs.start; prev < pair; prev++) {
			yaml_node_t *pk = ydoc_node(d, prev->key);
			if (pk && pk->type == YAML_SCALAR_NODE && strcmp(scalar(pk), scalar(k)) == 0)
				return err_set(e, "%s: key \"%s\" appears twice", path, scalar(k));
		}
	}
	return 0;
}

int ynode_map(const yaml_node_t *n, const char *path, struct err *e)
{
	if (n && n->type == YAML_MAPPING_NODE)
		return 1;
	err_set(e, "%s: expected a mapping, found %s", path, ynode_kind(n));
	return 0;
}

int yseq_len(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return 0;
	return (int)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *yseq_item(struct ydoc *d, yaml_node_t *seq, int i)
{
	if (i < 0 || i >= yseq_len(seq))
		return NULL;
	return ydoc_node(d, seq->data.sequence.items.start[i]);
}

int yscalar_str(const yaml_node_t *n, const char *path, char *out, size_t cap,
		struct err *e)
{
	size_t len;

	if (!n || n->type != YAML_SCALAR_NODE)
		return err_set(e, "%s: expected a string, found %s", path, ynode_kind(n));
	len = n->data.scalar.length;
	if (len >= cap)
		return err_set(e, "%s: is %zu characters long; at most %zu are allowed",
			       path, len, cap - 1);
	if (memchr(n->data.scalar.value, '\0', len))
		return err_set(e, "%s: contains a NUL character", path);
	memcpy(out, n->data.scalar.value, len);
	out[len] = '\0';
	return 0;
}

/* Finds map[key]; NULL with 0 (absent, fine) or -1 (absent, required). */
static yaml_node_t *field(struct ydoc *d, yaml_node_t *map, const char *path,
			  const char *key, int required, int *rc, struct err *e)
{
	yaml_node_t *n = ymap_get(d, map, key);
	char p[YPATH_MAX];

	*rc = 0;
	if (!n && required)
		*rc = err_set(e, "%s: is required", ypath_key(p, path, key));
	return n;
}

int yget_str(struct ydoc *d, yaml_node_t *map, const char *path,
	     const char *key, int required, char *out, size_t cap,
	     struct err *e)
{
	char p[YPATH_MAX];
	int rc;
	yaml_node_t *n = field(d, map, path, key, required, &rc, e);

	if (!n)
		return rc;
	if (yscalar_str(n, ypath_key(p, path, key), out, cap, e) < 0)
		return -1;
	return 1;
}

int yget_long(struct ydoc *d, yaml_node_t *map, const char *path,
	      const char *key, int required, long min, long max, long *out,
	      struct err *e)
{
	char p[YPATH_MAX], q[80], *end;
	long v;
	int rc;
	yaml_node_t *n = field(d, map, path, key, required, &rc, e);

	if (!n)
		return rc;
	ypath_key(p, path, key);
	if (n->type != YAML_SCALAR_NODE)
		return err_set(e, "%s: expected a whole number, found %s", p, ynode_kind(n));
	errno = 0;
	v = strtol(scalar(n), &end, 10);
	if (scalar(n)[0] == '\0' || *end != '\0' || errno != 0 ||
	    !((scalar(n)[0] >= '0' && scalar(n)[0] <= '9') || scalar(n)[0] == '-'))
		return err_set(e, "%s: \"%s\" is not a whole number", p, yquote(n, q, sizeof q));
	if (v < min || v > max)
		return err_set(e, "%s: %ld is out of range (expected %ld to %ld)", p, v, min, max);
	*out = v;
	return 1;
}

int yget_enum(struct ydoc *d, yaml_node_t *map, const char *path,
	      const char *key, int required, const char *const *choices,
	      int *out, struct err *e)
{
	char p[YPATH_MAX], q[80], names[200];
	int rc, i;
	yaml_node_t *n = field(d, map, path, key, required, &rc, e);

	if (!n)
		return rc;
	ypath_key(p, path, key);
	if (n->type == YAML_SCALAR_NODE)
		for (i = 0; choices[i]; i++)
			if (strcmp(scalar(n), choices[i]) == 0) {
				*out = i;
				return 1;
			}
	join(names, sizeof names, choices);
	return err_set(e, "%s: \"%s\" is not one of: %s", p, yquote(n, q, sizeof q), names);
}

static yaml_node_t *typed(struct ydoc *d, yaml_node_t *map, const char *path,
			  const char *key, yaml_node_type_t type,
			  const char *want, int *bad, struct err *e)
{
	char p[YPATH_MAX];
	yaml_node_t *n = ymap_get(d, map, key);

	*bad = 0;
	if (n && n->type != type) {
		*bad = err_set(e, "%s: expected %s, found %s", ypath_key(p, path, key),
			       want, ynode_kind(n));
		return NULL;
	}
	return n;
}

yaml_node_t *yget_seq(struct ydoc *d, yaml_node_t *map, const char *path,
		      const char *key, int *bad, struct err *e)
{
	return typed(d, map, path, key, YAML_SEQUENCE_NODE, "a list", bad, e);
}

yaml_node_t *yget_map(struct ydoc *d, yaml_node_t *map, const char *path,
		      const char *key, int *bad, struct err *e)
{
	return typed(d, map, path, key, YAML_MAPPING_NODE, "a mapping", bad, e);
}
