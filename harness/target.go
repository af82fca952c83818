// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"encoding/binary"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"kcheck/ifclone"
	"kcheck/ifclone/drivers/disc"
	"kcheck/ifclone/drivers/epair"
	"kcheck/ifclone/drivers/loop"
	"kcheck/ifclone/drivers/tuntap"
	"kcheck/ifclone/drivers/vlan"
	"kcheck/kern"
	"kcheck/linearize"
	"kcheck/model"
	"kcheck/vnet"
)

// ifcloneTarget is the seed's port: if_clone.c, the if.c subset, vnet
// and the five cloning drivers (lo, disc, epair, tun/tap/vmnet, vlan),
// checked against package model's specification.
type ifcloneTarget struct{}

func (ifcloneTarget) Name() string { return "ifclone" }

func (ifcloneTarget) Boot(k *kern.Kernel, _ *Scenario, cfg Config) Instance {
	if !cfg.NoInvariants {
		installInvariants(k, cfg.InvariantsEveryPoint, cfg.LoadDrivers == nil)
	}
	// The livelock probe's digest (kern/cycle.go): a loop that comes back
	// to a state ends as a Livelock there, not at the end of the budget.
	k.SetStateDigest(ifclone.StateDigest)
	return bootIfclone(k, cfg.LoadDrivers)
}

// Setup creates the scenario's jails from vnet0, in order.
func (ifcloneTarget) Setup(scn *Scenario) []Op {
	ops := make([]Op, len(scn.Jails))
	for i, j := range scn.Jails {
		ops[i] = Op{Kind: "vnet_create", Vnet: int(model.VNET0), Jail: j}
	}
	return ops
}

// Check checks h against package model's spec in mode (linearize.Check).
func (ifcloneTarget) Check(_ *Scenario, h Events, mode model.Mode, opts linearize.Options) *Checked {
	th := typed(h)
	if th == nil && len(h) > 0 {
		return &Checked{Verdict: linearize.Unknown, Spec: mode.String(), Details: "history has operations that are not the ifclone model's: not checked"}
	}
	return checkTyped(mode, th, opts)
}

// checkTyped checks an ifclone history against the model in mode: the
// check of Execute (through the target) and of a Session.
func checkTyped(mode model.Mode, th linearize.History, opts linearize.Options) *Checked {
	r := linearize.Check(Spec(mode), th, opts)
	c := &Checked{Verdict: r.Verdict, Spec: mode.String(), Details: r.String(), Result: r, html: r.WriteHTML}
	if r.Verdict == linearize.Illegal {
		c.Identity = linIdentity(mode, th, "history")
	}
	return c
}

func (ifcloneTarget) WriteHistory(w io.Writer, h Events) error {
	return linearize.WriteJSON(w, typed(h))
}

// CLocation names the seed's C function of a location in
// ifclone/if_clone.go and the seed's line making the same call
// (ifclone.CLocate).
func (ifcloneTarget) CLocation(where kern.Location) (cfn, cline string, ok bool) {
	f, ok := ifclone.SeedFuncAt(where)
	if !ok {
		return "", "", false
	}
	if c := ifclone.CLocate(where); c.CFile != "" {
		return f.CName, c.CFileLine(), true
	}
	return f.CName, "", true
}

// Input is op's model input (package model's).
func (x *ifcloneInstance) Input(_ int, op Op) (any, error) { return op.Input() }

// Exec runs one operation the way userland issues it.
func (x *ifcloneInstance) Exec(td *kern.Thread, _ int, _ Op, in any) (any, error) {
	mi, ok := in.(model.Input)
	if !ok {
		return nil, fmt.Errorf("input %v (%T) is not an ifclone operation", in, in)
	}
	return x.exec(td, mi)
}

func (x *ifcloneInstance) Teardown(td *kern.Thread)              { x.teardown(td) }
func (x *ifcloneInstance) Leaks() (leaks []string, known string) { return Leaks(x.k) }
func (x *ifcloneInstance) Internal() error                       { return x.internal() }

