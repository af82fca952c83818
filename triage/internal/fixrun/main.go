// SPDX-License-Identifier: BSD-2-Clause

// Command fixrun answers one triage.Request (JSON on standard input) with
// a triage.Response (JSON on standard output), in whatever build of the
// port it was compiled against: the Labeler builds it once per fix, with
// the fix's overlay.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"kcheck/triage"
)

func main() {
	var req triage.Request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "fixrun:", err)
		os.Exit(2)
	}
	out, _ := json.Marshal(triage.Serve(&req))
	os.Stdout.Write(append(out, '\n'))
}
