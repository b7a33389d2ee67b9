package proxmox

import (
	"strings"
	"time"
)

// Faults is the body of POST /_twin/pve/faults. It replaces the current
// fault set; DELETE /_twin/pve/faults clears it.
type Faults struct {
	// LockTimeouts: the next N config-lock acquisitions (create, config,
	// start, stop, shutdown, destroy, resize) fail with "can't lock file
	// '/var/lock/qemu-server/lock-N.conf' - got timeout": a 500 for the
	// synchronous PUT config, the task's exit status otherwise.
	LockTimeouts int `json:"lockTimeouts,omitempty"`
	// Status596: the next N matching API requests are carried out, but the
	// client gets 596 (Message596, default "Connection timed out") with an
	// empty body: pveproxy lost its proxied request to the node.
	Status596  int    `json:"status596,omitempty"`
	Message596 string `json:"message596,omitempty"`
	// Status595: the next N matching requests get 595 (Message595, default
	// "Connection refused"); the request never reaches the node unless
	// Apply595 is set, in which case its effect happens anyway.
	Status595  int    `json:"status595,omitempty"`
	Message595 string `json:"message595,omitempty"`
	Apply595   bool   `json:"apply595,omitempty"`
	// FailStart: start tasks of this VM fail (Count times, default 1) with
	// Message (default "start failed: QEMU exited with code 1").
	FailStart *FailStartFault `json:"failStart,omitempty"`
	// LatencyMs is added before every matching request is handled.
	LatencyMs int `json:"latencyMs,omitempty"`
	// Routes restricts latency, 595 and 596 to paths (below /api2/json)
	// starting with it, e.g. "/nodes/pve1/qemu".
	Routes string `json:"routes,omitempty"`
}

// FailStartFault makes a VM's start task fail.
type FailStartFault struct {
	VMID    int    `json:"vmid"`
	Count   int    `json:"count,omitempty"`
	Message string `json:"message,omitempty"`
}

type faultState struct {
	lockTimeouts int
	s596, s595   int
	m596, m595   string
	apply595     bool
	failStart    FailStartFault
	latency      time.Duration
	routes       string
}

type faultAction struct {
	latency time.Duration
	code    int
	msg     string
	apply   bool
}

func (t *Twin) setFaults(f Faults) *apiError {
	if f.LockTimeouts < 0 || f.Status595 < 0 || f.Status596 < 0 || f.LatencyMs < 0 {
		return errStatus(400, "negative fault values")
	}
	fs := faultState{lockTimeouts: f.LockTimeouts, s596: f.Status596, s595: f.Status595, m596: f.Message596,
		m595: f.Message595, apply595: f.Apply595, latency: time.Duration(f.LatencyMs) * time.Millisecond, routes: f.Routes}
	if fs.m596 == "" {
		fs.m596 = "Connection timed out"
	}
	if fs.m595 == "" {
		fs.m595 = "Connection refused"
	}
	if f.FailStart != nil {
		fs.failStart = *f.FailStart
		if fs.failStart.Count == 0 {
			fs.failStart.Count = 1
		}
		if fs.failStart.Message == "" {
			fs.failStart.Message = "start failed: QEMU exited with code 1"
		}
	}
	t.faults = fs
	return nil
}

func (t *Twin) faultView() Faults {
	f := t.faults
	out := Faults{LockTimeouts: f.lockTimeouts, Status596: f.s596, Message596: f.m596, Status595: f.s595,
		Message595: f.m595, Apply595: f.apply595, LatencyMs: int(f.latency / time.Millisecond), Routes: f.routes}
	if f.failStart.Count > 0 {
		fs := f.failStart
		out.FailStart = &fs
	}
	return out
}

// takeFault consumes this request's share of the 595/596 faults; t.mu held.
func (t *Twin) takeFault(rel string) faultAction {
	f := &t.faults
	if f.routes != "" && !strings.HasPrefix(rel, f.routes) {
		return faultAction{}
	}
	a := faultAction{latency: f.latency}
	switch {
	case f.s595 > 0:
		f.s595--
		a.code, a.msg, a.apply = 595, f.m595, f.apply595
	case f.s596 > 0:
		f.s596--
		a.code, a.msg, a.apply = 596, f.m596, true
	}
	return a
}

// takeFailStart reports the injected start failure for vmid, if any; t.mu held.
func (t *Twin) takeFailStart(vmid int) string {
	f := &t.faults.failStart
	if f.Count > 0 && f.VMID == vmid {
		f.Count--
		return f.Message
	}
	return ""
}