// ifcloneInstance is one emulated kernel with the cloning drivers, driven
// the way userland drives it: jail(2) for vnets and ioctl(2) on a socket
// for everything else.
type ifcloneInstance struct {
	k *kern.Kernel
	// mu guards the maps below, which threads read concurrently in native
	// mode. It is a Go mutex for the harness's own bookkeeping, never held
	// across a kernel call (a scheduling point).
	mu     sync.Mutex
	vnets  map[model.VnetID]*vnet.Vnet
	ever   map[model.VnetID]bool         // jail ids ever used (the model never reuses one)
	jails  []model.VnetID                // jails in creation order
	parent map[model.VnetID]model.VnetID // the caller vnet that created each jail
	herr   error                         // first harness-side failure (internalError)
}

// maxListCloners bounds the user buffer the harness hands to
// SIOCIFGCLONERS. if_clone_list (if_clone.c:599) never copies out more
// than min(ifcr_count, V_if_cloners_count) names, and a kernel with the
// five drivers has 7 cloners per vnet, so a buffer of this many names is
// all the kernel can ever write; a count above it gets this buffer, as a
// careful program would allocate. exec checks the bound against the
// total the kernel reports.
const maxListCloners = 256

// internalError records the first failure of the harness itself.
func (x *ifcloneInstance) internalError(err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.herr == nil {
		x.herr = err
	}
}

func (x *ifcloneInstance) internal() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.herr
}

// harnessSide runs f, harness code around a kernel call (buffers,
// marshalling), and turns a Go panic in it into an error: a failure
// there is the harness's, never the kernel's Panic verdict.
func harnessSide(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("harness panic: %v\n\n%s", r, debug.Stack())
		}
	}()
	f()
	return nil
}

// boot loads the five drivers and runs the kernel's SYSINITs on thread0.
func bootIfclone(k *kern.Kernel, load func(td *kern.Thread)) *ifcloneInstance {
	td := k.Thread0()
	vnet.Of(k)
	ifclone.IfnetInit(k)
	if load == nil {
		load = LoadAllDrivers
	}
	load(td)
	k.Boot(td)
	return &ifcloneInstance{
		k:      k,
		vnets:  map[model.VnetID]*vnet.Vnet{model.VNET0: vnet.Of(k).Vnet0()},
		ever:   map[model.VnetID]bool{model.VNET0: true},
		parent: map[model.VnetID]model.VnetID{},
	}
}

// LoadAllDrivers loads the five cloning drivers (what module load does;
// their SYSINITs run at the next k.Boot).
func LoadAllDrivers(td *kern.Thread) {
	loop.Load(td)
	disc.Load(td)
	epair.Load(td)
	tuntap.Load(td)
	vlan.Load(td)
}

// printable keeps a name that is not valid UTF-8 (e.g. the 0xde poison
// of freed memory) lossless and JSON-safe by quoting it Go-style.
func printable(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strconv.Quote(s)
}

// PoisonedName reports whether name, an answer as the harness records it
// (see printable), is freed memory's 0xde poison read as an interface
// name: the symptom of finding F2.
func PoisonedName(name string) bool { return strings.Contains(name, `\xde\xde`) }

func errOut(e kern.Errno) model.Output { return model.Fail(model.Errno(e)) }

