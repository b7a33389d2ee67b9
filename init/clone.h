/* clone: Talos node VMs made from a VM template (castellan.proxmox.template).
 *
 * The template is a VM whose scsi0 holds Talos (the Image Factory's
 * nocloud disk image, imported by the operator) turned into a template.
 *
 * clone_check reads every template the plan clones from, before anything
 * changes: its disk must be on scsi0 and no larger than the disk of any
 * node cloned from it (a clone cannot shrink a disk); a clone onto another
 * Proxmox node needs the template's disk and castellan.proxmox.storage to
 * be shared storage (PVE refuses otherwise).
 *
 * clone_vm makes one VM: a full clone onto castellan.proxmox.storage (no
 * link to the template, which can then be replaced), then the node's
 * settings (vmspec_clone_config: CPU, memory, NIC and MAC, identity, tag
 * and marker), then the disk grown to the described size. Until its tag
 * is set the clone is not castellan's, and the next run would stop at it
 * as a foreign VM: if a later step fails, the clone is destroyed again.
 * The clone carries the marker from the start, so when a crash leaves one
 * untagged, the next run's refusal says what it is.
 */
#ifndef CASTELLAN_CLONE_H
#define CASTELLAN_CLONE_H

#include "err.h"
#include "plan.h"
#include "proxmox.h"

int clone_check(struct proxmox *c, const struct plan *p, struct err *e);

/* Makes step s's VM; 0, -1, or PROXMOX_UNKNOWN as proxmox.h. */
int clone_vm(struct proxmox *c, const struct plan_step *s, struct err *e);

#endif
