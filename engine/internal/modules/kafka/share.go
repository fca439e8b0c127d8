package kafka

import (
	"fmt"
	"strings"
	"sync"
)

// sharedProducers lets producers built with the same `share` key use one
// franz-go client. The engine runs every VU of a test in one process (one goroutine
// and JS runtime per VU), so a package-level table is where VUs can meet.
// That is how a script runs N real producers whatever its VU count.
var sharedProducers = &producerPool{entries: map[string]*pooledProducer{}}

type producerPool struct {
	mu      sync.Mutex
	entries map[string]*pooledProducer
}

type pooledProducer struct {
	link *link
	cfg  producerConfig
	refs int
}

// acquire returns the client for key, opening it on first use. Producers
// joining an existing key must agree on every client-level option, since
// they would otherwise silently run with another producer's settings.
func (p *producerPool) acquire(key string, cfg producerConfig, open func() (*link, error)) (*link, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.entries[key]; ok {
		if diff := e.cfg.sharingConflicts(cfg); len(diff) > 0 {
			return nil, &optionError{fmt.Sprintf(
				"kafka: Producer share %q is already open with different %s; use the same options or another share key",
				key, strings.Join(diff, ", "))}
		}
		e.refs++
		return e.link, nil
	}
	l, err := open()
	if err != nil {
		return nil, err
	}
	p.entries[key] = &pooledProducer{link: l, cfg: cfg, refs: 1}
	return l, nil
}

// release drops one reference; the last one closes the client.
func (p *producerPool) release(key string) {
	p.mu.Lock()
	e, ok := p.entries[key]
	if !ok {
		p.mu.Unlock()
		return
	}
	e.refs--
	last := e.refs == 0
	if last {
		delete(p.entries, key)
	}
	p.mu.Unlock()
	if last {
		// Closing waits for in-flight requests; do it outside the lock.
		e.link.close()
	}
}
