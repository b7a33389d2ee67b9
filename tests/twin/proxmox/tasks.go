package proxmox

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// task is one worker task.
type task struct {
	upid     string
	node     string
	pid      uint32
	pstart   uint32
	start    time.Time
	typ      string
	id       string
	user     string // authid
	status   string // running, stopped
	exit     string
	log      []string
	end      time.Time
	warnings int
}

func (tk *task) logf(format string, a ...any) { tk.log = append(tk.log, fmt.Sprintf(format, a...)) }

// newTask registers a running task (UPID.pm encode); t.mu held.
func (t *Twin) newTask(nodeName, typ, id string, who *authID) *task {
	n := t.nodeBy[nodeName]
	t.pid++
	now := time.Now()
	// the id may not hold ':' (upid_decode), PVE escapes it
	id = strings.ReplaceAll(id, ":", `\x3a`)
	tk := &task{node: nodeName, pid: t.pid, pstart: n.pstart + uint32(now.Sub(n.start).Seconds()*100), start: now,
		typ: typ, id: id, user: who.String(), status: "running"}
	tk.upid = fmt.Sprintf("UPID:%s:%08X:%08X:%08X:%s:%s:%s:", nodeName, tk.pid, tk.pstart, uint32(now.Unix()), typ, id, tk.user)
	t.tasks[tk.upid] = tk
	t.torder = append(t.torder, tk)
	if len(t.torder) > 5000 {
		for _, old := range t.torder[:1000] {
			delete(t.tasks, old.upid)
		}
		t.torder = append([]*task(nil), t.torder[1000:]...)
	}
	return tk
}

// finish ends tk: err "" is OK (or WARNINGS: n); t.mu held.
func (t *Twin) finish(tk *task, err string) {
	tk.status, tk.end = "stopped", time.Now()
	switch {
	case err != "":
		tk.exit = err
		tk.logf("TASK ERROR: %s", err)
	case tk.warnings > 0:
		tk.exit = fmt.Sprintf("WARNINGS: %d", tk.warnings)
		tk.logf("TASK WARNINGS: %d", tk.warnings)
	default:
		tk.exit = "OK"
		tk.logf("TASK OK")
	}
}

func lockErr(vmid int) string {
	return fmt.Sprintf("can't lock file '/var/lock/qemu-server/lock-%d.conf' - got timeout", vmid)
}

// acquire takes lock-<vmid>.conf for owner, waiting up to wait; t.mu is
// held and is released while waiting. It reports false on timeout (or an
// injected lock timeout), or if the twin was reset meanwhile.
func (t *Twin) acquire(vmid int, owner *task, wait time.Duration) bool {
	if t.faults.lockTimeouts > 0 {
		t.faults.lockTimeouts--
		return false
	}
	gen := t.gen
	deadline := time.Now().Add(wait)
	for {
		if h := t.flocks[vmid]; h == nil || h == owner {
			t.flocks[vmid] = owner
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		t.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
		t.mu.Lock()
		if t.gen != gen {
			return false
		}
	}
}

func (t *Twin) release(vmid int, owner *task) {
	if t.flocks[vmid] == owner {
		delete(t.flocks, vmid)
	}
}

// spawn runs work as task tk after its simulated duration. With vmid > 0
// the worker first takes the VM's config lock (waiting up to lockWait),
// as lock_config does; work runs with t.mu held and returns the error text
// ("" for success).
func (t *Twin) spawn(tk *task, vmid int, lockWait time.Duration, work func() string) {
	t.spawnWith(tk, vmid, lockWait, nil, work)
}

// spawnWith is spawn with begin, run (t.mu held) as soon as the lock is
// taken, before the task's duration: what the worker does at once. A
// non-empty result ends the task with that error.
func (t *Twin) spawnWith(tk *task, vmid int, lockWait time.Duration, begin, work func() string) {
	gen := t.gen
	dur := t.taskDuration(tk.typ)
	go func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.gen != gen {
			return
		}
		if vmid > 0 {
			if !t.acquire(vmid, tk, lockWait) {
				if t.gen == gen {
					t.finish(tk, lockErr(vmid))
				}
				return
			}
			defer t.release(vmid, tk)
		}
		if begin != nil {
			if msg := begin(); msg != "" {
				t.finish(tk, msg)
				return
			}
		}
		t.mu.Unlock()
		time.Sleep(dur)
		t.mu.Lock()
		if t.gen != gen {
			return
		}
		t.finish(tk, work())
	}()
}