// exec runs one operation on td and returns what userland would see; an
// error is a failure of the harness itself.
func (x *ifcloneInstance) exec(td *kern.Thread, in model.Input) (model.Output, error) {
	caller := in.Caller()
	v := x.vnetOf(caller)
	if v == nil {
		// The caller's jail is gone: no socket can be made there.
		return errOut(kern.EBUSY), nil
	}
	// socket(2): the socket's credential holds its prison (pr_ref), and
	// so the jail's vnet, until it is closed.
	if caller != model.VNET0 {
		pr := ifclone.PrisonFindHold(td, int(caller))
		if pr == nil {
			return errOut(kern.EBUSY), nil // the jail went away meanwhile
		}
		defer ifclone.PrisonFree(td, pr)
		if x.vnetOf(caller) == nil {
			return errOut(kern.EBUSY), nil // it is being removed
		}
	}
	v.Vnet_sockcnt.Add(1)
	defer v.Vnet_sockcnt.Add(^uint32(0))
	ifclone.PrisonAttach(td, int(caller))
	so := &ifclone.Socket{SoVnet: v}
	switch in := in.(type) {
	case model.Create:
		r := &ifclone.Ifreq{}
		kern.StrlcpyString(r.IfrName[:], in.Name)
		cmd := ifclone.SIOCIFCREATE
		if in.Params.Set {
			vlr := make([]byte, 20) // struct vlanreq: parent[IFNAMSIZ], tag, proto
			kern.StrlcpyString(vlr[:ifclone.IFNAMSIZ], in.Params.Parent)
			binary.LittleEndian.PutUint16(vlr[16:], in.Params.Vid)
			r.IfrData = x.k.UserMap(vlr)
			cmd = ifclone.SIOCIFCREATE2
		}
		buf := r.Marshal()
		err := ifclone.Ioctl(td, so, cmd, x.k.UserMap(buf))
		if err != 0 {
			return errOut(err), nil
		}
		return model.Output{Name: printable(kern.CString(ifclone.UnmarshalIfreq(buf).IfrName[:]))}, nil
	case model.Destroy:
		r := &ifclone.Ifreq{}
		kern.StrlcpyString(r.IfrName[:], in.Name)
		return errOut(ifclone.Ioctl(td, so, ifclone.SIOCIFDESTROY, x.k.UserMap(r.Marshal()))), nil
	case model.ListCloners:
		return x.listCloners(td, so, in)
	case model.Rename:
		r := &ifclone.Ifreq{IfrData: x.k.UserMap(append([]byte(in.NewName), 0))}
		kern.StrlcpyString(r.IfrName[:], in.Name)
		return errOut(ifclone.Ioctl(td, so, ifclone.SIOCSIFNAME, x.k.UserMap(r.Marshal()))), nil
	case model.VmoveLoan:
		r := &ifclone.Ifreq{IfrJid: int32(in.Jail)}
		kern.StrlcpyString(r.IfrName[:], in.Name)
		return errOut(ifclone.Ioctl(td, so, ifclone.SIOCSIFVNET, x.k.UserMap(r.Marshal()))), nil
	case model.VmoveReclaim:
		r := &ifclone.Ifreq{IfrJid: int32(in.Jail)}
		kern.StrlcpyString(r.IfrName[:], in.Name)
		return errOut(ifclone.Ioctl(td, so, ifclone.SIOCSIFRVNET, x.k.UserMap(r.Marshal()))), nil
	case model.VnetCreate:
		return x.jailCreate(td, in), nil
	case model.VnetDestroy:
		return x.jailDestroy(td, in), nil
	case model.KldLoad:
		return x.kldload(td, in), nil // module.go
	case model.KldUnload:
		return x.kldunload(td, in), nil
	}
	return model.Output{}, fmt.Errorf("operation %T is not supported by the ifclone target", in)
}

// listCloners is SIOCIFGCLONERS with a user buffer of min(count,
// maxListCloners) names (see maxListCloners). A count that does not fit
// ifcr_count (a C int) never gets here: Scenario.Validate refuses it.
func (x *ifcloneInstance) listCloners(td *kern.Thread, so *ifclone.Socket, in model.ListCloners) (model.Output, error) {
	req := &ifclone.IfClonereq{IfcrCount: int32(in.Count)}
	var names []byte
	var buf []byte
	if err := harnessSide(func() {
		if int(req.IfcrCount) != in.Count {
			panic(fmt.Sprintf("list_cloners count %d does not fit ifcr_count", in.Count))
		}
		if !in.NoBuffer && in.Count > 0 {
			names = make([]byte, min(in.Count, maxListCloners)*ifclone.IFNAMSIZ)
			req.IfcrBuffer = x.k.UserMap(names)
		} else if !in.NoBuffer {
			req.IfcrBuffer = x.k.UserMap(make([]byte, 1))
		}
		buf = req.Marshal()
	}); err != nil {
		return model.Output{}, err
	}
	if err := ifclone.Ioctl(td, so, ifclone.SIOCIFGCLONERS, x.k.UserMap(buf)); err != 0 {
		return errOut(err), nil
	}
	var out model.Output
	err := harnessSide(func() {
		got := ifclone.UnmarshalIfClonereq(buf)
		out = model.Output{Total: int(got.IfcrTotal)}
		if in.NoBuffer {
			return
		}
		n := min(in.Count, int(got.IfcrTotal))
		if n*ifclone.IFNAMSIZ > len(names) {
			panic(fmt.Sprintf("the kernel has %d cloners, more than the %d the harness's list buffer holds (maxListCloners)", got.IfcrTotal, maxListCloners))
		}
		out.Names = make([]string, n)
		for i := 0; i < n; i++ {
			out.Names[i] = kern.CString(names[i*ifclone.IFNAMSIZ : (i+1)*ifclone.IFNAMSIZ])
		}
	})
	return out, err
}

