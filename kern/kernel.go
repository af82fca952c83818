// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Config selects how a Kernel runs its threads.
type Config struct {
	// Name labels the kernel in reports.
	Name string
	// Native runs threads as free goroutines over sync.Mutex/RWMutex. When
	// false (the default) the kernel is controlled: one emulated thread runs
	// at a time and Chooser picks the next at every scheduling point.
	Native bool
	// Chooser is the controlled-mode strategy; nil means NewRandom(0).
	Chooser Chooser
	// MaxSteps is the livelock budget of one controlled run (0: 1,000,000).
	MaxSteps int64
	// WitnessRecord makes WITNESS record its reports and carry on instead of
	// panicking (the default, as debug.witness.kdb would).
	WitnessRecord bool
	// Trace records every scheduling point with its caller, for replays.
	Trace bool
	// WitnessNoStacks makes WITNESS remember only the step and thread at
	// which it learned each lock order, not the Go stack: campaigns run a
	// fresh kernel per execution and relearn every order, and a replay
	// (with stacks) shows the place.
	WitnessNoStacks bool
	// NativeTimeout bounds a native Run; past it the run is reported as a
	// possible deadlock (0: 60 s).
	NativeTimeout time.Duration
	// Watchdog bounds the wall time of one Run (0: no bound). A run that
	// exceeds it, because a thread spins without reaching a scheduling
	// point, ends with RunResult.Hang set.
	Watchdog time.Duration
	// Lockset checks every marked access to guarded shared state against
	// the locks held (kern/lockset.go); reports go to RunResult.Races.
	Lockset bool
	// Coverage, if set, records the stacks of scheduling points
	// (controlled mode; coverage.go).
	Coverage *Coverage
}

// Kernel is one emulated kernel instance: the home of everything that is a
// global variable in FreeBSD. Kernels share nothing, so many run in
// parallel in one process, one per worker.
//
// Lock order inside package kern (Go mutexes guarding bookkeeping, never
// held across a scheduling point): Kernel.mu before witness.mu before
// malloc's per-type mutex.
type Kernel struct {
	cfg Config

	mu         sync.Mutex          // guards threads, eventhandlers, sysinits
	threads    []*Thread           // every thread ever created, by tid
	threadSlab []Thread            // where threads are allocated (mu)
	thread0    *Thread             // proc0's thread: boot and teardown outside Run
	sched      *scheduler          // nil in native mode
	aborted    atomic.Bool         // native mode: a panic or timeout stopped the run
	clockStep  int64               // controlled clock: last step seen by Now (only the running thread)
	clockSeq   int64               // and the sequence number within it
	start      time.Time           // native clock origin
	live       atomic.Int64        // goroutines of emulated threads now running
	locals     map[any]*localEntry // Local's variables (mu)
	slots      [maxSlots]slotEntry // the Slots' variables
	result     *RunResult          // native mode: first failure
	resMu      sync.Mutex          // guards result in native mode
	epochcb    *Thread             // identity that runs NET_EPOCH_CALL callbacks
	lockset    *locksetState       // nil unless Config.Lockset
	inv        *invariantState     // nil unless SetInvariants (kern/invariant.go)
	digest     StateDigest         // nil unless SetStateDigest (kern/cycle.go)

	nativeRunning bool           // guarded by mu
	nativeWG      sync.WaitGroup // native threads of the current run

	witness  witness
	malloc   mallocState
	epoch    epochState
	uva      userSpace
	evh      map[string]any
	sysinits []*Sysinit
	// sysinitSlab holds the Sysinits that sysinits points to (mu).
	sysinitSlab []Sysinit
	unitMtx     Mtx // subr_unit.c's global "unit# allocation" mutex
	unitMtxOK   bool
}

// NewKernel makes a kernel. Its thread0 exists at once for boot-time work.
func NewKernel(cfg Config) *Kernel {
	if cfg.MaxSteps == 0 {
		cfg.MaxSteps = 1_000_000
	}
	if cfg.NativeTimeout == 0 {
		cfg.NativeTimeout = 60 * time.Second
	}
	// sysinits has room for a booted kernel's SYSINITs and SYSUNINITs
	// (42 with every driver).
	k := &Kernel{cfg: cfg, start: time.Now(), evh: map[string]any{}, sysinits: make([]*Sysinit, 0, 64)}
	k.witness.init(k)
	if cfg.Lockset {
		k.lockset = &locksetState{}
	}
	k.malloc.init()
	if !cfg.Native {
		ch := cfg.Chooser
		if ch == nil {
			ch = NewRandom(0)
		}
		k.sched = newScheduler(k, ch)
	}
	k.thread0 = k.newThread("thread0", nil)
	k.epochcb = &Thread{K: k, Tid: -1, Name: "epoch_cb"}
	return k
}