var reUPID = regexp.MustCompile(`^UPID:([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$`)

// findTask: the UPID must parse and name the node in the path.
func (c *call) findTask() (*task, *apiError) {
	upid := c.vars["upid"]
	m := reUPID.FindStringSubmatch(upid)
	if m == nil {
		return nil, paramErr1("upid", "unable to parse worker upid '"+upid+"'")
	}
	tk := c.t.tasks[upid]
	if tk == nil || m[1] != c.vars["node"] {
		return nil, paramErr1("upid", "no such task")
	}
	// The owner (or the token's user) may read it; others need Sys.Audit.
	own := tk.user == c.who.String() || (c.who.token == nil && strings.HasPrefix(tk.user, c.who.user.ID+"!"))
	if !own {
		if e := c.t.checkAll(c.who, "/nodes/"+tk.node, "Sys.Audit"); e != nil {
			return nil, e
		}
	}
	return tk, nil
}

func (tk *task) userAndToken() (string, string) {
	u, tok, _ := strings.Cut(tk.user, "!")
	return u, tok
}

func (c *call) taskStatus() (any, *apiError) {
	tk, e := c.findTask()
	if e != nil {
		return nil, e
	}
	user, tok := tk.userAndToken()
	out := map[string]any{
		"upid": tk.upid, "node": tk.node, "pid": tk.pid, "pstart": tk.pstart, "starttime": tk.start.Unix(),
		"type": tk.typ, "id": tk.id, "user": user, "status": tk.status,
	}
	if tok != "" {
		out["tokenid"] = tok
	}
	if tk.status == "stopped" {
		out["exitstatus"] = tk.exit
	}
	return out, nil
}

func (c *call) taskIndex() (any, *apiError) {
	if _, e := c.findTask(); e != nil {
		return nil, e
	}
	return []map[string]string{{"name": "log"}, {"name": "status"}}, nil
}

func (c *call) taskLog() (any, *apiError) {
	tk, e := c.findTask()
	if e != nil {
		return nil, e
	}
	start, limit := 0, 50
	if e := c.allow("start", "limit", "download"); e != nil {
		return nil, e
	}
	if s := c.params["start"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, paramErr1("start", "type check ('integer') failed - got '"+s+"'")
		}
		start = n
	}
	if s := c.params["limit"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, paramErr1("limit", "type check ('integer') failed - got '"+s+"'")
		}
		limit = n
	}
	lines := tk.log
	if len(lines) == 0 {
		lines = []string{"no content"}
	}
	out := []map[string]any{}
	for i := start; i < len(lines) && len(out) < limit; i++ {
		out = append(out, map[string]any{"n": i + 1, "t": lines[i]})
	}
	return &withTotal{data: out, total: len(lines)}, nil
}

// withTotal is a list answer with "total" in the envelope.
type withTotal struct {
	data  any
	total int
}

func (c *call) listTasks() (any, *apiError) {
	if e := c.allow("start", "limit", "vmid", "typefilter", "userfilter", "source", "errors", "since", "until", "statusfilter"); e != nil {
		return nil, e
	}
	nodeName := c.vars["node"]
	vmid := c.params["vmid"]
	out := []map[string]any{}
	for i := len(c.t.torder) - 1; i >= 0; i-- {
		tk := c.t.torder[i]
		if tk.node != nodeName || (vmid != "" && tk.id != vmid) {
			continue
		}
		if tf := c.params["typefilter"]; tf != "" && tk.typ != tf {
			continue
		}
		if src := c.params["source"]; (src == "" || src == "archive") && tk.status == "running" && src != "" {
			continue
		}
		if tk.user != c.who.String() && !c.t.has(c.who, "/nodes/"+nodeName, "Sys.Audit") {
			continue
		}
		e := map[string]any{"upid": tk.upid, "node": tk.node, "pid": tk.pid, "pstart": tk.pstart,
			"starttime": tk.start.Unix(), "type": tk.typ, "id": tk.id, "user": tk.user}
		if tk.status == "stopped" {
			e["status"], e["endtime"] = tk.exit, tk.end.Unix()
		}
		out = append(out, e)
	}
	return &withTotal{data: out, total: len(out)}, nil
}
