// SPDX-License-Identifier: BSD-2-Clause

// Command killer runs one cell of the kill matrix: one strategy over the
// mutants package's kill set for a time budget, in whatever build of the
// port it was compiled against (the faithful one, or a mutant through
// go build -overlay). It reads a mutants.CellConfig as JSON from the file
// named by -config and prints a mutants.CellResult as JSON on stdout: one
// line about twice a second with the result so far, the final one last.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"

	"kcheck/mutants"
)

func main() {
	path := flag.String("config", "", "cell configuration (JSON mutants.CellConfig)")
	flag.Parse()
	b, err := os.ReadFile(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "killer:", err)
		os.Exit(2)
	}
	var cfg mutants.CellConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "killer:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	final := false
	emit := func(r *mutants.CellResult, last bool) {
		mu.Lock()
		defer mu.Unlock()
		if final {
			return
		}
		final = last
		out, _ := json.Marshal(r)
		os.Stdout.Write(append(out, '\n'))
	}
	res := mutants.RunCell(cfg, func(r *mutants.CellResult) {
		emit(r, true)
		os.Exit(0) // hung goroutines cannot be stopped
	}, func(r *mutants.CellResult) { emit(r, false) })
	emit(res, true)
}
