// SPDX-License-Identifier: BSD-2-Clause

package mutants

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ModuleRoot finds the directory of kcheck's go.mod, from dir upwards.
func ModuleRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module kcheck")) {
			return d, nil
		}
		p := filepath.Dir(d)
		if p == d {
			return "", errors.New("mutants: no go.mod of module kcheck above " + dir)
		}
		d = p
	}
}

// Mutate returns the mutated text of every file m touches, keyed by the
// file's path relative to root. Every rule's old text must occur exactly
// once in the file as it is after the previous rules of m.
func Mutate(root string, m *Mutant) (map[string][]byte, error) {
	out := map[string][]byte{}
	for i, r := range m.Rules {
		src, ok := out[r.File]
		if !ok {
			b, err := os.ReadFile(filepath.Join(root, r.File))
			if err != nil {
				return nil, fmt.Errorf("%s rule %d: %w", m.ID, i+1, err)
			}
			src = b
		}
		n := bytes.Count(src, []byte(r.Old))
		if n != 1 {
			return nil, fmt.Errorf("%s rule %d: old text occurs %d times in %s (want exactly 1): %q",
				m.ID, i+1, n, r.File, abbrev(r.Old))
		}
		out[r.File] = bytes.Replace(src, []byte(r.Old), []byte(r.New), 1)
	}
	return out, nil
}

func abbrev(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// overlayFile is the JSON the go command's -overlay flag reads.
type overlayFile struct {
	Replace map[string]string
}

// WriteOverlay writes m's mutated files under dir and the overlay JSON that
// maps each original absolute path to its mutated copy; it returns the JSON
// file's path.
func WriteOverlay(root string, m *Mutant, dir string) (string, error) {
	files, err := Mutate(root, m)
	if err != nil {
		return "", err
	}
	mdir := filepath.Join(dir, m.ID)
	if err := os.MkdirAll(mdir, 0o755); err != nil {
		return "", err
	}
	ov := overlayFile{Replace: map[string]string{}}
	for rel, text := range files {
		dst := filepath.Join(mdir, strings.ReplaceAll(rel, "/", "__"))
		if err := os.WriteFile(dst, text, 0o644); err != nil {
			return "", err
		}
		ov.Replace[filepath.Join(root, rel)] = dst
	}
	b, err := json.MarshalIndent(ov, "", "  ")
	if err != nil {
		return "", err
	}
	p := filepath.Join(mdir, "overlay.json")
	return p, os.WriteFile(p, b, 0o644)
}

// KillerPkg is the driver program the kill matrix builds per mutant.
const KillerPkg = "./mutants/internal/killer"

// Build compiles pkg (relative to root) into out, with the overlay when
// overlay is not empty.
func Build(ctx context.Context, root, overlay, pkg, out string) error {
	args := []string{"build"}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, "-o", out, pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return nil
}

// BuildKiller builds the killer for m (nil: the faithful port) into dir and
// returns the binary's path. An existing binary is reused only when its
// overlay is unchanged, which the caller ensures by using a fresh dir per
// source state.
func BuildKiller(ctx context.Context, root string, m *Mutant, dir string) (string, error) {
	id := "baseline"
	ov := ""
	if m != nil {
		id = m.ID
		var err error
		if ov, err = WriteOverlay(root, m, dir); err != nil {
			return "", err
		}
	}
	out := filepath.Join(dir, "killer-"+id)
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := Build(ctx, root, ov, KillerPkg, out+".tmp"); err != nil {
		return "", err
	}
	return out, os.Rename(out+".tmp", out)
}
