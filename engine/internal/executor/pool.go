package executor

import (
	"context"
	"runtime"
	"sort"
	"sync"

	"spate.local/engine/internal/segment"
)

// pool holds the instance's initialized VUs. Scenarios take VUs from it when they start and give
// them back when they end, so a later scenario reuses the VUs of an earlier one; arrival-rate
// scenarios also take VUs mid-test, and new ones are initialized when none is idle.
type pool struct {
	newVU    NewVUFunc
	striping *segment.Striping

	mu    sync.Mutex
	idle  []VU
	count uint64 // VUs initialized or being initialized: the next VU's idInInstance-1
	ready uint64 // VUs initialized (vus_max)
}

func newPool(newVU NewVUFunc, st *segment.Striping) *pool {
	return &pool{newVU: newVU, striping: st}
}

// initialize runs a new VU's init code. Its idInTest is the striping's index for the
// instance's count-th VU, so VU ids are unique across the instances of a segmented test.
func (p *pool) initialize(ctx context.Context) (VU, error) {
	p.mu.Lock()
	k := p.count
	p.count++
	p.mu.Unlock()
	vu, err := p.newVU(ctx, k+1, p.striping.IndexAt(k)+1)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.ready++
	p.mu.Unlock()
	return vu, nil
}

// prepare initializes n VUs into the idle set, up to GOMAXPROCS at a time; the first error
// stops it.
func (p *pool) prepare(ctx context.Context, n int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	workers := min(runtime.GOMAXPROCS(0), n)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				vu, err := p.initialize(ctx)
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					continue
				}
				p.put(vu)
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case jobs <- struct{}{}:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// takeIdle returns an idle VU, or nil.
func (p *pool) takeIdle() VU {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) == 0 {
		return nil
	}
	// The lowest ids first: they were initialized first.
	vu := p.idle[0]
	p.idle = p.idle[1:]
	return vu
}

// take returns n VUs: idle ones first, then newly initialized ones.
func (p *pool) take(ctx context.Context, n int) ([]VU, error) {
	vus := make([]VU, 0, n)
	for len(vus) < n {
		if vu := p.takeIdle(); vu != nil {
			vus = append(vus, vu)
			continue
		}
		vu, err := p.initialize(ctx)
		if err != nil {
			p.put(vus...)
			return nil, err
		}
		vus = append(vus, vu)
	}
	return vus, nil
}

// put returns VUs to the idle set, which stays ordered by id so that scenarios get the same
// VUs run after run.
func (p *pool) put(vus ...VU) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, vu := range vus {
		id := vu.IDInInstance()
		at := sort.Search(len(p.idle), func(i int) bool { return p.idle[i].IDInInstance() > id })
		p.idle = append(p.idle, nil)
		copy(p.idle[at+1:], p.idle[at:])
		p.idle[at] = vu
	}
}

// initialized is the number of initialized VUs (vus_max).
func (p *pool) initialized() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ready
}
