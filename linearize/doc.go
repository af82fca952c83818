// SPDX-License-Identifier: BSD-2-Clause

// Package linearize records typed histories of the operations a workload
// runs against the emulated kernel and checks them for linearizability
// against the sequential specification of package model, with porcupine.
//
// A history is a list of Operations: thread, model.Input, model.Output and
// the call and return timestamps (a logical clock from the controlled
// scheduler, or monotonic nanoseconds in native mode). The harness builds
// it with a Recorder; an operation that a kernel panic interrupts, or that
// never returns, has an unknown outcome and returns at Infinity.
//
// Check partitions a history into groups of operations that cannot
// interact (model.Spec.Footprint: different cloner families, no rename,
// move or vnet life-cycle operation between them). A fast path looks for
// a linearization of each group itself (its return order, else a bounded
// backtracking search) and passes a group only with one in hand; the
// groups it cannot decide go to porcupine's CheckOperationsTimeout, and
// only on an Illegal verdict is the check re-run verbosely for the
// visualization. A timeout is the verdict Unknown: reported, never a
// pass.
//
// WriteHTML and Visualize draw the history with porcupine's visualization,
// annotated with the harness's panics, WITNESS reports and scheduling
// switches (Annotation).
package linearize
