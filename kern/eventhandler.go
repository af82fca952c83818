// SPDX-License-Identifier: BSD-2-Clause
//
// eventhandler(9) after sys/kern/subr_eventhandler.c: named lists of
// handlers called in priority order.

package kern

import (
	"fmt"
	"sort"
	"sync"
)

// Eventhandler priorities (sys/sys/eventhandler.h).
const (
	EVENTHANDLER_PRI_FIRST = 0
	EVENTHANDLER_PRI_ANY   = 10000
	EVENTHANDLER_PRI_LAST  = 20000
)

// EventhandlerTag identifies one registration.
type EventhandlerTag uint64

// EventhandlerList is a typed list of handlers F.
type EventhandlerList[F any] struct {
	name    string
	mu      sync.Mutex
	next    EventhandlerTag
	entries []ehEntry[F]
}

type ehEntry[F any] struct {
	fn  F
	pri int
	tag EventhandlerTag
	seq uint64
}

// EventhandlerDeclare is EVENTHANDLER_DECLARE/EVENTHANDLER_LIST_DEFINE: the
// kernel's list of that name, created on first use. All users of one name
// must agree on F.
func EventhandlerDeclare[F any](k *Kernel, name string) *EventhandlerList[F] {
	k.mu.Lock()
	defer k.mu.Unlock()
	if l, ok := k.evh[name]; ok {
		tl, ok := l.(*EventhandlerList[F])
		if !ok {
			panic(fmt.Sprintf("kern: eventhandler %q declared with two types", name))
		}
		return tl
	}
	l := &EventhandlerList[F]{name: name}
	k.evh[name] = l
	return l
}

// Register is EVENTHANDLER_REGISTER.
func (l *EventhandlerList[F]) Register(fn F, priority int) EventhandlerTag {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	l.entries = append(l.entries, ehEntry[F]{fn: fn, pri: priority, tag: l.next, seq: uint64(l.next)})
	sort.SliceStable(l.entries, func(i, j int) bool { return l.entries[i].pri < l.entries[j].pri })
	return l.next
}

// Deregister is EVENTHANDLER_DEREGISTER.
func (l *EventhandlerList[F]) Deregister(tag EventhandlerTag) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, e := range l.entries {
		if e.tag == tag {
			l.entries = append(l.entries[:i], l.entries[i+1:]...)
			return
		}
	}
}

// Invoke is EVENTHANDLER_INVOKE: call runs each handler in priority order
// (registration order within a priority), on a snapshot of the list.
func (l *EventhandlerList[F]) Invoke(call func(fn F)) {
	l.mu.Lock()
	snap := make([]F, len(l.entries))
	for i, e := range l.entries {
		snap[i] = e.fn
	}
	l.mu.Unlock()
	for _, fn := range snap {
		call(fn)
	}
}

// Len is the number of registered handlers.
func (l *EventhandlerList[F]) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}
