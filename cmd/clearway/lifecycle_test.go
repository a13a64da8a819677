package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// brokerConfig is FastClear with its three shipped feeds and code table,
// and the ERP taking a status feed.
const brokerConfig = `  - id: fastclear
    name: FastClear
    role: broker
    mappings: [broker-status-csv, broker-status-fixed, x12-350]
    status_codes: fastclear.yaml
  - id: erp
    name: ERP
    role: erp
    mappings: [erp-po-csv]
    outbound:
      - {job: status, kind: status, format: csv, schedule: "0 0 1 1 *"}
`

// feedDemo is a demo with the shipped mappings and FastClear's table.
type feedDemo struct {
	*demo
	t *testing.T
	n int
}

func newFeedDemo(t *testing.T) *feedDemo {
	t.Helper()
	d := newDemo(t)
	d.useShippedMappings(t, brokerConfig)
	return &feedDemo{demo: d, t: t}
}

// send ingests one file the broker sent into dir under name.
func (f *feedDemo) send(dir, name, body string) {
	f.t.Helper()
	f.n++
	p := filepath.Join(f.dir, "out", fmt.Sprint(f.n), name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		f.t.Fatal(err)
	}
	if out, errOut, code := f.clearway(f.t, "ingest", "--partner", "fastclear", "--into", dir, p); code != 0 {
		f.t.Fatalf("ingest %s: exit %d\n%s%s", name, code, out, errOut)
	}
}

// events sends a CargoWise-style event CSV; each row is
// "CODE,DD/MM/YYYY HH:mm" for entry 597-2603117-8 on B/L MAEU240312345,
// or "CODE,DD/MM/YYYY HH:mm,-" for the B/L without an entry number.
func (f *feedDemo) events(rows ...string) {
	f.t.Helper()
	body := "Event Code,Event Time,Entry No,Master BL,House BL,Container,Message\n"
	for _, r := range rows {
		p := strings.Split(r, ",")
		entry := "597-2603117-8"
		if len(p) > 2 {
			entry = ""
		}
		body += fmt.Sprintf("%s,%s,%s,MAEU240312345,,,%s event\n", p[0], p[1], entry, p[0])
	}
	f.send("inbox/events", fmt.Sprintf("CW_EVENTS_%d.csv", f.n+1), body)
}

// x350 sends an X12 350 with one X4 per disposition "CODE YYYYMMDD HHMM".
func (f *feedDemo) x350(dispositions ...string) {
	f.t.Helper()
	control := 200 + f.n
	segs := []string{"ST|350|0001", "M10|MAEU|O|DK||MAERSK ESSEN|612E", "P4|2704|20260324"}
	for _, d := range dispositions {
		p := strings.Fields(d)
		segs = append(segs, fmt.Sprintf("X4|MAEU240312345|650|01|59726031178|%s|%s|%s|NHFW26030042|MAEU|NHFW", p[1], p[2], p[0]))
	}
	segs = append(segs, fmt.Sprintf("SE|%d|0001", len(segs)+1))
	body := fmt.Sprintf("ISA|00|          |00|          |ZZ|FASTCLEAR      |ZZ|ACMECOMPONENTS |260321|0820|{|00501|%09d|0|P|^~", control) +
		fmt.Sprintf("GS|AU|FASTCLEAR|ACMECOMP|20260321|0820|%d|X|005010~", control) +
		strings.Join(segs, "~") + "~" + fmt.Sprintf("GE|1|%d~IEA|1|%09d~", control, control)
	f.send("inbox/edi/350", fmt.Sprintf("350_%09d.edi", control), body)
}

