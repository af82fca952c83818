// SPDX-License-Identifier: BSD-2-Clause
//
// Copyright (c) 1999-2002 Poul-Henning Kamp
// All rights reserved.
//
// The licence text is in LICENSE.
//
// The part of sys/kern/kern_conf.c that if_tuntap.c's cloning path stands
// on: the device-unit helpers dev_stdclone, clone_setup, clone_create and
// clone_cleanup, make_dev_s and make_dev_alias_p with the name checks of
// prep_devname, destroy_dev, and the cdev reference counts (dev_ref,
// dev_rel). Line numbers cite kern_conf.c as stored in
// sobomax/freebsd14_vendor at 0f7ff3427c99 (the revision package vnet was
// ported from). Despite the repository's name, that tree's
// sys/conf/newvers.sh says 13.0-RELEASE-p4; the reference counting of
// these routines (and of devfs_create, devfs_destroy and
// devfs_populate_loop) is the same in a later main-line kern_conf.c
// (fel1x-developer/freebsd-src 2d614aa2), which adds only assertions.
//
// Emulation, not port: devfs itself. A cdev is reduced to its name, unit,
// flags, reference count, driver pointer and list linkage; devfs's
// directory tree, vnodes, inodes, devctl notifications, cdevpriv data,
// giant-locked cdevsw wrappers and the threads draining a device are not
// modelled. devfs_alloc/devfs_free/devfs_create/devfs_destroy and
// devfs_dev_exists (sys/fs/devfs/devfs_devs.c) are stand-ins written for
// kcheck: the name space is a flat list of active cdevs compared by exact
// name, and the reference devfs_create takes is dropped by devfs_destroy
// at once instead of by the next devfs_populate_loop. See
// docs/DIVERGENCES.md, "drivers: tuntap/vlan".

package tuntap

import (
	"slices"

	"kcheck/kern"
)

// SPECNAMELEN is SPECNAMELEN (sys/sys/param.h): the longest device name.
const SPECNAMELEN = 255

// CLONE_UNITMASK is CLONE_UNITMASK (sys/sys/conf.h): the unit bits of a
// cloned device's minor number.
const CLONE_UNITMASK = 0xfffff

// Flags of struct cdev (si_flags) that the cloning path uses.
const (
	SI_ETERNAL   = 0x0001 // never destroyed
	SI_ALIAS     = 0x0002 // an alias of another cdev
	SI_NAMED     = 0x0004 // make_dev was called on it
	SI_CHILD     = 0x0010 // on its parent's si_children
	SI_CLONELIST = 0x0200 // on a driver's clone list
)

// Flags of struct cdev_priv (cdp_flags).
const (
	CDP_ACTIVE    = 1 << 0 // visible in devfs
	CDP_SCHED_DTR = 1 << 1 // destruction scheduled
	CDP_UNREF_DTR = 1 << 2 // delisted, reference already taken
)

// make_dev flags (sys/sys/conf.h).
const (
	MAKEDEV_REF       = 0x01
	MAKEDEV_NOWAIT    = 0x04
	MAKEDEV_WAITOK    = 0x08
	MAKEDEV_ETERNAL   = 0x10
	MAKEDEV_CHECKNAME = 0x20
)

// cdevsw d_flags (sys/sys/conf.h).
const (
	D_NEEDMINOR = 0x00800000 // the driver uses minor numbers (units)
	D_INIT      = 0x80000000 // prep_cdevsw ran
)

// Cdev is struct cdev together with the cdev_priv that devfs wraps it in,
// reduced to what the cloning path reads and writes.
type Cdev struct {
	si_flags    int
	si_name     [SPECNAMELEN + 1]byte
	si_drv0     int          // the unit (dev2unit)
	si_drv1     *tuntapSoftc // the driver's softc
	si_devsw    *cdevsw
	si_refcount int
	si_parent   *Cdev
	si_children []*Cdev    // LIST of aliases and other children
	si_clone    *clonedevs // the clone list it is on (LIST_ENTRY si_clone)
	cdp_flags   int
}

