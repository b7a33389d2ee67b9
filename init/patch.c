#include "patch.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 40

/* ---- scalars, typed as yaml.v3 (Talos's decoder) types them */

/* The text without "_", as yaml.v3 reads numbers; 0 when too long. */
static int digits(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (; *s; s++)
		if (*s != '_') {
			if (n + 1 >= cap)
				return 0;
			out[n++] = *s;
		}
	out[n] = '\0';
	return n > 0;
}

/* Go's strconv.ParseInt(s, 0, 64): 0x, 0o, 0b, a leading 0 for octal. */
static int go_int(const char *s, long long *v)
{
	const char *p = s + (*s == '+' || *s == '-');
	int base = 10;
	char *end;
	unsigned long long u;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && p[1])
		base = 8, p += 1;
	if (!*p || !isalnum((unsigned char)*p))
		return 0;
	errno = 0;
	u = strtoull(p, &end, base);
	if (*end || errno || u > (unsigned long long)INT64_MAX + (*s == '-'))
		return 0;
	*v = *s == '-' ? (long long)(0 - u) : (long long)u;
	return 1;
}

static int go_float(const char *s)
{
	const char *p = s + (*s == '+' || *s == '-');
	size_t m = strspn(p, "0123456789");

	if (p[m] == '.')
		m += 1 + strspn(p + m + 1, "0123456789");
	if (m == 0 || (m == 1 && p[0] == '.'))
		return 0;
	if (p[m] == 'e' || p[m] == 'E') {
		size_t k = m + 1 + (p[m + 1] == '+' || p[m + 1] == '-');
		size_t x = strspn(p + k, "0123456789");
		if (!x)
			return 0;
		m = k + x;
	}
	return p[m] == '\0';
}

static int special_float(const char *s)
{
	static const char *const w[] = { ".inf", "+.inf", "-.inf", ".nan", NULL };

	for (int i = 0; w[i]; i++)
		if (strcasecmp(s, w[i]) == 0)
			return 1;
	return 0;
}

static cJSON *scalar(const yaml_node_t *n, struct err *e)
{
	const char *s = (const char *)n->data.scalar.value;
	char num[64];
	long long v;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cJSON_CreateString(s);
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return cJSON_CreateTrue();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return cJSON_CreateFalse();
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return cJSON_CreateNull();
	if (special_float(s)) {
		err_set(e, "castellan.cluster.patches: %s cannot be carried into a config", s);
		return NULL;
	}
	if (!digits(s, num, sizeof num) || !strpbrk(num, "0123456789"))
		return cJSON_CreateString(s);
	/* Numbers stay exact text: a double would round 64-bit integers. */
	if (go_int(num, &v)) {
		snprintf(num, sizeof num, "%lld", v);
		return cJSON_CreateRaw(num);
	}
	return go_float(num) ? cJSON_CreateRaw(num) : cJSON_CreateString(s);
}

static cJSON *tree(struct ydoc *y, yaml_node_t *n, int depth, struct err *e);

static cJSON *mapping(struct ydoc *y, yaml_node_t *n, int depth, struct err *e)
{
	cJSON *o = cJSON_CreateObject();

	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; o && p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ydoc_node(y, p->key);
		cJSON *v;
		if (!k || k->type != YAML_SCALAR_NODE) {
			cJSON_Delete(o);
			err_set(e, "castellan.cluster.patches: a patch key is not a plain string");
			return NULL;
		}
		if (!(v = tree(y, ydoc_node(y, p->value), depth + 1, e))) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(o, (const char *)k->data.scalar.value);
		cJSON_AddItemToObject(o, (const char *)k->data.scalar.value, v);
	}
	if (!o)
		err_set(e, "out of memory reading castellan.cluster.patches");
	return o;
}

static cJSON *sequence(struct ydoc *y, yaml_node_t *n, int depth, struct err *e)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; a && i < yseq_len(n); i++) {
		cJSON *item = tree(y, yseq_item(y, n, i), depth + 1, e);
		if (!item) {
			cJSON_Delete(a);
			return NULL;
		}
		cJSON_AddItemToArray(a, item);
	}
	if (!a)
		err_set(e, "out of memory reading castellan.cluster.patches");
	return a;
}

static cJSON *tree(struct ydoc *y, yaml_node_t *n, int depth, struct err *e)
{
	cJSON *v;

	if (!n || depth > DEPTH_MAX) {	/* desc.c refuses such patches first */
		err_set(e, "castellan.cluster.patches: a patch is nested too deeply");
		return NULL;
	}
	if (n->type == YAML_MAPPING_NODE)
		return mapping(y, n, depth, e);
	if (n->type == YAML_SEQUENCE_NODE)
		return sequence(y, n, depth, e);
	v = scalar(n, e);
	if (!v && !e->msg[0])
		err_set(e, "out of memory reading castellan.cluster.patches");
	return v;
}

