/* proxmox: the Proxmox VE API client.
 *
 * Authenticates with an API token (Authorization: PVEAPIToken=id=secret;
 * the header lives in the arena). TLS is verified by the cluster's CA
 * and/or the SHA-256 pin of the API's public key (tlspin.h); there is no
 * insecure mode. Errors come from the status line's reason phrase and the
 * body's "message"/"errors" (research/proxmox.md §2.2) as one sentence.
 * Connection failures, 5xx, 595 and 596 are retried by retry.h's policy.
 *
 * It reads the cluster's VMs for the plan and carries out single changes;
 * deliver.h strings them together into a run.
 */
#ifndef CASTELLAN_PROXMOX_H
#define CASTELLAN_PROXMOX_H

#include <cjson/cJSON.h>

#include "arena.h"
#include "desc.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "plan.h"
#include "retry.h"
#include "tlspin.h"

#define PROXMOX_BODY_MAX (2 * 1024 * 1024)

struct proxmox {
	struct http http;
	struct tlspin pin;
	struct log *log;
	const struct desc *desc;
	struct retry_policy retry;
	struct http_response resp;	/* body in the arena */
	const char *auth;		/* "Authorization: PVEAPIToken=..." in the arena */
	char resolve[300];
};

struct proxmox_options {
	const char *resolve;		/* "host:port:address", or NULL */
	long deadline_ms;		/* per operation; 0 for the default */
};

int proxmox_open(struct proxmox *c, const struct desc *d, const char *token_id,
		 const char *token_secret, struct arena *a, struct log *log,
		 const struct proxmox_options *opt, struct err *e);
void proxmox_close(struct proxmox *c);

/* Every VM of the cluster (GET /cluster/resources?type=vm), with ownership
 * decided by the description's cluster name. */
int proxmox_vms(struct proxmox *c, struct pve_vm *out, int max, int *n, struct err *e);

/* A GET of an API path: *data is the answer's "data" inside *root, which
 * the caller deletes with cJSON_Delete. op names the operation for errors. */
int proxmox_get(struct proxmox *c, const char *path, const char *op, cJSON **root,
		const cJSON **data, struct err *e);
/* A VM's current config (GET .../config), as proxmox_get. */
int proxmox_vm_config(struct proxmox *c, const char *pve_node, long vmid, cJSON **root,
		      const cJSON **conf, struct err *e);

/* Pure: one sentence for a refused request. */
void proxmox_explain(char *out, size_t cap, const char *op, long status, const char *reason,
		     const char *message, const char *endpoint);

#endif

/* ---- changing the cluster ----
 *
 * A mutating request is sent once: a dropped connection, 595 or 596 can
 * hide a change that did happen (proxmox.md §2.2), so those return
 * PROXMOX_UNKNOWN and the caller re-reads the cluster and plans again.
 * Every UPID is polled on the node the UPID names until the task stops;
 * "OK" and "WARNINGS: n" are success. A config-lock timeout means nothing
 * happened, so the operation is retried with backoff until the deadline.
 */
#define PROXMOX_UNKNOWN (-2)

/* Creates described node `node` on Proxmox node pve_node (the VM spec of
 * vmspec.h), waiting for the task. */
int proxmox_create(struct proxmox *c, int node, const char *pve_node, struct err *e);
int proxmox_start(struct proxmox *c, const char *pve_node, long vmid, struct err *e);
int proxmox_stop(struct proxmox *c, const char *pve_node, long vmid, struct err *e);
/* Stops (if needed) and destroys with purge and its unreferenced disks. */
int proxmox_destroy(struct proxmox *c, const char *pve_node, long vmid, struct err *e);

/* Uploads an ISO image (content "iso") as storage:iso/filename, waiting
 * for the copy task; an existing file of that name is replaced. */
int proxmox_upload_iso(struct proxmox *c, const char *pve_node, const char *storage,
		       const char *filename, const unsigned char *data, size_t len,
		       struct err *e);
/* Deletes a volume such as "local:iso/ci-1101.iso"; absent is fine. */
int proxmox_delete_volume(struct proxmox *c, const char *pve_node, const char *volid,
			  struct err *e);
/* Any change: method and API path with a JSON body (or NULL), sent once
 * and its task waited for, as above. */
int proxmox_change(struct proxmox *c, const char *method, const char *path,
		   const cJSON *body, const char *op, struct err *e);
/* Several config keys of a VM at once; `what` names them for errors. */
int proxmox_configure(struct proxmox *c, const char *pve_node, long vmid, const cJSON *changes,
		      const char *what, struct err *e);
/* Sets one config key of a VM (e.g. ide0 = "local:iso/x.iso,media=cdrom"). */
int proxmox_set_config(struct proxmox *c, const char *pve_node, long vmid, const char *key,
		       const char *value, struct err *e);

#define PROXMOX_ISOS_MAX 1024
#define PROXMOX_NAME_MAX 256

/* The file names of the ISO images on storage, as seen from pve_node (at
 * most max). */
int proxmox_isos(struct proxmox *c, const char *pve_node, const char *storage,
		 char (*names)[PROXMOX_NAME_MAX], int max, int *n, struct err *e);

/* Whether storage:iso/filename exists on pve_node. */
int proxmox_iso_present(struct proxmox *c, const char *pve_node, const char *storage,
			const char *filename, int *present, struct err *e);
/* Has the node fetch url into storage:iso/filename (download-url), waiting
 * for the task. */
int proxmox_download_iso(struct proxmox *c, const char *pve_node, const char *storage,
			 const char *url, const char *filename, struct err *e);
/* Sends a start without waiting, so starts run side by side; the UPID
 * comes back in upid for proxmox_task_wait. */
int proxmox_start_begin(struct proxmox *c, const char *pve_node, long vmid, char *upid,
			size_t cap, struct err *e);

/* Waits for a task; 0 on OK or WARNINGS, -1 with its exit status in e. */
int proxmox_task_wait(struct proxmox *c, const char *upid, const char *op, long deadline_ms,
		      struct err *e);