// Name is devtoname(dev), as a Go string.
func (dev *Cdev) Name() string { return kern.CString(dev.si_name[:]) }

// cdevsw is the part of struct cdevsw the cloning path uses.
type cdevsw struct {
	d_flags int
	d_name  string
	d_devs  []*Cdev // LIST of the driver's cdevs, newest first
}

// clonedevs is struct clonedevs (kern_conf.c:1296): a driver's cdevs that
// carry a unit, sorted by unit.
type clonedevs struct {
	head []*Cdev
}

// devfsState holds kern_conf.c's globals for one kernel (devmtx, the lists
// of cdevs to free and of dead cdevs) and the devfs stand-in's list of
// active cdevs.
type devfsState struct {
	devmtx          kern.Mtx
	cdevp_free_list []*Cdev // cdevs freed once devmtx is dropped
	dead_devs       []*Cdev // dead_cdevsw.d_devs: destroyed, still referenced
	cdevp_list      []*Cdev // devfs: every cdev devfs_create made visible
	m_cdevp         *kern.MallocType
	m_devbuf        *kern.MallocType
}

var devfsSlot = kern.NewSlot[devfsState]()

func devfsOf(k *kern.Kernel) *devfsState {
	return devfsSlot.Get(k, func() *devfsState {
		s := &devfsState{
			m_cdevp:  k.MallocType("DEVFS1", "DEVFS1"),
			m_devbuf: k.MallocType("devbuf", "device driver memory"),
		}
		// MTX_SYSINIT(devmtx, &devmtx, "cdev", MTX_DEF), run at once.
		s.devmtx.Init(k, "cdev", "", kern.MTX_DEF)
		return s
	})
}

// dev2unit is dev2unit(dev) (sys/sys/conf.h).
func dev2unit(dev *Cdev) int { return dev.si_drv0 }

