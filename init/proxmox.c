#include "proxmox.h"
#include "clock.h"
#include "ipv4.h"
#include "vmspec.h"
#include "wipealloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define CONNECT_TIMEOUT_MS 10000
#define REQUEST_TIMEOUT_MS 60000
#define DEFAULT_DEADLINE_MS 120000

void proxmox_explain(char *out, size_t cap, const char *op, long status, const char *reason,
		     const char *message, const char *endpoint)
{
	const char *why = message && *message ? message : reason && *reason ? reason : "no reason given";

	if (status == 401)
		snprintf(out, cap, "the Proxmox API at %s refused the API token while trying to %s "
			 "(%s); check PROXMOX_TOKEN_ID and PROXMOX_TOKEN_SECRET", endpoint, op, why);
	else if (status == 403)
		snprintf(out, cap, "the Proxmox API token may not %s: %s; grant the privilege to the "
			 "token (and to its user when privilege separation is on)", op, why);
	else
		snprintf(out, cap, "the Proxmox API at %s answered HTTP %ld while trying to %s: %s",
			 endpoint, status, op, why);
}

/* One operation until a final answer or the deadline; 0 with c->resp. */
static int call(struct proxmox *c, const char *method, const char *path, const char *op,
		struct err *e)
{
	const char *headers[] = { c->auth, NULL };
	long start = clock_ms();

	for (int attempt = 0;; attempt++) {
		int failed = http_request(&c->http, method, path, headers, NULL, 0, &c->resp);
		enum retry_class k = retry_classify(failed, c->resp.status, c->resp.retry_after,
						    c->resp.ratelimit_remaining);
		long wait;

		if (failed == HTTP_LOCAL_ERROR)
			return err_set(e, "cannot ask the Proxmox API to %s: %s", op, c->resp.transport);
		if (k == RETRY_NO)
			return 0;
		/* A pin mismatch or an untrusted certificate does not heal. */
		if (failed && c->pin.mismatch)
			return err_set(e, "%s", c->resp.transport);
		wait = retry_delay_ms(&c->retry, attempt, c->resp.retry_after, clock_jitter());
		if (clock_ms() - start + wait > c->retry.deadline_ms)
			return err_set(e, "the Proxmox API at %s gave no usable answer within %ld s while "
				       "trying to %s (last: %s)", c->desc->proxmox.endpoint.text,
				       c->retry.deadline_ms / 1000, op,
				       failed ? c->resp.transport : c->resp.reason);
		log_warn(c->log, "proxmox", "%s %.*s: %s%s%s; retrying in %.1f s", method,
			 (int)strcspn(path, "?"), path, retry_class_name(k), failed ? ": " : "",
			 failed ? c->resp.transport : "", (double)wait / 1000.0);
		clock_sleep_ms(wait);
	}
}

static int refused(struct proxmox *c, const char *op, struct err *e)
{
	cJSON *j = cJSON_ParseWithLength((const char *)c->resp.body, c->resp.len);
	const cJSON *m = j ? cJSON_GetObjectItemCaseSensitive(j, "message") : NULL;

	proxmox_explain(e->msg, sizeof e->msg, op, c->resp.status, c->resp.reason,
			cJSON_IsString(m) ? m->valuestring : NULL, c->desc->proxmox.endpoint.text);
	cJSON_Delete(j);
	return -1;
}

int proxmox_open(struct proxmox *c, const struct desc *d, const char *token_id,
		 const char *token_secret, struct arena *a, struct log *log,
		 const struct proxmox_options *opt, struct err *e)
{
	const struct desc_proxmox *px = &d->proxmox;
	struct http_config hc = { px->endpoint.text, px->ca[0] ? px->ca : NULL,
				  opt ? opt->resolve : NULL, CONNECT_TIMEOUT_MS, REQUEST_TIMEOUT_MS,
				  &c->pin, px->endpoint.host_is_ip };
	size_t n = strlen(token_id) + strlen(token_secret) + 40;
	char *auth;

	memset(c, 0, sizeof *c);
	c->log = log;
	c->desc = d;
	c->retry.base_ms = 500;
	c->retry.cap_ms = 8000;
	c->retry.deadline_ms = opt && opt->deadline_ms ? opt->deadline_ms : DEFAULT_DEADLINE_MS;
	tlspin_init(&c->pin, px->ca[0] != 0, px->has_pin ? px->pin_sha256 : NULL);
	auth = arena_alloc(a, n);
	c->resp.body = arena_alloc(a, PROXMOX_BODY_MAX);
	c->resp.cap = PROXMOX_BODY_MAX;
	if (!auth || !c->resp.body)
		return err_set(e, "the secret arena has no room for the Proxmox client");
	snprintf(auth, n, "Authorization: PVEAPIToken=%s=%s", token_id, token_secret);
	if (arena_register(a, auth, strlen(auth)) < 0)
		return err_set(e, "the secret arena's table is full");
	c->auth = auth;
	if (wipealloc_install() < 0)
		return err_set(e, "cannot set up libcurl");
	return http_open(&c->http, &hc, e);
}

