// SPDX-License-Identifier: BSD-2-Clause

package linearize

import (
	"fmt"
	"sort"

	"github.com/anishathalye/porcupine"
)

// AnnotationKind says what an annotation marks.
type AnnotationKind uint8

const (
	// Panic marks a kernel panic (a failed KASSERT, a poisoned access).
	Panic AnnotationKind = iota
	// Witness marks a WITNESS report (a lock-order reversal).
	Witness
	// Run marks a stretch during which the scheduler ran a thread.
	Run
	// Note is anything else the harness wants on the picture.
	Note
)

// Annotation is a typed mark on the visualization, at a point (End <=
// Start) or over an interval of the history's clock. Thread >= 0 puts it on
// that thread's row; -1 on a row of its own named after the kind.
type Annotation struct {
	Kind    AnnotationKind
	Thread  int
	Start   int64
	End     int64
	Text    string
	Details string
}

// Switch is one scheduling decision: from time At on, Thread runs.
type Switch struct {
	At     int64
	Thread int
}

// RunAnnotations turns a schedule's switches into one Run annotation per
// stretch a thread ran, ending at the next switch (the last at end).
func RunAnnotations(switches []Switch, end int64) []Annotation {
	sw := append([]Switch(nil), switches...)
	sort.SliceStable(sw, func(i, j int) bool { return sw[i].At < sw[j].At })
	var out []Annotation
	for i, s := range sw {
		stop := end
		if i+1 < len(sw) {
			stop = sw[i+1].At
		}
		out = append(out, Annotation{Kind: Run, Thread: s.Thread, Start: s.At, End: stop,
			Text: "run", Details: fmt.Sprintf("thread %d scheduled at %d", s.Thread, s.At)})
	}
	return out
}

var kindStyle = [...]struct{ tag, fg, bg string }{
	Panic:   {"panic", "#ffffff", "#c0392b"},
	Witness: {"WITNESS", "#000000", "#f5b041"},
	Run:     {"sched", "#555555", "#e5e8e8"},
	Note:    {"note", "#000000", "#aed6f1"},
}

func (a Annotation) porcupine() porcupine.Annotation {
	st := kindStyle[Note]
	if int(a.Kind) < len(kindStyle) {
		st = kindStyle[a.Kind]
	}
	p := porcupine.Annotation{
		ClientId:        a.Thread,
		Start:           a.Start,
		End:             a.End,
		Description:     a.Text,
		Details:         a.Details,
		TextColor:       st.fg,
		BackgroundColor: st.bg,
	}
	if a.Thread < 0 {
		p.ClientId = 0
		p.Tag = st.tag
	}
	if a.Kind == Run {
		// A row of its own per thread ("t0 runs"), so the stretches do
		// not hide the thread's operations.
		p.ClientId = 0
		p.Tag = fmt.Sprintf("t%d runs", a.Thread)
		p.Description = ""
	}
	if p.Description == "" {
		p.Description = st.tag
	}
	return p
}
