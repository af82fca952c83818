// SPDX-License-Identifier: BSD-2-Clause

// Package kern is the emulated FreeBSD kernel's foundation: threads
// (curthread passed explicitly), mutex(9) and sx(9) locks with a WITNESS
// lock-order checker, KASSERT and panic(9) as typed Go panics, errno values,
// malloc(9) accounting with INVARIANTS trashing, refcount(9),
// eventhandler(9), SYSINIT ordering, the network epoch(9), copyin/copyout
// over an emulated user address space, C-string helpers, and the scheduler
// that runs a kernel's threads.
//
// # Kernels and threads
//
// A *Kernel holds what are global variables in FreeBSD; nothing in kcheck
// is a mutable package variable, so many kernels run side by side. Every
// function that in C uses curthread receives td *Thread first.
//
// # Scheduling
//
// A controlled kernel (the default) runs its threads one at a time: at each
// scheduling point (lock acquire and release, epoch enter/exit/wait, an
// M_WAITOK allocation, copyin/copyout, refcount updates, thread creation and
// exit, and explicit Preempt calls at unlocked shared accesses) a Chooser
// picks the next thread: NewRandom, NewPCT, NewDFS, NewReplay, or one of the
// harness's. A run records its schedule; the same strategy and seed give
// the same schedule, and NewReplay(schedule) reproduces the run. Deadlock
// and livelock end a run as verdicts. A native kernel (Config.Native) runs
// free goroutines over sync.Mutex and sync.RWMutex, for stress and -race.
//
// Each controlled thread runs as a coroutine (iter.Pull) that a scheduler
// loop resumes; a thread that ends the run (panic, deadlock, livelock) and
// the parked threads the loop then stops unwind their stacks, running
// their deferred calls, whose scheduling points neither schedule nor wait.
// With Config.Watchdog, a thread that stops reaching scheduling points
// ends the run with RunResult.Hang; Go cannot kill a goroutine, so that
// one is abandoned and leaves at its next scheduling point.
//
//	k := kern.NewKernel(kern.Config{Chooser: kern.NewPCT(seed, 3, 200)})
//	var m kern.Mtx
//	m.Init(k, "demo", "", kern.MTX_DEF)
//	for i := 0; i < 2; i++ {
//		k.Go("worker", func(td *kern.Thread) { m.Lock(td); m.Unlock(td) })
//	}
//	res := k.Run() // res.Panic, res.Deadlock, res.Schedule ...
//
// # Checks
//
// INVARIANTS is always on: a failed assertion panics with a *Panic that
// Run recovers into RunResult.Panic. WITNESS learns the lock order by class
// (the type given to mtx_init, else its name) and reports reversals,
// sleeping with a mutex held and threads exiting with locks held, as a
// panic or (Config.WitnessRecord) in RunResult.Witness.
//
// # Lock order inside kern
//
// The Go mutexes that guard kern's bookkeeping are never held across a
// scheduling point: Kernel.mu, then witness.mu, then malloc's and epoch's.
package kern