void proxmox_close(struct proxmox *c)
{
	http_close(&c->http);
	if (c->resp.body)
		memset(c->resp.body, 0, c->resp.cap);
}

static int json_int(const cJSON *o, const char *key, long *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsNumber(x)) {
		*v = (long)x->valuedouble;
		return 0;
	}
	if (cJSON_IsString(x) && x->valuestring[0]) {	/* some PVE fields come as strings */
		char *end;
		*v = strtol(x->valuestring, &end, 10);
		return *end ? -1 : 0;
	}
	return -1;
}

static void json_copy(const cJSON *o, const char *key, char *out, size_t cap)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	snprintf(out, cap, "%s", cJSON_IsString(x) ? x->valuestring : "");
}

int proxmox_get(struct proxmox *c, const char *path, const char *op, cJSON **root,
		const cJSON **data, struct err *e)
{
	*root = NULL;
	*data = NULL;
	if (call(c, "GET", path, op, e) < 0)
		return -1;
	if (c->resp.status != 200)
		return refused(c, op, e);
	*root = cJSON_ParseWithLength((const char *)c->resp.body, c->resp.len);
	*data = *root ? cJSON_GetObjectItemCaseSensitive(*root, "data") : NULL;
	if (!*data) {
		cJSON_Delete(*root);
		*root = NULL;
		return err_set(e, "the Proxmox API's answer to %s holds no data", op);
	}
	return 0;
}

int proxmox_vm_config(struct proxmox *c, const char *pve_node, long vmid, cJSON **root,
		      const cJSON **conf, struct err *e)
{
	char path[256], op[128];

	snprintf(path, sizeof path, "/api2/json/nodes/%s/qemu/%ld/config", pve_node, vmid);
	snprintf(op, sizeof op, "read the config of VM %ld on %s (VM.Audit)", vmid, pve_node);
	return proxmox_get(c, path, op, root, conf, e);
}

/* Whether v's description carries the marker. */
static int read_marker(struct proxmox *c, const struct pve_vm *v, int *marked, struct err *e)
{
	const cJSON *conf, *d;
	cJSON *j;

	if (proxmox_vm_config(c, v->node, v->vmid, &j, &conf, e) < 0)
		return -1;
	d = cJSON_GetObjectItemCaseSensitive(conf, "description");
	*marked = cJSON_IsString(d) && plan_marker_owns(d->valuestring, c->desc->cluster.name);
	cJSON_Delete(j);
	return 0;
}

/* The tag is only half the proof: the description must carry the marker.
 * An untagged VM on a described VMID and name may be a clone a crash left
 * unfinished; the marker tells, only to word the refusal, so a failed read
 * there just leaves it unmarked. */
static int check_marker(struct proxmox *c, struct pve_vm *v, struct err *e)
{
	const struct desc_cluster *cl = &c->desc->cluster;
	struct err ignored;

	if (v->owned)
		return read_marker(c, v, &v->owned, e);
	for (int i = 0; !v->template && i < cl->nnodes; i++)
		if (cl->nodes[i].vmid == v->vmid && strcmp(cl->nodes[i].name, v->name) == 0 &&
		    read_marker(c, v, &v->marked, &ignored) < 0)
			v->marked = 0;
	return 0;
}

