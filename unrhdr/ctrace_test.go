// SPDX-License-Identifier: BSD-2-Clause

package unrhdr

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSameResultsAsC replays testdata/c_trace.txt, recorded from the
// unmodified subr_unit.c compiled in userland mode (testdata/cgen/README),
// and requires the same return value, busy, alloc, first, last and chunk
// list (as a hash of every run and bitmap bit) after every operation.
//
// Line format: an op and its arguments, then "ret busy alloc first last
// hash". Ops: N low high (new_unrhdr), A (alloc_unr), S item
// (alloc_unr_specific), F item (free_unr), X (clear_unrhdr), D
// (delete_unrhdr, no state). Lines starting with '#' name a sequence.
func TestSameResultsAsC(t *testing.T) {
	f, err := os.Open("testdata/c_trace.txt")
	require.NoError(t, err)
	defer f.Close()

	k, td := newSeqKernel()
	mt := MUnit(k)
	var uh *Unrhdr
	seq := ""
	nops, nseq := 0, 0
	sc := bufio.NewScanner(f)
	lineno := 0
	for sc.Scan() {
		lineno++
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			seq = line
			nseq++
			continue
		}
		fs := strings.Fields(line)
		require.NotEmpty(t, fs, "line %d", lineno)
		num := func(i int) uint32 {
			v, err := strconv.ParseUint(fs[i], 10, 32)
			require.NoError(t, err, "line %d", lineno)
			return uint32(v)
		}
		var got int
		var rest []string
		where := fmt.Sprintf("%s\nline %d: %s", seq, lineno, line)
		p := catchPanic(td, func() {
			switch fs[0] {
			case "N":
				uh = NewUnrhdr(td, int(num(1)), int(num(2)), nil)
				rest = fs[3:]
			case "A":
				got = AllocUnr(td, uh)
				rest = fs[1:]
			case "S":
				got = AllocUnrSpecific(td, uh, num(1))
				rest = fs[2:]
			case "F":
				FreeUnr(td, uh, num(1))
				rest = fs[2:]
			case "X":
				ClearUnrhdr(td, uh)
				rest = fs[1:]
			case "D":
				DeleteUnrhdr(td, uh)
				uh = nil
			default:
				t.Fatalf("unknown op %s", where)
			}
		})
		require.Nil(t, p, "%s\npanic: %v", where, p)
		nops++
		if uh == nil {
			require.Zero(t, mt.Live(), "M_UNIT objects left after delete_unrhdr: %s", where)
			continue
		}
		require.Len(t, rest, 6, where)
		wantRet, err := strconv.Atoi(rest[0])
		require.NoError(t, err)
		require.Equal(t, wantRet, got, "return value: %s\n%s", where, uh)
		state := fmt.Sprintf("%d %d %d %d %016x", uh.busy, uh.alloc, uh.first, uh.last, shapeHash(uh))
		require.Equal(t, strings.Join(rest[1:], " "), state, "busy alloc first last shape: %s\n%s", where, uh)
	}
	require.NoError(t, sc.Err())
	require.Nil(t, uh, "trace ended with a live header")
	require.GreaterOrEqual(t, nseq, 10)
	t.Logf("%d sequences, %d operations agree with the C", nseq, nops)
}
