// SPDX-License-Identifier: BSD-2-Clause

// Package model is kcheck's sequential specification of interface cloning
// as userland observes it: creates, destroys, SIOCIFGCLONERS, renames,
// vnet moves and jail life cycles, with each driver's naming rules (lo,
// disc, epair, tun/tap/vmnet, vlan). It imports nothing of the port: a
// spec that reused the implementation would check nothing.
//
// Step is pure. Two modes differ only for wildcard creates: Strict wants
// the lowest free unit (what a lone thread gets), Relaxed any free unit
// whose name is not taken. docs/MODEL.md describes the rules.
package model
