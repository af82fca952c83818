// SPDX-License-Identifier: BSD-2-Clause
//
// The part of the kernel linker (sys/kern/kern_linker.c, Copyright (c)
// 1997-2000 Doug Rabson) and of the module layer (sys/kern/kern_module.c,
// Copyright (c) 1997 Doug Rabson) that loading and unloading a driver goes
// through: kldload(2), kldfind(2), kldunload(2), DECLARE_MODULE.

package kern

import "sync"

// Module events (sys/sys/module.h, enum modeventtype).
const (
	MOD_LOAD     = 0
	MOD_UNLOAD   = 1
	MOD_SHUTDOWN = 2
	MOD_QUIESCE  = 3
)

// PRIV_KLD_LOAD and PRIV_KLD_UNLOAD are the privileges kldload(2) and
// kldunload(2) check (sys/sys/priv.h); no jail is granted them.
const (
	PRIV_KLD_LOAD   = 231
	PRIV_KLD_UNLOAD = 232
)

// Modeventhand is modeventhand_t: a driver's event handler.
type Modeventhand func(td *Thread, what int) Errno

// Module is struct module (kern_module.c): a named event handler that
// belongs to a linker file.
type Module struct {
	Name    string
	handler Modeventhand
	file    *LinkerFile
}

// LinkerFile is struct linker_file for one driver built as its own .ko:
// the SYSINITs and SYSUNINITs of its linker sets, its modules, and what
// unlinking it gives back (the VNET_DEFINE space link_elf allocated).
type LinkerFile struct {
	Filename string
	id       int
	refs     int
	userrefs int
	linked   bool // LINKER_FILE_LINKED
	sysinits []*Sysinit
	modules  []*Module
	atUnload []func(td *Thread)
}

// ID is the file id kldload returns.
func (lf *LinkerFile) ID() int { return lf.id }

// AtUnload registers fn to run when the file is unlinked, after its
// SYSUNINITs (LINKER_UNLOAD: link_elf_unload_file frees the file's vnet
// data with vnet_data_free).
func (lf *LinkerFile) AtUnload(fn func(td *Thread)) { lf.atUnload = append(lf.atUnload, fn) }

// linkerState holds what kern_linker.c keeps in file-scope variables.
type linkerState struct {
	once   sync.Once
	kld_sx Sx            // the kernel linker lock
	files  []*LinkerFile // linker_files
	nextID int           // next_file_id
	// linking is the file whose linker sets are being filled: SYSINIT and
	// SYSUNINIT calls made while it is set belong to it.
	linking *LinkerFile
}

var linkerSlot = NewSlot[linkerState]()

func linkerOf(k *Kernel) *linkerState {
	l := linkerSlot.Get(k, func() *linkerState { return &linkerState{nextID: 1} })
	l.once.Do(func() {
		// linker_init (kern_linker.c, SYSINIT at SI_SUB_KLD): sx_init.
		l.kld_sx.Init(k, "kernel linker", 0)
	})
	return l
}

// linkerClaim puts s into the linker set of the file being linked, if
// any. SYSINIT and SYSUNINIT call it.
func (k *Kernel) linkerClaim(s *Sysinit) {
	if lf := linkerOf(k).linking; lf != nil {
		lf.sysinits = append(lf.sysinits, s)
	}
}

// LinkFile builds the linker file filename the way link_elf does when it
// loads a .ko: link runs with the file current, so every SYSINIT,
// SYSUNINIT and DECLARE_MODULE it makes lands in the file's linker sets
// (and in the kernel's list, for a Boot that has yet to run them). A
// file of that name already on linker_files is EEXIST
// (linker_load_module's linker_find_file_by_name). Before boot this is
// the loader preloading the file (linker_preload): its SYSINITs run at
// Boot, and linker_preload_finish gives it a user reference so that
// kldunload may unload it. Kldload calls it for a load after boot.
func LinkFile(td *Thread, filename string, link func(lf *LinkerFile)) Errno {
	l := linkerOf(td.K)
	for _, f := range l.files {
		if f.Filename == filename {
			return EEXIST
		}
	}
	// Room for a driver file's SYSINITs and SYSUNINITs (linkerClaim).
	lf := &LinkerFile{Filename: filename, refs: 1, userrefs: 1, sysinits: make([]*Sysinit, 0, 16)}
	// LINKER_GET_NEXT_FILE_ID: the lowest id at or above next_file_id
	// that no file holds.
retry:
	for _, f := range l.files {
		if f.id == l.nextID {
			l.nextID++
			goto retry
		}
	}
	lf.id = l.nextID
	l.files = append(l.files, lf) // TAILQ_INSERT_TAIL(&linker_files) (linker_make_file)
	prev := l.linking
	l.linking = lf
	defer func() { l.linking = prev }()
	link(lf)
	lf.linked = true
	return 0
}

