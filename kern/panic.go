// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
)

// PanicKind classifies a kernel panic for verdicts.
type PanicKind uint8

const (
	// PanicKernel is panic(9) proper: KASSERT, MPASS, a lock assertion, a
	// poisoned or destroyed object used by a kernel primitive.
	PanicKernel PanicKind = iota
	// PanicWitness is a WITNESS report raised as a panic (the default mode).
	PanicWitness
	// PanicFault is a Go run-time error inside the emulated kernel, e.g. a
	// nil dereference of a pointer that free(9) poisoned: the emulation's
	// page fault.
	PanicFault
)

func (k PanicKind) String() string {
	switch k {
	case PanicKernel:
		return "panic"
	case PanicWitness:
		return "witness"
	case PanicFault:
		return "fault"
	}
	return fmt.Sprintf("PanicKind(%d)", uint8(k))
}

// Panic is the value every emulated kernel panic carries. The harness
// recovers it and turns it into a verdict; it never escapes a campaign.
type Panic struct {
	Kind    PanicKind
	Msg     string
	Thread  string // name of the thread that panicked
	Tid     int
	Step    int64  // scheduler step at the panic (0 outside a controlled run)
	Stack   string // Go stack of the panicking thread
	Witness *WitnessReport
}

func (p *Panic) Error() string {
	return fmt.Sprintf("%s: %s (thread %s, tid %d, step %d)", p.Kind, p.Msg, p.Thread, p.Tid, p.Step)
}

func newPanic(td *Thread, kind PanicKind, msg string) *Panic {
	p := &Panic{Kind: kind, Msg: msg, Stack: portableStack(debug.Stack())}
	if td != nil {
		p.Thread, p.Tid = td.Name, td.Tid
		if td.K != nil && td.K.sched != nil {
			p.Step = td.K.sched.step
		}
	}
	return p
}

// Panicf is panic(9): it stops the emulated kernel with a *Panic.
func Panicf(td *Thread, format string, args ...any) {
	panic(newPanic(td, PanicKernel, fmt.Sprintf(format, args...)))
}

// KASSERT panics with the formatted message when cond is false. INVARIANTS
// is always on in kcheck. On hot paths prefer `if !cond { Panicf(...) }` so
// the arguments are not boxed when the assertion holds.
func KASSERT(td *Thread, cond bool, format string, args ...any) {
	if !cond {
		panic(newPanic(td, PanicKernel, fmt.Sprintf(format, args...)))
	}
}

// MPASS is KASSERT with the expression's location as the message.
func MPASS(td *Thread, cond bool) {
	if !cond {
		_, file, line, _ := runtime.Caller(1)
		panic(newPanic(td, PanicKernel, fmt.Sprintf("Assertion failed at %s:%d", shortFile(file), line)))
	}
}

// AsPanic turns a value recovered inside the emulated kernel into a *Panic:
// a *Panic is returned as is, a Go run-time error becomes a PanicFault, any
// other value a PanicKernel.
func AsPanic(td *Thread, r any) *Panic {
	switch v := r.(type) {
	case *Panic:
		return v
	case runtime.Error:
		return newPanic(td, PanicFault, v.Error())
	case error:
		return newPanic(td, PanicKernel, v.Error())
	default:
		return newPanic(td, PanicKernel, fmt.Sprint(v))
	}
}

// callerLine names the first caller outside package kern, for messages of
// the form "@ file:line" as the kernel prints them. Used only on the way to a
// panic or a report.
func callerLine() string { return callerLocation().FileLine() }

// callerLocation is the first caller outside package kern (the last frame
// if every one is kern's).
func callerLocation() Location {
	pcs := make([]uintptr, 16)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !isKernFrame(f.Function) || !more {
			return frameLocation(f)
		}
	}
}

func isKernFrame(fn string) bool {
	const p = "kcheck/kern."
	return len(fn) >= len(p) && fn[:len(p)] == p
}

// ShortFile keeps the last two elements of a source path
// ("ifclone/if_clone.go"), as kcheck's messages print file names.
func ShortFile(f string) string { return shortFile(f) }

func shortFile(f string) string {
	// Keep the last two path elements: "ifclone/if_clone.go".
	n := 0
	for i := len(f) - 1; i >= 0; i-- {
		if f[i] == '/' {
			n++
			if n == 2 {
				return f[i+1:]
			}
		}
	}
	return f
}

// moduleRoot is the directory of the kcheck module as this binary was built
// ("/path/to/checkout/"), found from this file's own path.
var moduleRoot = func() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Dir(filepath.Dir(file)) + string(filepath.Separator)
}()

// portableStack makes a Go stack independent of where it was built: file
// paths in the module become module-relative and those in the Go tree
// start with $GOROOT, so reports and bundles read the same on every
// machine.
func portableStack(stack []byte) string {
	s := string(stack)
	if moduleRoot != "" && moduleRoot != string(filepath.Separator) {
		s = strings.ReplaceAll(s, "\t"+moduleRoot, "\t")
	}
	if gr := runtime.GOROOT(); gr != "" {
		s = strings.ReplaceAll(s, "\t"+gr+string(filepath.Separator), "\t$GOROOT"+string(filepath.Separator))
	}
	return s
}

// Identity names the bug behind a panic the same way whatever schedule
// reached it: the kind, the message with what varies from run to run
// replaced (pointers and addresses by 0xADDR; tids, steps, units and other
// decimal numbers by N, except the line of a file:line), and the place of
// the panicking frame, the first frame of the stack outside the Go
// runtime and package kern: its function (the Go name of the C function,
// e.g. ifclone.IfnetListRemove for LIST_REMOVE) and file:line.
func (p *Panic) Identity() string {
	fn, where := panicFrame(p.Stack)
	return fmt.Sprintf("%s: %s @ %s (%s)", p.Kind, normaliseMsg(p.Msg), fn, where)
}

var reVarying = regexp.MustCompile(`0x[0-9a-fA-F]+|\.go:[0-9]+|[0-9]+`)

// normaliseMsg strips the run-dependent parts of a panic message.
func normaliseMsg(msg string) string {
	return reVarying.ReplaceAllStringFunc(msg, func(m string) string {
		switch {
		case strings.HasPrefix(m, ".go:"):
			return m
		case strings.HasPrefix(m, "0x"):
			return "0xADDR"
		}
		return "N"
	})
}

// panicFrame finds, in a debug.Stack text, the first frame that is not in
// the Go runtime, in package kern or the panic itself: the function that
// panicked (or faulted) and its file:line.
func panicFrame(stack string) (fn, where string) {
	lines := strings.Split(stack, "\n")
	for i := 0; i+1 < len(lines); i++ {
		l := lines[i]
		if l == "" || strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "goroutine ") {
			continue
		}
		name := l
		if j := strings.LastIndexByte(name, '('); j > 0 {
			name = name[:j]
		}
		if name == "panic" || strings.HasPrefix(name, "runtime.") || strings.HasPrefix(name, "runtime/") ||
			strings.HasPrefix(name, "kcheck/kern.") || strings.HasPrefix(name, "testing.") {
			continue
		}
		loc := strings.TrimSpace(lines[i+1])
		if j := strings.LastIndex(loc, " +0x"); j > 0 {
			loc = loc[:j]
		}
		return funcName(name), shortFile(loc)
	}
	return "?", "?"
}
