#include "patch.h"

#include <stdlib.h>
#include <string.h>

static int is_int(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');

	return *p && strspn(p, "0123456789") == strlen(p) && strlen(p) < 16;
}

static int is_float(const char *s)
{
	char *end;

	if (!strpbrk(s, "0123456789") || strspn(s, "0123456789.eE+-") != strlen(s))
		return 0;
	(void)strtod(s, &end);
	return *end == '\0';
}

static cJSON *scalar(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cJSON_CreateString(s);
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
		return cJSON_CreateTrue();
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
		return cJSON_CreateFalse();
	if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
		return cJSON_CreateNull();
	if (is_int(s) || is_float(s))
		return cJSON_CreateNumber(strtod(s, NULL));
	return cJSON_CreateString(s);
}

static cJSON *mapping(struct ydoc *y, yaml_node_t *n, struct err *e)
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
		if (!(v = patch_from_yaml(y, ydoc_node(y, p->value), e))) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(o, (const char *)k->data.scalar.value);
		cJSON_AddItemToObject(o, (const char *)k->data.scalar.value, v);
	}
	return o;
}

cJSON *patch_from_yaml(struct ydoc *y, yaml_node_t *n, struct err *e)
{
	cJSON *a, *v = NULL;

	if (!n) {
		err_set(e, "castellan.cluster.patches: a patch holds an alias castellan cannot follow");
		return NULL;
	}
	switch (n->type) {
	case YAML_SCALAR_NODE:
		v = scalar(n);
		break;
	case YAML_MAPPING_NODE:
		return mapping(y, n, e);
	case YAML_SEQUENCE_NODE:
		a = cJSON_CreateArray();
		for (int i = 0; a && i < yseq_len(n); i++) {
			cJSON *item = patch_from_yaml(y, yseq_item(y, n, i), e);
			if (!item) {
				cJSON_Delete(a);
				return NULL;
			}
			cJSON_AddItemToArray(a, item);
		}
		v = a;
		break;
	default:
		break;
	}
	if (!v)
		err_set(e, "out of memory reading castellan.cluster.patches");
	return v;
}

int patch_merge(cJSON *dst, const cJSON *src, struct err *e)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, src) {
		cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, s->string), *copy;
		if (d && cJSON_IsObject(d) && cJSON_IsObject(s)) {
			if (patch_merge(d, s, e) < 0)
				return -1;
			continue;
		}
		if (d && cJSON_IsArray(d) && cJSON_IsArray(s)) {
			const cJSON *item;
			cJSON_ArrayForEach(item, s) {
				if (!(copy = cJSON_Duplicate(item, 1)))
					return err_set(e, "out of memory merging a patch");
				cJSON_AddItemToArray(d, copy);
			}
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
		cJSON *tree;
		int rc;
		if (!aimed_at(p, d, i))
			continue;
		/* The document is only read; ydoc's API just isn't const. */
		if (!(tree = patch_from_yaml((struct ydoc *)&d->yaml, p->patch, e)))
			return -1;
		rc = patch_merge(config, tree, e);
		cJSON_Delete(tree);
		if (rc < 0)
			return err_wrap(e, "castellan.cluster.patches");
	}
	return 0;
}
