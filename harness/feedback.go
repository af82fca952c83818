// SPDX-License-Identifier: BSD-2-Clause

package harness

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// A mix is one shape of random scenario: how many threads and how often
// each operation kind is drawn. Coverage feedback keeps two corpora, as a
// fuzzer keeps inputs that found new edges: the mixes and the scenarios
// themselves that reached (seed line, preempted) pairs no execution of
// the campaign had reached before. While the corpora have energy it
// draws up to half of the scenarios as mutations of a kept scenario and
// most of the rest from mutated mixes, returning to the default generator
// as their energy decays (energyHalf). A kept scenario is mutated by an
// operation's name set to another's of the scenario, two operations
// swapped, an operation replaced, and with VaryThreads one removed or
// copied into another thread, a thread added or removed (mutateScenario).
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
	kept   []*keptScenario // the scenario corpus
}

// keptScenario is a scenario of the corpus.
type keptScenario struct {
	scn    *Scenario
	energy float64
	drawn  int
	found  int
}

// maxKept bounds the scenario corpus: past it the least promising goes.
const maxKept = 256

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

// pickByEnergy chooses one of items (not empty) with probability in
// proportion to its energy, as a fuzzer chooses a corpus entry.
func pickByEnergy[T any](rng *rand.Rand, items []T, energy func(T) float64) T {
	total := 0.0
	for _, it := range items {
		total += energy(it)
	}
	x := rng.Float64() * total
	for _, it := range items {
		if x < energy(it) {
			return it
		}
		x -= energy(it)
	}
	return items[len(items)-1]
}

// energyHalf is the corpus energy at which the corpora get half their
// full share of draws: a corpus's share follows its energy, E/(E+energyHalf),
// so that once coverage stops growing (the (line, preempted) pairs of the
// seed saturate within seconds) and the energies have decayed with their
// draws, the campaign returns to the default generator, which draws the
// focused shapes the known races need, instead of spending half its
// executions on mutations of the first, long scenarios that reached new
// pairs.
const energyHalf = 16

// ageDecay multiplies every corpus entry's energy at each draw (a half
// life of about 2,000 draws), besides the decay of the entry drawn: what
// found new pairs long ago loses its claim on the campaign's executions.
const ageDecay = 0.99965

