// SPDX-License-Identifier: BSD-2-Clause

// Package stress is the engine of kcheck stress: the scenarios of
// FreeBSD's tests/sys/net/if_clone_test.sh (do_stress: a loop creating an
// interface against a loop destroying it; do_up_stress: "up" racing a
// destroy after random delays) run for a wall-clock time with real
// goroutines against the port. It drives a harness.Session, so that the
// kernel is booted, the ioctls issued and the execution judged (WITNESS,
// panics, deadlock, linearizability of the recorded history, teardown
// and leaks) by the same code as every harness.Execute.
package stress
