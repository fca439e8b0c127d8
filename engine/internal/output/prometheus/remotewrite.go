package prometheus

import (
	"encoding/binary"
	"math"
)

// The remote write protocol (v1) is a protobuf WriteRequest; this file encodes the three
// messages it needs by hand, which spares a protobuf dependency:
//
//	WriteRequest { repeated TimeSeries timeseries = 1; }
//	TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
//	Label        { string name = 1; string value = 2; }
//	Sample       { double value = 1; int64 timestamp = 2; } // timestamp in ms

// label is one name and value; a series' labels must be sorted by name.
type label struct{ name, value string }

// point is one encoded time series with one sample.
type point struct {
	labels []label
	value  float64
	ms     int64
}

// staleNaN is the value Prometheus reads as "this series has ended".
var staleNaN = math.Float64frombits(0x7ff0000000000002)

func appendVarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

// appendField appends a length-delimited field (wire type 2).
func appendField(b []byte, field int, data []byte) []byte {
	b = appendVarint(b, uint64(field)<<3|2)
	b = appendVarint(b, uint64(len(data)))
	return append(b, data...)
}

func appendStringField(b []byte, field int, s string) []byte {
	b = appendVarint(b, uint64(field)<<3|2)
	b = appendVarint(b, uint64(len(s)))
	return append(b, s...)
}

// encodeWriteRequest returns the protobuf bytes of a WriteRequest holding the points.
func encodeWriteRequest(points []point) []byte {
	var out, ts, scratch []byte
	for _, p := range points {
		ts = ts[:0]
		for _, l := range p.labels {
			scratch = appendStringField(scratch[:0], 1, l.name)
			scratch = appendStringField(scratch, 2, l.value)
			ts = appendField(ts, 1, scratch)
		}
		scratch = scratch[:0]
		scratch = appendVarint(scratch, 1<<3|1) // value: fixed64
		scratch = binary.LittleEndian.AppendUint64(scratch, math.Float64bits(p.value))
		scratch = appendVarint(scratch, 2<<3|0) // timestamp: varint
		scratch = appendVarint(scratch, uint64(p.ms))
		ts = appendField(ts, 2, scratch)
		out = appendField(out, 1, ts)
	}
	return out
}
