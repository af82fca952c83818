// SPDX-License-Identifier: BSD-2-Clause

package linearize

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzHistoryJSON feeds ReadJSON arbitrary bytes. It must never panic, and
// a history it accepts must round-trip: written with WriteJSON and read
// back, it is the same history, and writing that gives the same bytes.
func FuzzHistoryJSON(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"operations":[]}`))
	f.Add([]byte(`{"operations":[{"id":0,"thread":0,"call":0,"return":1,"input":{"op":"list_cloners","vnet":0,"count":2},"output":{"total":7,"names":["vlan","vmnet"]}}]}`))
	f.Add([]byte(`{"operations":[{"id":0,"thread":0,"call":0,"input":{"op":"create","vnet":0,"name":"lo\u0000x","params":{"parent":"epair0a","vid":5}},"output":{"unknown":true}}]}`))
	f.Add([]byte(`{"operations":[{"id":1,"thread":2,"call":3,"return":4,"input":{"op":"vnet_create","vnet":0,"jail":1,"drivers":["lo","vlan"]},"output":{"err":"EEXIST"}}]}`))
	f.Add([]byte(`{"operations":[{"id":1,"thread":0,"call":3,"return":4,"input":{"op":"rename","vnet":1,"name":"a","new_name":"\udcff"},"output":{"err":"ENAMETOOLONG"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		var first bytes.Buffer
		if err := WriteJSON(&first, h); err != nil {
			t.Fatalf("WriteJSON of a history ReadJSON accepted: %v", err)
		}
		h2, err := ReadJSON(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("ReadJSON of WriteJSON's output: %v\n%s", err, first.Bytes())
		}
		if len(h2) != len(h) {
			t.Fatalf("%d operations read back, %d written", len(h2), len(h))
		}
		for i := range h {
			a, b := h[i], h2[i]
			if a.ID != b.ID || a.Thread != b.Thread || a.Call != b.Call || a.Return != b.Return ||
				!reflect.DeepEqual(a.Input, b.Input) || !a.Output.Equal(b.Output) || a.Output.Unknown != b.Output.Unknown {
				t.Fatalf("operation %d does not round-trip:\nread    %+v\nreread  %+v\njson: %s", i, a, b, first.Bytes())
			}
		}
		var second bytes.Buffer
		if err := WriteJSON(&second, h2); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("WriteJSON is not stable:\n%s\n%s", first.Bytes(), second.Bytes())
		}
	})
}
