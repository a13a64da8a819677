package dashboard

import (
	"testing"
	"time"
)

func TestMedianAndP90(t *testing.T) {
	for _, tc := range []struct {
		in          []float64
		median, p90 any
	}{
		{nil, nil, nil},
		{[]float64{4}, 4.0, 4.0},
		{[]float64{8, 5}, 6.5, 8.0},                          // even count: the mean of the middle two; p90 rank ⌈1.8⌉ = 2
		{[]float64{11, 2, 5}, 5.0, 11.0},                     // p90 rank ⌈2.7⌉ = 3
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 5.5, 9.0}, // rank 9 of 10
		{[]float64{0.04, 0.06}, 0.1, 0.1},                    // rounded to one decimal
	} {
		if got := median(tc.in); got != tc.median {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.median)
		}
		if got := p90(tc.in); got != tc.p90 {
			t.Errorf("p90(%v) = %v, want %v", tc.in, got, tc.p90)
		}
	}
}

func TestDescribe(t *testing.T) {
	invoice := []map[string]string{
		{"hs_code": "8482.10.5048", "origin_country": "cn", "line_value": "31,000", "currency": "USD"},
		{"hs_code": "901210000", "origin_country": "VN", "quantity": "1200", "unit_price": "38.5", "currency": "USD"}, // coffee, zero lost
	}
	p := Describe("ocean", map[string]string{"port_of_lading": "cnnbo", "port_of_entry": "USLAX"}, invoice, nil)
	if p.Value != 77200 || p.Currency != "USD" || p.Origin != "VN" || p.HSChapter != "09" || p.HSHeading != "0901" {
		t.Errorf("profile %+v: want value 77200 USD, principal line 2 (VN, 0901)", p)
	}
	if got := p.Lane(); got != "VN → USLAX (ocean)" {
		t.Errorf("lane %q", got)
	}
	if got := p.Route(); got != "CNNBO → USLAX" {
		t.Errorf("route %q", got)
	}
	po := []map[string]string{{"hs_code": "8471", "origin_country": "DE", "quantity": "2", "unit_price": "10", "currency": "EUR"}}
	q := Describe("", map[string]string{"destination_country": "US"}, nil, po)
	if q.Value != 0 || q.Origin != "DE" || q.Route() != "DE → US" || q.Lane() != "DE → US (?)" {
		t.Errorf("from the PO alone %+v (%s, %s): the origin and family, no invoice value", q, q.Lane(), q.Route())
	}
	mixed := Describe("air", nil, []map[string]string{{"line_value": "1", "currency": "USD"}, {"line_value": "2", "currency": "EUR"}}, nil)
	if mixed.Currency != "mixed" || mixed.Value != 3 {
		t.Errorf("two currencies: %+v", mixed)
	}
}

func TestDayList(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	from := time.Date(2026, 11, 30, 20, 0, 0, 0, la) // 2026-12-01 04:00 UTC
	days := dayList(from, from.Add(49*time.Hour))
	if len(days) != 3 || days[0].Format(time.DateOnly) != "2026-12-01" || days[2].Format(time.DateOnly) != "2026-12-03" {
		t.Errorf("days %v, want the UTC days 12-01 to 12-03", days)
	}
}

// TestTrendCountsSpans checks the day-by-day count against spans that
// start, end and cross midnight.
func TestTrendCountsSpans(t *testing.T) {
	d := func(day, hour int) time.Time { return time.Date(2026, 12, day, hour, 0, 0, 0, time.UTC) }
	in := &Input{Spans: []Span{
		{Shipment: 1, State: "FILE_READY", Since: d(1, 8), Until: d(2, 9)}, // ready at the end of the 1st only
		{Shipment: 1, State: "ON_HOLD", Since: d(2, 9)},                    // held from the 2nd on
		{Shipment: 2, State: "SUBMITTED", Since: d(1, 23), Until: d(2, 0)}, // ends exactly at midnight: not counted
		{Shipment: 2, State: "CLOSED", Since: d(2, 0)},                     // closed: never counted
	}}
	sec := portfolioTrend(Query{From: d(1, 0), To: d(3, 12)}, in)
	want := map[string][]any{"2026-12-01": {"2026-12-01", 1, 0}, "2026-12-02": {"2026-12-02", 0, 1}, "2026-12-03": {"2026-12-03", 0, 1}}
	if len(sec.Rows) != 3 {
		t.Fatalf("rows %+v", sec.Rows)
	}
	for _, r := range sec.Rows {
		if got := r.Cells; len(got) != 3 || got[1] != want[r.Key][1] || got[2] != want[r.Key][2] {
			t.Errorf("%s: %v, want %v (columns %v)", r.Key, got, want[r.Key], sec.Columns)
		}
	}
}
