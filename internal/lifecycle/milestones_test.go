package lifecycle

import (
	"reflect"
	"testing"
)

// TestDeriveMilestones checks the filing and release times and the hold
// and exam periods dashboards measure, whatever order the messages came in.
func TestDeriveMilestones(t *testing.T) {
	tabs := MustDefaultTables(t)
	msgs := []Message{cw("CCC", 0), x350("1H", 60), x350("2H", 90), x350("2I", 150), x350("1A", 200), x350("1I", 300), x350("1B", 480)}
	want := Milestones{
		Filed:    at(0),
		Released: at(480),
		Periods: []Period{
			{Kind: "hold", Agency: "CBP", Code: "1H", Since: at(60), Until: at(300)},
			{Kind: "hold", Agency: "USDA", Code: "2H", Since: at(90), Until: at(150)},
			{Kind: "exam", Agency: "CBP", Code: "1A", Since: at(200), Until: at(480)},
		},
	}
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5, 6}, {6, 5, 4, 3, 2, 1, 0}, {3, 0, 6, 1, 5, 2, 4}} {
		in := make([]Message, len(order))
		for i, j := range order {
			in[i] = msgs[j]
		}
		got := tabs.Derive(everReady, in).Milestones
		for i := range got.Periods {
			got.Periods[i].Entry = "" // the pending entry in this story
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("order %v:\n got %+v\nwant %+v", order, got, want)
		}
	}
}

// TestDeriveMilestonesOpen checks that a hold still active has no end and
// that an entry never filed has no filing time.
func TestDeriveMilestonesOpen(t *testing.T) {
	tabs := MustDefaultTables(t)
	got := tabs.Derive(everReady, []Message{x350("1H", 30)}).Milestones
	if !got.Filed.Equal(at(30)) || !got.Released.IsZero() {
		t.Errorf("filed %v released %v, want %v and zero (a CBP hold proves filing)", got.Filed, got.Released, at(30))
	}
	if len(got.Periods) != 1 || !got.Periods[0].Until.IsZero() || !got.Periods[0].Since.Equal(at(30)) {
		t.Errorf("periods %+v, want one open hold since %v", got.Periods, at(30))
	}
	none := tabs.Derive(everReady, nil).Milestones
	if !none.Filed.IsZero() || len(none.Periods) != 0 {
		t.Errorf("no messages: %+v, want nothing", none)
	}
}