// DECLARE_MODULE is DECLARE_MODULE (sys/sys/module.h): a SYSINIT at
// (sub, order) that registers the module and delivers MOD_LOAD
// (module_register_init, kern_module.c). The module belongs to the file
// being linked. kldunload delivers MOD_QUIESCE and MOD_UNLOAD through
// the handler; k.Shutdown, which stands for taking every module down at
// the end of a run, delivers MOD_UNLOAD through a SYSUNINIT at the same
// (sub, order).
func DECLARE_MODULE(k *Kernel, name string, sub SubsystemID, order SysinitOrder, h Modeventhand) *Module {
	m := &Module{Name: name, handler: h}
	if lf := linkerOf(k).linking; lf != nil {
		m.file = lf
		lf.modules = append(lf.modules, m)
	}
	// module_register_init: MOD_LOAD; an error is printed and the module
	// unregistered (the emulation keeps it: no driver here fails its
	// MOD_LOAD).
	k.SysinitArg(name, sub, order, moduleLoad, m)
	unload := k.SysuninitArg(name, sub, order, moduleUnload, m)
	// The SYSUNINIT above is the emulation's stand-in for MOD_UNLOAD at
	// shutdown; kldunload delivers MOD_UNLOAD itself (linker_file_unload)
	// and must not run it twice.
	unload.modevent = true
	return m
}

func moduleLoad(td *Thread, m any)   { m.(*Module).handler(td, MOD_LOAD) }
func moduleUnload(td *Thread, m any) { m.(*Module).handler(td, MOD_UNLOAD) }

// Kldload is kern_kldload (kern_linker.c) for a module name: privilege,
// kld_sx, linker_load_module (EEXIST when a file of that name is on
// linker_files), and linker_file_sysinit, which runs the file's SYSINITs
// in (subsystem, order) order with kld_sx dropped. link builds the file
// (a driver's Load). It returns the file id.
func Kldload(td *Thread, filename string, link func(td *Thread) Errno) (int, Errno) {
	if err := PrivCheck(td, PRIV_KLD_LOAD); err != 0 {
		return -1, err
	}
	l := linkerOf(td.K)
	l.kld_sx.Xlock(td)
	if err := link(td); err != 0 {
		l.kld_sx.Xunlock(td)
		return -1, err
	}
	lf := l.find(filename)
	if lf == nil {
		l.kld_sx.Xunlock(td)
		return -1, ENOENT
	}
	// LINKER_FILE_LINKED is set only once the SYSINITs have run.
	lf.linked = false
	// linker_load_file's linker_file_register_modules was done by link;
	// linker_file_sysinit: sort, then run with kld_sx released.
	var todo []*Sysinit
	for _, s := range lf.sysinits {
		if !s.Uninit && !s.done {
			todo = append(todo, s)
		}
	}
	linkerSortSysinits(todo)
	l.kld_sx.Xunlock(td)
	for _, s := range todo {
		s.done = true
		s.run(td)
	}
	l.kld_sx.Xlock(td)
	lf.linked = true
	id := lf.id
	l.kld_sx.Xunlock(td)
	return id, 0
}

// find is linker_find_file_by_name.
func (l *linkerState) find(filename string) *LinkerFile {
	for _, f := range l.files {
		if f.Filename == filename {
			return f
		}
	}
	return nil
}