int proxmox_vms(struct proxmox *c, struct pve_vm *out, int max, int *n, struct err *e)
{
	static const char *const op = "list the cluster's VMs (VM.Audit)";
	const cJSON *item, *data;
	cJSON *j;
	char tags[512];
	int rc = 0;

	*n = 0;
	if (call(c, "GET", "/api2/json/cluster/resources?type=vm", op, e) < 0)
		return -1;
	if (c->resp.status != 200)
		return refused(c, op, e);
	j = cJSON_ParseWithLength((const char *)c->resp.body, c->resp.len);
	data = j ? cJSON_GetObjectItemCaseSensitive(j, "data") : NULL;
	if (!cJSON_IsArray(data)) {
		cJSON_Delete(j);
		return err_set(e, "the Proxmox API's answer to %s has no data list", op);
	}
	cJSON_ArrayForEach(item, data) {
		struct pve_vm *v = &out[*n];
		long tmpl = 0;
		if (*n == max) {
			rc = err_set(e, "the Proxmox cluster has more than %d VMs", max);
			break;
		}
		memset(v, 0, sizeof *v);
		if (json_int(item, "vmid", &v->vmid) < 0)
			continue;	/* not a guest */
		json_copy(item, "name", v->name, sizeof v->name);
		json_copy(item, "node", v->node, sizeof v->node);
		json_copy(item, "status", v->status, sizeof v->status);
		json_copy(item, "tags", tags, sizeof tags);
		json_copy(item, "lock", v->lock, sizeof v->lock);
		if (json_int(item, "template", &tmpl) == 0)
			v->template = tmpl != 0;
		v->owned = plan_tags_own(tags, c->desc->cluster.name);
		(*n)++;
	}
	cJSON_Delete(j);
	for (int i = 0; rc == 0 && i < *n; i++)
		if ((rc = check_marker(c, &out[i], e)) < 0)
			break;
	return rc;
}

/* ---- changing the cluster ---- */

#define TASK_POLL_MS 500
#define TASK_DEADLINE_MS (10 * 60 * 1000)

/* One mutating request, never repeated here (see proxmox.h). */
static int send_once(struct proxmox *c, const char *method, const char *path, const char *json,
		     const char *op, struct err *e)
{
	const char *headers[] = { c->auth, NULL };
	int failed = http_request(&c->http, method, path, headers, json, json ? strlen(json) : 0,
				  &c->resp);

	if (failed == HTTP_LOCAL_ERROR)
		return err_set(e, "cannot ask the Proxmox API to %s: %s", op, c->resp.transport);
	if (failed || c->resp.status == 595 || c->resp.status == 596) {
		err_set(e, "the Proxmox API did not say whether it could %s (%s); the cluster must be "
			"read again before acting", op,
			failed ? c->resp.transport : c->resp.reason[0] ? c->resp.reason : "HTTP 595/596");
		return PROXMOX_UNKNOWN;
	}
	return 0;
}

static int is_lock_timeout(const char *s)
{
	return strstr(s, "can't lock file") && strstr(s, "got timeout");
}

/* The "data" string of the last answer (a UPID), copied into out; "" for
 * a synchronous call that returned no task. */
static void data_string(struct proxmox *c, char *out, size_t cap)
{
	cJSON *j = cJSON_ParseWithLength((const char *)c->resp.body, c->resp.len);
	const cJSON *d = j ? cJSON_GetObjectItemCaseSensitive(j, "data") : NULL;

	snprintf(out, cap, "%s", cJSON_IsString(d) ? d->valuestring : "");
	cJSON_Delete(j);
}

int proxmox_task_wait(struct proxmox *c, const char *upid, const char *op, long deadline_ms,
		      struct err *e)
{
	char node[DESC_NAME], esc[512], path[768], state[32], exit_status[256];
	const char *p = strchr(upid, ':');
	long start = clock_ms();