// Native reports whether the kernel runs free goroutines.
func (k *Kernel) Native() bool { return k.cfg.Native }

// Name is the kernel's label.
func (k *Kernel) Name() string { return k.cfg.Name }

// Thread0 is the boot thread (proc0's thread0). It runs outside the
// scheduler: use it for set-up before Run and teardown after.
func (k *Kernel) Thread0() *Thread { return k.thread0 }

// Local returns the per-kernel value stored under key, creating it with
// mk on first use: a per-kernel variable for a key known only at run time
// (tests). The kernel's own packages use Slots, which cost an array index.
// mk runs once per key, without kern's locks held, so it may itself use
// Local or a Slot.
func (k *Kernel) Local(key any, mk func() any) any {
	k.mu.Lock()
	if k.locals == nil {
		k.locals = map[any]*localEntry{}
	}
	e := k.locals[key]
	if e == nil {
		e = &localEntry{}
		k.locals[key] = e
	}
	k.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.done {
		e.v, e.done = mk(), true
	}
	return e.v
}

type localEntry struct {
	mu   sync.Mutex
	done bool // v is made (under mu)
	v    any
}

// A Slot is a per-kernel variable of type T: where a package keeps what
// is a global variable in the C (vnet's list of vnets, if.c's ifnet locks,
// a driver's malloc types), one per Kernel, never in a Go package
// variable. Slots are made once, at package initialisation (NewSlot), and
// each Kernel holds an array of them: Get is an index and a load, the
// price of a C global's address.
type Slot[T any] struct {
	id int
}

// maxSlots is how many Slots the program may make (a booted kernel with
// every driver uses 11).
const maxSlots = 24

var slotCount atomic.Int32

// NewSlot makes a Slot. Call it from a package variable's initialiser:
// the number of Slots is fixed at maxSlots for the program's lifetime.
func NewSlot[T any]() *Slot[T] {
	id := slotCount.Add(1) - 1
	if id >= maxSlots {
		panic("kern: more than maxSlots Slots; raise maxSlots")
	}
	return &Slot[T]{id: int(id)}
}

// slotEntry is a Kernel's value of one Slot.
type slotEntry struct {
	mu sync.Mutex     // serialises the first Get's mk
	v  unsafe.Pointer // *T once made (atomic)
}

// Get returns k's value of the slot, made by mk on the kernel's first
// Get. mk runs once per kernel, without kern's locks held (so it may Get
// other slots), and must not return nil. Gets from several goroutines of
// a native kernel are safe.
func (s *Slot[T]) Get(k *Kernel, mk func() *T) *T {
	if p := atomic.LoadPointer(&k.slots[s.id].v); p != nil {
		return (*T)(p)
	}
	return s.make(k, mk)
}

func (s *Slot[T]) make(k *Kernel, mk func() *T) *T {
	e := &k.slots[s.id]
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := atomic.LoadPointer(&e.v); p != nil {
		return (*T)(p)
	}
	v := mk()
	if v == nil {
		panic("kern: a Slot's mk returned nil")
	}
	atomic.StorePointer(&e.v, unsafe.Pointer(v))
	return v
}

// UnitMtx is subr_unit.c's global mutex "unit# allocation", used by
// unrhdrs created without a mutex of their own.
func (k *Kernel) UnitMtx() *Mtx {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.unitMtxOK {
		k.unitMtx.Init(k, "unit# allocation", "", MTX_DEF)
		k.unitMtxOK = true
	}
	return &k.unitMtx
}

// Now is the kernel's clock for histories: a logical clock that ticks once
// per call in controlled mode (one thread runs at a time, so the order is
// the execution order), monotonic nanoseconds since boot in native mode.
//
// In controlled mode the value is the scheduler step shifted left by
// ClockShift plus a sequence number within the step, so that times are
// distinct and comparable with RunResult.Switches (StepTime).
func (k *Kernel) Now() int64 {
	if k.cfg.Native {
		return int64(time.Since(k.start))
	}
	// A controlled kernel runs one thread at a time (the caller, or Run's
	// caller between runs): the clock needs no lock.
	step := k.sched.step
	if step != k.clockStep {
		k.clockStep, k.clockSeq = step, 0
	}
	k.clockSeq++
	return StepTime(step) + k.clockSeq
}

// ClockShift is how far Now shifts the step count in controlled mode.
const ClockShift = 20

// StepTime is the controlled-mode clock value at the start of a step.
func StepTime(step int64) int64 { return step << ClockShift }

// LiveGoroutines is the number of goroutines of this kernel's threads
// still running; after Run returns it must be zero.
func (k *Kernel) LiveGoroutines() int64 { return k.live.Load() }

// Threads lists every thread created so far, thread0 first.
func (k *Kernel) Threads() []*Thread {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]*Thread(nil), k.threads...)
}
