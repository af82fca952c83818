// SPDX-License-Identifier: BSD-2-Clause

// Package proptests holds kcheck's property tests: rapid draws scenarios
// and scheduling choices, the harness runs them against the port, and a
// failure shrinks to a minimal scenario and schedule.
package proptests