	/* UPID:<node>:...: the task lives on the node that ran it. */
	if (strncmp(upid, "UPID:", 5) != 0 || !p || strcspn(p + 1, ":") >= sizeof node)
		return err_set(e, "the Proxmox API answered \"%.60s\" instead of a task id while "
			       "trying to %s", upid, op);
	snprintf(node, sizeof node, "%.*s", (int)strcspn(p + 1, ":"), p + 1);
	if (http_escape(esc, sizeof esc, upid) < 0)
		return err_set(e, "the task id of %s is too long", op);
	snprintf(path, sizeof path, "/api2/json/nodes/%s/tasks/%s/status", node, esc);
	for (;;) {
		cJSON *j, *d;
		if (call(c, "GET", path, op, e) < 0)
			return -1;
		/* A brand-new task may not have its log yet: "no such task". */
		if (c->resp.status != 200 && !(c->resp.status == 400 && clock_ms() - start < 10000))
			return refused(c, op, e);
		j = c->resp.status == 200 ? cJSON_ParseWithLength((const char *)c->resp.body,
								  c->resp.len) : NULL;
		d = j ? cJSON_GetObjectItemCaseSensitive(j, "data") : NULL;
		json_copy(d, "status", state, sizeof state);
		json_copy(d, "exitstatus", exit_status, sizeof exit_status);
		cJSON_Delete(j);
		if (strcmp(state, "stopped") == 0) {
			if (strcmp(exit_status, "OK") == 0 || strncmp(exit_status, "WARNINGS", 8) == 0)
				return 0;
			return err_set(e, "the Proxmox task to %s failed: %s", op,
				       exit_status[0] ? exit_status : "no exit status");
		}
		if (clock_ms() - start > deadline_ms)
			return err_set(e, "the Proxmox task to %s did not finish within %ld s", op,
				       deadline_ms / 1000);
		clock_sleep_ms(TASK_POLL_MS);
	}
}

/* Sends, waits for the task, and repeats only what a config lock stopped. */
static int mutate(struct proxmox *c, const char *method, const char *path, const char *json,
		  const char *op, struct err *e)
{
	long start = clock_ms();
	char upid[256];

	for (int attempt = 0;; attempt++) {
		int rc = send_once(c, method, path, json, op, e);
		long wait;

		if (rc != 0)
			return rc;
		if (c->resp.status == 200) {
			data_string(c, upid, sizeof upid);
			if (!upid[0] || proxmox_task_wait(c, upid, op, TASK_DEADLINE_MS, e) == 0)
				return 0;
			if (!is_lock_timeout(e->msg))
				return -1;
		} else if (c->resp.status == 500 && is_lock_timeout(c->resp.reason)) {
			err_set(e, "the Proxmox API could not %s: %s", op, c->resp.reason);
		} else {
			return refused(c, op, e);
		}
		wait = retry_delay_ms(&c->retry, attempt, -1, clock_jitter());
		if (clock_ms() - start + wait > c->retry.deadline_ms)
			return -1;	/* e names the lock timeout */
		log_warn(c->log, "proxmox", "%s: the VM's config is locked; retrying in %.1f s", op,
			 (double)wait / 1000.0);
		clock_sleep_ms(wait);
	}
}

int proxmox_create(struct proxmox *c, int node, const char *pve_node, struct err *e)
{
	const struct desc_node *n = &c->desc->cluster.nodes[node];
	cJSON *spec = vmspec_create(c->desc, node);
	char path[256], op[128];
	int rc;

	if (!spec)
		return err_set(e, "out of memory building the VM spec of %s", n->name);
	snprintf(path, sizeof path, "/api2/json/nodes/%s/qemu", pve_node);
	snprintf(op, sizeof op, "create VM %ld (%s) on %s", n->vmid, n->name, pve_node);
	rc = proxmox_change(c, "POST", path, spec, op, e);
	cJSON_Delete(spec);
	if (rc == 0)
		log_info(c->log, "proxmox", "created VM %ld (%s) on %s", n->vmid, n->name, pve_node);
	return rc;
}

static int power(struct proxmox *c, const char *pve_node, long vmid, const char *what,
		 struct err *e)
{
	char path[256], op[96];

	snprintf(path, sizeof path, "/api2/json/nodes/%s/qemu/%ld/status/%s", pve_node, vmid, what);
	snprintf(op, sizeof op, "%s VM %ld on %s", what, vmid, pve_node);
	/* An empty JSON object: PVE wants a Content-Length on every POST. */
	return mutate(c, "POST", path, "{}", op, e);
}

int proxmox_start(struct proxmox *c, const char *pve_node, long vmid, struct err *e)
{
	return power(c, pve_node, vmid, "start", e);
}

int proxmox_stop(struct proxmox *c, const char *pve_node, long vmid, struct err *e)
{
	return power(c, pve_node, vmid, "stop", e);
}

