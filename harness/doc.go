// SPDX-License-Identifier: BSD-2-Clause

// Package harness runs scenarios against the emulated kernel under a
// scheduler strategy and judges each execution.
package harness
