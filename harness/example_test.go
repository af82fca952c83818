package harness_test

import (
	"fmt"

	"kcheck/harness"
	"kcheck/kern"
	"kcheck/model"
)

// A named scenario under one PCT schedule: the kernel boots with the five
// cloning drivers, the threads issue their ioctls, and the execution is
// judged (panics, WITNESS, deadlock, linearizability, leaks).
func ExampleExecute() {
	scn, _ := harness.NamedScenario("SameExplicitName")
	ex := harness.Execute(scn, harness.Config{Chooser: kern.NewPCT(1, 3, 500), Mode: model.Relaxed})
	fmt.Println(ex.Kind, len(ex.History), "operations")
	// Output: Pass 4 operations
}
