// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"runtime"
	"strconv"
	"strings"
)

// Location is a place in the port's source: where a scheduling point was
// reached (TraceEvent.Where) or a kernel message was raised. kern fills
// File, Line and Func from the Go call stack; a port that knows its C
// source fills CFile and CLine (ifclone.CLocate does for if_clone.go).
// It is kept as data from capture to report and formatted only when
// printed.
type Location struct {
	File  string // the last two elements of the Go source path: "ifclone/if_clone.go"
	Line  int    // line in File
	Func  string // Go function, package-qualified: "ifclone.IfCloneCreate.func1"
	CFile string // C source ("if_clone.c"), "" when not known
	CLine int    // line in CFile, 0 when not known
}

// String is "file:line (func)", the form traces print; "?" when nothing
// is known.
func (l Location) String() string {
	if l.File == "" {
		return "?"
	}
	if l.Func == "" {
		return l.FileLine()
	}
	return l.FileLine() + " (" + l.Func + ")"
}

// FileLine is "file:line", the form kernel messages print after "@".
func (l Location) FileLine() string {
	if l.File == "" {
		return "?"
	}
	return l.File + ":" + strconv.Itoa(l.Line)
}

// CFileLine is "cfile:cline", or "" when the C location is not known.
func (l Location) CFileLine() string {
	if l.CFile == "" {
		return ""
	}
	return l.CFile + ":" + strconv.Itoa(l.CLine)
}

// FuncName is Func without its package: "IfCloneCreate.func1".
func (l Location) FuncName() string {
	_, name, _ := strings.Cut(l.Func, ".")
	return name
}

// Package is the Go package of Func: "ifclone".
func (l Location) Package() string {
	pkg, _, _ := strings.Cut(l.Func, ".")
	return pkg
}

// frameLocation is the Location of a runtime frame.
func frameLocation(f runtime.Frame) Location {
	return Location{File: shortFile(f.File), Line: f.Line, Func: funcName(f.Function)}
}
