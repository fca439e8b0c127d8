package summary

import (
	"encoding/json"

	"spate.local/engine/internal/aggregate"
	"spate.local/engine/internal/metrics"
)

// Export is k6's --summary-export file: per metric its values flattened next to
// "thresholds": {expr: failed} (true when the threshold FAILED, as k6 writes it), rates with
// "value" instead of "rate", and root_group with groups and checks keyed by name.
func Export(snap *aggregate.Snapshot, o Options) ([]byte, error) {
	dur := snap.Duration.Seconds()
	ms := map[string]any{}
	for _, m := range snap.Metrics {
		entry := map[string]any{}
		for k, v := range values(m, o, dur) {
			entry[k] = v
		}
		if m.Metric.Type == metrics.Rate {
			entry["value"] = entry["rate"]
			delete(entry, "rate")
		}
		if len(m.Thresholds) > 0 {
			th := map[string]bool{}
			for _, t := range m.Thresholds {
				th[t.Source] = !t.OK
			}
			entry["thresholds"] = th
		}
		ms[m.Name] = entry
	}
	return json.MarshalIndent(map[string]any{"root_group": exportGroup(snap.Root), "metrics": ms}, "", "    ")
}

func exportGroup(g *aggregate.Group) map[string]any {
	groups := map[string]any{}
	for _, sub := range g.Groups {
		groups[sub.Name] = exportGroup(sub)
	}
	checks := map[string]any{}
	for _, c := range g.Checks {
		checks[c.Name] = map[string]any{"name": c.Name, "path": c.Path, "id": c.ID, "passes": c.Passes, "fails": c.Fails}
	}
	return map[string]any{"name": g.Name, "path": g.Path, "id": g.ID, "groups": groups, "checks": checks}
}
