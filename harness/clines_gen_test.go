package harness

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// seedFile is the seed beside the checkout (../shared/seed).
func seedFile() string {
	for _, p := range []string{"../../shared/seed/if_clone.c.txt", "../shared/seed/if_clone.c.txt"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

var callRe = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*\(`)

var skipCalls = map[string]bool{"if": true, "for": true, "switch": true, "return": true, "func": true,
	"sizeof": true, "while": true, "len": true, "int": true, "uint32": true, "string": true, "make": true,
	"append": true, "copy": true, "min": true, "at": true, "byte": true, "uint": true, "h": true}

func norm(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }

type callAt struct {
	name string
	line int
}

// cFunctionCalls: for each C function of the seed, its calls in order.
func cFunctionCalls(t *testing.T, path string) map[string][]callAt {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	out := map[string][]callAt{}
	defRe := regexp.MustCompile(`^(\d+)[ \x{00a0}]([a-z_][a-z0-9_]*)\(`)
	lineRe := regexp.MustCompile(`^(\d+)[ \x{00a0}]?(.*)$`)
	cur := ""
	depth := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		txt := sc.Text()
		if m := defRe.FindStringSubmatch(txt); m != nil {
			cur = m[2]
			depth = 0
			continue
		}
		m := lineRe.FindStringSubmatch(txt)
		if m == nil || cur == "" {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		body := m[2]
		if depth > 0 || strings.Contains(body, "{") {
			for _, c := range callRe.FindAllStringSubmatch(body, -1) {
				if !skipCalls[c[1]] {
					out[cur] = append(out[cur], callAt{norm(c[1]), n})
				}
			}
		}
		depth += strings.Count(body, "{") - strings.Count(body, "}")
		if depth == 0 && strings.Contains(body, "}") {
			cur = ""
		}
	}
	return out
}

// goFunctionCalls: for each Go port in if_clone.go (by C name), its calls.
func goFunctionCalls(t *testing.T) map[string][]callAt {
	f, err := os.Open("../ifclone/if_clone.go")
	require.NoError(t, err)
	defer f.Close()
	docRe := regexp.MustCompile(`^// \w+ is ([a-z_0-9]+) \(if_clone\.c:\d+\)`)
	out := map[string][]callAt{}
	cur, pending := "", ""
	depth := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		txt := sc.Text()
		if m := docRe.FindStringSubmatch(txt); m != nil {
			pending = m[1]
			continue
		}
		if strings.HasPrefix(txt, "func ") && pending != "" {
			cur, pending, depth = pending, "", 0
		}
		if cur == "" {
			continue
		}
		code := txt
		if i := strings.Index(code, "//"); i >= 0 {
			code = code[:i]
		}
		if !strings.HasPrefix(txt, "func ") {
			for _, c := range callRe.FindAllStringSubmatch(code, -1) {
				name := c[1]
				if !skipCalls[name] && name != "Preempt" {
					out[cur] = append(out[cur], callAt{norm(name), n})
				}
				if name == "Preempt" {
					out[cur] = append(out[cur], callAt{"preempt", n})
				}
			}
		}
		depth += strings.Count(code, "{") - strings.Count(code, "}")
		if depth == 0 && strings.Contains(code, "}") {
			cur = ""
		}
	}
	return out
}

// lineMap aligns each function's Go calls with its C calls (longest
// common subsequence by normalised name) and maps every Go line of the
// function to the C line of the nearest aligned call at or after it.
func lineMap(t *testing.T, seed string) map[int]int {
	cc, gc := cFunctionCalls(t, seed), goFunctionCalls(t)
	out := map[int]int{}
	for fn, g := range gc {
		c := cc[fn]
		// LCS table.
		L := make([][]int, len(g)+1)
		for i := range L {
			L[i] = make([]int, len(c)+1)
		}
		for i := len(g) - 1; i >= 0; i-- {
			for j := len(c) - 1; j >= 0; j-- {
				if g[i].name == c[j].name {
					L[i][j] = L[i+1][j+1] + 1
				} else {
					L[i][j] = max(L[i+1][j], L[i][j+1])
				}
			}
		}
		match := map[int]int{}
		for i, j := 0, 0; i < len(g) && j < len(c); {
			switch {
			case g[i].name == c[j].name:
				match[g[i].line] = c[j].line
				i, j = i+1, j+1
			case L[i+1][j] >= L[i][j+1]:
				i++
			default:
				j++
			}
		}
		// Every Go call line of the function: its own match, or the next
		// matched line's (a Preempt stands before the C access it marks).
		var lines []int
		for _, x := range g {
			lines = append(lines, x.line)
		}
		sort.Ints(lines)
		for k, ln := range lines {
			if cl, ok := match[ln]; ok {
				out[ln] = cl
				continue
			}
			for _, nx := range lines[k+1:] {
				if cl, ok := match[nx]; ok {
					out[ln] = cl
					break
				}
			}
		}
	}
	return out
}

// TestSeedLineMap keeps clines.go, the map from if_clone.go's lines to the
// seed's, in step with both files: with KCHECK_WRITE_CLINES=1 it rewrites
// the table; otherwise, when the seed is beside the checkout, it checks it.
func TestSeedLineMap(t *testing.T) {
	seed := seedFile()
	if seed == "" {
		t.Skip("the seed (../shared/seed/if_clone.c.txt) is not beside this checkout; clines.go is checked where it is")
	}
	m := lineMap(t, seed)
	require.NotEmpty(t, m)
	if os.Getenv("KCHECK_WRITE_CLINES") != "" {
		var keys []int
		for k := range m {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		var b strings.Builder
		b.WriteString("// Code generated by TestSeedLineMap (KCHECK_WRITE_CLINES=1 go test -run TestSeedLineMap ./harness); DO NOT EDIT.\n\n")
		b.WriteString("package harness\n\n")
		b.WriteString("// ifCloneCLine maps a line of ifclone/if_clone.go that calls something\n")
		b.WriteString("// to the line of the seed (if_clone.c) making the same call.\n")
		b.WriteString("var ifCloneCLine = map[int]int{\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "\t%d: %d,\n", k, m[k])
		}
		b.WriteString("}\n")
		require.NoError(t, os.WriteFile("clines.go", []byte(b.String()), 0o644))
		return
	}
	require.Equal(t, m, ifCloneCLine, "clines.go is stale: regenerate with KCHECK_WRITE_CLINES=1")
}
