// SPDX-License-Identifier: BSD-2-Clause

package kern

import (
	"fmt"
	"reflect"
	"sync"
	"unsafe"
)

// A poison plan is poisonValue compiled for one type: the list of stores
// it makes, by offset, so that free(9) trashes an object without walking
// it by reflection each time. The result is byte for byte what
// poisonValue leaves (poison_test.go compares them).

type poisonKind uint8

const (
	pzInt8 poisonKind = iota
	pzInt16
	pzInt32
	pzInt64
	pzBool
	pzString
	pzFloat32
	pzFloat64
	pzComplex64
	pzComplex128
	pzPtr   // pointer, map, func, chan, unsafe.Pointer: nil
	pzSlice // nil
	pzIface // nil
)

// poisonOp stores the kind's poison count times, stride bytes apart, from
// off.
type poisonOp struct {
	off    uintptr
	stride uintptr
	count  uintptr
	kind   poisonKind
}

type poisonPlan []poisonOp

// poisonPlans caches the plan of each type poisoned so far. Like vnet's
// siteCache it holds no kernel state, only facts about Go types, the same
// for every kernel in the process.
var poisonPlans sync.Map // reflect.Type -> poisonPlan

func planFor(t reflect.Type) poisonPlan {
	if p, ok := poisonPlans.Load(t); ok {
		return p.(poisonPlan)
	}
	var p poisonPlan
	p = compilePoison(p, t, 0)
	poisonPlans.Store(t, p)
	return p
}

// compilePoison appends the stores that poisonValue makes for a value of
// type t at offset off.
func compilePoison(p poisonPlan, t reflect.Type, off uintptr) poisonPlan {
	one := func(k poisonKind) poisonPlan {
		return append(p, poisonOp{off: off, stride: t.Size(), count: 1, kind: k})
	}
	switch t.Kind() {
	case reflect.Int8, reflect.Uint8:
		return one(pzInt8)
	case reflect.Int16, reflect.Uint16:
		return one(pzInt16)
	case reflect.Int32, reflect.Uint32:
		return one(pzInt32)
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64, reflect.Uintptr:
		switch t.Size() {
		case 4:
			return one(pzInt32)
		case 8:
			if k := t.Kind(); k == reflect.Int || k == reflect.Int64 {
				return one(pzInt64)
			}
			// SetUint(0xdeadc0dedeadc0de), not the sign-extended
			// int pattern.
			return append(p, poisonOp{off: off, stride: 8, count: 1, kind: pzUint64})
		}
	case reflect.Bool:
		return one(pzBool)
	case reflect.String:
		return one(pzString)
	case reflect.Float32:
		return one(pzFloat32)
	case reflect.Float64:
		return one(pzFloat64)
	case reflect.Complex64:
		return one(pzComplex64)
	case reflect.Complex128:
		return one(pzComplex128)
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return one(pzPtr)
	case reflect.Slice:
		return one(pzSlice)
	case reflect.Interface:
		return one(pzIface)
	case reflect.Array:
		n, et := uintptr(t.Len()), t.Elem()
		if n == 0 {
			return p
		}
		ep := compilePoison(nil, et, 0)
		if len(ep) == 1 && ep[0].count == 1 && ep[0].off == 0 && ep[0].stride == et.Size() {
			return append(p, poisonOp{off: off, stride: et.Size(), count: n, kind: ep[0].kind})
		}
		for i := uintptr(0); i < n; i++ {
			for _, op := range ep {
				op.off += off + i*et.Size()
				p = append(p, op)
			}
		}
		return p
	case reflect.Struct:
		if t.PkgPath() == syncPkg || t == mallocHeaderType {
			return p // as poisonValue: left alone
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			p = compilePoison(p, f.Type, off+f.Offset)
		}
		return p
	}
	panic(fmt.Sprintf("kern: cannot poison %v", t.Kind()))
}

const pzUint64 poisonKind = 255

// poisonString is what poisonValue stores in a string.
const poisonString = "\xde\xad\xc0\xde"

// apply makes the plan's stores in the object at base.
func (p poisonPlan) apply(base unsafe.Pointer) {
	const i32 = int32(-559038242) // int32(0xdeadc0de)
	for _, op := range p {
		for i := uintptr(0); i < op.count; i++ {
			// Computed per element: a pointer one past the object's end,
			// even unused, is invalid pointer arithmetic (checkptr).
			a := unsafe.Add(base, op.off+i*op.stride)
			switch op.kind {
			case pzInt8:
				*(*uint8)(a) = 0xde
			case pzInt16:
				*(*uint16)(a) = 0xc0de
			case pzInt32:
				*(*int32)(a) = i32
			case pzInt64:
				*(*int64)(a) = int64(i32)
			case pzUint64:
				*(*uint64)(a) = 0xdeadc0dedeadc0de
			case pzBool:
				*(*bool)(a) = true
			case pzString:
				*(*string)(a) = poisonString
			case pzFloat32:
				*(*float32)(a) = float32(Poison)
			case pzFloat64:
				*(*float64)(a) = float64(Poison)
			case pzComplex64:
				*(*complex64)(a) = complex(float32(Poison), 0)
			case pzComplex128:
				*(*complex128)(a) = complex(float64(Poison), 0)
			case pzPtr:
				*(*unsafe.Pointer)(a) = nil
			case pzSlice:
				*(*[]byte)(a) = nil
			case pzIface:
				*(*any)(a) = nil
			}
		}
	}
}