func removeCdev(list []*Cdev, dev *Cdev) []*Cdev {
	if i := slices.Index(list, dev); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// ---- devfs stand-ins (not ported; see the file comment) ----

// devfsAlloc stands in for devfs_alloc: a zeroed cdev from M_CDEVP.
func devfsAlloc(td *kern.Thread, flags int) *Cdev {
	mflags := kern.M_WAITOK
	if flags&MAKEDEV_NOWAIT != 0 {
		mflags = kern.M_NOWAIT
	}
	return kern.Malloc[Cdev](td, devfsOf(td.K).m_cdevp, mflags|kern.M_ZERO)
}

// devfsFree stands in for devfs_free.
func devfsFree(td *kern.Thread, dev *Cdev) { kern.Free(td, dev, devfsOf(td.K).m_cdevp) }

// devfsCreate stands in for devfs_create: the cdev becomes visible by name
// and devfs holds a reference on it.
func devfsCreate(td *kern.Thread, dev *Cdev) {
	s := devfsOf(td.K)
	s.devmtx.Assert(td, kern.MA_OWNED)
	dev.cdp_flags |= CDP_ACTIVE
	devRefl(td, dev)
	s.cdevp_list = append(s.cdevp_list, dev)
}

// devfsDestroy stands in for devfs_destroy. The C only clears CDP_ACTIVE
// and lets devfs_populate_loop unlink the cdev and dev_rel devfs's
// reference later; here both happen at once (under devmtx, so the count
// is dropped directly rather than through dev_rel).
func devfsDestroy(td *kern.Thread, dev *Cdev) {
	s := devfsOf(td.K)
	s.devmtx.Assert(td, kern.MA_OWNED)
	dev.cdp_flags &^= CDP_ACTIVE
	s.cdevp_list = removeCdev(s.cdevp_list, dev)
	dev.si_refcount--
}

// devfsDevExists stands in for devfs_dev_exists: whether an active cdev
// has this name (the C also refuses a name that is a directory of, or
// inside, an existing path; kcheck's names have no '/').
func devfsDevExists(td *kern.Thread, name []byte) bool {
	s := devfsOf(td.K)
	s.devmtx.Assert(td, kern.MA_OWNED)
	for _, dev := range s.cdevp_list {
		if dev.cdp_flags&CDP_ACTIVE != 0 && kern.Strcmp(dev.si_name[:], name) == 0 {
			return true
		}
	}
	return false
}

// ---- kern_conf.c ----

// devLock is dev_lock (kern_conf.c:70).
func devLock(td *kern.Thread) { devfsOf(td.K).devmtx.Lock(td) }

// devUnlockAndFree is dev_unlock_and_free (kern_conf.c:83): drop devmtx,
// then free the cdevs queued while it was held.
func devUnlockAndFree(td *kern.Thread) {
	s := devfsOf(td.K)
	s.devmtx.Assert(td, kern.MA_OWNED)

	cdp_free := s.cdevp_free_list
	s.cdevp_free_list = nil

	s.devmtx.Unlock(td)

	for _, cdp := range cdp_free {
		devfsFree(td, cdp)
	}
}

// devFreeDevlocked is dev_free_devlocked (kern_conf.c:114): queue a cdev
// for dev_unlock_and_free.
func devFreeDevlocked(td *kern.Thread, cdev *Cdev) {
	s := devfsOf(td.K)
	s.devmtx.Assert(td, kern.MA_OWNED)
	kern.KASSERT(td, cdev.cdp_flags&CDP_UNREF_DTR == 0,
		"destroy_dev() was not called after delist_dev(%p)", cdev)
	s.cdevp_free_list = append(s.cdevp_free_list, cdev)
}

// devUnlock is dev_unlock (kern_conf.c:134).
func devUnlock(td *kern.Thread) { devfsOf(td.K).devmtx.Unlock(td) }

// devRef is dev_ref (kern_conf.c:141).
func devRef(td *kern.Thread, dev *Cdev) {
	s := devfsOf(td.K)
	s.devmtx.Assert(td, kern.MA_NOTOWNED)
	s.devmtx.Lock(td)
	dev.si_refcount++
	s.devmtx.Unlock(td)
}

// devRefl is dev_refl (kern_conf.c:151).
func devRefl(td *kern.Thread, dev *Cdev) {
	devfsOf(td.K).devmtx.Assert(td, kern.MA_OWNED)
	dev.si_refcount++
}

// devRel is dev_rel (kern_conf.c:159): the last reference of a destroyed
// cdev frees it.
func devRel(td *kern.Thread, dev *Cdev) {
	s := devfsOf(td.K)
	flag := 0

	s.devmtx.Assert(td, kern.MA_NOTOWNED)
	devLock(td)
	dev.si_refcount--
	kern.KASSERT(td, dev.si_refcount >= 0, "dev_rel(%s) gave negative count", dev.Name())
	if dev.si_devsw == nil && dev.si_refcount == 0 {
		s.dead_devs = removeCdev(s.dead_devs, dev)
		flag = 1
	}
	devUnlock(td)
	if flag != 0 {
		devfsFree(td, dev)
	}
}

// newdev is newdev (kern_conf.c:567): for a driver with units, reuse the
// unnamed cdev clone_create left for this unit (freeing si), else put si
// on the driver's list.
func newdev(td *kern.Thread, args *makeDevArgs, si *Cdev) *Cdev {
	var si2 *Cdev

	devfsOf(td.K).devmtx.Assert(td, kern.MA_OWNED)
	csw := args.mda_devsw
	if csw.d_flags&D_NEEDMINOR != 0 {
		for _, d := range csw.d_devs {
			if dev2unit(d) == args.mda_unit {
				devFreeDevlocked(td, si)
				si = d
				si2 = d
				break
			}
		}

		kern.KASSERT(td, si2 == nil || si2.si_flags&SI_NAMED == 0,
			"make_dev() by driver %s on pre-existing device (min=%x, name=%s)",
			args.mda_devsw.d_name, dev2unit(si), si.Name())
	}
	si.si_drv0 = args.mda_unit
	si.si_drv1 = args.mda_si_drv1
	if si2 == nil {
		si.si_devsw = csw
		csw.d_devs = slices.Insert(csw.d_devs, 0, si) // LIST_INSERT_HEAD
	} else {
		kern.KASSERT(td, si.si_devsw == csw,
			"%s: inconsistent devsw between clone_create() and make_dev()", "newdev")
	}
	return si
}

// finiCdevsw is fini_cdevsw (kern_conf.c:613), without the Giant wrapper.
func finiCdevsw(devsw *cdevsw) {
	devsw.d_flags &^= D_INIT
}

// prepCdevsw is prep_cdevsw (kern_conf.c:627), reduced to the first-use
// initialisation of a driver that is not Giant-locked and has the current
// d_version (the method fix-ups have nothing to fix in kcheck).
func prepCdevsw(td *kern.Thread, devsw *cdevsw, flags int) kern.Errno {
	devfsOf(td.K).devmtx.Assert(td, kern.MA_OWNED)
	if devsw.d_flags&D_INIT != 0 {
		return 0
	}

	devsw.d_devs = nil // LIST_INIT

	devsw.d_flags |= D_INIT

	return 0
}

// isspace is isspace(3) of libkern's ctype.h.
func isspace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// prepDevname is prep_devname (kern_conf.c:711): format the name into
// si_name, normalise its slashes and refuse empty, "." and ".." components,
// spaces and quotes (EINVAL), a name too long (ENAMETOOLONG) or a name
// devfs already has (EEXIST). name is the already formatted "%s" argument.
func prepDevname(td *kern.Thread, dev *Cdev, name []byte) kern.Errno {
	devfsOf(td.K).devmtx.Assert(td, kern.MA_OWNED)

	l := kern.Strlcpy(dev.si_name[:], name)
	if l > len(dev.si_name)-1 {
		return kern.ENAMETOOLONG
	}

	at := func(i int) byte { return dev.si_name[i] }
	from := 0
	for at(from) == '/' {
		from++
	}

	to := 0
	for ; at(from) != 0; from, to = from+1, to+1 {
		if isspace(at(from)) || at(from) == '"' {
			return kern.EINVAL
		}
		for at(from) == '/' && at(from+1) == '/' {
			from++
		}
		if at(from) == '/' && at(from+1) == 0 {
			return kern.EINVAL
		}
		dev.si_name[to] = at(from)
	}
	dev.si_name[to] = 0

	if dev.si_name[0] == 0 {
		return kern.EINVAL
	}

	for s := 0; ; {
		q := s
		for at(q) != '/' && at(q) != 0 {
			q++
		}
		if q-s == 1 && at(s) == '.' {
			return kern.EINVAL
		}
		if q-s == 2 && at(s) == '.' && at(s+1) == '.' {
			return kern.EINVAL
		}
		if at(q) != '/' {
			break
		}
		s = q + 1
	}

	if devfsDevExists(td, dev.si_name[:]) {
		return kern.EEXIST
	}

	return 0
}

// makeDevArgs is struct make_dev_args, reduced (no credentials, owner or
// mode: devfs permissions are not modelled).
type makeDevArgs struct {
	mda_flags   int
	mda_devsw   *cdevsw
	mda_unit    int
	mda_si_drv1 *tuntapSoftc
}

// makeDevSv is make_dev_sv (kern_conf.c:775): allocate (or take over the
// clone placeholder of) a cdev and name it. A name that prep_devname
// refuses panics unless the caller passed MAKEDEV_CHECKNAME.
func makeDevSv(td *kern.Thread, args1 *makeDevArgs, dres **Cdev, name []byte) kern.Errno {
	var res kern.Errno

	args := *args1
	kern.KASSERT(td, args.mda_flags&MAKEDEV_WAITOK == 0 || args.mda_flags&MAKEDEV_NOWAIT == 0,
		"make_dev_sv: both WAITOK and NOWAIT specified")
	dev_new := devfsAlloc(td, args.mda_flags)
	if dev_new == nil {
		return kern.ENOMEM
	}
	devLock(td)
	res = prepCdevsw(td, args.mda_devsw, args.mda_flags)
	if res != 0 {
		devUnlock(td)
		devfsFree(td, dev_new)
		return res
	}
	dev := newdev(td, &args, dev_new)
	if dev.si_flags&SI_NAMED == 0 {
		res = prepDevname(td, dev, name)
		if res != 0 {
			if args.mda_flags&MAKEDEV_CHECKNAME == 0 {
				kern.Panicf(td, "make_dev_sv: bad si_name (error=%d, si_name=%s)",
					int(res), dev.Name())
			}
			if dev == dev_new {
				args.mda_devsw.d_devs = removeCdev(args.mda_devsw.d_devs, dev)
				devUnlock(td)
				devfsFree(td, dev)
			} else {
				devUnlock(td)
			}
			return res
		}
	}
	if args.mda_flags&MAKEDEV_REF != 0 {
		devRefl(td, dev)
	}
	if args.mda_flags&MAKEDEV_ETERNAL != 0 {
		dev.si_flags |= SI_ETERNAL
	}
	kern.KASSERT(td, dev.si_flags&SI_NAMED == 0,
		"make_dev() by driver %s on pre-existing device (min=%x, name=%s)",
		args.mda_devsw.d_name, dev2unit(dev), dev.Name())
	dev.si_flags |= SI_NAMED

	devfsCreate(td, dev)
	devUnlockAndFree(td)

	*dres = dev
	return 0
}

// makeDevS is make_dev_s (kern_conf.c:842) with a "%s" format.
func makeDevS(td *kern.Thread, args *makeDevArgs, dres **Cdev, name []byte) kern.Errno {
	return makeDevSv(td, args, dres, name)
}

// devDependsl is dev_dependsl (kern_conf.c:944).
func devDependsl(pdev, cdev *Cdev) {
	cdev.si_parent = pdev
	cdev.si_flags |= SI_CHILD
	pdev.si_children = slices.Insert(pdev.si_children, 0, cdev) // LIST_INSERT_HEAD
}

// makeDevAliasV is make_dev_alias_v (kern_conf.c:962): a second name for
// pdev, a child of it. A refused name panics without MAKEDEV_CHECKNAME.
func makeDevAliasV(td *kern.Thread, flags int, cdev **Cdev, pdev *Cdev, name []byte) kern.Errno {
	kern.KASSERT(td, pdev != nil, "make_dev_alias_v: pdev is NULL")
	kern.KASSERT(td, flags&MAKEDEV_WAITOK == 0 || flags&MAKEDEV_NOWAIT == 0,
		"make_dev_alias_v: both WAITOK and NOWAIT specified")
	kern.KASSERT(td, flags&^(MAKEDEV_WAITOK|MAKEDEV_NOWAIT|MAKEDEV_CHECKNAME) == 0,
		"make_dev_alias_v: invalid flags specified (flags=%02x)", flags)

	dev := devfsAlloc(td, flags)
	if dev == nil {
		return kern.ENOMEM
	}
	devLock(td)
	dev.si_flags |= SI_ALIAS
	err := prepDevname(td, dev, name)
	if err != 0 {
		if flags&MAKEDEV_CHECKNAME == 0 {
			kern.Panicf(td, "make_dev_alias_v: bad si_name (error=%d, si_name=%s)", int(err), dev.Name())
		}
		devUnlock(td)
		devfsFree(td, dev)
		return err
	}
	dev.si_flags |= SI_NAMED
	devfsCreate(td, dev)
	devDependsl(pdev, dev)
	devUnlock(td)

	*cdev = dev

	return 0
}

// makeDevAliasP is make_dev_alias_p (kern_conf.c:1019) with a "%s" format.
func makeDevAliasP(td *kern.Thread, flags int, cdev **Cdev, pdev *Cdev, name []byte) kern.Errno {
	return makeDevAliasV(td, flags, cdev, pdev, name)
}

// destroyDevl is destroy_devl (kern_conf.c:1094): unname the cdev, destroy
// its children (aliases), take it off the clone list and the driver's
// list, and free it unless references remain, in which case it goes to
// dead_cdevsw's list until the last dev_rel. No thread can be inside the
// driver in kcheck, so the purge and drain loops are left out.
func destroyDevl(td *kern.Thread, dev *Cdev) {
	s := devfsOf(td.K)

	s.devmtx.Assert(td, kern.MA_OWNED)
	kern.KASSERT(td, dev.si_flags&SI_NAMED != 0,
		"WARNING: Driver mistake: destroy_dev on %d\n", dev2unit(dev))
	kern.KASSERT(td, dev.si_flags&SI_ETERNAL == 0,
		"WARNING: Driver mistake: destroy_dev on eternal %d\n", dev2unit(dev))

	if dev.cdp_flags&CDP_UNREF_DTR == 0 {
		devRefl(td, dev)

		devfsDestroy(td, dev)
	}

	dev.si_flags &^= SI_NAMED

	if dev.si_flags&SI_CHILD != 0 {
		dev.si_parent.si_children = removeCdev(dev.si_parent.si_children, dev)
		dev.si_flags &^= SI_CHILD
	}

	for len(dev.si_children) != 0 {
		destroyDevl(td, dev.si_children[0])
	}

	if dev.si_flags&SI_CLONELIST != 0 {
		dev.si_clone.head = removeCdev(dev.si_clone.head, dev)
		dev.si_clone = nil
		dev.si_flags &^= SI_CLONELIST
	}

	csw := dev.si_devsw
	dev.si_devsw = nil
	// The purge and drain loops (threads inside the driver) are not
	// modelled; devctl's destroy notification is left out.
	devUnlock(td)
	devLock(td)

	dev.si_drv1 = nil

	if dev.si_flags&SI_ALIAS == 0 {
		csw.d_devs = removeCdev(csw.d_devs, dev)

		if len(csw.d_devs) == 0 {
			finiCdevsw(csw)
		}
	}
	dev.si_flags &^= SI_ALIAS
	dev.cdp_flags &^= CDP_UNREF_DTR
	dev.si_refcount--

	if dev.si_refcount > 0 {
		s.dead_devs = slices.Insert(s.dead_devs, 0, dev)
	} else {
		devFreeDevlocked(td, dev)
	}
}

// destroyDev is destroy_dev (kern_conf.c:1235).
func destroyDev(td *kern.Thread, dev *Cdev) {
	kern.WitnessWarn(td, "destroy_dev")
	devLock(td)
	destroyDevl(td, dev)
	devUnlockAndFree(td)
}

// isdigit is isdigit(3) of libkern's ctype.h.
func isdigit(c byte) bool { return c >= '0' && c <= '9' }

// devStdclone is dev_stdclone (kern_conf.c:1252) with namep NULL: 1 when
// name is stem followed by a unit without leading zeroes and at most
// 0xffffff, 2 when other characters follow the unit, 0 otherwise. The
// stem is compared over its length with bcmp, so a shorter name compares
// its NUL.
func devStdclone(name []byte, stem string, unit *int) int {
	at := func(i int) byte {
		if i < len(name) {
			return name[i]
		}
		return 0
	}
	i := len(stem)
	for j := 0; j < i; j++ {
		if at(j) != stem[j] {
			return 0
		}
	}
	if !isdigit(at(i)) {
		return 0
	}
	u := 0
	if at(i) == '0' && isdigit(at(i+1)) {
		return 0
	}
	for isdigit(at(i)) {
		u *= 10
		u += int(at(i) - '0')
		i++
		if u > 0xffffff {
			// Past the C's check already. Divergence: the C keeps
			// multiplying its int, which overflows (undefined behaviour)
			// at the tenth digit, and a 15-byte name has room for twelve;
			// a wrapped value could pass the check below. The port
			// refuses every unit over 0xffffff (docs/DIVERGENCES.md).
			for isdigit(at(i)) {
				i++
			}
			break
		}
	}
	if u > 0xffffff {
		return 0
	}
	*unit = u
	if at(i) != 0 {
		return 2
	}
	return 1
}

// cloneSetup is clone_setup (kern_conf.c:1300).
func cloneSetup(td *kern.Thread, cdp **clonedevs) {
	*cdp = kern.Malloc[clonedevs](td, devfsOf(td.K).m_devbuf, kern.M_WAITOK|kern.M_ZERO)
	(*cdp).head = nil
}

// cloneCreate is clone_create (kern_conf.c:1308): 0 and *dp when a cdev of
// unit *up is already on the clone list; otherwise an unnamed placeholder
// cdev for that unit (for *up == -1 the lowest unit not on the list, stored
// in *up) goes on the list and the result is 1, for make_dev to name.
func cloneCreate(td *kern.Thread, cdp **clonedevs, csw *cdevsw, up *int, dp **Cdev, extra int) int {
	var dl, de *Cdev
	var args makeDevArgs

	kern.KASSERT(td, *cdp != nil, "clone_setup() not called in driver \"%s\"", csw.d_name)
	kern.KASSERT(td, extra&CLONE_UNITMASK == 0, "Illegal extra bits (0x%x) in clone_create", extra)
	kern.KASSERT(td, *up <= CLONE_UNITMASK, "Too high unit (0x%x) in clone_create", *up)
	kern.KASSERT(td, csw.d_flags&D_NEEDMINOR != 0, "clone_create() on cdevsw without minor numbers")

	unit := *up
	ndev := devfsAlloc(td, MAKEDEV_WAITOK)
	devLock(td)
	prepCdevsw(td, csw, MAKEDEV_WAITOK)
	low := extra
	cd := *cdp
	for _, dev := range cd.head {
		kern.KASSERT(td, dev.si_flags&SI_CLONELIST != 0,
			"Dev %p(%s) should be on clonelist", dev, dev.Name())
		u := dev2unit(dev)
		if u == (unit | extra) {
			*dp = dev
			devUnlock(td)
			devfsFree(td, ndev)
			return 0
		}
		if unit == -1 && u == low {
			low++
			de = dev
			continue
		} else if u < (unit | extra) {
			de = dev
			continue
		} else if u > (unit | extra) {
			dl = dev
			break
		}
	}
	if unit == -1 {
		unit = low & CLONE_UNITMASK
	}
	args.mda_unit = unit | extra
	args.mda_devsw = csw
	dev := newdev(td, &args, ndev)
	if dev.si_flags&SI_CLONELIST != 0 {
		kern.Panicf(td, "foo") // the C prints the clone list first
	}
	kern.KASSERT(td, dev.si_flags&SI_CLONELIST == 0,
		"Dev %p(%s) should not be on clonelist", dev, dev.Name())
	switch {
	case dl != nil: // LIST_INSERT_BEFORE(dl)
		cd.head = slices.Insert(cd.head, slices.Index(cd.head, dl), dev)
	case de != nil: // LIST_INSERT_AFTER(de)
		cd.head = slices.Insert(cd.head, slices.Index(cd.head, de)+1, dev)
	default: // LIST_INSERT_HEAD
		cd.head = slices.Insert(cd.head, 0, dev)
	}
	dev.si_clone = cd
	dev.si_flags |= SI_CLONELIST
	*up = unit
	devUnlockAndFree(td)
	return 1
}

// cloneCleanup is clone_cleanup (kern_conf.c:1395): destroy whatever is
// still on the clone list and free it.
func cloneCleanup(td *kern.Thread, cdp **clonedevs) {
	cd := *cdp
	if cd == nil {
		return
	}
	devLock(td)
	for len(cd.head) != 0 {
		dev := cd.head[0]
		cd.head = cd.head[1:]
		dev.si_clone = nil
		kern.KASSERT(td, dev.si_flags&SI_CLONELIST != 0,
			"Dev %p(%s) should be on clonelist", dev, dev.Name())
		dev.si_flags &^= SI_CLONELIST
		if dev.cdp_flags&CDP_SCHED_DTR == 0 {
			dev.cdp_flags |= CDP_SCHED_DTR
			kern.KASSERT(td, dev.si_flags&SI_NAMED != 0,
				"Driver has goofed in cloning underways udev %x unit %x", 0, dev2unit(dev))
			destroyDevl(td, dev)
		}
	}
	devUnlockAndFree(td)
	kern.Free(td, cd, devfsOf(td.K).m_devbuf)
	*cdp = nil
}