// jailCreate is jail(2) with vnet: a new vnet (all loaded drivers attach
// through their VNET_SYSINITs) and a prison for it.
func (x *ifcloneInstance) jailCreate(td *kern.Thread, in model.VnetCreate) model.Output {
	if in.Child <= model.VNET0 {
		return errOut(kern.EINVAL)
	}
	// kern_jail_set holds allprison_lock exclusively from its jid lookup
	// through vnet_alloc to the prison's insertion (kern_jail.c), so a
	// second jail(2) of the id waits and then finds it (EEXIST), and no
	// process can be in the jail before its vnet is made: the jail and
	// its vnet appear at once.
	lk := ifclone.AllprisonLock(td.K)
	lk.Xlock(td)
	defer lk.Xunlock(td)
	x.mu.Lock()
	if x.vnets[in.Vnet] == nil {
		// The caller's jail began to go since the socket was made:
		// kern_jail_set refuses a dying parent under allprison_lock
		// (EAGAIN in the C; EBUSY is the harness's and the model's answer
		// for every operation of a caller whose jail is gone).
		x.mu.Unlock()
		return errOut(kern.EBUSY)
	}
	used := x.ever[in.Child]
	x.ever[in.Child] = true
	x.mu.Unlock()
	if used {
		return errOut(kern.EEXIST)
	}
	v := vnet.VnetAlloc(td)
	if err := ifclone.PrisonCreateLocked(td, int(in.Child), v); err != 0 {
		vnet.VnetDestroy(td, v)
		return errOut(err)
	}
	x.mu.Lock()
	x.vnets[in.Child] = v
	x.parent[in.Child] = in.Vnet
	x.jails = append(x.jails, in.Child)
	x.mu.Unlock()
	return model.Ok
}

// jailDestroy is jail_remove(2): the jail's descendants first (ascending
// id), each vnet destroyed after its prison is removed.
func (x *ifcloneInstance) jailDestroy(td *kern.Thread, in model.VnetDestroy) model.Output {
	if in.Jail == model.VNET0 {
		return errOut(kern.EPERM)
	}
	// sys_jail_remove (kern_jail.c) looks the jail up under
	// allprison_lock: an alive one is killed there and then (here: the
	// jail and its descendants leave x.vnets, so no new socket is made
	// in any of them); one already dying, which prison_find_child still
	// finds until its last reference goes, is left alone and the call
	// answers 0; one not found is EINVAL.
	lk := ifclone.AllprisonLock(td.K)
	lk.Xlock(td)
	x.mu.Lock()
	ok := x.descendantLocked(in.Jail, in.Vnet)
	var doomed []doomedJail
	if ok {
		doomed = x.doomLocked(in.Jail, nil)
	}
	x.mu.Unlock()
	dying := !ok && ifclone.PrisonFindChildListed(td, int(in.Jail))
	lk.Xunlock(td)
	if dying {
		return model.Ok
	}
	if !ok {
		return errOut(kern.EINVAL)
	}
	for _, d := range doomed {
		x.removeJail(td, d.id, d.v)
	}
	return model.Ok
}

// doomedJail is a jail whose end has begun: gone from x.vnets, its
// prison and vnet still to be removed.
type doomedJail struct {
	id model.VnetID
	v  *vnet.Vnet
}

// doomLocked takes jail j and its live descendants out of x.vnets and
// returns them in teardown order (each jail's children, ascending id,
// before it). x.mu held.
func (x *ifcloneInstance) doomLocked(j model.VnetID, out []doomedJail) []doomedJail {
	for _, c := range x.jails {
		if p, ok := x.parent[c]; ok && p == j && x.vnets[c] != nil {
			out = x.doomLocked(c, out)
		}
	}
	if v := x.vnets[j]; v != nil {
		delete(x.vnets, j)
		out = append(out, doomedJail{j, v})
	}
	return out
}