// show returns `shipment show REF --json`.
func (f *feedDemo) show(ref string) map[string]any {
	f.t.Helper()
	out, errOut, code := f.clearway(f.t, "shipment", "show", ref, "--json")
	if code != 0 {
		f.t.Fatalf("shipment show %s: exit %d: %s", ref, code, errOut)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// states lists the timeline as "CODE→STATE" in time order (status
// messages only).
func states(s map[string]any) []string {
	var out []string
	for _, e := range s["timeline"].([]any) {
		m := e.(map[string]any)
		if m["code_list"] != "clearway" && m["code_list"] != "milestone" {
			out = append(out, fmt.Sprintf("%s→%s", m["code"], m["state"]))
		}
	}
	return out
}

func rules(s map[string]any) []string {
	var out []string
	for _, f := range s["findings"].([]any) {
		out = append(out, f.(map[string]any)["rule"].(string))
	}
	return out
}

// A CBP hold that arrives dated before the broker's "transmitted" code is
// evidence like any other: the entry is ON_HOLD, and the release waits for
// the hold's removal. The same messages in another order end the same.
func TestLifecycleHoldBeforeFiling(t *testing.T) {
	story := []func(f *feedDemo){
		func(f *feedDemo) { f.x350("1H 20260319 0900") },
		func(f *feedDemo) { f.events("CCC,20/03/2026 14:05", "CEN,20/03/2026 14:07") },
		func(f *feedDemo) { f.x350("1C 20260322 1000") },
		func(f *feedDemo) { f.x350("1I 20260325 1020") },
	}
	f := newFeedDemo(t)
	want := []string{"ON_HOLD", "ON_HOLD", "ON_HOLD", "RELEASED"}
	for i, step := range story {
		step(f)
		if s := f.show("59726031178"); s["state"] != want[i] {
			t.Fatalf("after step %d: %v, want %s; timeline %v", i+1, s["state"], want[i], states(s))
		}
	}
	inOrder := f.show("59726031178")
	wantTimeline := []string{"1H→ON_HOLD", "CCC→ON_HOLD", "CEN→ON_HOLD", "1C→ON_HOLD", "1I→RELEASED"}
	if got := states(inOrder); !slices.Equal(got, wantTimeline) {
		t.Errorf("timeline %v, want %v", got, wantTimeline)
	}
	if !slices.Contains(rules(inOrder), "FILED_BEFORE_READY") {
		t.Errorf("findings %v, want FILED_BEFORE_READY (the broker filed a packet that was never ready)", rules(inOrder))
	}
	// Backwards: the release first, then the filing, then the hold.
	g := newFeedDemo(t)
	for i := len(story) - 1; i >= 0; i-- {
		story[i](g)
	}
	reversed := g.show("59726031178")
	if reversed["state"] != "RELEASED" || !slices.Equal(states(reversed), wantTimeline) {
		t.Errorf("in reverse: %v %v, want RELEASED %v", reversed["state"], states(reversed), wantTimeline)
	}
}

// The shipped BRKSTS file has ACC and no TRN: the filing is inferred.
func TestLifecycleAcceptedWithoutTransmitted(t *testing.T) {
	f := newFeedDemo(t)
	repo, _ := filepath.Abs("../..")
	body, _ := os.ReadFile(filepath.Join(repo, "testdata/mappings/broker-status-fixed/inbox/BRKSTS_597_000000412.txt"))
	f.send("inbox", "BRKSTS_597_000000412.txt", string(body))
	s := f.show("59726031178")
	if got := states(s); len(got) == 0 || got[0] != "ACC→ACCEPTED" {
		t.Errorf("timeline %v, want ACC→ACCEPTED first", got)
	}
	if s["state"] != "RELEASED" || !slices.Contains(rules(s), "FILED_BEFORE_READY") {
		t.Errorf("state %v findings %v, want RELEASED (1H, 1C, 1I follow) with FILED_BEFORE_READY", s["state"], rules(s))
	}
}

// Holds are lifted one by one, by their agency; an exam is not a hold.
func TestLifecycleHoldsAndExam(t *testing.T) {
	f := newFeedDemo(t)
	f.events("CCC,20/03/2026 14:05", "CEN,20/03/2026 14:07")
	steps := []struct{ row, state string }{
		{"1H,21/03/2026 08:00", "ON_HOLD"},
		{"2H,21/03/2026 09:00", "ON_HOLD"},
		{"2I,22/03/2026 09:00", "ON_HOLD"}, // the USDA hold only: CBP's stays
		{"1A,22/03/2026 10:00", "EXAM"},
		{"1I,23/03/2026 10:00", "EXAM"}, // the hold goes; the exam is still open
		{"1B,24/03/2026 10:00", "RELEASED"},
	}
	for _, st := range steps {
		f.events(st.row)
		s := f.show("59726031178")
		if s["state"] != st.state {
			t.Fatalf("after %s: %v, want %s; timeline %v", st.row, s["state"], st.state, states(s))
		}
		if st.row[:2] == "2I" {
			holds := s["entries"].([]any)[0].(map[string]any)["holds"].([]any)
			if len(holds) != 1 || holds[0].(map[string]any)["agency"] != "CBP" {
				t.Errorf("after 2I holds %v, want the CBP hold only", holds)
			}
		}
	}
}

// DCR rejects the declaration; a new CCC files it again, and the status
// feed has a line for each state.
func TestLifecycleRejectedAndResubmitted(t *testing.T) {
	f := newFeedDemo(t)
	for _, st := range []struct{ row, state string }{
		{"CCC,20/03/2026 14:05,-", "SUBMITTED"},
		{"DCR,20/03/2026 16:00,-", "REJECTED"},
		{"CCC,21/03/2026 09:30,-", "SUBMITTED"},
	} {
		f.events(st.row)
		if s := f.show("MAEU240312345"); s["state"] != st.state {
			t.Fatalf("after %s: %v, want %s", st.row, s["state"], st.state)
		}
	}
	s := f.show("MAEU240312345")
	if e := s["entries"].([]any)[0].(map[string]any); e["resubmissions"] != 1.0 {
		t.Errorf("entry %v, want 1 resubmission", e)
	}
	if out, errOut, code := f.clearway(t, "outbound", "run", "--partner", "erp", "--job", "status"); code != 0 {
		t.Fatalf("outbound run: %s%s", out, errOut)
	}
	feeds, _ := filepath.Glob(filepath.Join(f.dir, "var", "partners", "erp", "outbox", "*.csv"))
	if len(feeds) != 1 {
		t.Fatalf("status feeds %v, want one", feeds)
	}
	body, _ := os.ReadFile(feeds[0])
	var seen []string
	for _, line := range strings.Split(string(body), "\n") {
		if cols := strings.Split(line, ","); len(cols) > 2 && cols[0] == "state" {
			seen = append(seen, cols[2])
		}
	}
	if !slices.Equal(seen, []string{"SUBMITTED", "REJECTED", "SUBMITTED"}) {
		t.Errorf("status feed lines %v, want SUBMITTED, REJECTED, SUBMITTED:\n%s", seen, body)
	}
}
