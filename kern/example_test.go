package kern_test

import (
	"fmt"

	"kcheck/kern"
)

// Two threads take two locks in opposite orders. Bounded DFS with one
// preemption finds the deadlock, and the recorded schedule replays it.
func Example() {
	run := func(ch kern.Chooser) *kern.RunResult {
		k := kern.NewKernel(kern.Config{Chooser: ch, WitnessRecord: true})
		var a, b kern.Mtx
		a.Init(k, "a", "", kern.MTX_DEF)
		b.Init(k, "b", "", kern.MTX_DEF)
		k.Go("ab", func(td *kern.Thread) { a.Lock(td); b.Lock(td); b.Unlock(td); a.Unlock(td) })
		k.Go("ba", func(td *kern.Thread) { b.Lock(td); a.Lock(td); a.Unlock(td); b.Unlock(td) })
		return k.Run()
	}
	dfs := kern.NewDFS(1)
	for dfs.Next() {
		res := run(dfs)
		if res.Deadlock != nil {
			fmt.Println(res.Deadlock)
			again := run(kern.NewReplay(res.Schedule))
			fmt.Println("replayed:", again.Deadlock != nil)
			break
		}
	}
	// Output:
	// deadlock: [ab(tid 1) waits for mtx b, holds [a]] [ba(tid 2) waits for mtx a, holds [b]]
	// replayed: true
}
