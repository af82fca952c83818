// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// A mix is one shape of random scenario: how many threads and how often
// each operation kind is drawn. Coverage feedback keeps a corpus of mixes
// that reached (seed line, preempted) pairs no execution of the campaign
// had reached before, as a fuzzer keeps inputs that found new edges, and
// draws most scenarios from mutations of them.
type mix struct {
	id      int
	threads int
	weights map[string]int
	energy  float64 // new pairs it found, decayed as it is drawn again
	execs   int
	found   int
}

// feedback is a campaign's corpus of mixes.
type feedback struct {
	mu     sync.Mutex
	base   GenConfig
	corpus []*mix
	next   int
	rng    *rand.Rand
	owner  map[*Scenario]*mix
}

func newFeedback(base GenConfig, seed uint64) *feedback {
	return &feedback{base: base, rng: rand.New(rand.NewPCG(seed, 0xfeedbac4)), owner: map[*Scenario]*mix{}}
}

// weightSteps are the multipliers a mutation applies to a kind's weight.
var weightSteps = []float64{0, 0.5, 1, 2, 4}

func (fb *feedback) fresh() *mix {
	m := &mix{threads: fb.base.Threads, weights: map[string]int{}}
	for _, k := range fb.base.EffectiveKinds() {
		m.weights[k] = DefaultWeights[k]
	}
	return m
}

// mutate returns a copy of p with one or two kinds reweighted and,
// sometimes, one thread more or fewer.
func (fb *feedback) mutate(p *mix) *mix {
	m := &mix{threads: p.threads, weights: map[string]int{}}
	for k, w := range p.weights {
		m.weights[k] = w
	}
	kinds := fb.base.EffectiveKinds()
	for i := 1 + fb.rng.IntN(2); i > 0; i-- {
		k := kinds[fb.rng.IntN(len(kinds))]
		w := float64(DefaultWeights[k]) * weightSteps[fb.rng.IntN(len(weightSteps))]
		m.weights[k] = int(w + 0.5)
	}
	if fb.base.VaryThreads && fb.rng.IntN(4) == 0 {
		hi := max(fb.base.Threads+1, 4)
		m.threads = min(8, max(2, m.threads+fb.rng.IntN(3)-1))
		m.threads = min(m.threads, hi)
	}
	total := 0
	for _, w := range m.weights {
		total += w
	}
	if total == 0 {
		m.weights["create"] = DefaultWeights["create"]
	}
	return m
}

// scenario draws the scenario of seed: from the default mix a quarter of
// the time (or while the corpus is empty), else from a mutation of a
// corpus mix chosen in proportion to its energy.
func (fb *feedback) scenario(seed uint64) *Scenario {
	fb.mu.Lock()
	var m *mix
	if len(fb.corpus) == 0 || fb.rng.IntN(4) == 0 {
		m = fb.fresh()
		if len(fb.corpus) > 0 {
			m = fb.mutate(m)
		}
	} else {
		total := 0.0
		for _, c := range fb.corpus {
			total += c.energy
		}
		x := fb.rng.Float64() * total
		parent := fb.corpus[len(fb.corpus)-1]
		for _, c := range fb.corpus {
			if x < c.energy {
				parent = c
				break
			}
			x -= c.energy
		}
		parent.execs++
		parent.energy *= 0.95 // drawn again: a little less promising
		m = fb.mutate(parent)
	}
	fb.mu.Unlock()
	gc := fb.base
	gc.Threads = m.threads
	gc.Weights = m.weights
	scn := RandomScenarioFor(seed, gc)
	scn.Name += "-cov"
	fb.mu.Lock()
	fb.owner[scn] = m
	fb.mu.Unlock()
	return scn
}

// reward records that scn reached novel new (line, preempted) pairs: a
// mix that found some joins the corpus with that much energy.
func (fb *feedback) reward(scn *Scenario, novel int) {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	m := fb.owner[scn]
	delete(fb.owner, scn)
	if m == nil || novel == 0 {
		return
	}
	m.found += novel
	m.energy += float64(novel)
	if m.id == 0 {
		fb.next++
		m.id = fb.next
		fb.corpus = append(fb.corpus, m)
	}
}

// Describe lists the corpus, for reports.
func (fb *feedback) Describe() []string {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	var out []string
	for _, m := range fb.corpus {
		out = append(out, fmt.Sprintf("mix %d: %d threads, weights %v, found %d", m.id, m.threads, m.weights, m.found))
	}
	return out
}