int proxmox_destroy(struct proxmox *c, const char *pve_node, long vmid, struct err *e)
{
	char path[256], op[96], state[32] = "";
	cJSON *j;
	int rc;

	snprintf(path, sizeof path, "/api2/json/nodes/%s/qemu/%ld/status/current", pve_node, vmid);
	snprintf(op, sizeof op, "read the state of VM %ld on %s", vmid, pve_node);
	if (call(c, "GET", path, op, e) < 0)
		return -1;
	if (c->resp.status != 200)
		return refused(c, op, e);
	j = cJSON_ParseWithLength((const char *)c->resp.body, c->resp.len);
	json_copy(j ? cJSON_GetObjectItemCaseSensitive(j, "data") : NULL, "status", state, sizeof state);
	cJSON_Delete(j);
	if (strcmp(state, "stopped") != 0 && (rc = proxmox_stop(c, pve_node, vmid, e)) != 0)
		return rc;
	snprintf(path, sizeof path, "/api2/json/nodes/%s/qemu/%ld?purge=1&destroy-unreferenced-disks=1",
		 pve_node, vmid);
	snprintf(op, sizeof op, "destroy VM %ld on %s", vmid, pve_node);
	rc = mutate(c, "DELETE", path, NULL, op, e);
	if (rc == 0)
		log_info(c->log, "proxmox", "destroyed VM %ld on %s", vmid, pve_node);
	return rc;
}

int proxmox_upload_iso(struct proxmox *c, const char *pve_node, const char *storage,
		       const char *filename, const unsigned char *data, size_t len,
		       struct err *e)
{
	const char *headers[] = { c->auth, NULL };
	char path[256], op[200], upid[256];
	int failed;

	snprintf(path, sizeof path, "/api2/json/nodes/%s/storage/%s/upload", pve_node, storage);
	snprintf(op, sizeof op, "upload %s to %s on %s", filename, storage, pve_node);
	failed = http_upload(&c->http, path, headers, "iso", filename, data, len, &c->resp);
	if (failed == HTTP_LOCAL_ERROR)
		return err_set(e, "cannot %s: %s", op, c->resp.transport);
	if (failed || c->resp.status == 595 || c->resp.status == 596) {
		err_set(e, "the Proxmox API did not say whether it could %s (%s); the storage must "
			"be read again", op, failed ? c->resp.transport : c->resp.reason);
		return PROXMOX_UNKNOWN;
	}
	if (c->resp.status != 200)
		return refused(c, op, e);
	data_string(c, upid, sizeof upid);
	if (upid[0] && proxmox_task_wait(c, upid, op, TASK_DEADLINE_MS, e) < 0)
		return -1;
	log_info(c->log, "proxmox", "uploaded %s:iso/%s (%zu bytes) on %s", storage, filename, len,
		 pve_node);
	return 0;
}

int proxmox_delete_volume(struct proxmox *c, const char *pve_node, const char *volid,
			  struct err *e)
{
	char storage[DESC_NAME], esc[512], path[768], op[300], upid[256];
	int rc;

	snprintf(storage, sizeof storage, "%.*s", (int)strcspn(volid, ":"), volid);
	if (http_escape(esc, sizeof esc, volid) < 0)
		return err_set(e, "the volume name %.64s is too long", volid);
	snprintf(path, sizeof path, "/api2/json/nodes/%s/storage/%s/content/%s", pve_node, storage, esc);
	snprintf(op, sizeof op, "delete %s on %s", volid, pve_node);
	rc = send_once(c, "DELETE", path, NULL, op, e);
	if (rc != 0)
		return rc;
	/* Gone already is what we wanted. */
	if (c->resp.status != 200)
		return strstr(c->resp.reason, "does not exist") ? 0 : refused(c, op, e);
	data_string(c, upid, sizeof upid);
	if (upid[0] && proxmox_task_wait(c, upid, op, TASK_DEADLINE_MS, e) < 0)
		return -1;
	log_info(c->log, "proxmox", "deleted %s on %s", volid, pve_node);
	return 0;
}

int proxmox_change(struct proxmox *c, const char *method, const char *path,
		   const cJSON *body, const char *op, struct err *e)
{
	char *json = body ? cJSON_PrintUnformatted(body) : NULL;
	int rc;

	if (body && !json)
		return err_set(e, "out of memory building the request to %s", op);
	rc = mutate(c, method, path, json, op, e);
	wipe_free(json);
	return rc;
}

