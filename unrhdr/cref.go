// SPDX-License-Identifier: BSD-2-Clause

package unrhdr

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
)

// cBench is testdata/cgen/c_bench.txt: the compiled C's figures on the
// mixes of BenchmarkDriverMix, written by testdata/cgen/gen.sh on the
// machine and at the date it records.
//
//go:embed testdata/cgen/c_bench.txt
var cBench string

// CFigure is the C's time per unr call on one mix (ns): the median and
// the best and the mean of Runs runs, wall clock and process CPU time.
type CFigure struct {
	Mix   string // check, nocheck, short-check or short-nocheck
	Calls int    // unr calls per run
	Runs  int

	WallMedianNs, WallBestNs, WallMeanNs float64
	CPUMedianNs, CPUBestNs, CPUMeanNs    float64
}

// CBench is c_bench.txt: where and when the C figures were measured, and
// the figures.
type CBench struct {
	Date     string // UTC, as gen.sh wrote it
	Machine  string // nproc, CPU model, uname -srm
	Compiler string
	Load     string // /proc/loadavg's three averages when gen.sh started
	Figures  []CFigure
}

// Figure returns the figure of mix, or false.
func (c *CBench) Figure(mix string) (CFigure, bool) {
	for _, f := range c.Figures {
		if f.Mix == mix {
			return f, true
		}
	}
	return CFigure{}, false
}

// CReference parses the embedded c_bench.txt.
func CReference() (*CBench, error) { return parseCBench(cBench) }

func parseCBench(text string) (*CBench, error) {
	c := &CBench{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "mix=") {
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("c_bench.txt:%d: no key=value: %q", n+1, line)
			}
			switch k {
			case "date":
				c.Date = v
			case "machine":
				c.Machine = v
			case "compiler":
				c.Compiler = v
			case "load":
				c.Load = v
			default:
				return nil, fmt.Errorf("c_bench.txt:%d: unknown key %q", n+1, k)
			}
			continue
		}
		var f CFigure
		for _, kv := range strings.Fields(line) {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("c_bench.txt:%d: no key=value: %q", n+1, kv)
			}
			var err error
			switch k {
			case "mix":
				f.Mix = v
			case "calls":
				f.Calls, err = strconv.Atoi(v)
			case "runs":
				f.Runs, err = strconv.Atoi(v)
			case "wall_median_ns":
				f.WallMedianNs, err = strconv.ParseFloat(v, 64)
			case "wall_best_ns":
				f.WallBestNs, err = strconv.ParseFloat(v, 64)
			case "wall_mean_ns":
				f.WallMeanNs, err = strconv.ParseFloat(v, 64)
			case "cpu_median_ns":
				f.CPUMedianNs, err = strconv.ParseFloat(v, 64)
			case "cpu_best_ns":
				f.CPUBestNs, err = strconv.ParseFloat(v, 64)
			case "cpu_mean_ns":
				f.CPUMeanNs, err = strconv.ParseFloat(v, 64)
			default:
				err = fmt.Errorf("unknown key")
			}
			if err != nil {
				return nil, fmt.Errorf("c_bench.txt:%d: %s: %v", n+1, k, err)
			}
		}
		if f.Mix == "" || f.Calls <= 0 || f.Runs <= 0 || f.CPUMedianNs <= 0 || f.WallMedianNs <= 0 {
			return nil, fmt.Errorf("c_bench.txt:%d: incomplete figure %q", n+1, line)
		}
		c.Figures = append(c.Figures, f)
	}
	if c.Date == "" || c.Machine == "" {
		return nil, fmt.Errorf("c_bench.txt: no date or machine line")
	}
	return c, nil
}
