/* reach: whether a TCP port answers, within a bound.
 *
 * The appliance cannot speak to Talos or Kubernetes (shared/DESIGN.md §2),
 * but a completed TCP handshake is proof enough that a node booted on its
 * config: kube-apiserver (:6443) on a control plane and the kubelet
 * (:10250) on a worker only listen once Talos applied a machine config
 * (a node left in maintenance mode listens on :50000 alone).
 */
#ifndef CASTELLAN_REACH_H
#define CASTELLAN_REACH_H

#include <stdint.h>

/* 0 when a connection to ip:port (host order) completes within
 * timeout_ms; -1 with errno otherwise (ETIMEDOUT, ECONNREFUSED, ...). The
 * connection is closed at once. */
int reach_tcp(uint32_t ip, unsigned port, int timeout_ms);

#endif