cJSON *patch_from_yaml(struct ydoc *y, yaml_node_t *n, struct err *e)
{
	e->msg[0] = '\0';
	return tree(y, n, 0, e);
}

/* ---- merging, as Talos merges */

static const char *const replaced[] = { "cluster.network.podSubnets",
	"cluster.network.serviceSubnets", "cluster.apiServer.auditPolicy", NULL };

static int listed(const char *const *list, const char *path)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(list[i], path) == 0)
			return 1;
	return 0;
}

/* Talos cannot tell these from a field left out. */
static int zero(const cJSON *v)
{
	return cJSON_IsNull(v) || (cJSON_IsString(v) && !v->valuestring[0]) ||
	       (cJSON_IsRaw(v) && strtod(v->valuestring, NULL) == 0.0 &&
		strspn(v->valuestring, "+-0.eE") == strlen(v->valuestring));
}

static int same(const cJSON *a, const cJSON *b, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, key);
	const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, key);

	return x && y && cJSON_Compare(x, y, 1);
}

/* The item of list dst that src's item merges into, for Talos's keyed
 * lists; NULL when it is new (or the list is not keyed). */
static cJSON *keyed(cJSON *dst, const cJSON *item, const char *path)
{
	cJSON *d;

	cJSON_ArrayForEach(d, dst) {
		if (!strcmp(path, "machine.network.interfaces") &&
		    (same(d, item, "interface") || same(d, item, "deviceSelector")))
			return d;
		if (!strcmp(path, "machine.network.interfaces.vlans") && same(d, item, "vlanId"))
			return d;
		if (!strcmp(path, "cluster.apiServer.admissionControl") && same(d, item, "name"))
			return d;
	}
	return NULL;
}

static int append(cJSON *dst, const cJSON *src, const char *path, struct err *e)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, src) {
		cJSON *into = cJSON_IsObject(item) ? keyed(dst, item, path) : NULL, *copy;
		if (into) {
			if (patch_merge(into, item, path, e) < 0)
				return -1;
			continue;
		}
		if (!(copy = cJSON_Duplicate(item, 1)))
			return err_set(e, "out of memory merging a patch");
		cJSON_AddItemToArray(dst, copy);
	}
	return 0;
}

int patch_merge(cJSON *dst, const cJSON *src, const char *path, struct err *e)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, src) {
		cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, s->string), *copy;
		char sub[256];
		if (zero(s))
			continue;
		snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", s->string);
		if (d && !listed(replaced, sub) && cJSON_IsObject(d) && cJSON_IsObject(s)) {
			if (patch_merge(d, s, sub, e) < 0)
				return -1;
			continue;
		}
		if (d && !listed(replaced, sub) && cJSON_IsArray(d) && cJSON_IsArray(s)) {
			if (append(d, s, sub, e) < 0)
				return -1;
			continue;
		}
		if (!(copy = cJSON_Duplicate(s, 1)))
			return err_set(e, "out of memory merging a patch");
		if (d)
			cJSON_ReplaceItemViaPointer(dst, d, copy);
		else
			cJSON_AddItemToObject(dst, s->string, copy);
	}
	return 0;
}

static int aimed_at(const struct desc_patch *p, const struct desc *d, int i)
{
	switch (p->target) {
	case PATCH_ALL:
		return 1;
	case PATCH_CONTROLPLANE:
		return d->cluster.nodes[i].role == ROLE_CONTROLPLANE;
	case PATCH_WORKER:
		return d->cluster.nodes[i].role == ROLE_WORKER;
	case PATCH_NODE:
		return p->node == i;
	}
	return 0;
}

int patch_apply_all(const struct desc *d, int i, cJSON *config, struct err *e)
{
	for (int k = 0; k < d->cluster.npatches; k++) {
		const struct desc_patch *p = &d->cluster.patches[k];
		cJSON *t;
		int rc;
		if (!aimed_at(p, d, i))
			continue;
		/* The document is only read; ydoc's API just isn't const. */
		if (!(t = patch_from_yaml((struct ydoc *)&d->yaml, p->patch, e)))
			return -1;
		rc = patch_merge(config, t, "", e);
		cJSON_Delete(t);
		if (rc < 0)
			return err_wrap(e, "castellan.cluster.patches");
	}
	return 0;
}
