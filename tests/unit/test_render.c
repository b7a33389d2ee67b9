/* The renderer: node types, what workers must not carry, the v1.14
 * documents, patches, and YAML that parses back to what was meant. */
#include "check.h"
#include "desc.h"
#include "patch.h"
#include "render.h"
#include "yamldoc.h"
#include "yamlout.h"

#include <stdlib.h>

static struct desc d;
static char out[256 * 1024];

static const struct render_pki pki = {
	"T1NDUlQ=", "T1NLRVk=", "SzhTQ1JU", "SzhTS0VZ", "QUdDUlQ=", "QUdLRVk=", "RVRDRFJU",
	"RVRDREtFWQ==", "U0FLRVk=", "Y2x1c3Rlci1pZA==", "Y2x1c3Rlci1zZWNyZXQ=",
	"abcdef.0123456789abcdef", "tdtdtd.0123456789abcdef"
};
static const struct render_manifest manifests[] = {
	{ "castellan-eso-1-controller", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: external-secrets\n" },
};

static void load(const char *version, const char *extra)
{
	static char text[1 << 16];
	FILE *f = fopen("tests/fixtures/user-data.yaml", "r");
	size_t n = fread(text, 1, sizeof text - 1, f);
	char *v;
	struct err e;

	fclose(f);
	text[n] = '\0';
	v = strstr(text, "version: v1.13.9");
	memcpy(v + 9, version, strlen(version));	/* same width: "v1.1x.y" */
	if (extra) {	/* more patches, after the fixture's own */
		char *at = strstr(text, "    patches:\n") + strlen("    patches:\n");
		memmove(at + strlen(extra), at, strlen(at) + 1);
		memcpy(at, extra, strlen(extra));
	}
	desc_free(&d);
	if (desc_parse(&d, text, strlen(text), &e) < 0) {
		fprintf(stderr, "fixture: %s\n", e.msg);
		exit(1);
	}
}

static int render(int node, int new_cluster)
{
	struct render_input in = { &d, &pki, "c2VjcmV0Ym94", new_cluster, manifests, 1,
				   "https://example.com/crds.yaml" };
	struct err e;

	if (d.cluster.nodes[node].role == ROLE_WORKER) {
		in.manifests = NULL;
		in.nmanifests = 0;
		in.extra_manifest_url = NULL;
	}
	if (render_config(&in, node, out, sizeof out, &e) < 0) {
		fprintf(stderr, "render: %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* Every document of out parses as YAML. */
static int documents(void)
{
	yaml_parser_t p;
	yaml_document_t doc;
	int n = 0, ok = 1;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)out, strlen(out));
	for (;;) {
		if (!yaml_parser_load(&p, &doc)) {
			ok = 0;
			break;
		}
		if (!yaml_document_get_root_node(&doc)) {
			yaml_document_delete(&doc);
			break;
		}
		n++;
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&p);
	return ok ? n : -1;
}

static void types(void)
{
	load("v1.13.9", NULL);
	CHECK(render(0, 1) == 0);
	CHECK_HAS(out, "  type: init\n");
	CHECK(documents() == 1);
	CHECK(render(1, 1) == 0);
	CHECK_HAS(out, "  type: controlplane\n");
	CHECK(render(0, 0) == 0);	/* replacing a lost node: never init */
	CHECK_HAS(out, "  type: controlplane\n");
	CHECK_HAS(out, "  secretboxEncryptionSecret: c2VjcmV0Ym94\n");
	CHECK_HAS(out, "  extraManifests:\n    - https://example.com/crds.yaml\n");
	CHECK_HAS(out, "      contents: |2\n        apiVersion: v1\n");
	CHECK_HAS(out, "        vip:\n          ip: \"10.0.0.10\"\n");
	CHECK_HAS(out, "image: factory.talos.dev/installer/");
}

static void worker(void)
{
	int w = d.cluster.nnodes - 1;

	CHECK(d.cluster.nodes[w].role == ROLE_WORKER);
	CHECK(render(w, 1) == 0);
	CHECK_HAS(out, "  type: worker\n");
	CHECK(!strstr(out, "aggregatorCA"));
	CHECK(!strstr(out, "serviceAccount"));
	CHECK(!strstr(out, "etcd"));
	CHECK(!strstr(out, "secretbox"));
	CHECK(!strstr(out, "inlineManifests"));
	CHECK(!strstr(out, "vip:"));
	CHECK(!strstr(out, pki.os_key) && !strstr(out, pki.k8s_key));
	CHECK(strstr(out, "    key: \"\"\n") != NULL);
	CHECK(documents() == 1);
}

static void talos114(void)
{
	load("v1.14.0", NULL);
	CHECK(render(0, 1) == 0);
	CHECK(documents() == 4);
	CHECK(!strstr(out, "secretboxEncryptionSecret"));
	CHECK(!strstr(out, "inlineManifests"));
	CHECK_HAS(out, "---\napiVersion: v1alpha1\nkind: KubeEtcdEncryptionConfig\n");
	CHECK_HAS(out, "name: key2\n");
	CHECK_HAS(out, "kind: KubeExternalManifestConfig\nname: external-secrets-crds\n");
	CHECK_HAS(out, "kind: KubeInlineManifestConfig\nname: castellan-eso-1-controller\nmanifest: |2\n");
	CHECK(render(d.cluster.nnodes - 1, 1) == 0);	/* a worker: one document */
	CHECK(documents() == 1);
}

static void versions(void)
{
	struct render_input in = { &d, &pki, "x", 1, NULL, 0, NULL };
	struct err e;

	load("v1.13.9", NULL);
	d.talos.minor = 10;
	CHECK(render_config(&in, 0, out, sizeof out, &e) < 0);
	CHECK_STR(e.msg, "castellan.talos.version: castellan renders configs for Talos v1.11 to "
		  "v1.14, not v1.13.9");
	d.talos.minor = 13;
	CHECK(render_config(&in, 0, out, 100, &e) < 0);
	CHECK_HAS(e.msg, "does not fit in 100 bytes");
}

static void patches(void)
{
	load("v1.13.9",
	     "      - {target: all, patch: {machine: {sysctls: {vm.max_map_count: \"262144\"}}}}\n"
	     "      - {target: worker, patch: {machine: {nodeLabels: {tier: worker}}}}\n"
	     "      - {target: cp1, patch: {cluster: {network: {podSubnets: [10.245.0.0/16]}}, machine: {install: {disk: /dev/vda}}}}\n"
	     "      - {target: cp1, patch: {machine: {network: {interfaces: [{deviceSelector: {hardwareAddr: \"bc:24:11:fa:bc:94\"}, mtu: 9000}]}}}}\n"
	     "      - {target: cp1, patch: {machine: {kubelet: null, files: [{content: \"\\tcol\\nrow\\n\", permissions: 0644, path: /var/x, op: create}]}}}\n"
	     "      - {target: cp1, patch: {machine: {sysctls: {a: 0x1F, b: 0o17, c: 1_000, d: 9007199254740993, e: 1.5e3, f: \"<<\", \"<<\": g}}}}\n");
	CHECK(render(0, 1) == 0);
	CHECK_HAS(out, "  sysctls:\n    vm.max_map_count: \"262144\"\n");
	/* podSubnets are replaced, as Talos does; the interface found by its
	 * deviceSelector is merged, not appended */
	CHECK_HAS(out, "    podSubnets:\n      - 10.245.0.0/16\n    serviceSubnets:");
	CHECK_HAS(out, "    disk: /dev/vda\n");
	CHECK(strstr(strstr(out, "hardwareAddr") + 1, "hardwareAddr") == NULL);
	CHECK_HAS(out, "        dhcp: false\n");
	CHECK_HAS(out, "        mtu: 9000\n");
	/* null changes nothing; numbers as Go reads them, exact */
	CHECK_HAS(out, "  kubelet:\n    image: ghcr.io/siderolabs/kubelet:v1.33.4\n");
	CHECK_HAS(out, "    - content: |2\n        \tcol\n        row\n      permissions: 420\n");
	CHECK_HAS(out, "    a: 31\n    b: 15\n    c: 1000\n    d: 9007199254740993\n    e: 1.5e3\n"
		  "    f: \"<<\"\n    \"<<\": g\n");
	CHECK(!strstr(out, "nodeLabels"));
	CHECK(render(1, 1) == 0);
	CHECK(!strstr(out, "/dev/vda") && !strstr(out, "10.245.0.0/16"));
	CHECK(render(d.cluster.nnodes - 1, 1) == 0);
	CHECK_HAS(out, "  nodeLabels:\n    tier: worker\n");
}

static void yaml_scalars(void)
{
	cJSON *o = cJSON_CreateObject();
	struct yamlout y;
	struct err e;

	cJSON_AddStringToObject(o, "a", "true");
	cJSON_AddStringToObject(o, "b", "1.5");
	cJSON_AddStringToObject(o, "c", "x: y");
	cJSON_AddStringToObject(o, "d", "line1\nline2\n\n");
	cJSON_AddStringToObject(o, "e", " lead");
	cJSON_AddStringToObject(o, "f", "#hash");
	cJSON_AddNumberToObject(o, "g", 7445);
	cJSON_AddItemToObject(o, "h", cJSON_CreateObject());
	yamlout_init(&y, out, sizeof out);
	CHECK(yamlout_doc(&y, o, &e) == 0);
	CHECK_STR(out, "a: \"true\"\nb: \"1.5\"\nc: \"x: y\"\nd: |2+\n  line1\n  line2\n\n"
		  "e: \" lead\"\nf: \"#hash\"\ng: 7445\nh: {}\n");
	cJSON_Delete(o);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "s", "a\xe2\x80\xa8" "b\xc2\x85");	/* U+2028, U+0085 */
	cJSON_AddStringToObject(o, "t", ".inf");
	cJSON_AddStringToObject(o, "u", "x\xe2\x80\xa9\ny\n");
	yamlout_init(&y, out, sizeof out);
	CHECK(yamlout_doc(&y, o, &e) == 0);
	CHECK_STR(out, "s: \"a\\Lb\\x85\"\nt: \".inf\"\nu: \"x\\P\\ny\\n\"\n");
	cJSON_Delete(o);
}

int main(void)
{
	types();
	worker();
	talos114();
	versions();
	patches();
	yaml_scalars();
	desc_free(&d);
	return check_done("render");
}