// vnetOf is the live vnet of a jail id (nil once it is being removed).
func (x *ifcloneInstance) vnetOf(id model.VnetID) *vnet.Vnet {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.vnets[id]
}

func (x *ifcloneInstance) descendant(j, of model.VnetID) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.descendantLocked(j, of)
}

func (x *ifcloneInstance) descendantLocked(j, of model.VnetID) bool {
	if x.vnets[j] == nil || j == of {
		return false
	}
	for p, ok := x.parent[j]; ok; p, ok = x.parent[p] {
		if p == of {
			return true
		}
	}
	return false
}

func (x *ifcloneInstance) teardownJail(td *kern.Thread, j model.VnetID) {
	lk := ifclone.AllprisonLock(td.K)
	lk.Xlock(td)
	x.mu.Lock()
	doomed := x.doomLocked(j, nil) // no new sockets in the dying jails
	x.mu.Unlock()
	lk.Xunlock(td)
	for _, d := range doomed {
		x.removeJail(td, d.id, d.v)
	}
}

// removeJail removes the prison of jail j, whose end has begun, and
// destroys its vnet v once the prison's last reference goes.
func (x *ifcloneInstance) removeJail(td *kern.Thread, j model.VnetID, v *vnet.Vnet) {
	ifclone.PrisonAttach(td, 0)
	pr := ifclone.PrisonFind(td, int(j))
	// jail_remove drops the jail's own reference; the vnet goes when the
	// last one does (prison_deref, run from a taskqueue in the C; here
	// the remover waits for it).
	ifclone.PrisonRemove(td, int(j))
	if pr != nil {
		kern.WaitUntil(td, "prison references", func() bool { return pr.Refs() == 0 })
		ifclone.PrisonDelist(td, pr)
	}
	vnet.VnetDestroy(td, v)
	if pr != nil {
		ifclone.PrisonRelease(td, pr) // its hold on the parent
	}
}

// teardown destroys every jail left and shuts the kernel down (driver
// unload, vnet0), as a scheduled thread so that a loop in teardown is a
// livelock verdict rather than a hang.
func (x *ifcloneInstance) teardown(td *kern.Thread) {
	x.mu.Lock()
	jails := append([]model.VnetID(nil), x.jails...)
	x.mu.Unlock()
	for _, j := range jails {
		if x.vnetOf(j) != nil {
			x.teardownJail(td, j)
		}
	}
	ifclone.PrisonAttach(td, 0)
	// vnet0 goes the way every vnet goes (vnet_destroy: ifnet_detach_sx
	// before vnet_sysinit_sx); the module unloads that follow then find no
	// vnet to run their destructors on. Unloading a cloner module while
	// vnets exist takes the two sx locks in the opposite order: see
	// docs/FINDINGS.md.
	vnet.DestroyVnet0(td)
	x.mu.Lock()
	delete(x.vnets, model.VNET0)
	x.mu.Unlock()
	x.k.Shutdown(td)
}

// Leaks lists the malloc types of k with live objects after teardown,
// and separately the objects that the C itself never frees (finding F8:
// each tun/tap/vmnet cdev stays on dead_cdevsw with the one reference
// tun_clone_create takes and nothing drops), which are not a leak of the
// port: only when their number is exactly that of such dead cdevs.
func Leaks(k *kern.Kernel) (leaks []string, known string) {
	k.EpochDrainCallbacks()
	deadOne := 0
	for _, r := range tuntap.DeadCdevRefs(k.Thread0()) {
		if r == 1 {
			deadOne++
		}
	}
	for _, mt := range k.MallocTypes() {
		n := mt.Live()
		if mt.Shortdesc == "DEVFS1" && deadOne > 0 && n == int64(deadOne) {
			known = fmt.Sprintf("known finding F8: %d tun/tap/vmnet cdev(s) never released by if_tuntap.c", n)
			continue
		}
		if n != 0 {
			leaks = append(leaks, fmt.Sprintf("%s: %d live", mt.Shortdesc, n))
		}
	}
	// By name: the kernel lists malloc types in the order they were
	// first used, which a schedule can change, and the summary is part of
	// the failure's identity.
	slices.Sort(leaks)
	return leaks, known
}
