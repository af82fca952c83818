// SPDX-License-Identifier: BSD-2-Clause

package kern

// lockObject is struct lock_object: the name, the WITNESS class and flags
// shared by every lock kind.
type lockObject struct {
	name  string
	class *lockClass
	flags int
	state uint32 // lockLive, lockDestroyed, 0 (never initialised) or poison
	impl  lockImpl
}

// lockImpl lets releaseAll drop a lock of any kind after a native panic.
type lockImpl interface {
	forceRelease(td *Thread, shared bool)
}

const (
	lockLive      = 0x6c6f636b // "lock"
	lockDestroyed = 0x64656164 // "dead"
)

func (lo *lockObject) forceRelease(td *Thread, shared bool) {
	if lo.impl != nil {
		lo.impl.forceRelease(td, shared)
	}
}

// stateName explains a lock that is not live, for panic messages.
func (lo *lockObject) stateName() string {
	switch lo.state {
	case lockDestroyed:
		return "destroyed"
	case 0:
		return "uninitialized"
	}
	return "destroyed (poisoned memory)"
}
