// SPDX-License-Identifier: BSD-2-Clause

package triage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"kcheck/model"
)

// classEntry is a remembered class label, on disk beside the runners.
type classEntry struct {
	Class   string   `json:"class"`
	Mode    string   `json:"mode"`
	Base    string   `json:"base,omitempty"`
	IDs     []string `json:"ids"`
	Samples int      `json:"samples"`
}

// classPath is where the label of class under mode is remembered: under
// the source key, so that a campaign on other sources (another fix,
// another catalogue, another port) never recalls it.
func (l *Labeler) classPath(class string, mode model.Mode) (string, error) {
	key, err := l.sourceKey()
	if err != nil {
		return "", err
	}
	base := ""
	if l.Base != nil {
		base = l.Base.ID
	}
	h := sha256.Sum256([]byte(base + "\x00" + mode.String() + "\x00" + class))
	return filepath.Join(l.Cache, key, "classes", hex.EncodeToString(h[:12])+".json"), nil
}

// RecallClass returns the label an earlier campaign on the same sources
// gave class under mode (harness.ClassMemory), unless NoClassMemory.
func (l *Labeler) RecallClass(class string, mode model.Mode) ([]string, bool) {
	if l.NoClassMemory {
		return nil, false
	}
	p, err := l.classPath(class, mode)
	if err != nil {
		return nil, false
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, false
	}
	var e classEntry
	base := ""
	if l.Base != nil {
		base = l.Base.ID
	}
	if json.Unmarshal(b, &e) != nil || e.Class != class || e.Mode != mode.String() || e.Base != base || len(e.IDs) == 0 {
		return nil, false
	}
	l.recalled.Add(1)
	return e.IDs, true
}

// RememberClass records the label of class under mode (harness.ClassMemory),
// unless NoClassMemory.
func (l *Labeler) RememberClass(class string, mode model.Mode, ids []string, samples int) {
	if l.NoClassMemory || len(ids) == 0 {
		return
	}
	p, err := l.classPath(class, mode)
	if err != nil {
		return
	}
	e := classEntry{Class: class, Mode: mode.String(), IDs: ids, Samples: samples}
	if l.Base != nil {
		e.Base = l.Base.ID
	}
	b, err := json.Marshal(e)
	if err != nil || os.MkdirAll(filepath.Dir(p), 0o755) != nil {
		return
	}
	tmp := fmt.Sprintf("%s.tmp%d", p, os.Getpid())
	if os.WriteFile(tmp, b, 0o644) == nil {
		os.Rename(tmp, p)
	}
}
