package kafka

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"
)

// franz-go picks one partitioner per client, but a message may name its own
// partition while its neighbours should use the default strategy. pinning
// wraps the default partitioner and honours record.Partition only for
// records whose context carries pinnedKey.

type pinnedKey struct{}

// pinContext marks records whose Partition field was chosen by the script.
func pinContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, pinnedKey{}, true)
}

func isPinned(r *kgo.Record) bool {
	return r.Context != nil && r.Context.Value(pinnedKey{}) != nil
}

// newPinningPartitioner wraps franz-go's default partitioner (the one a
// client uses when no RecordPartitioner option is given).
func newPinningPartitioner() kgo.Partitioner {
	return pinning{base: kgo.UniformBytesPartitioner(64<<10, true, true, nil)}
}

type pinning struct{ base kgo.Partitioner }

func (p pinning) ForTopic(topic string) kgo.TopicPartitioner {
	return &pinningTopic{base: p.base.ForTopic(topic)}
}

type pinningTopic struct{ base kgo.TopicPartitioner }

// RequiresConsistency makes franz-go offer every partition, in order, for a
// pinned record, so the returned index is the partition number. An index
// out of range fails the record with franz-go's "invalid record
// partitioning choice" error.
func (p *pinningTopic) RequiresConsistency(r *kgo.Record) bool {
	return isPinned(r) || p.base.RequiresConsistency(r)
}

// Partition is only a fallback: because pinningTopic implements
// TopicBackupPartitioner, franz-go calls PartitionByBackup instead.
func (p *pinningTopic) Partition(r *kgo.Record, n int) int {
	if isPinned(r) {
		return int(r.Partition)
	}
	return p.base.Partition(r, n)
}

// PartitionByBackup and OnNewBatch forward the default partitioner's
// optional behaviours (adaptive, sticky batching) for unpinned records.
func (p *pinningTopic) PartitionByBackup(r *kgo.Record, n int, it kgo.TopicBackupIter) int {
	if isPinned(r) {
		return int(r.Partition)
	}
	if b, ok := p.base.(kgo.TopicBackupPartitioner); ok {
		return b.PartitionByBackup(r, n, it)
	}
	return p.base.Partition(r, n)
}

func (p *pinningTopic) OnNewBatch() {
	if b, ok := p.base.(kgo.TopicPartitionerOnNewBatch); ok {
		b.OnNewBatch()
	}
}