// Kldfind is kldfind(2): the id of the file called filename (linked or
// not, as linker_find_file_by_name finds it), ENOENT if none.
func Kldfind(td *Thread, filename string) (int, Errno) {
	l := linkerOf(td.K)
	l.kld_sx.Xlock(td)
	defer l.kld_sx.Xunlock(td)
	if lf := l.find(filename); lf != nil {
		return lf.id, 0
	}
	return -1, ENOENT
}

// Kldunload is kern_kldunload (kern_linker.c) with LINKER_UNLOAD_NORMAL:
// privilege, kld_sx, linker_find_file_by_id (linked files only: ENOENT),
// then linker_file_unload: every module is asked MOD_QUIESCE (a veto
// other than EOPNOTSUPP or EINVAL stops the unload, module_quiesce) and
// then MOD_UNLOAD (any error stops it), the file is unlinked and its
// SYSUNINITs run in descending (subsystem, order), sorted as
// linker_file_sysuninit sorts them (linkerSortSysuninits), with kld_sx
// dropped, then it leaves linker_files and its
// vnet data is freed.
func Kldunload(td *Thread, fileid int) Errno {
	if err := PrivCheck(td, PRIV_KLD_UNLOAD); err != 0 {
		return err
	}
	k := td.K
	l := linkerOf(k)
	l.kld_sx.Xlock(td)
	var lf *LinkerFile
	for _, f := range l.files {
		if f.id == fileid && f.linked {
			lf = f
			break
		}
	}
	if lf == nil {
		l.kld_sx.Xunlock(td)
		return ENOENT
	}
	if lf.userrefs == 0 {
		l.kld_sx.Xunlock(td)
		return EBUSY
	}
	lf.userrefs--
	err := l.fileUnload(td, lf)
	if err != 0 {
		lf.userrefs++
	}
	l.kld_sx.Xunlock(td)
	return err
}

// fileUnload is linker_file_unload (kern_linker.c); kld_sx is held.
func (l *linkerState) fileUnload(td *Thread, lf *LinkerFile) Errno {
	if lf.refs > 1 {
		lf.refs--
		return 0
	}
	for _, m := range lf.modules {
		// module_quiesce (kern_module.c): EOPNOTSUPP and EINVAL mean
		// "no objection".
		if err := m.handler(td, MOD_QUIESCE); err != 0 && err != EOPNOTSUPP && err != EINVAL {
			return err
		}
	}
	for _, m := range lf.modules {
		// module_unload (kern_module.c): the handler may veto.
		if err := m.handler(td, MOD_UNLOAD); err != 0 {
			return err
		}
		// module_release: the module leaves modules and found_modules.
	}
	lf.linked = false
	var todo []*Sysinit
	for _, s := range lf.sysinits {
		if s.Uninit && !s.done && !s.modevent {
			todo = append(todo, s)
		}
	}
	linkerSortSysuninits(todo)
	l.kld_sx.Xunlock(td)
	for _, s := range todo {
		s.done = true
		s.run(td)
	}
	l.kld_sx.Xlock(td)
	for i, f := range l.files {
		if f == lf {
			l.files = append(l.files[:i], l.files[i+1:]...) // TAILQ_REMOVE
			break
		}
	}
	// The file's linker sets go with it: no later Boot or Shutdown sees
	// them.
	k := td.K
	k.mu.Lock()
	keep := k.sysinits[:0]
	for _, s := range k.sysinits {
		if !lf.owns(s) {
			keep = append(keep, s)
		}
	}
	k.sysinits = keep
	k.mu.Unlock()
	for _, fn := range lf.atUnload {
		fn(td)
	}
	return 0
}

func (lf *LinkerFile) owns(s *Sysinit) bool {
	for _, x := range lf.sysinits {
		if x == s {
			return true
		}
	}
	return false
}

// LinkerFiles lists the names of the files on linker_files that are
// linked, for tests and reports (not synchronised).
func LinkerFiles(k *Kernel) []string {
	var out []string
	for _, f := range linkerOf(k).files {
		if f.linked {
			out = append(out, f.Filename)
		}
	}
	return out
}
