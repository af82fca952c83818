package kern

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScheduleParseLimits: malformed or oversized schedules are refused
// with an error that says why, before anything is allocated for them.
func TestScheduleParseLimits(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"0*4000000000", `schedule: count in "0*4000000000" is above 10000000 (MaxScheduleLen)`},
		{"4294967296", `schedule: tid in "4294967296" is above 2147483647`},
		{"2147483648*2", `schedule: tid in "2147483648*2" is above 2147483647`},
		{"99999999999999999999999", `schedule: tid in "99999999999999999999999" is above 2147483647`},
		{"0*10000001", `schedule: count in "0*10000001" is above 10000000 (MaxScheduleLen)`},
		{"0*9999999.1*2", `schedule: more than 10000000 choices (MaxScheduleLen) at "1*2"`},
		{"-1", `schedule: bad tid "-1"`},
		{"+1", `schedule: bad tid "+1"`},
		{"01", `schedule: bad tid "01"`},
		{"1.x", `schedule: bad tid "x"`},
		{"1..2", `schedule: bad tid ""`},
		{"1.", `schedule: bad tid ""`},
		{"*3", `schedule: bad tid "*3"`},
		{"1*0", `schedule: bad count "1*0"`},
		{"1*", `schedule: bad count "1*"`},
		{"1*-2", `schedule: bad count "1*-2"`},
		{"1*02", `schedule: bad count "1*02"`},
		{"1*2*3", `schedule: bad count "1*2*3"`},
		{"1 .2", `schedule: bad tid "1 "`},
	} {
		s, err := ParseSchedule(tc.in)
		assert.Nil(t, s, tc.in)
		if assert.Error(t, err, tc.in) {
			assert.Equal(t, tc.err, err.Error(), tc.in)
		}
	}

	// The limits themselves are accepted.
	s, err := ParseSchedule(fmt.Sprintf("%d*%d", MaxScheduleTid, MaxScheduleLen))
	require.NoError(t, err)
	assert.Len(t, s, MaxScheduleLen)
	assert.Equal(t, int32(MaxScheduleTid), s[len(s)-1])
	s, err = ParseSchedule(" 0*9999999.3\n")
	require.NoError(t, err)
	assert.Len(t, s, MaxScheduleLen)
}

// fuzzScheduleLen is the length limit FuzzParseSchedule parses with: the
// same code as ParseSchedule, with executions that stay small (at the real
// limit an input of a dozen bytes allocates 40 MB).
const fuzzScheduleLen = 1 << 16

// FuzzParseSchedule: parsing never panics, never yields more than the
// limit, and whatever parses comes back from String in a form that parses
// to the same schedule and prints byte for byte the same.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"-", "", "0", "0*3.1.2*2.0", "1.1", "4294967296", "0*4000000000",
		"2147483647*65536", "7*2.7", " 3*2 ", "1*0", "01", "0*65535.1*2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := parseSchedule(in, fuzzScheduleLen)
		if err != nil {
			if s != nil {
				t.Fatalf("%q: error %v with a schedule", in, err)
			}
			return
		}
		if len(s) > fuzzScheduleLen {
			t.Fatalf("%q: %d choices", in, len(s))
		}
		for _, tid := range s {
			if tid < 0 {
				t.Fatalf("%q: negative tid %d", in, tid)
			}
		}
		str := s.String()
		s2, err := parseSchedule(str, fuzzScheduleLen)
		if err != nil {
			t.Fatalf("%q: String %q does not parse: %v", in, str, err)
		}
		if len(s2) != len(s) || s2.String() != str {
			t.Fatalf("%q: %q parses to %q", in, str, s2.String())
		}
		for i := range s {
			if s[i] != s2[i] {
				t.Fatalf("%q: choice %d is %d, then %d", in, i, s[i], s2[i])
			}
		}
	})
}
