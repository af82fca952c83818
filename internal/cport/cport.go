// SPDX-License-Identifier: BSD-2-Clause

// Package cport checks that a Go package ports every function of a C
// source file: each function the C file defines either has exactly one Go
// counterpart whose doc comment begins
//
//	// GoName is c_name (file.c:LINE).
//
// citing the line where the C definition starts, or is listed as
// deliberately not ported, with the reason. The C side is a table (Table),
// kept in the package's testdata as the function names and lines read from
// the C file; the Go side is the package's own doc comments (Claims). The
// tests of ifclone (if_clone.c, if.c, if_dead.c), unrhdr (subr_unit.c),
// vnet (vnet.c, vnet.h) and of every driver under ifclone/drivers apply
// the one Check below.
package cport

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Entry is one function (or a macro or variable that a Go declaration
// stands for) of a C file.
type Entry struct {
	Name string // C name
	Line int    // line the definition starts on; 0 when not recorded (only for entries not ported)
	// GoName, when set, is the Go name of the port where it does not follow
	// the naming rule (GoName).
	GoName string
	// NotPorted is why the function has no Go counterpart; "" if it has one.
	NotPorted string
}

// Table is a C file's entries, in the file's order within each section.
type Table struct {
	File    string // base name as the doc comments cite it: "if_vlan.c"
	Source  string // where the names and lines were read: repository and commit
	Entries []Entry
}

// Ported is the table's ported entries.
func (t *Table) Ported() []Entry {
	var out []Entry
	for _, e := range t.Entries {
		if e.NotPorted == "" {
			out = append(out, e)
		}
	}
	return out
}

// ParseTable reads a table in the testdata format:
//
//	# comment lines and blank lines are ignored
//	file if_vlan.c
//	source freebsd/freebsd-src 019abb5cf986
//	== ported
//	vlan_inithash 349
//	VNET_DEFINE 276 Define       (a Go name that the rule does not give)
//	== not ported: the packet path is not emulated
//	vlan_start 1253              (the line is optional here)
//	vlan_transmit
//
// Every entry of a "not ported" section gets that section's reason.
func ParseTable(text string) (*Table, error) {
	t := &Table{}
	section, inSection := "", false
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("line %d: %q: %s", n, line, fmt.Sprintf(format, args...))
		}
		if rest, ok := strings.CutPrefix(line, "== "); ok {
			switch {
			case rest == "ported":
				section = ""
			case strings.HasPrefix(rest, "not ported: ") && len(rest) > len("not ported: "):
				section = strings.TrimPrefix(rest, "not ported: ")
			default:
				return nil, bad(`want "== ported" or "== not ported: REASON"`)
			}
			inSection = true
			continue
		}
		f := strings.Fields(line)
		switch f[0] {
		case "file":
			if len(f) != 2 || t.File != "" {
				return nil, bad("want one file line with one name")
			}
			t.File = f[1]
			continue
		case "source":
			if len(f) < 2 || t.Source != "" {
				return nil, bad("want one source line")
			}
			t.Source = strings.Join(f[1:], " ")
			continue
		}
		if !inSection {
			return nil, bad("entry before any section")
		}
		if len(f) > 3 {
			return nil, bad("want NAME [LINE] [GoName]")
		}
		e := Entry{Name: f[0], NotPorted: section}
		if !cIdent.MatchString(e.Name) {
			return nil, bad("not a C identifier")
		}
		rest := f[1:]
		if len(rest) > 0 {
			if l, err := strconv.Atoi(rest[0]); err == nil {
				if l <= 0 {
					return nil, bad("line %d", l)
				}
				e.Line, rest = l, rest[1:]
			}
		}
		if len(rest) > 0 {
			e.GoName = rest[0]
			if section != "" {
				return nil, bad("a Go name for an entry not ported")
			}
		}
		if section == "" && e.Line == 0 {
			return nil, bad("a ported entry needs its line")
		}
		if seen[e.Name] {
			return nil, bad("%s listed twice", e.Name)
		}
		seen[e.Name] = true
		t.Entries = append(t.Entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if t.File == "" {
		return nil, fmt.Errorf("no file line")
	}
	return t, nil
}

// LoadTable reads a table file.
func LoadTable(path string) (*Table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := ParseTable(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

var cIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Claim is a Go declaration whose doc comment names a C counterpart.
type Claim struct {
	GoName string // the declared name
	Named  string // the name the comment gives (GoName, if the comment is right)
	CName  string
	CFile  string
	CLine  int
	Pos    token.Position
}

// claimRE matches the first sentence of a port's doc comment, its white
// space folded to single spaces; a macro may be named with its arguments
// ("Get is VNET_VNET_PTR(vnet, n) (vnet.h:298)").
var claimRE = regexp.MustCompile(`^(\w+) is (\w+)(?:\([^()]*\))? \(([\w.]+\.[ch]):(\d+)\)`)

// Claims returns the claims of the Go files of dir (its _test.go files
// aside), in file and declaration order: functions, and the constants,
// variables and types that stand for a C macro or variable.
func Claims(dir string) ([]Claim, error) { return claims(dir, false) }

// ClaimsWithTests is Claims with the _test.go files too, for a port whose
// C file's test driver is ported as tests (subr_unit.c's main).
func ClaimsWithTests(dir string) ([]Claim, error) { return claims(dir, true) }

func claims(dir string, tests bool) ([]Claim, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	fset := token.NewFileSet()
	var out []Claim
	add := func(doc *ast.CommentGroup, name *ast.Ident) {
		if doc == nil || name == nil {
			return
		}
		m := claimRE.FindStringSubmatch(strings.Join(strings.Fields(doc.Text()), " "))
		if m == nil {
			return
		}
		line, _ := strconv.Atoi(m[4])
		out = append(out, Claim{GoName: name.Name, Named: m[1], CName: m[2], CFile: m[3], CLine: line,
			Pos: fset.Position(name.Pos())})
	}
	for _, fn := range files {
		if !tests && strings.HasSuffix(fn, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, fn, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				add(d.Doc, d.Name)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					doc := d.Doc
					var name *ast.Ident
					switch s := s.(type) {
					case *ast.ValueSpec:
						if s.Doc != nil {
							doc = s.Doc
						}
						name = s.Names[0]
					case *ast.TypeSpec:
						if s.Doc != nil {
							doc = s.Doc
						}
						name = s.Name
					}
					if len(d.Specs) > 1 && doc == d.Doc {
						continue // a group's comment is not one spec's
					}
					add(doc, name)
				}
			}
		}
	}
	return out, nil
}

// GoName applies the naming rule to a C name: the words between
// underscores, each capitalised (if_clone_create -> IfCloneCreate,
// _if_delgroup_locked -> IfDelgroupLocked, VNET_ASSERT -> VnetAssert).
func GoName(c string) string {
	var b strings.Builder
	for _, w := range strings.Split(strings.ToLower(c), "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// followsRule reports whether goName is c's Go name: the rule's, or with
// a lower-case first letter (a static C function is unexported), or c
// itself (a C macro kept in capitals, as Go does for constants).
func followsRule(goName, c string) bool {
	r := GoName(c)
	if goName == r || goName == c {
		return true
	}
	return r != "" && goName == strings.ToLower(r[:1])+r[1:]
}

// Check checks the claims of a package against the tables of the C files
// it ports and returns the problems, none when:
//   - each ported entry of a table has exactly one claim of its name citing
//     the table's file, at the entry's line, made by the declaration the
//     comment names, whose name follows the rule (or is the entry's GoName);
//   - no entry that is not ported has a claim;
//   - no claim citing a table's file names a function the table lacks.
//
// Claims citing files without a table are not looked at.
func Check(claims []Claim, tables ...*Table) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, t := range tables {
		byName := map[string][]Claim{}
		for _, c := range claims {
			if c.CFile == t.File {
				byName[c.CName] = append(byName[c.CName], c)
			}
		}
		listed := map[string]bool{}
		for _, e := range t.Entries {
			listed[e.Name] = true
			cs := byName[e.Name]
			if e.NotPorted != "" {
				for _, c := range cs {
					bad("%s: %s is listed as not ported (%s), but %s claims it (%s)", t.File, e.Name, e.NotPorted, c.GoName, c.Pos)
				}
				continue
			}
			switch len(cs) {
			case 0:
				bad("%s: %s (line %d) has no Go counterpart", t.File, e.Name, e.Line)
				continue
			case 1:
			default:
				var where []string
				for _, c := range cs {
					where = append(where, c.GoName+" ("+c.Pos.String()+")")
				}
				bad("%s: %s has %d Go counterparts: %s", t.File, e.Name, len(cs), strings.Join(where, ", "))
				continue
			}
			c := cs[0]
			if c.Named != c.GoName {
				bad("%s: the doc comment of %s names %s (%s)", t.File, c.GoName, c.Named, c.Pos)
			}
			if c.CLine != e.Line {
				bad("%s: %s cites %s:%d, the table says line %d (%s)", t.File, c.GoName, t.File, c.CLine, e.Line, c.Pos)
			}
			if e.GoName != "" {
				if c.GoName != e.GoName {
					bad("%s: %s is ported as %s, the table says %s (%s)", t.File, e.Name, c.GoName, e.GoName, c.Pos)
				}
			} else if !followsRule(c.GoName, e.Name) {
				bad("%s: %s is ported as %s, the naming rule gives %s (%s)", t.File, e.Name, c.GoName, GoName(e.Name), c.Pos)
			}
		}
		var extra []string
		for name, cs := range byName {
			if !listed[name] {
				for _, c := range cs {
					extra = append(extra, fmt.Sprintf("%s: %s claims %s, which the table does not list (%s)", t.File, c.GoName, name, c.Pos))
				}
			}
		}
		sort.Strings(extra)
		out = append(out, extra...)
	}
	return out
}

// CheckDir is Claims(dir) checked against the tables.
func CheckDir(dir string, tables ...*Table) ([]string, error) {
	claims, err := Claims(dir)
	if err != nil {
		return nil, err
	}
	return Check(claims, tables...), nil
}
