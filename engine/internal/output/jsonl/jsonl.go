// Package jsonl is the `-o json=path` output: k6's JSON lines, a "Metric" line the first time a
// metric appears and a "Point" line per sample; a path ending in .gz is gzipped.
package jsonl

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"spate.local/engine/internal/metrics"
)

// flushInterval is how often buffered lines reach the file, as k6 does.
const flushInterval = time.Second

// Output writes JSON lines to a file ("-" is stdout).
type Output struct {
	path       string
	thresholds map[string][]string // by metric name, as written

	mu       sync.Mutex // guards buf, seen, tagCache
	buf      bytes.Buffer
	seen     map[*metrics.Metric]bool
	tagCache map[string][]byte // a tag set's JSON object by its key: sets repeat a lot

	file   io.WriteCloser
	gz     *gzip.Writer
	w      io.Writer
	done   chan struct{}
	exited chan struct{}
	err    error // the first write error, reported by Stop
}

// New returns an output writing to path; thresholds are listed in each metric's "Metric" line.
func New(path string, thresholds map[string][]string) *Output {
	return &Output{path: path, thresholds: thresholds, seen: map[*metrics.Metric]bool{}, tagCache: map[string][]byte{}}
}

// Description names the output and its file.
func (o *Output) Description() string { return "json (" + o.path + ")" }

// Start opens (truncates) the file and starts the once-a-second flush.
func (o *Output) Start() error {
	if o.path == "-" {
		o.file = nopCloser{os.Stdout}
	} else {
		f, err := os.Create(o.path)
		if err != nil {
			return fmt.Errorf("cannot create the JSON output file: %w; check that its directory exists and is writable", err)
		}
		o.file = f
	}
	o.w = o.file
	if strings.HasSuffix(o.path, ".gz") {
		o.gz = gzip.NewWriter(o.file)
		o.w = o.gz
	}
	o.done, o.exited = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(o.exited)
		t := time.NewTicker(flushInterval)
		defer t.Stop()
		for {
			select {
			case <-o.done:
				return
			case <-t.C:
				o.flush()
			}
		}
	}()
	return nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// AddSamples encodes the samples into the buffer.
func (o *Output) AddSamples(samples []metrics.Sample) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, s := range samples {
		if s.Metric == nil {
			continue
		}
		if !o.seen[s.Metric] {
			o.seen[s.Metric] = true
			o.writeMetric(s.Metric)
		}
		o.writePoint(s)
	}
}

func (o *Output) writeMetric(m *metrics.Metric) {
	th := o.thresholds[m.Name]
	if th == nil {
		th = []string{}
	}
	type data struct {
		Name       string   `json:"name"`
		Type       string   `json:"type"`
		Contains   string   `json:"contains"`
		Thresholds []string `json:"thresholds"`
		Submetrics any      `json:"submetrics"`
	}
	line := struct {
		Type   string `json:"type"`
		Data   data   `json:"data"`
		Metric string `json:"metric"`
	}{"Metric", data{m.Name, m.Type.String(), m.Contains.String(), th, nil}, m.Name}
	o.buf.Write(marshal(line)) // ends with a newline
}

// marshal encodes v as one JSON line, leaving <, > and & as they are ("p(95)<500").
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return b.Bytes()
}

// writePoint appends a Point line by hand: encoding/json per sample costs several times more.
func (o *Output) writePoint(s metrics.Sample) {
	b := o.buf.AvailableBuffer()
	b = append(b, `{"type":"Point","data":{"time":"`...)
	b = s.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","value":`...)
	if math.IsNaN(s.Value) || math.IsInf(s.Value, 0) {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendFloat(b, s.Value, 'g', -1, 64)
	}
	b = append(b, `,"tags":`...)
	b = append(b, o.tagsJSON(s.Tags)...)
	b = append(b, `},"metric":`...)
	b = strconv.AppendQuote(b, s.Metric.Name) // metric names are ASCII letters, digits and '_'
	b = append(b, "}\n"...)
	o.buf.Write(b)
}

func (o *Output) tagsJSON(tags *metrics.TagSet) []byte {
	if j, ok := o.tagCache[tags.Key()]; ok {
		return j
	}
	j := bytes.TrimSuffix(marshal(tags.Map()), []byte("\n"))
	if len(o.tagCache) < 1<<16 { // bound the cache when tags carry unique values
		o.tagCache[tags.Key()] = j
	}
	return j
}

// flush writes the buffered lines to the file.
func (o *Output) flush() {
	o.mu.Lock()
	data := bytes.Clone(o.buf.Bytes())
	o.buf.Reset()
	o.mu.Unlock()
	if len(data) == 0 {
		return
	}
	_, err := o.w.Write(data)
	if err == nil && o.gz != nil {
		err = o.gz.Flush() // so that the file can be read while the test runs
	}
	if err != nil && o.err == nil {
		o.err = fmt.Errorf("cannot write the JSON output file %s: %w", o.path, err)
	}
}

// Stop writes what is buffered and closes the file.
func (o *Output) Stop() error {
	if o.done == nil {
		return nil
	}
	close(o.done)
	<-o.exited
	o.flush()
	if o.gz != nil {
		if err := o.gz.Close(); err != nil && o.err == nil {
			o.err = fmt.Errorf("cannot finish the gzipped JSON output %s: %w", o.path, err)
		}
	}
	if err := o.file.Close(); err != nil && o.err == nil {
		o.err = fmt.Errorf("cannot close the JSON output file %s: %w", o.path, err)
	}
	return o.err
}
