package kafka

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func newRecord(topic string) *kgo.Record {
	return &kgo.Record{Topic: topic, Value: []byte("v")}
}

func TestPinningPartitioner(t *testing.T) {
	tp := newPinningPartitioner().ForTopic("t")
	base := kgo.UniformBytesPartitioner(64<<10, true, true, nil).ForTopic("t")

	pinned := newRecord("t")
	pinned.Partition = 5
	pinned.Context = pinContext(context.Background())
	if !tp.RequiresConsistency(pinned) {
		t.Fatal("a pinned record must ask for the full, ordered partition list")
	}
	if got := tp.Partition(pinned, 8); got != 5 {
		t.Fatalf("pinned record went to %d, want 5", got)
	}
	if got := tp.(kgo.TopicBackupPartitioner).PartitionByBackup(pinned, 8, nil); got != 5 {
		t.Fatalf("pinned record (backup path) went to %d, want 5", got)
	}

	// Partition 0 without the pin marker is "not chosen", not "partition 0".
	unpinned := newRecord("t")
	if tp.RequiresConsistency(unpinned) {
		t.Fatal("an unkeyed unpinned record should be free to go to any writable partition")
	}

	// Keyed records keep the default key hashing.
	keyed := newRecord("t")
	keyed.Key = []byte("customer-42")
	if !tp.RequiresConsistency(keyed) {
		t.Fatal("keyed records must stay consistent")
	}
	got := tp.(kgo.TopicBackupPartitioner).PartitionByBackup(keyed, 12, nil)
	if want := base.(kgo.TopicBackupPartitioner).PartitionByBackup(keyed, 12, nil); got != want {
		t.Fatalf("keyed record went to %d, default partitioner says %d", got, want)
	}
}
