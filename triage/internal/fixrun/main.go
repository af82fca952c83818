// SPDX-License-Identifier: BSD-2-Clause

// Command fixrun answers triage.Requests (JSON values on standard input,
// one after another) with triage.Responses (one JSON line each on standard
// output, in order), in whatever build of the port it was compiled
// against: the Labeler builds it once per fix, with the fix's overlay, and
// keeps it running to send it many requests (it exits at the end of its
// input).
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"kcheck/triage"
)

func main() {
	dec := json.NewDecoder(bufio.NewReader(os.Stdin))
	out := bufio.NewWriter(os.Stdout)
	for {
		var req triage.Request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return
			}
			fmt.Fprintln(os.Stderr, "fixrun:", err)
			os.Exit(2)
		}
		b, _ := json.Marshal(triage.Serve(&req))
		out.Write(append(b, '\n'))
		if err := out.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, "fixrun:", err)
			os.Exit(2)
		}
	}
}