// scenario draws the scenario of seed: with probability up to a half
// (in proportion to the scenario corpus's energy, energyHalf; every
// energy ages by ageDecay at each draw) a mutation
// of a kept scenario chosen in proportion to its energy; otherwise, with
// probability up to two thirds (in proportion to the mix corpus's
// energy), a mutation of a corpus mix chosen in proportion to its energy;
// otherwise a fresh mix, itself mutated with probability up to a half
// (the same proportion), else the default one.
func (fb *feedback) scenario(seed uint64) *Scenario {
	fb.mu.Lock()
	share := func(e float64) float64 { return e / (e + energyHalf) }
	ek, em := 0.0, 0.0
	for _, k := range fb.kept {
		k.energy *= ageDecay
		ek += k.energy
	}
	for _, c := range fb.corpus {
		c.energy *= ageDecay
		em += c.energy
	}
	if len(fb.kept) > 0 && fb.rng.Float64() < share(ek)/2 {
		parent := pickByEnergy(fb.rng, fb.kept, func(k *keptScenario) float64 { return k.energy })
		parent.drawn++
		parent.energy *= 0.95
		fb.mu.Unlock()
		if scn := mutateScenario(parent.scn, seed, fb.base); scn != nil {
			return scn
		}
		fb.mu.Lock()
	}
	var m *mix
	if u := fb.rng.Float64(); len(fb.corpus) == 0 || u >= share(em)*2/3 {
		m = fb.fresh()
		if len(fb.corpus) > 0 && fb.rng.Float64() < share(em)/2 {
			m = fb.mutate(m)
		}
	} else {
		parent := pickByEnergy(fb.rng, fb.corpus, func(c *mix) float64 { return c.energy })
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
	if novel == 0 {
		return
	}
	fb.keep(scn, novel)
	if m == nil {
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

// keep adds scn to the scenario corpus with energy novel. (fb.mu)
func (fb *feedback) keep(scn *Scenario, novel int) {
	if len(fb.kept) >= maxKept {
		low := 0
		for i, k := range fb.kept {
			if k.energy < fb.kept[low].energy {
				low = i
			}
		}
		fb.kept = append(fb.kept[:low], fb.kept[low+1:]...)
	}
	fb.kept = append(fb.kept, &keptScenario{scn: scn, energy: float64(novel), found: novel})
}

// mutateScenario returns a mutation of p drawn from seed (one to three
// edits), or nil if the result is not a valid scenario.
func mutateScenario(p *Scenario, seed uint64, base GenConfig) *Scenario {
	rng := rand.New(rand.NewPCG(seed, 0x3a7a7e))
	c := cloneScenario(p)
	named := func() (int, int, bool) { // a random operation that has a name
		var at [][2]int
		for t, th := range c.Threads {
			for i, op := range th {
				if op.Name != "" {
					at = append(at, [2]int{t, i})
				}
			}
		}
		if len(at) == 0 {
			return 0, 0, false
		}
		x := at[rng.IntN(len(at))]
		return x[0], x[1], true
	}
	randOp := func() (int, int) {
		t := rng.IntN(len(c.Threads))
		for len(c.Threads[t]) == 0 {
			t = rng.IntN(len(c.Threads))
		}
		return t, rng.IntN(len(c.Threads[t]))
	}
	// Without VaryThreads the user fixed the shape: only the edits that
	// keep it (collide, swap, replace).
	edits := 3
	if base.VaryThreads {
		edits = 7
	}
	for n := 1 + rng.IntN(3); n > 0; n-- {
		switch rng.IntN(edits) {
		case 0: // collide: one operation's name becomes another's
			t1, i1, ok1 := named()
			t2, i2, ok2 := named()
			if ok1 && ok2 {
				c.Threads[t1][i1].Name = c.Threads[t2][i2].Name
			}
		case 1: // swap two operations
			t1, i1 := randOp()
			t2, i2 := randOp()
			c.Threads[t1][i1], c.Threads[t2][i2] = c.Threads[t2][i2], c.Threads[t1][i1]
		case 2: // replace an operation by a fresh one of the campaign's domain
			gc := base
			gc.Threads, gc.Ops, gc.Focus = 1, 1, -1
			fresh := RandomScenario(rng, gc)
			if len(fresh.Threads) == 1 && len(fresh.Threads[0]) == 1 {
				t, i := randOp()
				c.Threads[t][i] = fresh.Threads[0][0]
			}
		case 3: // copy an operation into another thread
			t, i := randOp()
			u := rng.IntN(len(c.Threads))
			at := rng.IntN(len(c.Threads[u]) + 1)
			c.Threads[u] = append(c.Threads[u][:at], append([]Op{c.Threads[t][i]}, c.Threads[u][at:]...)...)
		case 4: // remove an operation
			t, i := randOp()
			if len(c.Threads[t]) > 1 {
				c.Threads[t] = append(c.Threads[t][:i], c.Threads[t][i+1:]...)
			}
		case 5: // add a thread: a copy of one
			if len(c.Threads) < 4 {
				c.Threads = append(c.Threads, append([]Op(nil), c.Threads[rng.IntN(len(c.Threads))]...))
			}
		case 6: // remove a thread
			if len(c.Threads) > 2 {
				t := rng.IntN(len(c.Threads))
				c.Threads = append(c.Threads[:t], c.Threads[t+1:]...)
			}
		}
	}
	for t := range c.Threads {
		if len(c.Threads[t]) > 2*max(base.Ops, 1) {
			c.Threads[t] = c.Threads[t][:2*max(base.Ops, 1)]
		}
	}
	defineJails(c)
	if c.Validate() != nil {
		return nil
	}
	c.Name = fmt.Sprintf("%s-m%d", p.Name, seed%1000)
	return c
}

// Describe lists the corpus, for reports.
func (fb *feedback) Describe() []string {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	var out []string
	for _, m := range fb.corpus {
		out = append(out, fmt.Sprintf("mix %d: %d threads, weights %v, found %d", m.id, m.threads, m.weights, m.found))
	}
	out = append(out, fmt.Sprintf("%d scenarios kept", len(fb.kept)))
	return out
}
