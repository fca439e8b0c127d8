package spate

import (
	"context"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"spate.local/engine/internal/contract"
	"spate.local/engine/internal/modules/redis"
)

// redisAddr is the shared local stack's Redis (SPATE_REDIS_ADDR overrides it).
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("SPATE_REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:16379"
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("Redis is not reachable at %s (%v); start the local stack with `task up` or set SPATE_REDIS_ADDR", addr, err)
	}
	c.Close()
	return addr
}

func uniqueRun(t *testing.T) string {
	return fmt.Sprintf("test-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
}

func hgetall(t *testing.T, c *redis.Client, key string) map[string]string {
	t.Helper()
	reply, err := c.Do(context.Background(), "HGETALL", key)
	if err != nil {
		t.Fatal(err)
	}
	return pairs(reply)
}

func TestLedgerFlushesExactTotalsAgainstRedis(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	run := uniqueRun(t)
	// Two URLs for one Redis: two clients and two ledgers on the same key, as two engine
	// processes of a distributed run would have.
	a, err := sharedLedger("redis://"+addr, "spate-test", run)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sharedLedger("redis://"+addr+"/0", "spate-test", run)
	if err != nil {
		t.Fatal(err)
	}
	if a == b || a.Key() != b.Key() {
		t.Fatalf("want two ledgers on one key, got %p %p keys %s %s", a, b, a.Key(), b.Key())
	}
	t.Cleanup(func() {
		_ = a.close(ctx)
		_ = b.close(ctx)
		_, _ = a.client.Do(ctx, "DEL", a.Key())
	})

	// Sequence numbers around 2^40: the sums pass 2^53, what a JS number holds exactly, and stay
	// within Redis's 64-bit integers.
	const base = uint64(1 << 40)
	var wantSum big.Int
	var wantHash uint32
	var wg sync.WaitGroup
	for i := range 40 {
		l := a
		if i%2 == 1 {
			l = b
		}
		first := base + uint64(i)*1000
		for seq := first; seq < first+1000; seq++ {
			wantSum.Add(&wantSum, new(big.Int).SetUint64(seq))
			wantHash += contract.MixSeq(seq)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.add(first, 1000)
		}()
	}
	wg.Wait()

	t.Run("nothing is written before a flush", func(t *testing.T) {
		if h := hgetall(t, a.client, a.Key()); len(h) != 0 {
			t.Fatalf("key written before any flush: %v", h)
		}
	})
	t.Run("flushing both ledgers writes the exact sums", func(t *testing.T) {
		if err := a.flushNow(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.flushNow(ctx); err != nil {
			t.Fatal(err)
		}
		h := hgetall(t, a.client, a.Key())
		if wantSum.Cmp(big.NewInt(1<<53)) <= 0 {
			t.Fatalf("the test's seqSum %s should pass 2^53", wantSum.String())
		}
		// seqHash is stored unreduced (docs/sink.md): compare it modulo 2^32.
		var hash uint64
		fmt.Sscan(h["seqHash"], &hash)
		if h["count"] != "40000" || h["seqSum"] != wantSum.String() || uint32(hash) != wantHash {
			t.Fatalf("got %v, want count 40000 seqSum %s seqHash %d (mod 2^32)", h, wantSum.String(), wantHash)
		}
	})
	t.Run("produced reads them back exactly", func(t *testing.T) {
		got, err := b.produced(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.count != 40000 || got.seqSum.Cmp(&wantSum) != 0 || got.seqHash != wantHash {
			t.Fatalf("got %d %s %d", got.count, got.seqSum.String(), got.seqHash)
		}
	})
	t.Run("the background flush writes within about a second", func(t *testing.T) {
		a.add(0, 10)
		deadline := time.Now().Add(3 * time.Second)
		for hgetall(t, a.client, a.Key())["count"] != "40010" {
			if time.Now().After(deadline) {
				t.Fatalf("not flushed after 3 s: %v", hgetall(t, a.client, a.Key()))
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

func TestLedgerFlushesAreAtomicAcrossTwoLedgers(t *testing.T) {
	addr := redisAddr(t)
	ctx := context.Background()
	run := uniqueRun(t)
	a, _ := sharedLedger("redis://"+addr, "spate-test", run)
	b, _ := sharedLedger("redis://"+addr+"/0", "spate-test", run)
	t.Cleanup(func() {
		_ = a.close(ctx)
		_ = b.close(ctx)
		_, _ = a.client.Do(ctx, "DEL", a.Key())
	})

	// Every add is the batch 0..999, so at any moment a reader must see count = k*1000,
	// seqSum = k*499500 and seqHash = k*H: a flush applied in part would break that.
	const batch = 1000
	h := contract.SeqHashRange(0, batch)
	stop := make(chan struct{})
	var writers sync.WaitGroup
	for _, l := range []*ledger{a, b} {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := 0; i < 300; i++ {
				l.add(0, batch)
				if err := l.flushNow(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	reads := 0
	var readErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		reader, _ := redis.Shared("redis://" + addr + "/0?reader")
		for {
			select {
			case <-stop:
				return
			default:
			}
			reply, err := reader.Do(ctx, "HGETALL", a.Key())
			if err != nil {
				readErr = err
				return
			}
			var got totals
			if err := got.addHash(a.Key(), pairs(reply)); err != nil {
				readErr = err
				return
			}
			k := got.count / batch
			want := new(big.Int).SetUint64(k * batch * (batch - 1) / 2)
			if got.count%batch != 0 || got.seqSum.Cmp(want) != 0 || got.seqHash != uint32(k)*h {
				readErr = fmt.Errorf("saw a partial flush: count %d seqSum %s seqHash %d", got.count, got.seqSum.String(), got.seqHash)
				return
			}
			reads++
		}
	}()
	writers.Wait()
	close(stop)
	<-done
	if readErr != nil {
		t.Fatal(readErr)
	}
	final := hgetall(t, a.client, a.Key())
	if final["count"] != "600000" {
		t.Fatalf("final count %s, want 600000", final["count"])
	}
	t.Logf("%d consistent reads during 600 flushes", reads)
}

func TestLedgerKeepsTotalsWhenRedisIsDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, _ := sharedLedger("redis://:s3cret@127.0.0.1:1", "spate-test", uniqueRun(t))
	l.add(5, 10)
	err := l.flushNow(ctx)
	want := "redis: cannot connect to 127.0.0.1:1 (connect: connection refused); check the host and port in the URL and that Redis is up"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	l.mu.Lock()
	count := l.pending.count
	l.mu.Unlock()
	if count != 10 {
		t.Fatalf("pending count %d after a failed flush, want 10", count)
	}
	_ = l.close(ctx)
}
