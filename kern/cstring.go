// SPDX-License-Identifier: BSD-2-Clause
//
// C string helpers over fixed byte arrays, with libkern's semantics
// (strlcpy from OpenBSD, Todd C. Miller; strncpy, strnlen, strcmp from the
// Berkeley C library).

package kern

import (
	"strconv"
)

// Strlen is strlen(3) of a NUL-terminated string in b (all of b if no NUL).
func Strlen(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return len(b)
}

// Strnlen is strnlen(3).
func Strnlen(b []byte, maxlen int) int {
	if maxlen > len(b) {
		maxlen = len(b)
	}
	for i := 0; i < maxlen; i++ {
		if b[i] == 0 {
			return i
		}
	}
	return maxlen
}

// CString is the Go string of the C string in b.
func CString(b []byte) string { return string(b[:Strlen(b)]) }

// Strlcpy is strlcpy(3): it copies at most len(dst)-1 bytes of the C string
// src, always NUL-terminates when len(dst) > 0, and returns strlen(src), so
// a result >= len(dst) means truncation.
func Strlcpy(dst, src []byte) int {
	n := Strlen(src)
	if len(dst) > 0 {
		c := n
		if c > len(dst)-1 {
			c = len(dst) - 1
		}
		copy(dst, src[:c])
		dst[c] = 0
	}
	return n
}

// StrlcpyString is Strlcpy from a Go string.
func StrlcpyString(dst []byte, src string) int {
	n := len(src)
	if i := indexNUL(src); i >= 0 {
		n = i
	}
	if len(dst) > 0 {
		c := n
		if c > len(dst)-1 {
			c = len(dst) - 1
		}
		copy(dst, src[:c])
		dst[c] = 0
	}
	return n
}

func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}

// Strncpy is strncpy(3): it copies the C string src into the first n bytes
// of dst and pads with NULs; when src is n bytes or longer, dst is not
// NUL-terminated.
func Strncpy(dst, src []byte, n int) {
	if n > len(dst) {
		n = len(dst)
	}
	l := Strnlen(src, n)
	copy(dst[:l], src[:l])
	for i := l; i < n; i++ {
		dst[i] = 0
	}
}

// Strcmp is strcmp(3) over C strings (bytes compared as unsigned char).
func Strcmp(a, b []byte) int {
	return Strncmp(a, b, int(^uint(0)>>1))
}

// Strncmp is strncmp(3).
func Strncmp(a, b []byte, n int) int {
	for i := 0; i < n; i++ {
		var ca, cb byte
		if i < len(a) {
			ca = a[i]
		}
		if i < len(b) {
			cb = b[i]
		}
		if ca != cb {
			return int(ca) - int(cb)
		}
		if ca == 0 {
			return 0
		}
	}
	return 0
}

// StrcmpString compares the C string a with the Go string b.
func StrcmpString(a []byte, b string) int {
	return Strcmp(a, append([]byte(b), 0))
}

// Snprintf is snprintf(9) for the conversions the port uses: %s (a C string
// as []byte, or a Go string), %d and %u (any integer), %c and %%. Like C it
// writes at most len(dst)-1 bytes plus a NUL and returns the length the
// whole output would have had.
func Snprintf(dst []byte, format string, args ...any) int {
	var out []byte
	ai := 0
	next := func() any {
		if ai >= len(args) {
			return nil
		}
		a := args[ai]
		ai++
		return a
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			out = append(out, c)
			continue
		}
		i++
		switch format[i] {
		case '%':
			out = append(out, '%')
		case 's':
			switch v := next().(type) {
			case []byte:
				out = append(out, v[:Strlen(v)]...)
			case string:
				out = append(out, v...)
			default:
				out = append(out, "(null)"...)
			}
		case 'd', 'u':
			switch v := next().(type) {
			case int:
				out = strconv.AppendInt(out, int64(v), 10)
			case int32:
				out = strconv.AppendInt(out, int64(v), 10)
			case int64:
				out = strconv.AppendInt(out, v, 10)
			case uint:
				out = strconv.AppendUint(out, uint64(v), 10)
			case uint32:
				out = strconv.AppendUint(out, uint64(v), 10)
			case uint64:
				out = strconv.AppendUint(out, v, 10)
			case uint16:
				out = strconv.AppendUint(out, uint64(v), 10)
			default:
				out = append(out, '?')
			}
		case 'c':
			switch v := next().(type) {
			case byte:
				out = append(out, v)
			case rune:
				out = append(out, byte(v))
			case int:
				out = append(out, byte(v))
			}
		default:
			out = append(out, '%', format[i])
		}
	}
	if len(dst) > 0 {
		n := copy(dst[:len(dst)-1], out)
		dst[n] = 0
	}
	return len(out)
}