int proxmox_configure(struct proxmox *c, const char *pve_node, long vmid, const cJSON *changes,
		      const char *what, struct err *e)
{
	char path[256], op[200];

	snprintf(path, sizeof path, "/api2/json/nodes/%s/qemu/%ld/config", pve_node, vmid);
	snprintf(op, sizeof op, "set %s of VM %ld on %s", what, vmid, pve_node);
	return proxmox_change(c, "POST", path, changes, op, e);
}

int proxmox_set_config(struct proxmox *c, const char *pve_node, long vmid, const char *key,
		       const char *value, struct err *e)
{
	cJSON *o = cJSON_CreateObject();
	int rc;

	if (!o || !cJSON_AddStringToObject(o, key, value)) {
		cJSON_Delete(o);
		return err_set(e, "out of memory building a VM config change");
	}
	rc = proxmox_configure(c, pve_node, vmid, o, key, e);
	cJSON_Delete(o);
	return rc;
}

int proxmox_isos(struct proxmox *c, const char *pve_node, const char *storage,
		 char (*names)[PROXMOX_NAME_MAX], int max, int *n, struct err *e)
{
	char path[256], op[200], prefix[DESC_NAME + 8];
	const cJSON *item, *data;
	cJSON *j;

	*n = 0;
	snprintf(path, sizeof path, "/api2/json/nodes/%s/storage/%s/content?content=iso", pve_node,
		 storage);
	snprintf(op, sizeof op, "list the ISO images of %s on %s", storage, pve_node);
	if (call(c, "GET", path, op, e) < 0)
		return -1;
	if (c->resp.status != 200)
		return refused(c, op, e);
	snprintf(prefix, sizeof prefix, "%s:iso/", storage);
	j = cJSON_ParseWithLength((const char *)c->resp.body, c->resp.len);
	data = j ? cJSON_GetObjectItemCaseSensitive(j, "data") : NULL;
	cJSON_ArrayForEach(item, data) {
		char volid[300];
		json_copy(item, "volid", volid, sizeof volid);
		if (*n < max && strncmp(volid, prefix, strlen(prefix)) == 0)
			snprintf(names[(*n)++], PROXMOX_NAME_MAX, "%s", volid + strlen(prefix));
	}
	cJSON_Delete(j);
	return 0;
}

int proxmox_iso_present(struct proxmox *c, const char *pve_node, const char *storage,
			const char *filename, int *present, struct err *e)
{
	static char names[PROXMOX_ISOS_MAX][PROXMOX_NAME_MAX];
	int n;

	*present = 0;
	if (proxmox_isos(c, pve_node, storage, names, PROXMOX_ISOS_MAX, &n, e) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		*present |= strcmp(names[i], filename) == 0;
	return 0;
}

int proxmox_download_iso(struct proxmox *c, const char *pve_node, const char *storage,
			 const char *url, const char *filename, struct err *e)
{
	cJSON *o = cJSON_CreateObject();
	char path[256], op[400];
	int rc;

	if (!o || !cJSON_AddStringToObject(o, "content", "iso") ||
	    !cJSON_AddStringToObject(o, "filename", filename) ||
	    !cJSON_AddStringToObject(o, "url", url)) {
		cJSON_Delete(o);
		return err_set(e, "out of memory building a download request");
	}
	snprintf(path, sizeof path, "/api2/json/nodes/%s/storage/%s/download-url", pve_node, storage);
	snprintf(op, sizeof op, "download %s into %s on %s (Sys.AccessNetwork, "
		 "Datastore.AllocateTemplate)", url, storage, pve_node);
	rc = proxmox_change(c, "POST", path, o, op, e);
	cJSON_Delete(o);
	if (rc == 0)
		log_info(c->log, "proxmox", "downloaded %s:iso/%s on %s", storage, filename, pve_node);
	return rc;
}

int proxmox_start_begin(struct proxmox *c, const char *pve_node, long vmid, char *upid,
			size_t cap, struct err *e)
{
	char path[256], op[96];
	int rc;

	snprintf(path, sizeof path, "/api2/json/nodes/%s/qemu/%ld/status/start", pve_node, vmid);
	snprintf(op, sizeof op, "start VM %ld on %s", vmid, pve_node);
	rc = send_once(c, "POST", path, "{}", op, e);
	if (rc != 0)
		return rc;
	if (c->resp.status != 200)
		return refused(c, op, e);
	data_string(c, upid, cap);
	return 0;
}
